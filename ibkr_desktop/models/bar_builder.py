"""Ticks into bars on exchange time, the chart timeframes, and the §11 history volume unit.

Pure (no Qt, no clock: times come from the quotes). Bars start on New York wall-clock
boundaries: intraday bars at multiples of their length from midnight ET (so 1h bars start on the
hour, like the demo gateway's extended-hours bars aligned to 04:00 ET), daily bars at midnight ET
of their trading day, both stamped in UTC epoch milliseconds. Nights and weekends hold no ticks,
so they hold no bars: the chart's x axis is the bar index and skips them.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import replace
from enum import StrEnum
from zoneinfo import ZoneInfo

from ibkr_desktop.protocol.bars import Bar

NEW_YORK = ZoneInfo("America/New_York")


class Timeframe(StrEnum):
    """The chart timeframes, by the label the user reads."""

    M1 = "1m"
    M5 = "5m"
    M15 = "15m"
    H1 = "1h"
    D1 = "1D"

    @property
    def seconds(self) -> int:
        """Bar length in seconds."""
        return _SPECS[self][0]

    @property
    def bar(self) -> str:
        """IBKR ``bar`` parameter (§4.5)."""
        return _SPECS[self][1]

    @property
    def period(self) -> str:
        """IBKR ``period`` of one history request: the longest §4.5 allows for ``bar``."""
        return _SPECS[self][2]


# timeframe -> (seconds, IBKR bar, IBKR period of one request; <= 1000 points, §4.5 table)
_SPECS: dict[Timeframe, tuple[int, str, str]] = {
    Timeframe.M1: (60, "1min", "1d"),
    Timeframe.M5: (300, "5min", "1d"),
    Timeframe.M15: (900, "15min", "1w"),
    Timeframe.H1: (3600, "1h", "1m"),
    Timeframe.D1: (86400, "1d", "1y"),
}


def bar_start(t_ms: int, timeframe: Timeframe) -> int:
    """Start (epoch ms) of the ``timeframe`` bar holding the instant ``t_ms``, on New York time."""
    local = dt.datetime.fromtimestamp(t_ms / 1000, NEW_YORK)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if timeframe is Timeframe.D1:
        return int(midnight.timestamp() * 1000)
    seconds = local.hour * 3600 + local.minute * 60 + local.second
    start = seconds - seconds % timeframe.seconds
    wall = midnight + dt.timedelta(seconds=start)  # wall-clock arithmetic, the zone's offset
    return int(wall.timestamp() * 1000)


def settle_volume_factor(history_day_volume: float, snapshot_day_volume: float | None) -> float:
    """Multiplier that turns history ``v`` into shares, settled against the day volume (§11).

    History volume may be reported in lots (the demo gateway and, reportedly, IBKR for US
    stocks: ``volumeFactor`` 100). When the day's history volume times a power of ten (10, 100,
    1000...) comes within 30% of the snapshot's day volume, that power is the factor; otherwise
    1 (e.g. a history day that only partly overlaps the snapshot's day).
    """
    if not snapshot_day_volume or history_day_volume <= 0:
        return 1.0
    exponent = math.log10(snapshot_day_volume / history_day_volume)
    power = round(exponent)
    if power >= 1 and abs(exponent - power) < math.log10(1.3):
        return float(10 ** power)
    return 1.0


class BarBuilder:
    """Folds ticks (time, price, day volume) into bars of one timeframe.

    Volume per bar is the growth of the quote's cumulative day volume between ticks; a drop
    (new trading day) counts the new day's volume from zero.

    Args:
        timeframe: Bar length and alignment.
    """

    def __init__(self, timeframe: Timeframe) -> None:
        self.timeframe = timeframe
        self._bar: Bar | None = None
        self._day_volume: float | None = None

    @property
    def current(self) -> Bar | None:
        """The bar being built, or None before the first tick."""
        return self._bar

    def seed(self, bar: Bar | None) -> None:
        """Continue from ``bar`` (the newest history bar): ticks inside it extend it."""
        self._bar = bar

    def add(self, t_ms: int, price: float | None, day_volume: float | None = None, *,
            count_volume: bool = True) -> Bar | None:
        """Fold one tick; return the bar it changed (None when the tick carries no price).

        A tick older than the current bar is ignored (returns None): the bars on the chart
        never go back in time. ``count_volume=False`` only notes the day volume (a tick the
        seeded history bar already counts).
        """
        traded = self._volume_delta(day_volume) if count_volume else 0.0
        if not count_volume and day_volume is not None and math.isfinite(day_volume):
            self._day_volume = day_volume
        bar = self._bar
        if price is None or not math.isfinite(price):
            if traded and bar is not None:
                self._bar = replace(bar, volume=bar.volume + traded)
                return self._bar
            return None
        start = bar_start(t_ms, self.timeframe)
        if bar is None or start > bar.t_ms:
            self._bar = Bar(start, price, price, price, price, traded)
        elif start < bar.t_ms:
            return None
        else:
            self._bar = Bar(start, bar.open, max(bar.high, price), min(bar.low, price), price,
                            bar.volume + traded)
        return self._bar

    def _volume_delta(self, day_volume: float | None) -> float:
        if day_volume is None or not math.isfinite(day_volume):
            return 0.0
        previous, self._day_volume = self._day_volume, day_volume
        if previous is None:
            return 0.0
        return day_volume - previous if day_volume >= previous else day_volume


def aggregate_ticks(ticks: list[tuple[int, float, float | None]],
                    timeframe: Timeframe) -> list[Bar]:
    """Every bar the ticks ``(t_ms, price, day_volume)`` build, oldest first (tests, replays)."""
    builder = BarBuilder(timeframe)
    bars: dict[int, Bar] = {}
    for t_ms, price, volume in ticks:
        bar = builder.add(t_ms, price, volume)
        if bar is not None:
            bars[bar.t_ms] = bar
    return [bars[t] for t in sorted(bars)]

"""Ticks into bars on exchange time, the chart timeframes, and the §11 history volume unit.

Pure (no Qt, no clock: times come from the quotes). Bars start on New York wall-clock
boundaries: intraday bars at multiples of their length from midnight ET (so 1h bars start on the
hour, like the demo gateway's extended-hours bars aligned to 04:00 ET), daily bars at midnight ET
of their trading day, both stamped in UTC epoch milliseconds. Nights and weekends hold no bars
(a chart's builder drops the ticks that come then, see :func:`session_window`), so the chart's
x axis, the bar index, skips them.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
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


SESSION_OPEN_MIN, SESSION_CLOSE_MIN = 4 * 60, 20 * 60
"""The US equity session live bars are built in: 04:00-20:00 New York (pre-market, regular
hours, after-hours), as IBKR's history with ``outsideRth`` covers it."""


def session_window(t_ms: int) -> tuple[int, int] | None:
    """The US equity session (epoch ms ``[open, close)``) of the New York date of ``t_ms``;
    None on a Saturday or Sunday. Exchange holidays are not known here."""
    local = dt.datetime.fromtimestamp(t_ms / 1000, NEW_YORK)
    if local.weekday() >= 5:
        return None
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    open_, close = (midnight + dt.timedelta(minutes=m) for m in (SESSION_OPEN_MIN,
                                                                  SESSION_CLOSE_MIN))
    return int(open_.timestamp() * 1000), int(close.timestamp() * 1000)


def in_session(t_ms: int) -> bool:
    """True when ``t_ms`` lies in a US equity session (:func:`session_window`)."""
    window = session_window(t_ms)
    return window is not None and window[0] <= t_ms < window[1]


def next_session_open(t_ms: int) -> int:
    """Start (epoch ms) of the first US equity session opening after ``t_ms`` (at most a week
    on: a weekday's 04:00 New York; holidays are not known here)."""
    local = dt.datetime.fromtimestamp(t_ms / 1000, NEW_YORK)
    for days in range(8):
        noon = (local + dt.timedelta(days=days)).replace(hour=12, minute=0, second=0,
                                                         microsecond=0)
        window = session_window(int(noon.timestamp() * 1000))
        if window is not None and window[0] > t_ms:
            return window[0]
    raise AssertionError("a weekday comes within a week")  # pragma: no cover


MAX_VOLUME_POWER = 3
"""History volume is in shares or lots of up to 1000 (x1 ... x1000); never a larger factor."""


def day_volumes(bars: Sequence[Bar], days: int = 3) -> list[float]:
    """History volume of each of the newest ``days`` trading days (New York dates), newest first.

    ``bars`` are time-ordered intraday or daily bars (a daily bar is its own day).
    """
    sums: dict[int, float] = {}
    for bar in reversed(bars):
        day = bar_start(bar.t_ms, Timeframe.D1)
        if day not in sums and len(sums) == days:
            break
        sums[day] = sums.get(day, 0.0) + bar.volume
    return list(sums.values())


def settle_volume_factor(history_day_volumes: Sequence[float],
                         snapshot_day_volume: float | None) -> float | None:
    """Multiplier that turns history ``v`` into shares, settled against the day volume (§11).

    History volume may be reported in lots (the demo gateway and, reportedly, IBKR for US
    stocks, whatever ``volumeFactor`` says). The snapshot's day volume (shares) belongs to the
    current session, or to the last one before it opens; the history's newest day may be
    another one (a bar at night, a session that has barely begun), so the days of
    ``history_day_volumes`` (newest first, see :func:`day_volumes`) are tried in turn: the first
    whose volume times 1, 10, 100 or 1000 comes within 30% of the snapshot's gives the factor.
    Returns None when no day matches (no snapshot volume, or different days): keep the last
    factor.
    """
    if not snapshot_day_volume or snapshot_day_volume <= 0:
        return None
    for volume in history_day_volumes:
        if volume <= 0:
            continue
        exponent = math.log10(snapshot_day_volume / volume)
        power = round(exponent)
        if 0 <= power <= MAX_VOLUME_POWER and abs(exponent - power) < math.log10(1.3):
            return float(10**power)
    return None


class BarBuilder:
    """Folds ticks (time, price, day volume) into bars of one timeframe.

    Volume per bar is the growth of the quote's cumulative day volume (7762, shares) between
    ticks. A drop on a later New York date is a new trading day: its volume counts from zero.
    A drop on the same date (a stale or rounded value) counts nothing and keeps the higher
    mark, so no volume is ever counted twice.

    With ``in_session`` set, a tick outside the US equity session (:func:`session_window`:
    nights, weekends) builds no bar and counts no volume, as IBKR's history has no bar there;
    it still moves the day-volume mark.

    Args:
        timeframe: Bar length and alignment.
        in_session: Build bars only inside the session (a chart); False: from every tick.
    """

    def __init__(self, timeframe: Timeframe, *, in_session: bool = False) -> None:
        self.timeframe = timeframe
        self._in_session = in_session
        self._session = (0, 0)  # the last session window a tick fell in (a cheap first test)
        self._bar: Bar | None = None
        self._day_volume: float | None = None
        self._volume_ms = 0  # time of the tick that set ``_day_volume``

    @property
    def current(self) -> Bar | None:
        """The bar being built, or None before the first tick."""
        return self._bar

    def seed(self, bar: Bar | None, day_volume: float | None = None, at_ms: int = 0) -> None:
        """Continue from ``bar`` (the newest history bar): ticks inside it extend it.

        ``day_volume`` (the snapshot's, shares, taken at ``at_ms``) is the mark the next tick's
        day volume grows from, so the first live tick already counts what traded since.
        """
        self._bar = bar
        if day_volume is not None and math.isfinite(day_volume):
            self._day_volume, self._volume_ms = day_volume, at_ms

    def add(self, t_ms: int, price: float | None, day_volume: float | None = None, *,
            count_volume: bool = True) -> Bar | None:
        """Fold one tick; return the bar it changed (None when the tick carries no price).

        A tick older than the current bar is ignored (returns None): the bars on the chart
        never go back in time. ``count_volume=False`` only notes the day volume (a tick the
        seeded history bar already counts).
        """
        traded = self._volume_delta(t_ms, day_volume)
        if self._in_session and not self.inside(t_ms):
            return None
        if not count_volume:
            traded = 0.0
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

    def inside(self, t_ms: int) -> bool:
        """True when ``t_ms`` lies in a session (:func:`session_window`)."""
        open_ms, close_ms = self._session
        if open_ms <= t_ms < close_ms:
            return True
        window = session_window(t_ms)
        if window is None or not window[0] <= t_ms < window[1]:
            return False
        self._session = window
        return True

    def _volume_delta(self, t_ms: int, day_volume: float | None) -> float:
        if day_volume is None or not math.isfinite(day_volume):
            return 0.0
        previous = self._day_volume
        if previous is not None and day_volume < previous and (
                bar_start(t_ms, Timeframe.D1) <= bar_start(self._volume_ms, Timeframe.D1)):
            return 0.0  # same day, lower: stale or rounded
        self._day_volume, self._volume_ms = day_volume, t_ms
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

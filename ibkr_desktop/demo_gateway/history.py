"""The simulated past of each instrument, generated backwards so it ends at the live price.

Before the simulation starts (the *anchor*), prices come from a deterministic random walk run
backwards from the anchor price: minute detail for the last :data:`FINE_DAYS` trading days,
30-minute detail up to :data:`COARSE_DAYS`, daily bars before that. After the anchor, the live
market records minute bars (:class:`LiveBars`). :func:`aggregate` buckets either kind into any
IBKR bar size, so a 1-minute chart, an hourly chart and a daily chart of the same day agree,
and the newest bar of every chart closes at the live last price.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from itertools import islice

from ibkr_desktop.protocol.bars import Bar, period_seconds

from .simtime import (
    POST_CLOSE_MIN,
    PRE_OPEN_MIN,
    RTH_CLOSE_MIN,
    RTH_OPEN_MIN,
    activity_at,
    et_ms,
    is_rth,
    is_trading_day,
    local_parts,
    minute_of_day,
    previous_trading_day,
    session_date,
    to_et,
    trading_days_back,
)
from .universe import Instrument

FINE_DAYS = 30
COARSE_DAYS = 300
FINE_MIN = 1
COARSE_MIN = 30
_YEAR_SECONDS = 252 * 6.5 * 3600


@dataclass(slots=True)
class RawBar:
    """A mutable OHLCV bar; ``t_ms`` is its start (epoch ms)."""

    t_ms: int
    open: float
    high: float
    low: float
    close: float
    volume: float

    def add_trade(self, price: float, size: float) -> None:
        """Fold one trade into the bar."""
        self.high = max(self.high, price)
        self.low = min(self.low, price)
        self.close = price
        self.volume += size


class PastGenerator:
    """Deterministic history of one instrument before the anchor instant.

    Args:
        instrument: What is simulated (volatility, volume, tick size).
        seed: Simulation seed; equal seeds give equal histories.
        anchor_ms: Start of the live simulation.
        anchor_price: Live price at the anchor; the generated past ends exactly there.
    """

    def __init__(self, instrument: Instrument, seed: int, anchor_ms: int, anchor_price: float):
        self.instrument = instrument
        self._seed = seed
        self.anchor_ms = anchor_ms
        self._tick = instrument.tick_size
        day = session_date(anchor_ms)
        local = to_et(anchor_ms)
        end_minute = float(POST_CLOSE_MIN)
        if local.date() == day:
            end_minute = min(minute_of_day(anchor_ms), float(POST_CLOSE_MIN))
            if end_minute <= PRE_OPEN_MIN:
                day, end_minute = previous_trading_day(day), float(POST_CLOSE_MIN)
        self.anchor_day = day
        self._anchor_end_minute = end_minute
        self._index: dict[date, int] = {}
        self._intraday: dict[date, list[RawBar]] = {}
        self._daily: dict[date, RawBar] = {}
        self._aggregated: dict[tuple[date, int, bool], list[RawBar]] = {}
        self._oldest: date | None = None
        self._oldest_open = anchor_price
        self._anchor_price = anchor_price

    # -- generation ---------------------------------------------------------------------------

    def _rng(self, day: date, kind: str) -> random.Random:
        return random.Random(f"{self._seed}:{self.instrument.conid}:{day.isoformat()}:{kind}")

    def _round(self, price: float) -> float:
        ticks = max(1, round(price / self._tick))
        return round(ticks * self._tick, 6)

    def _extend_to(self, day: date) -> None:
        """Generate days backwards from the anchor until ``day`` exists."""
        while self._oldest is None or self._oldest > day:
            if self._oldest is None:
                current, end_price = self.anchor_day, self._anchor_price
            else:
                current = previous_trading_day(self._oldest)
                gap = self._rng(current, "gap").gauss(0.0, self._sigma(6.5 * 3600) * 0.5)
                end_price = self._oldest_open / math.exp(gap)
            index = len(self._index)
            self._index[current] = index
            if index < COARSE_DAYS:
                step = FINE_MIN if index < FINE_DAYS else COARSE_MIN
                end_minute = self._anchor_end_minute if index == 0 else float(POST_CLOSE_MIN)
                bars = self._walk_day(current, end_price, end_minute, step)
                self._intraday[current] = bars
                self._oldest_open = bars[0].open
            else:
                bar = self._daily_only(current, end_price)
                self._daily[current] = bar
                self._oldest_open = bar.open
            self._oldest = current

    def _sigma(self, seconds: float) -> float:
        """Log-return standard deviation over ``seconds`` of regular trading."""
        return self.instrument.volatility * math.sqrt(seconds / _YEAR_SECONDS)

    def _walk_day(self, day: date, end_price: float, end_minute: float, step: int) -> list[RawBar]:
        """Bars from 04:00 ET to ``end_minute``, walking backwards from ``end_price``.

        Hot path (a day is up to 960 bars): no datetime work inside the loops; DST never
        changes inside 04:00-20:00, so bar times are a fixed stride from 04:00.
        """
        rng = self._rng(day, f"walk{step}")
        count = max(1, math.ceil((end_minute - PRE_OPEN_MIN) / step))
        origin = et_ms(day, PRE_OPEN_MIN)
        sigmas = [
            self._sigma(step * 60 * activity_at(PRE_OPEN_MIN + (i + 0.5) * step))
            for i in range(count)
        ]
        weights = [activity_at(PRE_OPEN_MIN + (i + 0.5) * step) for i in range(count)]
        closes = [0.0] * count
        opens = [0.0] * count
        price = end_price
        for i in range(count - 1, -1, -1):
            closes[i] = price
            price = price / math.exp(rng.gauss(0.0, sigmas[i]))
            opens[i] = price
        per_bar = self.instrument.avg_volume * step / (RTH_CLOSE_MIN - RTH_OPEN_MIN)
        bars: list[RawBar] = []
        for i in range(count):
            wiggle = sigmas[i] * 0.6
            o, c = self._round(opens[i]), self._round(closes[i])
            high = self._round(max(opens[i], closes[i]) * (1 + abs(rng.gauss(0, wiggle))))
            low = self._round(min(opens[i], closes[i]) * (1 - abs(rng.gauss(0, wiggle))))
            volume = round(per_bar * weights[i] * rng.lognormvariate(0.0, 0.35) / 100) * 100
            bars.append(RawBar(origin + i * step * 60_000, o, max(high, o, c), min(low, o, c), c,
                               float(volume)))
        return bars

    def _daily_only(self, day: date, close: float) -> RawBar:
        """A daily bar for a day older than the intraday window."""
        rng = self._rng(day, "daily")
        sigma = self._sigma(6.5 * 3600)
        open_ = close / math.exp(rng.gauss(0.0, sigma))
        high = max(open_, close) * (1 + abs(rng.gauss(0, sigma * 0.5)))
        low = min(open_, close) * (1 - abs(rng.gauss(0, sigma * 0.5)))
        volume = round(self.instrument.avg_volume * rng.lognormvariate(0.0, 0.3) / 100) * 100
        return RawBar(
            et_ms(day, RTH_OPEN_MIN), self._round(open_), self._round(high), self._round(low),
            self._round(close), float(volume),
        )

    # -- queries ------------------------------------------------------------------------------

    def day_bars(self, day: date) -> list[RawBar] | None:
        """Intraday bars of ``day`` (04:00-20:00 ET), or None when only a daily bar exists."""
        if day > self.anchor_day:
            return []
        self._extend_to(day)
        if day in self._daily:
            return None
        return self._intraday.get(day, [])

    def daily_bar(self, day: date) -> RawBar | None:
        """The regular-hours daily bar of ``day`` (None when the day had no RTH trading yet)."""
        bars = self.day_bars(day)
        if bars is None:
            return self._daily.get(day)
        rth = [bar for bar in bars if is_rth(bar.t_ms)]
        return merge(rth, et_ms(day, RTH_OPEN_MIN)) if rth else None

    def aggregated(self, day: date, unit: int, rth_only: bool) -> list[RawBar]:
        """``day``'s bars of ``unit`` seconds (at most a day), cached: the past never changes."""
        key = (day, unit, rth_only)
        cached = self._aggregated.get(key)
        if cached is None:
            bars = self.day_bars(day)
            if bars is not None:
                cached = aggregate(bars, unit, rth_only)
            elif unit == 86_400 and day in self._daily:
                only = self._daily[day]
                cached = [RawBar(et_ms(day, 0), only.open, only.high, only.low, only.close,
                                 only.volume)]
            else:
                cached = []
            self._aggregated[key] = cached
        return cached

    def prior_close(self, day: date) -> float:
        """Regular-hours close of the trading day before ``day``."""
        bar = self.daily_bar(previous_trading_day(day))
        return bar.close if bar else self._anchor_price


def in_extended_session(t_ms: int) -> bool:
    """True inside the US equity session history covers: 04:00-20:00 ET on a trading day.

    IBKR's SMART history of a US stock has no bars at night or at weekends (§4.5), even when
    something traded then (the demo's round-the-clock market does).
    """
    day, minute = local_parts(t_ms)
    return PRE_OPEN_MIN <= minute < POST_CLOSE_MIN and is_trading_day(day)


class LiveBars:
    """Minute bars recorded from live trades after the anchor, inside the extended session."""

    def __init__(self, first: RawBar | None = None) -> None:
        self.bars: list[RawBar] = [first] if first else []

    def record(self, t_ms: int, price: float, size: float) -> None:
        """Fold a trade at ``t_ms`` into its minute bar (starting a new bar when needed).

        A trade outside :func:`in_extended_session` makes no bar (history follows the session).
        """
        if not in_extended_session(t_ms):
            return
        start = t_ms - t_ms % 60_000
        if self.bars and self.bars[-1].t_ms == start:
            self.bars[-1].add_trade(price, size)
        elif not self.bars or start > self.bars[-1].t_ms:
            self.bars.append(RawBar(start, price, price, price, price, size))


def merge(bars: list[RawBar], t_ms: int) -> RawBar:
    """One bar spanning ``bars`` (non-empty, time-ordered), stamped ``t_ms``."""
    return RawBar(
        t_ms, bars[0].open, max(b.high for b in bars), min(b.low for b in bars), bars[-1].close,
        sum(b.volume for b in bars),
    )


def aggregate(bars: Iterable[RawBar], bar_seconds: int, rth_only: bool) -> list[RawBar]:
    """Bucket time-ordered source bars into IBKR bars of ``bar_seconds``.

    Intraday buckets are aligned to 09:30 ET for regular-hours charts (so hourly bars start at
    :30 like IBKR's) and to 04:00 ET otherwise; daily, weekly and monthly buckets are stamped at
    midnight ET of their first trading day.
    """
    base = RTH_OPEN_MIN if rth_only else PRE_OPEN_MIN
    groups: dict[tuple[object, ...], list[RawBar]] = {}
    stamps: dict[tuple[object, ...], int] = {}
    for bar in bars:
        if rth_only and not is_rth(bar.t_ms):
            continue
        local_day, minute = local_parts(bar.t_ms)
        day = session_date(bar.t_ms)
        if bar_seconds < 86_400:
            slot = int((minute - base) // (bar_seconds / 60))
            key: tuple[object, ...] = (local_day, slot)
            first_minute = int(base + slot * bar_seconds / 60)
        elif bar_seconds < 604_800:
            key, first_minute = (day,), 0
        elif bar_seconds < 2_592_000:
            iso = day.isocalendar()
            key, first_minute = ("w", iso.year, iso.week), 0
        else:
            key, first_minute = ("m", day.year, day.month), 0
        group = groups.get(key)
        if group is None:
            groups[key] = [bar]
            stamps[key] = et_ms(local_day if bar_seconds < 86_400 else day, first_minute)
        else:
            group.append(bar)
    return [merge(group, stamps[key]) for key, group in groups.items()]


def collect_bars(
    past: PastGenerator, live: LiveBars, start_ms: int, end_ms: int, bar_seconds: int,
    rth_only: bool,
) -> list[RawBar]:
    """Bars of ``bar_seconds`` covering ``[start_ms, end_ms]``, oldest first.

    Days before the anchor come from the generator's per-day cache; the anchor day and the
    live minute bars are aggregated on each call. The minute holding the anchor appears twice
    in that tail (its generated part, then its live part) and the two merge into one bar.
    Weekly and monthly bars are built from daily bars.
    """
    unit = min(bar_seconds, 86_400)
    daily = unit == 86_400
    first, last = session_date(start_ms), min(session_date(end_ms), past.anchor_day)
    days: list[date] = []
    day = last
    while day >= first:
        days.append(day)
        day = previous_trading_day(day)
    out: list[RawBar] = []
    tail: list[RawBar] = []
    for day in reversed(days):
        if day < past.anchor_day:
            bars = past.aggregated(day, unit, rth_only)
            out.extend(bars if daily else (b for b in bars if start_ms <= b.t_ms <= end_ms))
        else:
            tail.extend(b for b in past.day_bars(day) or [] if daily or b.t_ms >= start_ms)
    tail.extend(bar for bar in live.bars if bar.t_ms <= end_ms and (daily or bar.t_ms >= start_ms))
    out.extend(aggregate(tail, unit, rth_only))
    if bar_seconds > unit:
        out = aggregate(out, bar_seconds, rth_only=False)
    return out


def period_bars(
    past: PastGenerator, live: LiveBars, period: str, bar_seconds: int, rth_only: bool,
    end_ms: int,
) -> list[RawBar]:
    """Bars covering an IBKR ``period`` that ends at ``end_ms``.

    A short period that falls entirely outside the hours asked for (a 30-minute chart at
    night) ends at the last close instead, like IBKR's "latest available data".
    """
    start = period_start(period, end_ms, rth_only)
    bars = collect_bars(past, live, start, end_ms, bar_seconds, rth_only)
    if bars:
        return bars
    close_minute = RTH_CLOSE_MIN if rth_only else POST_CLOSE_MIN
    day = session_date(end_ms)
    if et_ms(day, close_minute) > end_ms:
        day = previous_trading_day(day)
    end = et_ms(day, close_minute) - 1
    return collect_bars(past, live, period_start(period, end, rth_only), end, bar_seconds,
                        rth_only)


def period_start(period: str, end_ms: int, rth_only: bool) -> int:
    """Start of a history period ending at ``end_ms``; ``Nd`` counts trading sessions."""
    text = period.strip().lower()
    if text.endswith("d") and text[:-1].isdigit():
        first_minute = RTH_OPEN_MIN if rth_only else PRE_OPEN_MIN
        sessions = [
            day for day in islice(trading_days_back(session_date(end_ms)), int(text[:-1]) + 1)
            if et_ms(day, first_minute) <= end_ms  # a session that has not begun is skipped
        ][: int(text[:-1])]
        return et_ms(sessions[-1], first_minute if rth_only else 0)
    return end_ms - period_seconds(period) * 1000


def to_bars(bars: list[RawBar], tick_size: float) -> list[Bar]:
    """Protocol bars with prices rounded to the instrument's decimals."""
    decimals = 2 if tick_size >= 0.01 else 4
    return [
        Bar(b.t_ms, round(b.open, decimals), round(b.high, decimals), round(b.low, decimals),
            round(b.close, decimals), b.volume)
        for b in bars
    ]

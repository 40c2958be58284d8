"""The simulated US equity market: quotes, trades, day statistics and price history.

:class:`MarketSimulator` is deterministic for a seed and knows nothing of sockets or asyncio:
the gateway calls :meth:`MarketSimulator.advance_to` a few times a second with the simulated
time, and listeners registered with :meth:`MarketSimulator.add_listener` learn which conids
changed. Prices move in a random walk scaled by each instrument's volatility and by the
intraday U-shaped activity curve; spreads and sizes are drawn like a liquid US book.
"""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from ibkr_desktop.protocol.bars import BAR_SECONDS, Bar, period_seconds

from .history import LiveBars, PastGenerator, RawBar, aggregate, source_bars
from .simtime import (
    PRE_OPEN_MIN,
    RTH_CLOSE_MIN,
    RTH_OPEN_MIN,
    activity,
    et_ms,
    is_rth,
    minute_of_day,
    previous_trading_day,
    session_date,
    trading_days_back,
)
from .universe import Instrument, Universe

log = logging.getLogger(__name__)

Listener = Callable[[frozenset[int]], None]
MAX_STEP_S = 60.0
MAX_BARS = 1000
_YEAR_SECONDS = 252 * 6.5 * 3600


@dataclass(frozen=True, slots=True)
class MarketQuote:
    """Top of book and day statistics of one instrument at one instant (sizes in shares)."""

    bid: float
    ask: float
    last: float
    bid_size: float
    ask_size: float
    last_size: float
    volume: float
    open: float | None
    high: float
    low: float
    prior_close: float
    tick_size: float
    updated_ms: int
    close: float | None = None

    @property
    def mid(self) -> float:
        """Midpoint of bid and ask."""
        return (self.bid + self.ask) / 2

    @property
    def change(self) -> float:
        """Last minus prior close."""
        return self.last - self.prior_close

    @property
    def change_pct(self) -> float:
        """Change in percent of the prior close."""
        return self.change / self.prior_close * 100 if self.prior_close else 0.0


@dataclass(slots=True)
class _Book:
    """Mutable live state of one instrument."""

    instrument: Instrument
    past: PastGenerator
    live: LiveBars
    mid: float
    bid: float = 0.0
    ask: float = 0.0
    bid_size: float = 0.0
    ask_size: float = 0.0
    last: float = 0.0
    last_size: float = 100.0
    updated_ms: int = 0
    session: date | None = None
    open: float | None = None
    high: float = 0.0
    low: float = 0.0
    volume: float = 0.0
    prior_close: float = 0.0
    close: float | None = None
    was_rth: bool = False
    extra: dict[str, float] = field(default_factory=dict)


class MarketSimulator:
    """Deterministic market for every instrument of a :class:`Universe`.

    Args:
        universe: The instruments to simulate.
        seed: Random seed; the same seed and the same sequence of steps give the same market.
        start_ms: Simulated epoch ms at which the live market starts (the history anchor).
    """

    def __init__(self, universe: Universe, seed: int = 7, start_ms: int = 0) -> None:
        self.universe = universe
        self._seed = seed
        self._rng = random.Random(seed)
        self._now_ms = start_ms
        self._listeners: list[Listener] = []
        self._books: dict[int, _Book] = {}
        for instrument in universe:
            price = instrument.price * math.exp(self._rng.gauss(0.0, 0.02))
            price = _round(price, instrument.tick_size)
            past = PastGenerator(instrument, seed, start_ms, price)
            book = _Book(instrument, past, LiveBars(), price)
            self._books[instrument.conid] = book
            self._requote(book)
            book.last = price
            book.updated_ms = start_ms

    # -- time ---------------------------------------------------------------------------------

    @property
    def now_ms(self) -> int:
        """Simulated time of the last step (epoch ms)."""
        return self._now_ms

    def advance_to(self, now_ms: int) -> None:
        """Step the market forward to ``now_ms`` (no-op if it is not later than the last step)."""
        remaining = (now_ms - self._now_ms) / 1000
        steps = 0
        while remaining > 1e-6 and steps < 100:
            dt = min(remaining, MAX_STEP_S)
            self.step(dt)
            remaining -= dt
            steps += 1
        if remaining > 1e-6:  # a long stall: jump the clock, do not replay it
            self._now_ms = now_ms

    def step(self, dt_s: float) -> frozenset[int]:
        """Advance ``dt_s`` simulated seconds; returns (and announces) the conids that changed."""
        self._now_ms += int(dt_s * 1000)
        now = self._now_ms
        weight = activity(now)
        rth = is_rth(now)
        changed: set[int] = set()
        for book in self._books.values():
            if self._step_book(book, dt_s, weight, rth):
                changed.add(book.instrument.conid)
        result = frozenset(changed)
        if result:
            self._notify(result)
        return result

    def is_rth(self, now_ms: int | None = None) -> bool:
        """Whether ``now_ms`` (default: the market's time) is inside regular trading hours."""
        return is_rth(self._now_ms if now_ms is None else now_ms)

    # -- listeners ----------------------------------------------------------------------------

    def add_listener(self, callback: Listener) -> None:
        """Call ``callback(changed_conids)`` after every step that changed something."""
        self._listeners.append(callback)

    def remove_listener(self, callback: Listener) -> None:
        """Stop calling ``callback``; unknown callbacks are ignored."""
        if callback in self._listeners:
            self._listeners.remove(callback)

    def _notify(self, conids: frozenset[int]) -> None:
        for callback in list(self._listeners):
            try:
                callback(conids)
            except Exception:  # a broken listener must not stop the market
                log.exception("market listener failed")

    # -- quotes -------------------------------------------------------------------------------

    def has_data(self, conid: int) -> bool:
        """True when the conid is simulated."""
        return conid in self._books

    def instrument(self, conid: int) -> Instrument | None:
        """The instrument behind a conid, or None."""
        book = self._books.get(conid)
        return book.instrument if book else None

    def quote(self, conid: int) -> MarketQuote:
        """Current quote of ``conid``. Raises KeyError for an unknown conid."""
        book = self._books[conid]
        self._ensure_session(book)
        return MarketQuote(
            bid=book.bid, ask=book.ask, last=book.last, bid_size=book.bid_size,
            ask_size=book.ask_size, last_size=book.last_size, volume=book.volume,
            open=book.open, high=book.high, low=book.low, prior_close=book.prior_close,
            tick_size=book.instrument.tick_size, updated_ms=book.updated_ms, close=book.close,
        )

    def set_price(self, conid: int, price: float) -> None:
        """Move a market to ``price`` now: a trade there, the book around it, listeners told.

        Tests use it to trigger fills deterministically. Raises KeyError for an unknown conid.
        """
        book = self._books[conid]
        self._ensure_session(book)
        tick = book.instrument.tick_size
        book.mid = _round(price, tick)
        self._requote(book)
        self._trade(book, book.mid, 100.0)
        self._notify(frozenset({conid}))

    def year_range(self, conid: int) -> tuple[float, float]:
        """52-week (low, high) of regular-hours daily bars plus today."""
        book = self._books[conid]
        if "low_52w" not in book.extra:
            bars = self.history(conid, "1y", "1d")
            book.extra["low_52w"] = min(bar.low for bar in bars)
            book.extra["high_52w"] = max(bar.high for bar in bars)
        return min(book.extra["low_52w"], book.low), max(book.extra["high_52w"], book.high)

    # -- history ------------------------------------------------------------------------------

    def history(
        self, conid: int, period: str, bar: str, outside_rth: bool = False,
        end_ms: int | None = None,
    ) -> list[Bar]:
        """Bars of ``bar`` size covering ``period`` up to now (at most 1000, newest kept).

        Args:
            conid: Instrument; KeyError when unknown.
            period: IBKR period (``"1d"``, ``"6m"``...); validate with protocol.bars first.
            bar: IBKR bar size (``"5min"``...).
            outside_rth: Include pre/post-market bars (intraday sizes only matter).
            end_ms: End of the range; default the market's time.
        """
        book = self._books[conid]
        end = self._now_ms if end_ms is None else end_ms
        start = self._period_start(period, end, not outside_rth)
        seconds = BAR_SECONDS[bar]
        raw = source_bars(book.past, book.live, start, end, daily=seconds >= 86_400)
        bars = aggregate(raw, seconds, rth_only=not outside_rth)[-MAX_BARS:]
        decimals = 2 if book.instrument.tick_size >= 0.01 else 4
        return [
            Bar(b.t_ms, round(b.open, decimals), round(b.high, decimals), round(b.low, decimals),
                round(b.close, decimals), b.volume)
            for b in bars
        ]

    @staticmethod
    def _period_start(period: str, end_ms: int, rth_only: bool) -> int:
        """Start of a history period ending at ``end_ms``: ``Nd`` counts trading sessions."""
        text = period.strip().lower()
        if text.endswith("d") and text[:-1].isdigit():
            wanted = int(text[:-1])
            first_minute = RTH_OPEN_MIN if rth_only else PRE_OPEN_MIN
            day = session_date(end_ms)
            for count, day in enumerate(trading_days_back(day), start=1):  # noqa: B007
                if et_ms(day, first_minute) > end_ms:
                    wanted += 1  # today's session has not begun: it does not count
                if count >= wanted:
                    break
            return et_ms(day, 0 if not rth_only else first_minute)
        return end_ms - period_seconds(period) * 1000

    # -- simulation internals -----------------------------------------------------------------

    def _ensure_session(self, book: _Book) -> None:
        """Bring the day statistics to the current session (lazily; costs a generated day)."""
        now = self._now_ms
        today = session_date(now)
        if book.session == today:
            return
        if book.session is None and today <= book.past.anchor_day:
            self._start_from_past(book, today)
        else:
            prior = book.close if book.close is not None else book.last
            book.session, book.prior_close, book.close = today, prior, None
            book.open, book.high, book.low, book.volume = None, book.last, book.last, 0.0
        book.was_rth = is_rth(now)

    def _start_from_past(self, book: _Book, today: date) -> None:
        """Day statistics at the anchor, read from the generated bars of the anchor day."""
        past = book.past
        bars = past.day_bars(today) or []
        rth = [bar for bar in bars if is_rth(bar.t_ms)]
        counted = rth or bars
        book.session = today
        book.prior_close = past.prior_close(today)
        book.open = rth[0].open if rth else None
        book.high = max([bar.high for bar in counted] + [book.last])
        book.low = min([bar.low for bar in counted] + [book.last])
        book.volume = sum(bar.volume for bar in bars)
        ended = minute_of_day(self._now_ms) >= RTH_CLOSE_MIN or today < session_date(past.anchor_ms)
        book.close = rth[-1].close if rth and ended else None
        if bars and not book.live.bars:
            last = bars[-1]
            book.live.bars.append(RawBar(last.t_ms, last.open, last.high, last.low, last.close,
                                         last.volume))

    def _step_book(self, book: _Book, dt_s: float, weight: float, rth: bool) -> bool:
        """Random walk, requote and maybe trade one instrument; True when anything changed."""
        self._ensure_session(book)
        rng = self._rng
        instrument = book.instrument
        if rth and not book.was_rth and book.open is None:
            book.open = book.last
        if not rth and book.was_rth and book.close is None:
            book.close = book.last
        book.was_rth = rth
        sigma = instrument.volatility * math.sqrt(dt_s * max(weight, 0.05) / _YEAR_SECONDS)
        book.mid *= math.exp(rng.gauss(0.0, sigma))
        before = (book.bid, book.ask, book.bid_size, book.ask_size)
        if rng.random() < min(1.0, 1.5 * dt_s * weight):
            self._requote(book)
        else:
            self._requote(book, keep_sizes=True)
        changed = before != (book.bid, book.ask, book.bid_size, book.ask_size)
        trades = _poisson(rng, 2.5 * dt_s * weight)
        if trades:
            mean_size = instrument.avg_volume / (6.5 * 3600 * 2.5)
            size = sum(max(1.0, round(mean_size * rng.lognormvariate(-0.3, 0.8))) for _ in
                       range(trades))
            size = max(100.0, round(size / 100) * 100) if size >= 100 else size
            price = book.ask if rng.random() < 0.5 else book.bid
            self._trade(book, price, size)
            changed = True
        if changed:
            book.updated_ms = self._now_ms
        return changed

    def _requote(self, book: _Book, keep_sizes: bool = False) -> None:
        """Place bid/ask around the mid with a realistic spread; redraw sizes unless kept."""
        rng = self._rng
        instrument = book.instrument
        tick = instrument.tick_size
        liquid = instrument.avg_volume >= 20e6
        spread_ticks = max(1, round(book.mid * (0.00005 if liquid else 0.0002) / tick))
        if not is_rth(self._now_ms):
            spread_ticks *= 3
        if rng.random() < 0.3:
            spread_ticks += 1
        bid = math.floor((book.mid - spread_ticks * tick / 2) / tick + 1e-9) * tick
        book.bid = round(max(tick, bid), 6)
        book.ask = round(book.bid + spread_ticks * tick, 6)
        if not keep_sizes or not book.bid_size:
            lots = 2 if liquid else 1
            book.bid_size = 100.0 * max(1, round(rng.lognormvariate(1.0, 0.7) * lots))
            book.ask_size = 100.0 * max(1, round(rng.lognormvariate(1.0, 0.7) * lots))

    def _trade(self, book: _Book, price: float, size: float) -> None:
        """Record a trade: last, size, volume, day range, minute bar."""
        book.last, book.last_size = price, size
        book.volume += size
        book.high = max(book.high, price)
        book.low = min(book.low, price) if book.low else price
        book.updated_ms = self._now_ms
        book.live.record(self._now_ms, price, size)


def _round(price: float, tick: float) -> float:
    """Round to a positive multiple of the tick."""
    return round(max(1, round(price / tick)) * tick, 6)


def _poisson(rng: random.Random, mean: float) -> int:
    """Small-mean Poisson draw (Knuth); fine for the few trades per step we need."""
    if mean <= 0:
        return 0
    limit, count, product = math.exp(-min(mean, 30.0)), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


__all__ = ["MarketQuote", "MarketSimulator", "previous_trading_day"]

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

from ibkr_desktop.protocol.bars import BAR_SECONDS, Bar

from .history import LiveBars, PastGenerator, collect_bars, period_bars, to_bars
from .simtime import (
    RTH_CLOSE_MIN,
    activity,
    et_ms,
    is_rth,
    session_date,
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
class _Day:
    """Day statistics of one session (regular-hours open/close, full-session range/volume)."""

    session: date
    prior_close: float
    open: float | None = None
    high: float | None = None
    low: float | None = None
    volume: float = 0.0
    close: float | None = None


@dataclass(slots=True)
class _Book:
    """Mutable live state of one instrument.

    ``day`` holds what the live market did in the current session; ``base`` what the generated
    past did earlier in the anchor session (computed lazily: it costs a generated day).
    """

    instrument: Instrument
    past: PastGenerator
    live: LiveBars
    mid: float
    day: _Day
    bid: float = 0.0
    ask: float = 0.0
    bid_size: float = 0.0
    ask_size: float = 0.0
    last: float = 0.0
    last_size: float = 100.0
    updated_ms: int = 0
    base: _Day | None = None
    extra: dict[str, float] = field(default_factory=dict)


MARKET_HOURS = ("us", "always")
"""``--market-hours`` choices: IBKR's US regular hours, or around the clock (the app's demo)."""


class MarketSimulator:
    """Deterministic market for every instrument of a :class:`Universe`.

    Args:
        universe: The instruments to simulate.
        seed: Random seed; the same seed and the same sequence of steps give the same market.
        start_ms: Simulated epoch ms at which the live market starts (the history anchor).
        hours: ``"us"`` (orders trade in US regular hours) or ``"always"`` (open around the
            clock: :meth:`is_rth` is always True; quotes and history keep the US day shape).
    """

    def __init__(self, universe: Universe, seed: int = 7, start_ms: int = 0,
                 hours: str = "us") -> None:
        if hours not in MARKET_HOURS:
            raise ValueError(f"market hours must be one of {', '.join(MARKET_HOURS)}")
        self.hours = hours
        self.universe = universe
        self._seed = seed
        self._rng = random.Random(seed)
        self._now_ms = start_ms
        self._listeners: list[Listener] = []
        self._books: dict[int, _Book] = {}
        self._anchor_session = session_date(start_ms)
        self._session = self._anchor_session
        self._rth = is_rth(start_ms)
        for instrument in universe:
            price = instrument.price * math.exp(self._rng.gauss(0.0, 0.02))
            price = _round(price, instrument.tick_size)
            past = PastGenerator(instrument, seed, start_ms, price)
            day = _Day(self._anchor_session, prior_close=0.0)
            book = _Book(instrument, past, LiveBars(), price, day, last=price, updated_ms=start_ms)
            self._books[instrument.conid] = book
            self._requote(book)

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
        session = session_date(now)
        if session != self._session:
            self._session = session
            for book in self._books.values():
                self._roll(book, session)
        if rth and not self._rth:
            for book in self._books.values():
                book.day.open = book.day.open or book.last
        elif self._rth and not rth:
            for book in self._books.values():
                book.day.close = book.last
        self._rth = rth
        changed = {
            book.instrument.conid for book in self._books.values()
            if self._step_book(book, dt_s, weight)
        }
        result = frozenset(changed)
        if result:
            self._notify(result)
        return result

    def is_rth(self, now_ms: int | None = None) -> bool:
        """Whether orders trade at ``now_ms`` (default: the market's time): inside US regular
        trading hours, or at any time when the market is open around the clock."""
        return self.hours == "always" or is_rth(self._now_ms if now_ms is None else now_ms)

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
        day = book.day
        base = self._base(book) if day.session == self._anchor_session else None
        open_, high, low = day.open, day.high, day.low
        volume, prior_close, close = day.volume, day.prior_close, day.close
        if base is not None:
            open_ = base.open if base.open is not None else open_
            high = _pick(max, base.high, high)
            low = _pick(min, base.low, low)
            volume += base.volume
            prior_close = base.prior_close
            close = close if close is not None else base.close
        return MarketQuote(
            bid=book.bid, ask=book.ask, last=book.last, bid_size=book.bid_size,
            ask_size=book.ask_size, last_size=book.last_size, volume=volume, open=open_,
            high=high if high is not None else book.last,
            low=low if low is not None else book.last,
            prior_close=prior_close or book.last, tick_size=book.instrument.tick_size,
            updated_ms=book.updated_ms, close=close,
        )

    def set_price(self, conid: int, price: float) -> None:
        """Move a market to ``price`` now: a trade there, the book around it, listeners told.

        Tests use it to trigger fills deterministically. Raises KeyError for an unknown conid.
        """
        book = self._books[conid]
        book.mid = _round(price, book.instrument.tick_size)
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
        quote = self.quote(conid)
        return min(book.extra["low_52w"], quote.low), max(book.extra["high_52w"], quote.high)

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

        A short period that falls entirely outside the hours asked for (a 30-minute chart at
        night) ends at the last close instead, like IBKR's "latest available data".
        """
        book = self._books[conid]
        end = self._now_ms if end_ms is None else end_ms
        bars = period_bars(book.past, book.live, period, BAR_SECONDS[bar], not outside_rth, end)
        return to_bars(bars[-MAX_BARS:], book.instrument.tick_size)

    def history_since(
        self, conid: int, since_ms: int, bar: str, outside_rth: bool = False
    ) -> list[Bar]:
        """Bars from the bar stamped ``since_ms`` (a bar start from :meth:`history`) to now.

        Streams (``smh``) use it to update the forming bar cheaply.
        """
        book = self._books[conid]
        bars = collect_bars(book.past, book.live, since_ms, self._now_ms, BAR_SECONDS[bar],
                            not outside_rth)
        return to_bars([b for b in bars if b.t_ms >= since_ms], book.instrument.tick_size)

    # -- simulation internals -----------------------------------------------------------------

    def _base(self, book: _Book) -> _Day:
        """What the generated past did in the anchor session before the anchor (cached)."""
        if book.base is None:
            past, session = book.past, self._anchor_session
            bars = past.day_bars(session) or []
            rth = [bar for bar in bars if is_rth(bar.t_ms)]
            ended = past.anchor_ms >= et_ms(session, RTH_CLOSE_MIN)
            book.base = _Day(
                session, past.prior_close(session),
                open=rth[0].open if rth else None,
                high=max((bar.high for bar in bars), default=None),
                low=min((bar.low for bar in bars), default=None),
                volume=sum(bar.volume for bar in bars),
                close=rth[-1].close if rth and ended else None,
            )
        return book.base

    def _roll(self, book: _Book, session: date) -> None:
        """Start a new session: yesterday's close becomes the prior close."""
        quote = self.quote(book.instrument.conid)
        prior = quote.close if quote.close is not None else book.last
        book.day = _Day(session, prior_close=prior)

    def _step_book(self, book: _Book, dt_s: float, weight: float) -> bool:
        """Random walk, requote and maybe trade one instrument; True when anything changed."""
        rng = self._rng
        instrument = book.instrument
        sigma = instrument.volatility * math.sqrt(dt_s * max(weight, 0.05) / _YEAR_SECONDS)
        book.mid *= math.exp(rng.gauss(0.0, sigma))
        before = (book.bid, book.ask, book.bid_size, book.ask_size)
        self._requote(book, keep_sizes=rng.random() >= min(1.0, 1.5 * dt_s * weight))
        changed = before != (book.bid, book.ask, book.bid_size, book.ask_size)
        trades = _poisson(rng, 2.5 * dt_s * weight)
        if trades:
            mean_size = instrument.avg_volume / (6.5 * 3600 * 2.5)
            size = sum(
                max(1.0, round(mean_size * rng.lognormvariate(-0.3, 0.8))) for _ in range(trades)
            )
            size = round(size / 100) * 100.0 if size >= 100 else size
            self._trade(book, book.ask if rng.random() < 0.5 else book.bid, size)
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
        if not self._rth:
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
        """Record a trade: last, size, session volume and range, minute bar."""
        day = book.day
        book.last, book.last_size = price, size
        day.volume += size
        day.high = _pick(max, day.high, price)
        day.low = _pick(min, day.low, price)
        if self._rth and day.open is None:
            day.open = price
        book.updated_ms = self._now_ms
        book.live.record(self._now_ms, price, size)


def _pick(
    choose: Callable[[float, float], float], a: float | None, b: float | None
) -> float | None:
    """``choose(a, b)`` ignoring missing values."""
    if a is None:
        return b
    if b is None:
        return a
    return choose(a, b)


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


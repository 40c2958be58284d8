"""The data behind one chart window: a conid's bars at one timeframe, history joined to live.

Flow: :meth:`ChartModel.load` backfills a page of history through the shared
:class:`~ibkr_desktop.models.history_loader.HistoryLoader`, settles the history volume unit
against the snapshot's day volume (§11), and seeds the bar builder with the newest bar and that
day volume (7762: live bar volume is its growth); quote
batches from the ``QuoteFeed`` (:meth:`apply_quotes`, one call per receive batch) then extend
that bar or roll to the next on exchange time. Ticks that arrive while history loads are held
and replayed after it, so history and live join with no gap and no duplicate bar.
:meth:`load_older` prepends the page before the oldest bar (scrolling back).

Nothing is emitted per tick: changes mark the model dirty and the frame clock's :meth:`flush`
updates the chosen indicators from the first changed bar and emits one
``bars_changed(first_changed_index)`` per frame.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from PySide6.QtCore import QObject, Signal

from ibkr_desktop.client.quote_feed import QuoteBatch as FeedBatch
from ibkr_desktop.models.bar_builder import (
    BarBuilder,
    Timeframe,
    bar_start,
    day_volumes,
    next_session_open,
    settle_volume_factor,
)
from ibkr_desktop.models.history_loader import HistoryLoader, HistorySource
from ibkr_desktop.models.indicators import Indicator, IndicatorSpec
from ibkr_desktop.models.series import MAX_BARS, BarSeries
from ibkr_desktop.protocol.bars import Bar

_DELAYED = ("delayed", "frozen_delayed")


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
_VOLUME_FIELDS = ["31", "87", "7762", "6509"]  # last, day volumes, availability (§4.2)


class ChartModel(QObject):
    """Bars of one conid at one timeframe, live.

    Args:
        source: The broker (history and snapshot).
        loader: The history limiter shared by all charts.
        conid: The instrument.
        timeframe: Initial timeframe.
        max_bars: Bound of the series.

    Signals:
        bars_changed(int): once per frame with changes; the first changed index (0 after a
            reload or when older bars were prepended: indices shifted).
        prepended(int): older bars were prepended since the last frame; bar indices grew by
            this many (sent right before that frame's ``bars_changed``; never for a reload).
        loading_changed(bool): history requests started / all ended.
        progress(int, int): history pages done, pages asked for (shown while loading).
        unavailable(str): history could not be loaded; the sentence saying why (shown as is).
        delayed_changed(bool): the data became delayed (``D``) or live again.
        market_closed(int): live ticks arrive outside the US session (nights, weekends: they
            build no bar, as IBKR's history has none there); the next session's open, epoch
            ms. 0 once ticks arrive inside a session again. Sent on a change only.
    """

    bars_changed = Signal(int)
    prepended = Signal(int)
    loading_changed = Signal(bool)
    progress = Signal(int, int)
    unavailable = Signal(str)
    delayed_changed = Signal(bool)
    market_closed = Signal(object)  # an int: epoch ms do not fit a C int

    def __init__(self, source: HistorySource, loader: HistoryLoader, conid: int,
                 timeframe: Timeframe = Timeframe.M1, *, max_bars: int = MAX_BARS,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._source = source
        self._loader = loader
        self.conid = conid
        self.timeframe = timeframe
        self.series = BarSeries(max_bars=max_bars)
        self.volume_factor = 1.0
        """History ``v`` x this = shares (§11), settled on each load (kept when unsettled)."""
        self._precise_volume = False  # 7762 seen: the abbreviated 87 is no longer used
        self.delayed = False
        self.exhausted = False
        """True once scrolling back found no older history."""
        self.indicators: list[Indicator] = []
        """Chosen indicators, updated on each frame from the first changed bar."""
        self._builder = BarBuilder(timeframe, in_session=True)
        self._held: list[tuple[int, float | None, float | None]] | None = None
        self._dirty = -1
        self._shift = 0  # bars prepended since the last frame
        self._pending = 0
        self._done = 0
        self._generation = 0
        self.closed_until = 0
        """The next session's open (epoch ms) while live ticks come outside the session; 0."""

    @property
    def loading(self) -> bool:
        """True while a history request of this chart runs."""
        return self._pending > 0

    # -- history ------------------------------------------------------------------------------

    async def load(self) -> int:
        """Reload the current timeframe from history; return the bars loaded.

        Emits ``unavailable`` when IBKR returned nothing. Live ticks keep updating meanwhile
        (held, then replayed on top of the history).
        """
        self._generation += 1
        generation = self._generation
        self.series.clear()
        self.exhausted = False
        self._builder = BarBuilder(self.timeframe, in_session=True)
        self._held = []
        self._shift = 0
        self._mark(0)
        bars = await self._fetch(None)
        if generation != self._generation:
            return 0
        self._note_availability(getattr(bars, "availability", None))  # history's own "D" (§11)
        mark = await self._settle_volume(bars)
        if generation != self._generation:
            return 0
        bars = self._scaled(bars)
        self.series.merge(bars)
        held, self._held = self._held or [], None
        # the snapshot's day volume is the mark live ticks grow from, unless ticks came meanwhile
        day_volume, at_ms = (None, 0) if held else mark
        self._builder.seed(bars[-1] if bars else None, day_volume, at_ms)
        seeded = bars[-1].t_ms if bars else None
        for t_ms, price, day_volume in held:  # the history bar counted the volume until now
            counted = seeded is not None and bar_start(t_ms, self.timeframe) <= seeded
            self._fold(t_ms, price, day_volume, count_volume=not counted)
        self._mark(0)
        if not bars:
            self.unavailable.emit(self._loader.why_empty(self.timeframe))
        return len(bars)

    async def load_older(self) -> int:
        """Prepend the page of history before the oldest bar; return how many bars were added."""
        if self.exhausted or self.loading or not len(self.series):
            return 0
        generation = self._generation
        oldest = int(self.series.t[0])
        bars = [b for b in await self._fetch(oldest - 1) if b.t_ms < oldest]
        if generation != self._generation:
            return 0
        if not bars:
            self.exhausted = True
            return 0
        before = len(self.series)
        self.series.merge(self._scaled(bars))
        added = len(self.series) - before
        self._shift += added
        self._mark(0)
        return added

    async def set_timeframe(self, timeframe: Timeframe) -> int:
        """Switch to ``timeframe`` and reload; return the bars loaded."""
        self.timeframe = Timeframe(timeframe)
        return await self.load()

    async def _fetch(self, end_ms: int | None) -> list[Bar]:
        self._pending += 1
        if self._pending == 1:
            self._done = 0
            self.loading_changed.emit(True)
        self.progress.emit(self._done, self._done + self._pending)
        cancelled = False
        try:
            return await self._loader.fetch(self._source, self.conid, self.timeframe, end_ms)
        except asyncio.CancelledError:
            cancelled = True  # the chart closed: its model may be deleted already (a deleted
            raise  # QObject's signal raises), and nobody is left to tell
        finally:
            self._pending -= 1
            self._done += 1
            if not cancelled:
                self.progress.emit(self._done, self._done + self._pending)
                if self._pending == 0:
                    self.loading_changed.emit(False)

    async def _settle_volume(self, bars: list[Bar]) -> tuple[float | None, int]:
        """Settle :attr:`volume_factor` (§11): the history's newest days vs the snapshot's day
        volume. Returns the snapshot's precise day volume (7762, shares; None if absent: the
        abbreviated 87 only settles the unit) and its time."""
        if not bars:
            return None, 0
        quotes = await self._source.snapshot([self.conid], _VOLUME_FIELDS)
        quote = quotes.get(self.conid, {})
        self._note_availability(quote.get("availability"))
        precise = _number(quote.get("volume_long"))
        factor = settle_volume_factor(day_volumes(bars), precise or _number(quote.get("volume")))
        if factor is not None:
            self.volume_factor = factor
        stamp = quote.get("updated_ms")
        return precise, stamp if isinstance(stamp, int) else bars[-1].t_ms

    def _scaled(self, bars: list[Bar]) -> list[Bar]:
        factor = self.volume_factor
        if factor == 1.0:
            return bars
        return [Bar(b.t_ms, b.open, b.high, b.low, b.close, b.volume * factor) for b in bars]

    # -- live ---------------------------------------------------------------------------------

    def apply_quotes(self, batch: FeedBatch) -> None:
        """``QuoteFeed`` callback: fold this conid's quote of one receive batch (no signal)."""
        quote = batch.get(self.conid)
        if quote is None:
            return
        if "availability" in quote:
            self._note_availability(quote["availability"])
        stamp, last = quote.get("updated_ms"), quote.get("last")
        volume = quote.get("volume_long")  # the day volume in shares (7762)
        if volume is not None:
            self._precise_volume = True
        elif not self._precise_volume:  # 87 ("24.2M") only until 7762 arrives
            volume = quote.get("volume")
        if not isinstance(stamp, int) or (last is None and volume is None):
            return
        tick = (stamp, _number(last), _number(volume))
        if self._held is not None:
            self._held.append(tick)
        else:
            self._fold(*tick)

    def _fold(self, t_ms: int, price: float | None, day_volume: float | None, *,
              count_volume: bool = True) -> None:
        self._note_session(t_ms)
        bar = self._builder.add(t_ms, price, day_volume, count_volume=count_volume)
        if bar is None:
            return
        oldest = int(self.series.t[0]) if len(self.series) else None
        index = self.series.update_last(bar)
        self._mark(index if oldest is None or oldest == int(self.series.t[0]) else 0)

    def _note_session(self, t_ms: int) -> None:
        if self.closed_until and t_ms < self.closed_until:
            return  # closed, and still before the open already announced
        until = 0 if self._builder.inside(t_ms) else next_session_open(t_ms)
        if until != self.closed_until:
            self.closed_until = until
            self.market_closed.emit(until)

    def _note_availability(self, availability: object) -> None:
        delayed = availability in _DELAYED
        if availability is not None and delayed != self.delayed:
            self.delayed = delayed
            self.delayed_changed.emit(delayed)

    # -- frame clock --------------------------------------------------------------------------

    def _mark(self, index: int) -> None:
        self._dirty = index if self._dirty < 0 else min(self._dirty, index)

    def flush(self) -> int:
        """Bring the indicators up to date and emit one ``bars_changed``; return signals sent."""
        if self._dirty < 0:
            return 0
        first, self._dirty = self._dirty, -1
        shift, self._shift = self._shift, 0
        for indicator in self.indicators:
            indicator.update(self.series, first)
        if shift:
            self.prepended.emit(shift)
        self.bars_changed.emit(first)
        return 1 + bool(shift)

    # -- indicators ---------------------------------------------------------------------------

    def set_indicators(self, keys: Iterable[str]) -> None:
        """Show the indicators saved as ``keys`` (``"sma(20)"``...; unknown ones are skipped).

        Kept ones keep their computed values; new ones are computed on the next frame.
        """
        kept = {indicator.spec.key: indicator for indicator in self.indicators}
        chosen: list[Indicator] = []
        for key in keys:
            try:
                spec = IndicatorSpec.parse(key)
            except ValueError:
                continue
            if spec.key not in (i.spec.key for i in chosen):
                chosen.append(kept.get(spec.key) or Indicator(spec))
        self.indicators = chosen
        self._mark(0)

    @property
    def indicator_keys(self) -> list[str]:
        """The chosen indicators as saved (see :meth:`set_indicators`)."""
        return [indicator.spec.key for indicator in self.indicators]

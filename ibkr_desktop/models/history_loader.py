"""History requests of every chart through one small limiter (at most 5 in flight, §4.5).

IBKR refuses a sixth concurrent ``/iserver/marketdata/history`` request with 429; the paced REST
queue already holds history calls back, and this limiter keeps charts from even queueing more
than :data:`HISTORY_MAX_CONCURRENT` at once, so a chart opened later is not starved behind a
long scroll-back of another chart. One :class:`HistoryLoader` is shared by all charts.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

from ibkr_desktop.models.bar_builder import Timeframe
from ibkr_desktop.protocol.bars import Bar
from ibkr_desktop.protocol.pacing import HISTORY_MAX_CONCURRENT
from ibkr_desktop.protocol.quotes import QuoteBatch


class HistorySource(Protocol):
    """What charts need from the broker (``client.broker.Broker`` provides it)."""

    async def history(self, conid: int, period: str, bar: str, *, outside_rth: bool = False,
                      start_ms: int | None = None) -> list[Bar]:
        """Bars of ``period`` ending at ``start_ms`` (None: now), oldest first; [] on failure."""
        ...

    async def snapshot(self, conids: list[int], fields: list[str]) -> QuoteBatch:
        """One-off quotes of ``conids``."""
        ...


class HistoryLoader:
    """Runs history requests with at most ``limit`` in flight; shared by all charts.

    Attributes:
        in_flight: Requests running now; ``peak`` the most ever at once (tests read both).
    """

    def __init__(self, limit: int = HISTORY_MAX_CONCURRENT) -> None:
        self._limit = limit
        self._semaphore: asyncio.Semaphore | None = None
        self.in_flight = 0
        self.peak = 0

    async def fetch(self, source: HistorySource, conid: int, timeframe: Timeframe,
                    end_ms: int | None = None) -> list[Bar]:
        """One page of ``timeframe`` bars of ``conid`` ending at ``end_ms`` (None: now).

        Extended hours are included (the live feed ticks in them too). Returns [] when IBKR
        has no data or the request failed (the broker has already told the user why).
        """
        if self._semaphore is None:  # created on the running loop
            self._semaphore = asyncio.Semaphore(self._limit)
        async with self._semaphore:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            try:
                return await source.history(conid, timeframe.period, timeframe.bar,
                                            outside_rth=True, start_ms=end_ms)
            finally:
                self.in_flight -= 1

"""History requests of every chart through one small limiter (at most 5 in flight, §4.5).

IBKR refuses a sixth concurrent ``/iserver/marketdata/history`` request with 429; the paced REST
queue already holds history calls back, and this limiter keeps charts from even queueing more
than :data:`HISTORY_MAX_CONCURRENT` at once, so a chart opened later is not starved behind a
long scroll-back of another chart. One :class:`HistoryLoader` is shared by all charts.

An empty answer has two causes the user must tell apart: IBKR has no history of the instrument
at that bar size, or the request never reached IBKR (gateway not reachable, session down; the
broker answers [] then too). :meth:`HistoryLoader.why_empty` asks ``offline`` which one it was.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Protocol

from ibkr_desktop.models.bar_builder import Timeframe
from ibkr_desktop.protocol.bars import Bar
from ibkr_desktop.protocol.events import SessionKind, SessionState
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


def offline_reason(state: SessionState | None) -> str | None:
    """Why history cannot be asked for now, in the status bar's words; None while the gateway
    session is up (``state`` None: no broker at all)."""
    if state is None or state.kind is SessionKind.GATEWAY_UNREACHABLE:
        return "Gateway not reachable"
    if state.kind is SessionKind.AUTHENTICATED:
        return None
    if state.kind is SessionKind.AUTHENTICATING:
        return "Gateway not connected yet"
    return "Not logged in to the gateway"


class HistoryLoader:
    """Runs history requests with at most ``limit`` in flight; shared by all charts.

    Args:
        limit: requests in flight at most.
        offline: why the gateway cannot answer now (:func:`offline_reason` of the current
            session), None while it can; default: always can.

    Attributes:
        in_flight: Requests running now; ``peak`` the most ever at once (tests read both).
    """

    def __init__(self, limit: int = HISTORY_MAX_CONCURRENT, *,
                 offline: Callable[[], str | None] = lambda: None) -> None:
        self._limit = limit
        self.offline = offline
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

    def why_empty(self, timeframe: Timeframe) -> str:
        """The chart's sentence for a page that came back empty: the connection's state when
        the request could not reach IBKR (the chart reloads when the session is back), else
        that IBKR has no history of the instrument at ``timeframe``."""
        offline = self.offline()
        if offline is not None:
            return f"{offline}: chart history will load when it is back"
        return (f"No chart history for this instrument at {timeframe}. "
                "Live prices still update the chart.")

"""REST re-sync of account state: live orders, trades, positions, P&L and summary.

The stream gives changes; this module fetches the whole picture, on start-up, after every
reconnect (IBKR replays nothing, so fills made while the socket was down exist only in
``/iserver/account/trades`` and in the ``str`` history) and after fills. It also owns the
fill de-duplication by ``execution_id``: the same execution arrives from ``str`` history,
``str`` live frames and REST, and the app must report it once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

from PySide6.QtCore import QObject, Signal

from ibkr_desktop.client.http import client_logger
from ibkr_desktop.client.rest_queue import RestQueue
from ibkr_desktop.client.scheduler import Lane
from ibkr_desktop.client.tasks import TaskSet
from ibkr_desktop.protocol.errors import IbkrError, describe_error
from ibkr_desktop.protocol.events import Fill, Position
from ibkr_desktop.protocol.item_lists import read_items, unreadable_text
from ibkr_desktop.protocol.orders import parse_live_order, parse_order_status, parse_trade
from ibkr_desktop.protocol.portfolio import parse_pnl_partitioned, parse_position, parse_summary

log = client_logger("ibkr_desktop.client.sync")

POSITIONS_PAGE_SIZE = 100
MAX_PRIMING_CALLS = 3
T = TypeVar("T")


class AccountSync(QObject):
    """Fetches account state over REST and de-duplicates fills.

    Signals:
        orders_updated (tuple[OrderUpdate, ...]): live orders from REST.
        fills_received (tuple[Fill, ...]): executions not reported before (any source).
        positions_updated (tuple[Position, ...]): the full set for the account.
        pnl_updated (tuple[PnlUpdate, ...]): partitioned P&L rows.
        account_summary_updated (AccountSummaryUpdate): the account summary.
        failed (IbkrError): a refresh failed (shown to the user as a notice).
        notice (str, str): level and text for the user, e.g. ("warning", "Could not read 1
            execution from /iserver/account/trades: ...") when an answer holds an item the
            client cannot read (it is never dropped silently).
    """

    orders_updated = Signal(object)
    fills_received = Signal(object)
    positions_updated = Signal(object)
    pnl_updated = Signal(object)
    account_summary_updated = Signal(object)
    failed = Signal(object)
    notice = Signal(str, str)

    def __init__(self, queue: RestQueue, *, positions_delay_s: float = 0.5,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._queue = queue
        self._positions_delay = positions_delay_s
        self._seen_executions: set[str] = set()
        self._tasks = TaskSet(log)
        self._positions_pending = False
        self.account: str | None = None

    def accept_fills(self, fills: Iterable[Fill]) -> tuple[Fill, ...]:
        """Report the fills not seen before (by execution id); positions follow shortly."""
        new = []
        for fill in fills:
            if fill.execution_id not in self._seen_executions:
                self._seen_executions.add(fill.execution_id)
                new.append(fill)
        if new:
            self.fills_received.emit(tuple(new))
            self.positions_soon()
        return tuple(new)

    def positions_soon(self) -> None:
        """Refresh positions once shortly (a burst of fills causes one refresh)."""
        if not self._positions_pending:
            self._positions_pending = True
            self._tasks.spawn(self._positions_later(), name="positions-after-fill")

    def resync(self, *, lane: Lane = Lane.BACKGROUND, everything: bool = True) -> None:
        """Re-sync in the background: orders and trades, plus the portfolio if ``everything``."""
        steps = [self.orders(lane), self.trades(lane)]
        if everything:
            steps += [self.positions(lane), self.pnl(lane), self.summary(lane)]
        for step in steps:
            self._tasks.spawn(step, name="resync")

    async def stop(self) -> None:
        """Cancel pending refreshes."""
        await self._tasks.cancel_all()

    async def orders(self, lane: Lane = Lane.USER) -> None:
        """Live orders, calling again while the gateway answers ``snapshot: false`` (§8.3)."""
        path = "/iserver/account/orders"
        for _ in range(MAX_PRIMING_CALLS):
            body = await self._get(path, lane)
            if body is None:
                return
            items = body.get("orders") if isinstance(body, Mapping) else body
            updates = self._read(items, parse_live_order, "order", path)
            if updates:
                self.orders_updated.emit(updates)
            if not isinstance(body, Mapping) or body.get("snapshot") is not False:
                return

    async def order_status(self, order_id: int | str, lane: Lane = Lane.USER) -> None:
        """One order's status (§5.5); it arrives on ``orders_updated`` like a live order."""
        path = f"/iserver/account/order/status/{order_id}"
        body = await self._get(path, lane)
        if body is None:
            return
        updates = self._read([body], parse_order_status, "order status", path)
        if updates:
            self.orders_updated.emit(updates)

    async def trades(self, lane: Lane = Lane.USER) -> None:
        """Recent executions; only unseen ones are reported."""
        path = "/iserver/account/trades"
        body = await self._get(path, lane)
        if body is not None:
            self.accept_fills(self._read(body, parse_trade, "execution", path))

    async def positions(self, lane: Lane = Lane.USER) -> None:
        """Every position of the account (all pages).

        IBKR serves positions from a cache that can be stale or miss holdings (§11), so the
        cache is invalidated first; if that call fails the pages are read anyway.
        """
        if self.account is None:
            return
        try:
            await self._queue.call("POST", f"/portfolio/{self.account}/positions/invalidate",
                                   json={}, lane=lane, idempotent=True)
        except IbkrError as exc:
            log.info("positions cache not invalidated: %s", describe_error(exc))
        positions: list[Position] = []
        for page in range(20):
            path = f"/portfolio/{self.account}/positions/{page}"
            body = await self._get(path, lane)
            if body is None:
                return
            positions.extend(self._read(body, parse_position, "position", path))
            if not isinstance(body, list) or len(body) < POSITIONS_PAGE_SIZE:
                break
        self.positions_updated.emit(tuple(positions))

    async def pnl(self, lane: Lane = Lane.USER) -> None:
        """Partitioned P&L."""
        body = await self._get("/iserver/account/pnl/partitioned", lane)
        if body is not None:
            self.pnl_updated.emit(tuple(parse_pnl_partitioned(body)))

    async def summary(self, lane: Lane = Lane.USER) -> None:
        """Account summary of the selected account."""
        if self.account is None:
            return
        body = await self._get(f"/portfolio/{self.account}/summary", lane)
        if body is not None:
            self.account_summary_updated.emit(parse_summary(self.account, body))

    async def _positions_later(self) -> None:
        await asyncio.sleep(self._positions_delay)
        self._positions_pending = False
        await self.positions(Lane.BACKGROUND)

    async def _get(self, path: str, lane: Lane) -> object:
        """GET through the queue; a failure becomes a ``failed`` signal and None."""
        try:
            body = await self._queue.call("GET", path, lane=lane)
        except IbkrError as exc:
            log.info("refresh %s failed: %s", path, describe_error(exc))
            self.failed.emit(exc)
            return None
        return body if body is not None else []

    def _read(self, items: object, parse: Callable[[Mapping[str, object]], T], noun: str,
              path: str) -> tuple[T, ...]:
        """Parse a list answer; items that cannot be read become one warning for the user."""
        read = read_items(items, parse)
        if read.problems:
            text = unreadable_text(read.problems, noun, path)
            log.warning("%s", text)
            self.notice.emit("warning", text)
        return read.items

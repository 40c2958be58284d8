"""One placement flow for every caller (ticket, scripts, self-test): limits, IBKR's question
loop, exactly-once placement, records and the journal.

``place`` runs under one lock, so submissions are serialised and reply ids never cross. Every
order carries a cOID; when an answer is lost (timeout, connection reset, 503 with an empty
body) the flow looks the cOIDs up in live orders before anything else can be sent, and never
posts the order again (reference §5.1-5.4, §11).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace

from PySide6.QtCore import QObject, Signal

from ibkr_desktop.client.http import client_logger
from ibkr_desktop.client.journal import Journal
from ibkr_desktop.client.order_reads import OrderReads
from ibkr_desktop.client.orders import OrderDesk
from ibkr_desktop.client.record_book import RecordBook
from ibkr_desktop.client.rest_queue import RestQueue
from ibkr_desktop.protocol.errors import (
    GatewayUnreachable,
    IbkrError,
    RequestTimedOut,
    ServiceUnavailable,
    describe_error,
)
from ibkr_desktop.protocol.events import Fill, OrderUpdate
from ibkr_desktop.protocol.limits import NO_LIMITS, Breach, Limits, Market, OnBreach, check
from ibkr_desktop.protocol.order_records import (
    OrderRecord,
    PlacementOutcome,
    WhatIf,
    ticket_words,
)
from ibkr_desktop.protocol.orders import (
    ACTIVE_STATUSES,
    OrderAccepted,
    OrderNotTransmitted,
    OrderQuestion,
    OrderRefused,
    OrderRejectedError,
    OrderTicket,
    PlacementAnswer,
    new_coid,
)

log = client_logger("ibkr_desktop.client.order_flow")

Confirm = Callable[[OrderQuestion], Awaitable[bool]]
"""Asks the user one of IBKR's questions (verbatim, with its message ids); True = confirm."""

DOUBT_ERRORS = (RequestTimedOut, ServiceUnavailable, GatewayUnreachable)
"""Failures after which an order POST may or may not have reached IBKR."""


def _now_ms() -> int:
    return int(time.time() * 1000)


class OrderFlow(QObject):
    """Placement, modification and cancellation with records, limits and a journal.

    Args:
        desk: sends the order calls (built with ``announce_doubt=False``: the flow resolves).
        rest: the REST queue (live-order look-ups, what-if).
        account: the selected account id (raises ``IbkrError`` when there is none).
        journal: where every step is written, or None.
        now_ms: the clock (epoch ms); tests inject one.
        lookup_tries / lookup_gap_s: how often and how far apart live orders are searched
            for a cOID after a lost answer.

    Signals:
        record_changed (OrderRecord): a record was created or changed.
        fill_received (OrderRecord, Fill): an execution of an order with a record.
        live_orders_read (tuple[OrderUpdate, ...]): live orders the flow fetched (after a
            lost answer, for cancel-all); the broker passes them on to its views.
    """

    record_changed = Signal(object)
    fill_received = Signal(object, object)
    live_orders_read = Signal(object)

    def __init__(self, desk: OrderDesk, rest: RestQueue, account: Callable[[], str], *,
                 journal: Journal | None = None, now_ms: Callable[[], int] = _now_ms,
                 lookup_tries: int = 3, lookup_gap_s: float = 0.5,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._desk, self._account = desk, account
        self._journal, self._now = journal, now_ms
        self._reads = OrderReads(rest, self._seen, tries=lookup_tries, gap_s=lookup_gap_s)
        self._book = RecordBook()
        self._lock = asyncio.Lock()
        self._doubts: list[str] = []
        self._sent_ms: list[int] = []
        self._limits: Callable[[], Limits] = lambda: NO_LIMITS

    @property
    def limits(self) -> Limits:
        """The caps of the current mode (read afresh from the source at every use)."""
        return self._limits()

    @limits.setter
    def limits(self, limits: Limits) -> None:
        self._limits = lambda: limits

    def set_limits_source(self, source: Callable[[], Limits]) -> None:
        """Where the caps come from: the app reads its settings for paper or live here."""
        self._limits = source

    # -- records --------------------------------------------------------------------------------

    def record(self, order_id: int | None = None, coid: str | None = None) -> OrderRecord | None:
        """The record of an order, by IBKR's order id or by cOID; None if unknown."""
        return self._book.find(order_id, coid)

    def records(self) -> tuple[OrderRecord, ...]:
        """Every record of this session, oldest first."""
        return self._book.all()

    def check_limits(self, ticket: OrderTicket, market: Market | None) -> list[Breach]:
        """The local limits ``ticket`` breaks now (the ticket shows them before sending)."""
        return check(ticket, market, self.limits, self._sent_ms, self._now())

    def on_orders(self, updates: Sequence[OrderUpdate]) -> None:
        """Live-order / ``sor`` updates (the broker connects ``orders_updated`` here)."""
        for record, step in self._book.apply(updates, self._now()):
            if step is not None:
                self._write("status", step.text, record)
            self.record_changed.emit(record)

    def on_fills(self, fills: Sequence[Fill]) -> None:
        """New executions (each once); those of known orders join their records."""
        for fill in fills:
            record = self._book.add_fill(fill, self._now())
            if record is not None:
                self._write("fill", record.history[-1].text, record)
                self.record_changed.emit(record)
                self.fill_received.emit(record, fill)

    # -- placement ------------------------------------------------------------------------------

    async def place(self, tickets: OrderTicket | Sequence[OrderTicket], confirm: Confirm, *,
                    market: Market | None = None, override: bool = False) -> PlacementOutcome:
        """Send one order (or a bracket: parent first, children naming its cOID in
        ``parent_id``) once, answering IBKR's questions through ``confirm``.

        Local limits are checked against ``market``; a breach sends nothing unless
        ``override`` is True and the limits ask rather than block. Never raises for IBKR's
        or the gateway's answers: the outcome says what happened.
        """
        batch = [tickets] if isinstance(tickets, OrderTicket) else list(tickets)
        async with self._lock:
            unresolved = await self._settle_doubts()
            if unresolved:
                return PlacementOutcome(error=unresolved)
            try:
                account = batch[0].account or self._account()
            except IbkrError as exc:
                return PlacementOutcome(error=exc.message)
            batch = [replace(t, account=account, coid=t.coid or new_coid()) for t in batch]
            now, limits = self._now(), self.limits
            breaches = [b for t in batch for b in check(t, market, limits, self._sent_ms, now)]
            if breaches and (not override or limits.on_breach is OnBreach.BLOCK):
                for b in breaches:
                    self._write("blocked", b.message, coid=batch[0].coid, account=account)
                return PlacementOutcome(blocked=tuple(breaches))
            for t in batch:
                record = self._book.intend(t, now, ticket_words(t, override and bool(breaches)))
                self._write("intent", record.history[-1].text, record)
                self.record_changed.emit(record)
            self._sent_ms = [*(t for t in self._sent_ms if now - t < 60_000), now]
            coids = [str(t.coid) for t in batch]
            return await self._run(self._desk.place(batch), confirm, coids)

    async def modify(self, order_id: int, ticket: OrderTicket,
                     confirm: Confirm) -> PlacementOutcome:
        """Change a working order; ``ticket.quantity`` is the order's TOTAL quantity, filled
        part included (IBKR's rule for a partly filled order, §11)."""
        async with self._lock:
            record = self._book.find(order_id)
            if record is not None and record.filled and ticket.quantity < record.filled:
                return PlacementOutcome(error=f"The new quantity {ticket.quantity:g} is below "
                                        f"the {record.filled:g} already filled")
            coid = record.coid if record else None
            self._write("intent", f"modify order {order_id}: {ticket_words(ticket, False)}",
                        record, coid=coid, order_id=order_id)
            return await self._run(self._desk.modify(order_id, ticket), confirm,
                                   [coid] if coid else [], modify_id=order_id)

    async def cancel(self, order_id: int) -> None:
        """Ask IBKR to cancel one order; the outcome arrives as a status update.

        Raises:
            IbkrError: IBKR refused the cancel or the request failed (the text says which).
        """
        record = self._book.find(order_id)
        self._write("cancel", f"cancel order {order_id}", record, order_id=order_id)
        await self._desk.cancel(order_id)

    async def cancel_all(self) -> int:
        """Cancel every working order of the selected account (fresh from live orders);
        returns how many cancels IBKR accepted.

        Raises:
            IbkrError: live orders could not be read.
        """
        account = self._account()
        working = [u.order_id for u in await self._reads.live_orders()
                   if u.status in ACTIVE_STATUSES and u.account in (None, account)]
        done = 0
        for order_id in working:
            try:
                await self.cancel(order_id)
                done += 1
            except IbkrError as exc:
                log.info("cancel of order %s failed: %s", order_id, describe_error(exc))
        return done

    async def what_if(self, tickets: OrderTicket | Sequence[OrderTicket]) -> WhatIf:
        """The preview of an order (commission, margin and equity change); sends no order.

        Raises:
            IbkrError: the gateway refused or failed the preview.
        """
        batch = [tickets] if isinstance(tickets, OrderTicket) else list(tickets)
        return await self._reads.what_if(batch[0].account or self._account(), batch)

    # -- internals ------------------------------------------------------------------------------

    async def _run(self, first: Awaitable[list[PlacementAnswer]], confirm: Confirm,
                   coids: list[str], modify_id: int | None = None) -> PlacementOutcome:
        """The question loop: ask, reply, until every row is an order (or the user says no)."""
        kept: list[PlacementAnswer] = []
        pending: Awaitable[list[PlacementAnswer]] = first
        while True:
            try:
                answers = await pending
            except OrderRejectedError as exc:
                self._write("response", f"refused: {exc.message}", coid=_one(coids))
                return self._outcome(kept + list(exc.answers), coids, error=exc.message)
            except DOUBT_ERRORS as exc:
                self._write("response", f"no answer: {exc.message}", coid=_one(coids))
                if modify_id is not None or not coids:
                    with contextlib.suppress(IbkrError):
                        await self._reads.live_orders()  # the views show what IBKR holds
                    return PlacementOutcome(error="The gateway did not confirm the change; "
                                            "the Orders view shows the order as IBKR holds it")
                self._doubts = coids
                return await self._resolve()
            except IbkrError as exc:  # rate-limited, refused by the gateway: nothing placed
                self._write("response", f"failed: {exc.message}", coid=_one(coids))
                return self._outcome(kept, coids, error=exc.message)
            questions = [a for a in answers if isinstance(a, OrderQuestion)]
            kept += [a for a in answers if not isinstance(a, OrderQuestion)]
            if not questions:
                return self._outcome(kept, coids)
            question = questions[0]
            self._write("question", " | ".join(
                f"[{mid}] {text}" for mid, text in zip(question.message_ids, question.messages,
                                                       strict=False)) or "question",
                coid=_one(coids))
            yes = await confirm(question)
            self._write("answer", "confirmed" if yes else "declined", coid=_one(coids))
            if not yes:
                try:
                    await self._desk.reply(question.reply_id, False)
                except IbkrError as exc:  # the question lapses anyway
                    log.info("declining question %s failed: %s", question.reply_id,
                             describe_error(exc))
                return self._outcome(kept, coids, declined=question)
            pending = self._desk.reply(question.reply_id, True)

    def _outcome(self, answers: Sequence[PlacementAnswer], coids: list[str], *,
                 declined: OrderQuestion | None = None, error: str | None = None,
                 found: bool = False) -> PlacementOutcome:
        accepted: list[OrderRecord] = []
        free = list(coids)
        now = self._now()
        for answer in answers:
            if isinstance(answer, OrderAccepted):
                coid = answer.coid if answer.coid in free else (free[0] if free else None)
                if coid is not None:
                    free.remove(coid)
                record = self._book.accept(coid, answer, now)
                self._write("response", record.history[-1].text, record)
                self.record_changed.emit(record)
                accepted.append(record)
        refused = tuple(a for a in answers if isinstance(a, OrderRefused))
        inactive = tuple(a for a in answers if isinstance(a, OrderNotTransmitted))
        return PlacementOutcome(tuple(accepted), refused, inactive, declined, found,
                                error=None if accepted or refused or inactive else error)

    async def _resolve(self) -> PlacementOutcome:
        """Look the doubtful cOIDs up in live orders; never re-send."""
        coids = list(self._doubts)
        try:
            found = await self._reads.find(coids)
        except IbkrError as exc:
            return PlacementOutcome(error=_unresolved(coids, exc.message))
        self._doubts = []
        if not found:
            text = (f"The gateway lost the answer, and IBKR holds no order with client order "
                    f"id {', '.join(coids)}: it was not placed. You may send it again.")
            self._write("response", text, coid=_one(coids))
            return PlacementOutcome(error=text)
        rows = [OrderAccepted(str(u.order_id), u.status, ref) for ref, u in found.items()]
        self._write("response", "found by client order id after a lost answer",
                    coid=_one(coids))
        return self._outcome(rows, coids, found=True)

    async def _settle_doubts(self) -> str | None:
        """Before a new send: resolve an earlier lost answer; the text if still unresolved."""
        if not self._doubts:
            return None
        outcome = await self._resolve()
        return outcome.error if self._doubts else None

    def _seen(self, updates: list[OrderUpdate]) -> None:
        self.on_orders(updates)
        self.live_orders_read.emit(tuple(updates))

    def _write(self, kind: str, text: str, record: OrderRecord | None = None, *,
               coid: str | None = None, order_id: int | None = None,
               account: str | None = None) -> None:
        if self._journal is None:
            return
        if record is not None:
            coid, order_id = record.coid or coid, record.order_id or order_id
            account = record.account or account
        self._journal.write(self._now(), kind, text, account=account, coid=coid,
                            order_id=order_id)


def _one(coids: list[str]) -> str | None:
    return coids[0] if coids else None


def _unresolved(coids: list[str], why: str) -> str:
    return (f"The gateway lost the answer to order {', '.join(coids)} and live orders could "
            f"not be read ({why}). Nothing new is sent until IBKR's orders can be checked.")

"""The order records of a session, found by order id and by cOID (no Qt, no I/O).

:class:`RecordBook` joins what arrives about an order from every side into one
:class:`~ibkr_desktop.protocol.order_records.OrderRecord`: the ticket and intent, placement and
reply answers, live-order and ``sor`` updates (joined by ``orderId`` or by ``order_ref`` = cOID)
and fills (joined by ``order_ref``). Every method returns the records it changed, so the owner
emits one signal per change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from ibkr_desktop.protocol.events import Fill, OrderUpdate
from ibkr_desktop.protocol.order_records import Exchange, OrderRecord
from ibkr_desktop.protocol.orders import OrderAccepted, OrderTicket


class RecordBook:
    """Records keyed by cOID (orders this app placed) or ``#<order id>`` (others)."""

    def __init__(self) -> None:
        self._records: dict[str, OrderRecord] = {}
        self._key_by_id: dict[int, str] = {}

    def find(self, order_id: int | None = None, coid: str | None = None) -> OrderRecord | None:
        """The record with ``order_id`` or ``coid`` (either may be given), or None."""
        key = self._key(order_id, coid)
        return self._records.get(key) if key else None

    def all(self) -> tuple[OrderRecord, ...]:
        """Every record, oldest first."""
        return tuple(self._records.values())

    def note(self, record: OrderRecord, time_ms: int, kind: str, text: str) -> OrderRecord:
        """Add one step to ``record``'s history and store it."""
        return self._store(replace(record, history=(*record.history,
                                                    Exchange(time_ms, kind, text))))

    def intend(self, ticket: OrderTicket, time_ms: int, text: str) -> OrderRecord:
        """A new record for a ticket about to be sent (its cOID is set)."""
        record = OrderRecord(coid=ticket.coid, ticket=ticket, account=ticket.account,
                             quantity=float(ticket.quantity))
        return self.note(record, time_ms, "intent", text)

    def accept(self, coid: str | None, answer: OrderAccepted, time_ms: int) -> OrderRecord:
        """IBKR named the order placed as ``coid`` (None: an order placed elsewhere, being
        modified): its id, status and text. A status the stream already gave is newer than
        the answer's; a record the stream made first for the same id is merged into this one."""
        order_id = int(answer.order_id)
        mine = self.find(coid=coid) if coid else None
        seen = self.find(order_id)  # the stream may have named the order before its answer
        record = mine or seen or OrderRecord(coid=coid)
        if seen is not None and seen is not record:
            record = replace(record, symbol=seen.symbol, status=seen.status,
                             quantity=_given(seen.quantity, record.quantity),
                             filled=seen.filled, remaining=seen.remaining,
                             avg_price=seen.avg_price, fills=seen.fills)
        record = replace(record, coid=record.coid or coid, order_id=order_id,
                         status=record.status or answer.status,  # the stream is newer
                         reason=answer.message or record.reason)
        text = f"order {answer.order_id} {answer.status or 'without a status'}"
        return self.note(record, time_ms, "response", text)

    def apply(self, updates: Iterable[OrderUpdate],
              time_ms: int) -> list[tuple[OrderRecord, Exchange | None]]:
        """Live-order / ``sor`` updates (None = unchanged); returns the changed records.

        Each changed record comes with its new status step, or None when the status did not
        change. A status change is a step only for an order whose status was known (or that
        this session placed): orders first seen in a re-sync are not "changes"."""
        changed: list[tuple[OrderRecord, Exchange | None]] = []
        for u in updates:
            old = self.find(u.order_id, u.order_ref) or OrderRecord(coid=u.order_ref)
            new = replace(
                old, order_id=u.order_id,
                account=u.account or old.account, symbol=u.symbol or old.symbol,
                status=u.status or old.status,
                quantity=_given(u.quantity, old.quantity), filled=_given(u.filled, old.filled),
                remaining=_given(u.remaining, old.remaining),
                avg_price=_given(u.avg_price, old.avg_price))
            if new == old and old.order_id is not None:
                continue
            step = None
            known = old.status is not None or old.ticket is not None
            if new.status != old.status and known:  # a change, not an order first seen
                step = Exchange(time_ms, "status", f"{new.status} ({new.status_text})")
                new = replace(new, history=(*new.history, step))
            changed.append((self._store(new), step))
        return changed

    def add_fill(self, fill: Fill, time_ms: int) -> OrderRecord | None:
        """Attach an execution to the record its ``order_ref`` (cOID) names (a new record for
        a cOID not seen yet, e.g. an order of an earlier run); None without an ``order_ref`` or
        for an execution already attached."""
        if not fill.order_ref:
            return None
        record = self.find(coid=fill.order_ref) or OrderRecord(
            coid=fill.order_ref, account=fill.account or None, symbol=fill.symbol or None)
        if any(f.execution_id == fill.execution_id for f in record.fills):
            return None
        record = replace(record, fills=(*record.fills, fill))
        return self.note(record, time_ms, "fill",
                         f"{fill.side} {fill.size:g} {fill.symbol} at {fill.price:g}")

    def _key(self, order_id: int | None, coid: str | None) -> str | None:
        if coid and coid in self._records:
            return coid
        if order_id is not None:
            return self._key_by_id.get(order_id)
        return None

    def _store(self, record: OrderRecord) -> OrderRecord:
        key = record.coid or f"#{record.order_id}"
        if record.order_id is not None:
            old_key = self._key_by_id.get(record.order_id)
            if old_key is not None and old_key != key:
                self._records.pop(old_key, None)  # an id first seen without its cOID
            self._key_by_id[record.order_id] = key
        self._records[key] = record
        return record


def _given(value: float | None, old: float | None) -> float | None:
    return old if value is None else value

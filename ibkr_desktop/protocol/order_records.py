"""Order records, placement outcomes and what-if previews: what one placement flow tells callers.

An :class:`OrderRecord` joins everything known about one order (ib_async's ``Trade`` in
spirit): the ticket, the placement answer, the questions and answers, status updates (``sor``,
live orders) and fills. A :class:`PlacementOutcome` is what ``OrderFlow.place`` returns, with a
``summary`` for the notifier. :func:`parse_whatif` reads ``/orders/whatif`` (reference §5.8).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ibkr_desktop.protocol import _coerce
from ibkr_desktop.protocol.events import Fill
from ibkr_desktop.protocol.limits import Breach
from ibkr_desktop.protocol.order_kinds import DONE_STATUSES, OrderStatus, status_words
from ibkr_desktop.protocol.orders import (
    OrderNotTransmitted,
    OrderQuestion,
    OrderRefused,
    OrderTicket,
)


@dataclass(frozen=True, slots=True)
class Exchange:
    """One step of an order's history: ``kind`` is "intent", "question", "answer", "response",
    "status" or "fill"; ``time_ms`` is epoch ms by the client's clock."""

    time_ms: int
    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class OrderRecord:
    """Everything known about one order; replaced (never mutated) on each change.

    ``coid`` is None for orders the app did not place (seen only in live orders); ``order_id``
    is None until IBKR names it. ``quantity``/``filled``/``remaining`` are shares (contracts);
    ``avg_price`` is the average fill price; ``reason`` is IBKR's latest text for the order.
    """

    coid: str | None
    order_id: int | None = None
    ticket: OrderTicket | None = None
    account: str | None = None
    symbol: str | None = None
    status: OrderStatus | None = None
    quantity: float | None = None
    filled: float | None = None
    remaining: float | None = None
    avg_price: float | None = None
    reason: str | None = None
    history: tuple[Exchange, ...] = ()
    fills: tuple[Fill, ...] = ()

    @property
    def done(self) -> bool:
        """True once the status is final (filled, cancelled, inactive)."""
        return self.status in DONE_STATUSES

    @property
    def status_text(self) -> str:
        """The status in plain words, with IBKR's reason when given."""
        return status_words(self.status, self.reason)


@dataclass(frozen=True, slots=True)
class PlacementOutcome:
    """What one placement (or modification) came to.

    Attributes:
        accepted: records of the orders IBKR took (working or filled).
        refused: legs IBKR refused, with its reasons.
        not_transmitted: orders IBKR named but that are not working (``Inactive``...).
        declined: the question the user declined (nothing further was sent), or None.
        found_after_doubt: the answer was lost (timeout, reset, empty 503) and the orders were
            found in live orders by cOID: they are placed.
        blocked: local limit breaches that stopped the order before anything was sent.
        error: why nothing was placed when IBKR said so in words or the request failed.
    """

    accepted: tuple[OrderRecord, ...] = ()
    refused: tuple[OrderRefused, ...] = ()
    not_transmitted: tuple[OrderNotTransmitted, ...] = ()
    declined: OrderQuestion | None = None
    found_after_doubt: bool = False
    blocked: tuple[Breach, ...] = ()
    error: str | None = None

    @property
    def placed(self) -> bool:
        """True when at least one order is with IBKR."""
        return bool(self.accepted)

    @property
    def summary(self) -> str:
        """One plain sentence (or a few) for the notifier."""
        parts: list[str] = []
        for record in self.accepted:
            ref = f"order {record.order_id}" if record.order_id else "the order"
            how = " (found by its client order id after the answer was lost)" \
                if self.found_after_doubt else ""
            parts.append(f"Placed {ref}{how}: {record.status_text}.")
        parts += [f"IBKR refused an order: {r.reason}" for r in self.refused]
        for n in self.not_transmitted:
            why = f": {n.reason}" if n.reason else ""
            parts.append(f"Order {n.order_id} was not transmitted ({n.status}){why}")
        if self.declined is not None:
            parts.append("Not sent: you declined IBKR's question.")
        parts += [f"Not sent: {b.message}" for b in self.blocked]
        if self.error:
            parts.append(self.error)
        return " ".join(p if p.endswith(".") else p + "." for p in parts) or "Nothing was sent."


@dataclass(frozen=True, slots=True)
class WhatIf:
    """An order's preview (``/orders/whatif``, §5.8); money in the account currency.

    ``*_change`` are what the order adds; ``equity_change`` is the change of equity with loan
    value (the commission for a stock trade). ``warning``/``error`` are IBKR's texts.
    """

    commission: float | None
    initial_margin_change: float | None
    maintenance_margin_change: float | None
    equity_change: float | None
    amount: float | None
    warning: str | None = None
    error: str | None = None


def ticket_words(ticket: OrderTicket, overridden: bool = False) -> str:
    """``BUY 100 conid 265598 LMT 185 DAY`` (plus ``(local limits overridden)``): a ticket as
    the journal records the intent."""
    price = f" {ticket.price:g}" if ticket.price is not None else ""
    stop = f" stop {ticket.aux_price:g}" if ticket.aux_price is not None else ""
    extra = " (local limits overridden)" if overridden else ""
    return (f"{ticket.side} {ticket.quantity:g} conid {ticket.conid} {ticket.order_type}"
            f"{price}{stop} {ticket.tif}{extra}")


_NUMBER = re.compile(r"-?[\d,]*\.?\d+")


def _money(value: object) -> float | None:
    """``"1,234.50 USD"`` / ``"12"`` / 3.5 -> float; the first number in a text."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, str):
        return None
    match = _NUMBER.search(value)
    return float(match.group().replace(",", "")) if match else None


def _change(body: Mapping[str, object], key: str) -> float | None:
    part = body.get(key)
    return _money(part.get("change")) if isinstance(part, Mapping) else None


def parse_whatif(body: object) -> WhatIf:
    """Read a ``/orders/whatif`` answer (formatted current/change/after triples, §5.8).

    Raises:
        ValueError: the answer is not an object.
    """
    if not isinstance(body, Mapping):
        raise ValueError(f"unexpected what-if answer: {body!r}"[:300])
    amount = body.get("amount")
    amounts = amount if isinstance(amount, Mapping) else {}
    return WhatIf(
        commission=_money(amounts.get("commission")),
        initial_margin_change=_change(body, "initial"),
        maintenance_margin_change=_change(body, "maintenance"),
        equity_change=_change(body, "equity"),
        amount=_money(amounts.get("amount")),
        warning=_coerce.text(body.get("warn")),
        error=_coerce.text(body.get("error")),
    )

"""Turning request bodies into draft orders: ticket parsing, validation, brackets and OCA.

Placement, modification and what-if all start the same way: JSON ticket(s) -> validated
:class:`~ibkr_desktop.protocol.orders.OrderTicket` -> draft :class:`~.orders.Order` (id 0,
not yet in the book). This module owns those steps and the IBKR rejection texts they can
produce, so the facade only decides what to do with a draft.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ibkr_desktop.protocol.orders import OrderTicket, TicketError, validate

from .order_book import OrderBook
from .orders import FILLED, Contract, Order


class BrokerageError(Exception):
    """A request the brokerage refuses, rendered as IBKR's ``{"error": ...}`` body.

    Args:
        message: The IBKR-style error text the client shows.
        status: HTTP status: 200 for order rejections (IBKR's third placement shape),
            400 for malformed requests, 503 for unknown orders / expired replies.
    """

    def __init__(self, message: str, status: int = 200) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def ticket_items(body: object) -> list[Any]:
    """The ticket list of a placement body: ``{"orders": [...]}``, a bare array, or one object."""
    items = body.get("orders", [body]) if isinstance(body, dict) else body
    if not isinstance(items, list) or not items:
        raise BrokerageError("Bad Request: body must be {\"orders\": [ ... ]} or an array of "
                             "order tickets", 400)
    return items


def parse_ticket(item: object, account: str) -> OrderTicket:
    """Parse and validate one ticket; problems become one readable 400 error."""
    if not isinstance(item, dict):
        raise BrokerageError("Bad Request: each order ticket must be a JSON object", 400)
    try:
        ticket = OrderTicket.from_json(item)
    except TicketError as exc:
        raise BrokerageError(_problem_text(exc.problems), 400) from exc
    problems = validate(ticket)
    if problems:
        raise BrokerageError(_problem_text(problems), 400)
    if ticket.account and ticket.account != account:
        raise BrokerageError(f"Bad Request: acctId {ticket.account} does not match the account "
                             f"in the path ({account})", 400)
    return ticket


def _problem_text(problems: Any) -> str:
    details = "; ".join(f"{p.field}: {p.message}" for p in problems)
    return f"Bad Request: invalid order ticket ({details})"


def duplicate_coid_error(coid: str) -> BrokerageError:
    """IBKR's text for a reused client order id (quirk 11)."""
    return BrokerageError(
        f"Order couldn't be submitted: Local order ID={coid} is already registered.")


@dataclass(slots=True)
class Draft:
    """A validated ticket turned into an order, plus how it links to its batch."""

    ticket: OrderTicket
    order: Order
    contract: Contract
    parent_index: int | None = None


def build_drafts(
    tickets: list[OrderTicket],
    account: str,
    book: OrderBook,
    contract_of: Callable[[int], Contract],
    now_ms: int,
) -> list[Draft]:
    """Make draft orders for one placement and check cOIDs and bracket parents.

    A child's ``parentId`` names a parent by cOID, either in the same batch (a bracket sent
    as one array) or an order already working.
    """
    batch_coids: dict[str, int] = {}
    drafts: list[Draft] = []
    for index, ticket in enumerate(tickets):
        if ticket.coid:
            if book.coid_taken(ticket.coid) or ticket.coid in batch_coids:
                raise duplicate_coid_error(ticket.coid)
            batch_coids[ticket.coid] = index
        contract = contract_of(ticket.conid)
        order = draft_order(ticket, account, contract, now_ms)
        draft = Draft(ticket, order, contract)
        if ticket.parent_id:
            draft.parent_index = batch_coids.get(ticket.parent_id)
            if draft.parent_index is None:
                parent = book.find_coid(ticket.parent_id)
                if parent is None or not parent.active:
                    raise BrokerageError(
                        f"Parent order with cOID {ticket.parent_id} is not a working order")
                order.parent_id = parent.order_id
        drafts.append(draft)
    return drafts


def draft_order(ticket: OrderTicket, account: str, contract: Contract, now_ms: int) -> Order:
    """A not-yet-booked :class:`Order` carrying ``ticket``'s terms (order id 0)."""
    order = Order(
        order_id=0, account=account, conid=ticket.conid, side=str(ticket.side),
        quantity=float(ticket.quantity), order_type=str(ticket.order_type),
        tif=str(ticket.tif), created_ms=now_ms, coid=ticket.coid,
        listing_exchange=ticket.listing_exchange or contract.exchange,
    )
    order.apply_terms(ticket)
    return order


def link_batch(drafts: list[Draft], book: OrderBook) -> None:
    """Give booked drafts their parent ids, hold children, and form OCA groups.

    Children of one bracket parent share a reduce-type OCA group (IBKR brackets); a batch
    sent with ``isSingleGroup`` is one cancel-on-fill OCA group.
    """
    if any(d.ticket.is_single_group for d in drafts):
        group = book.new_group()
        for draft in drafts:
            draft.order.oca_group = group
    bracket_groups: dict[int, int] = {}
    for draft in drafts:
        order = draft.order
        if draft.parent_index is not None:
            order.parent_id = drafts[draft.parent_index].order.order_id
        if order.parent_id is None:
            continue
        parent = book.get(order.parent_id)
        order.held = parent is None or parent.status != FILLED
        if order.oca_group is None:
            order.oca_group = bracket_groups.setdefault(order.parent_id, book.new_group())
            order.oca_reduce = True

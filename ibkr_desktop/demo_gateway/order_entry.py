"""Turning request bodies into draft orders: tickets, brackets, OCA and refused legs.

Placement, modification and what-if all start the same way: JSON ticket(s) -> strictly parsed
:class:`~.order_request.OrderRequest` -> draft :class:`~.orders.Order` (id 0, not yet in the
book). A leg IBKR would refuse on its own (a size off the minimum increment, a bracket child on
its parent's side) is not an error of the whole request: its draft carries the reason and the
placement answers it with a ``Failed`` row (§11).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .brokerage_error import BrokerageError
from .order_book import OrderBook
from .order_request import OrderRequest, parse_order
from .orders import FILLED, Contract, Order

SIZE_INCREMENT = 0.0001
"""Smallest share fraction the demo's stocks trade in (IBKR fractional shares: 4 decimals)."""


def ticket_items(body: object) -> list[Any]:
    """The ticket list of a placement body: ``{"orders": [...]}`` or a bare array (§5.1)."""
    items = body.get("orders") if isinstance(body, dict) else body
    if not isinstance(items, list) or not items:
        raise BrokerageError("Bad Request: body must be {\"orders\": [ ... ]} or an array of "
                             "order tickets", 400)
    return items


def parse_ticket(item: object, account: str) -> OrderRequest:
    """Parse one ticket strictly and check its ``acctId`` against the path's account."""
    ticket = parse_order(item)
    if ticket.account and ticket.account != account:
        raise BrokerageError(f"Bad Request: acctId {ticket.account} does not match the account "
                             f"in the path ({account})", 400)
    return ticket


def duplicate_coid_error(coid: str) -> BrokerageError:
    """IBKR's text for a reused client order id (quirk 11)."""
    return BrokerageError(
        f"Order couldn't be submitted: Local order ID={coid} is already registered.")


@dataclass(slots=True)
class Draft:
    """A parsed ticket turned into an order, how it links to its batch, and any refusal."""

    ticket: OrderRequest
    order: Order
    contract: Contract
    parent_index: int | None = None
    refusal: str | None = None


def size_refusal(quantity: float) -> str | None:
    """The reason a size is refused (not a multiple of :data:`SIZE_INCREMENT`), or None."""
    steps = quantity / SIZE_INCREMENT
    if abs(steps - round(steps)) > 1e-6:
        return (f"Order size {quantity:g} does not conform to the minimum size increment of "
                f"{SIZE_INCREMENT:g}.")
    return None


def build_drafts(
    tickets: list[OrderRequest],
    account: str,
    book: OrderBook,
    contract_of: Callable[[int], Contract],
    now_ms: int,
) -> list[Draft]:
    """Make draft orders for one placement; check cOIDs, bracket parents and refused legs.

    A child's ``parentId`` names a parent by cOID, either in the same batch (a bracket sent
    as one array) or an order already working. A child of a refused parent is refused too.
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
        draft = Draft(ticket, order, contract, refusal=size_refusal(ticket.quantity))
        if ticket.parent_id:
            draft.parent_index = batch_coids.get(ticket.parent_id)
            parent = drafts[draft.parent_index].order if draft.parent_index is not None else None
            if draft.parent_index is None:
                parent = book.find_coid(ticket.parent_id)
                if parent is None or not parent.active:
                    raise BrokerageError(
                        f"Parent order with cOID {ticket.parent_id} is not a working order")
                order.parent_id = parent.order_id
            elif drafts[draft.parent_index].refusal:
                draft.refusal = draft.refusal or "Parent order was not accepted."
            if parent is not None and parent.side == order.side:
                draft.refusal = draft.refusal or (
                    "A bracket child order must be on the opposite side of its parent order.")
        drafts.append(draft)
    return drafts


def draft_order(ticket: OrderRequest, account: str, contract: Contract, now_ms: int) -> Order:
    """A not-yet-booked :class:`Order` carrying ``ticket``'s terms (order id 0)."""
    order = Order(
        order_id=0, account=account, conid=ticket.conid, side=ticket.side,
        quantity=ticket.quantity, order_type=ticket.order_type, tif=ticket.tif,
        created_ms=now_ms, coid=ticket.coid,
        listing_exchange=ticket.listing_exchange or contract.exchange,
    )
    order.apply_terms(ticket)
    return order


def link_batch(drafts: list[Draft], book: OrderBook) -> None:
    """Give booked drafts their parent ids, hold children, and form OCA groups.

    Children of one bracket parent share a reduce-type OCA group (IBKR brackets); a batch
    sent with ``isSingleGroup`` is one cancel-on-fill OCA group. Refused drafts are skipped.
    """
    booked = [d for d in drafts if d.refusal is None]
    if any(d.ticket.is_single_group for d in booked):
        group = book.new_group()
        for draft in booked:
            draft.order.oca_group = group
    bracket_groups: dict[int, int] = {}
    for draft in booked:
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

"""The order desk: placement, reply chains, modification, cancellation, what-if, status.

Every order request of the HTTP surface goes through :class:`OrderDesk`. It validates the
ticket(s), asks IBKR's precautionary questions (:mod:`.questions`) and, once confirmed, books
the orders and lets the brokerage's matching engine give them their first chance to fill.
Rejections are raised as :class:`~.brokerage_error.BrokerageError` with IBKR's wording.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any, Protocol

from .brokerage_error import BrokerageError
from .order_book import OrderBook
from .order_entry import (
    Draft,
    build_drafts,
    draft_order,
    duplicate_coid_error,
    link_batch,
    parse_ticket,
    size_refusal,
    ticket_items,
)
from .order_request import OrderRequest
from .order_views import order_status
from .orders import (
    FILTER_WORDS,
    INACTIVE,
    Contract,
    Order,
    Quote,
    reference_price,
    working_status,
)
from .portfolio import Portfolio
from .questions import ReplyBook, questions_for


class DeskHost(Protocol):
    """What the desk needs of the brokerage (:class:`~.brokerage.Brokerage` provides it)."""

    @property
    def portfolio(self) -> Portfolio: ...
    @property
    def book(self) -> OrderBook: ...
    @property
    def replies(self) -> ReplyBook: ...

    def now(self) -> int: ...
    def is_rth(self, now_ms: int) -> bool: ...
    def contract(self, conid: int) -> Contract: ...
    def quote(self, conid: int) -> Quote | None: ...
    def mark(self, conid: int) -> float | None: ...
    def match_now(self, orders: list[Order], now: int) -> None: ...
    def publish(self, now: int) -> None: ...
    def orders_snapshot(self, account_id: str) -> list[dict[str, Any]]: ...

CAP_BAND = 0.03
"""Mandatory cap/floor distance for market orders outside regular hours (o10153)."""


def _failed(reason: str) -> dict[str, Any]:
    """The row of a leg IBKR refused: still HTTP 200, with a fake id (§11)."""
    return {"order_id": "-1", "order_status": "Failed", "text": reason,
            "warning_message": reason}


def _accepted(order: Order) -> dict[str, Any]:
    """One item of IBKR's accepted-order array (§5.1 shape 1); ``Inactive`` = not transmitted."""
    answer = {"order_id": str(order.order_id), "order_status": str(order.status),
              "encrypt_message": "1"}
    if order.coid:
        answer["local_order_id"] = order.coid
    return answer


class OrderDesk:
    """Order requests against one :class:`~.brokerage.Brokerage`.

    Args:
        brokerage: Supplies the book, reply chains, portfolio, market lookups and matching.
    """

    def __init__(self, brokerage: DeskHost) -> None:
        self._b = brokerage
        self.orders_primed = False

    def place(self, account_id: str, body: object) -> Any:
        """``POST /iserver/account/{acct}/orders``: accepted array, question, or error.

        Raises:
            BrokerageError: malformed body (400), invalid ticket (400), duplicate cOID,
                unknown parent or insufficient margin (200 rejections).
        """
        self._b.portfolio.account(account_id)
        now = self._b.now()
        tickets = [parse_ticket(item, account_id) for item in ticket_items(body)]
        drafts = build_drafts(tickets, account_id, self._b.book, self._b.contract, now)
        rth = self._b.is_rth(now)
        questions = []
        for draft in (d for d in drafts if d.refusal is None):
            if draft.parent_index is None and draft.order.parent_id is None:
                order = draft.order
                price = order.limit_price or order.stop_price or self._b.mark(order.conid) or 0.0
                self._b.portfolio.check_margin(order, price)
            questions += questions_for(draft.order, draft.contract.symbol,
                                       draft.contract.exchange,
                                       self._b.quote(draft.order.conid), rth)
        self._b.replies.discard_pending()
        if all(d.refusal for d in drafts):
            return self._accept(drafts)
        return self._b.replies.start(questions, partial(self._accept, drafts), now)

    def _accept(self, drafts: list[Draft]) -> list[dict[str, Any]]:
        """Book confirmed drafts, give them a chance to fill; one answer row per leg.

        Refused legs answer a ``Failed`` row and are not booked; an untransmitted order
        (``"transmit": false``) is booked ``Inactive`` and never works.
        """
        now = self._b.now()
        booked = [d for d in drafts if d.refusal is None]
        for draft in booked:
            if draft.order.coid and self._b.book.coid_taken(draft.order.coid):
                raise duplicate_coid_error(draft.order.coid)
        for draft in booked:
            draft.order.order_id = self._b.book.next_order_id()
            draft.order.created_ms = now
        link_batch(drafts, self._b.book)
        rth = self._b.is_rth(now)
        for draft in booked:
            order = draft.order
            quote = self._b.quote(order.conid)
            if order.order_type == "MKT" and not rth and quote is not None:
                reference = reference_price(quote) or 0.0
                band = 1 + CAP_BAND if order.side == "BUY" else 1 - CAP_BAND
                order.cap_price = round(reference * band, 2)
            if draft.ticket.transmit:
                order.status = working_status(order, rth or order.outside_rth)
            else:
                order.status = INACTIVE
            self._b.book.add(order)
        self._b.match_now([d.order for d in booked], now)
        return [_failed(d.refusal) if d.refusal else _accepted(d.order) for d in drafts]

    def reply(self, reply_id: str, confirmed: bool) -> Any:
        """``POST /iserver/reply/{id}``: next question or the accepted array."""
        return self._b.replies.answer(reply_id, confirmed, self._b.now())

    def _owned_order(self, account_id: str, order_id: int) -> Order:
        order = self._b.book.get(order_id)
        if order is None or order.account != account_id:
            raise BrokerageError(f"OrderID {order_id} doesn't exist")
        return order

    def modify(self, account_id: str, order_id: int, body: object) -> Any:
        """``POST /iserver/account/{acct}/order/{id}``: same answers as placement."""
        self._b.portfolio.account(account_id)
        order = self._owned_order(account_id, order_id)
        if not isinstance(body, dict):
            raise BrokerageError("Bad Request: modify takes exactly one order object", 400)
        ticket = parse_ticket(body, account_id)
        refusal = size_refusal(ticket.quantity)
        if refusal:
            return [_failed(refusal)]
        if ticket.conid != order.conid or ticket.side != order.side:
            raise BrokerageError("Bad Request: conid and side of an order cannot be modified", 400)
        if not order.active:
            raise BrokerageError(f"Order {order_id} cannot be modified: it is {order.status}")
        if ticket.quantity < order.filled:
            raise BrokerageError(f"Order {order_id} cannot be modified: quantity is below the "
                                 f"filled quantity {order.filled:g}")
        now = self._b.now()
        contract = self._b.contract(order.conid)
        preview = draft_order(ticket, account_id, contract, now)
        questions = questions_for(preview, contract.symbol, contract.exchange,
                                  self._b.quote(order.conid), self._b.is_rth(now))
        self._b.replies.discard_pending()
        return self._b.replies.start(questions, partial(self._apply_modify, order, ticket), now)

    def _apply_modify(self, order: Order, ticket: OrderRequest) -> list[dict[str, Any]]:
        if not order.active:
            raise BrokerageError(
                f"Order {order.order_id} cannot be modified: it is {order.status}")
        now = self._b.now()
        order.apply_terms(ticket)
        order.status = working_status(order, self._b.is_rth(now) or order.outside_rth)
        self._b.book.touch(order)
        answer = _accepted(order)
        self._b.match_now([order], now)
        return [answer]

    def cancel(self, account_id: str, order_id: int) -> dict[str, Any]:
        """``DELETE /iserver/account/{acct}/order/{id}``; ``-1`` cancels every open order."""
        self._b.portfolio.account(account_id)
        if order_id == -1:
            for order in self._b.book.working():
                if order.account == account_id:
                    self._b.book.cancel(order)
            self._b.publish(self._b.now())
            return {"msg": "Request was submitted", "order_id": -1, "conid": -1,
                    "account": account_id}
        order = self._owned_order(account_id, order_id)
        if not order.active:
            raise BrokerageError(f"OrderID {order_id} cannot be cancelled: it is {order.status}")
        self._b.book.cancel(order)
        self._b.publish(self._b.now())
        return {"msg": "Request was submitted", "order_id": order_id, "conid": order.conid,
                "account": account_id}

    def whatif(self, account_id: str, body: object) -> dict[str, Any]:
        """``POST /iserver/account/{acct}/orders/whatif`` for the first ticket of ``body``."""
        self._b.portfolio.account(account_id)
        ticket = parse_ticket(ticket_items(body)[0], account_id)
        order = draft_order(ticket, account_id, self._b.contract(ticket.conid), self._b.now())
        price = order.limit_price or order.stop_price or self._b.mark(order.conid) or 0.0
        no_data = self._b.quote(order.conid) is None and "o354" not in self._b.replies.suppressed
        return self._b.portfolio.whatif(order, price, no_data)

    def order_status(self, order_id: int) -> dict[str, Any]:
        """``/iserver/account/order/status/{id}``.

        Raises:
            BrokerageError: 503 for unknown orders and orders of a non-selected account.
        """
        order = self._b.book.get(order_id)
        if order is None or order.account != self._b.portfolio.selected:
            raise BrokerageError(f"Order {order_id} is not available", 503)
        return order_status(order, self._b.contract(order.conid))

    def live_orders(self, account_id: str, filters: Iterable[str], force: bool) -> dict[str, Any]:
        """``GET /iserver/account/orders`` with IBKR's priming (quirk 3).

        The first call of a brokerage session, and every ``force=true`` call, answers
        ``{"orders": [], "snapshot": false}``; later calls list working orders and today's
        finished ones with ``snapshot: true``. ``filters`` are IBKR's snake_case status words
        (``submitted``, ``pre_submitted``...) plus ``sort_by_time``.

        Raises:
            BrokerageError: 500 for any other filter word (``PreSubmitted``), as IBKR answers.
        """
        self._b.portfolio.account(account_id)
        if force or not self.orders_primed:
            self.orders_primed = True
            return {"orders": [], "snapshot": False}
        names = [f.strip() for f in filters if f.strip()]
        unknown = [n for n in names if n not in FILTER_WORDS and n != "sort_by_time"]
        if unknown:
            raise BrokerageError(f"unknown order status filter {unknown[0]!r}", 500)
        wanted = {FILTER_WORDS[n] for n in names if n in FILTER_WORDS}
        items = [item for item in self._b.orders_snapshot(account_id)
                 if not wanted or item["status"] in wanted]
        if "sort_by_time" in names:
            items.sort(key=lambda item: item["lastExecutionTime_r"], reverse=True)
        return {"orders": items, "snapshot": True}

"""Order calls: placement, replies, modify and cancel, sent once on the ORDER lane.

An order POST is never repeated by the client: a repeated placement can mean a doubled
position. Each new order carries a client order id (``cOID``) so IBKR itself refuses an
accidental duplicate. When the outcome of a call is unknown (timeout, 503) the desk says so
in plain words and asks for a live-order refresh, so the user checks before sending again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from PySide6.QtCore import QObject, Signal

from ibkr_desktop.client.http import client_logger
from ibkr_desktop.client.rest_queue import RestQueue
from ibkr_desktop.client.scheduler import Lane
from ibkr_desktop.protocol.errors import (
    ApiError,
    RateLimited,
    RequestTimedOut,
    ServiceUnavailable,
)
from ibkr_desktop.protocol.orders import (
    OrderAccepted,
    OrderRejectedError,
    OrderTicket,
    PlacementAnswer,
    new_coid,
    parse_placement_response,
    placed_anything,
    refusal_texts,
)

log = client_logger("ibkr_desktop.client.orders")

PlacementResult = list[PlacementAnswer]
"""What a placement, modification or reply answers, one row per order in ticket order:
``OrderAccepted``, ``OrderQuestion``, ``OrderRefused`` (a refused leg, with IBKR's reason) or
``OrderNotTransmitted`` (e.g. ``Inactive``). A result always holds an accepted order or a
question; when IBKR placed nothing the call raises ``OrderRejectedError`` instead."""


class OrderDesk(QObject):
    """Order calls through the REST queue's ORDER lane.

    Signals:
        notice (str, str): level and plain-language text for the user.
        orders_uncertain (): an order call may or may not have reached IBKR; refresh orders.
    """

    notice = Signal(str, str)
    orders_uncertain = Signal()

    def __init__(self, rest: RestQueue, account: Callable[[], str],
                 parent: QObject | None = None, *, announce_doubt: bool = True) -> None:
        super().__init__(parent)
        self._rest = rest
        self._account = account
        self._announce_doubt = announce_doubt

    async def place(self, tickets: OrderTicket | Sequence[OrderTicket]) -> PlacementResult:
        """Place one order (or a bracket, parent first) once, each with a client order id
        (a new one unless the ticket has one), in one request."""
        batch = [tickets] if isinstance(tickets, OrderTicket) else list(tickets)
        account = batch[0].account or self._account()
        batch = [replace(t, account=account, coid=t.coid or new_coid()) for t in batch]
        coids = ", ".join(str(t.coid) for t in batch)
        log.info("placing order %s", coids)
        body = await self._send("POST", f"/iserver/account/{account}/orders",
                                {"orders": [t.to_json() for t in batch]}, coids)
        return self._read(body)

    async def reply(self, reply_id: str, confirmed: bool) -> PlacementResult:
        """Confirm (or decline) an order question; declining returns []."""
        try:
            body = await self._send("POST", f"/iserver/reply/{reply_id}",
                                    {"confirmed": confirmed})
            return self._read(body)
        except (ApiError, OrderRejectedError):
            if confirmed:
                raise
            return []  # IBKR answers a decline with an error: the order is dropped, as asked

    async def modify(self, order_id: int | str, ticket: OrderTicket) -> PlacementResult:
        """Modify a working order (the ticket's cOID is not sent again)."""
        account = ticket.account or self._account()
        body = await self._send("POST", f"/iserver/account/{account}/order/{order_id}",
                                replace(ticket, account=account, coid=None).to_json())
        return self._read(body)

    async def cancel(self, order_id: int | str) -> None:
        """Ask for a cancel; raises ``OrderRejectedError`` if IBKR refuses it."""
        body = await self._send("DELETE", f"/iserver/account/{self._account()}/order/{order_id}",
                                None)
        if isinstance(body, dict) and body.get("error"):
            raise OrderRejectedError(str(body["error"]))

    def _read(self, body: object) -> PlacementResult:
        """Classify an answer; refused legs reach the user, and nothing placed raises.

        Raises:
            OrderRejectedError: IBKR placed nothing; the text carries every reason it gave.
        """
        answers = parse_placement_response(body)
        problems = refusal_texts(answers)
        if not placed_anything(answers):
            raise OrderRejectedError("; ".join(problems), answers=tuple(answers))
        for text in problems:
            self.notice.emit("error", text)
        if any(isinstance(a, OrderAccepted) and a.status is None for a in answers):
            self.orders_uncertain.emit()  # an id without a status: the Orders view tells
        return answers

    async def _send(self, method: str, path: str, body: object,
                    coid: str | None = None) -> object:
        try:
            return await self._rest.call(method, path, json=body, lane=Lane.ORDER,
                                         idempotent=False)
        except RateLimited as exc:
            text = ("The order request was not sent: the gateway is rate-limiting requests. "
                    "Wait a moment, check the Orders view, then try again.")
            self.notice.emit("error", text)
            raise RateLimited(text, exc.status) from exc
        except (RequestTimedOut, ServiceUnavailable) as exc:
            if not self._announce_doubt:
                raise  # the caller looks the order up by its cOID itself
            ref = f" (client order id {coid})" if coid else ""
            text = (f"The gateway did not confirm the order request in time{ref}. It may or may "
                    "not have reached IBKR; the Orders view is being refreshed. Check it before "
                    "sending again.")
            self.notice.emit("error", text)
            self.orders_uncertain.emit()
            raise type(exc)(text, exc.status) from exc

"""Order tickets and their validation; the single import point for everything order-related.

One ticket type serves the order-entry widget (``validate`` shows problems inline), the client
(``to_json`` is the IBKR body item) and the demo gateway (``from_json`` reads what any client
sends). The order vocabulary lives in ``order_kinds`` and answer parsing in ``order_answers`` and
``placement_answers``; all are re-exported here so callers need only ``protocol.orders``
(reference §5).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ibkr_desktop.protocol import _coerce
from ibkr_desktop.protocol.order_answers import parse_live_order, parse_order_status, parse_trade
from ibkr_desktop.protocol.order_kinds import (
    ACTIVE_STATUSES,
    DONE_STATUSES,
    STOP_PRICED_TYPES,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
    parse_order_type,
    parse_side,
    parse_tif,
)
from ibkr_desktop.protocol.placement_answers import (
    OrderAccepted,
    OrderNotTransmitted,
    OrderQuestion,
    OrderRefused,
    OrderRejectedError,
    PlacementAnswer,
    parse_placement_response,
    placed_anything,
    refusal_texts,
)

__all__ = [
    "ACTIVE_STATUSES", "DONE_STATUSES", "STOP_PRICED_TYPES", "OrderAccepted",
    "OrderNotTransmitted", "OrderQuestion", "OrderRefused", "OrderRejectedError", "OrderStatus",
    "OrderTicket", "OrderType", "PlacementAnswer", "Problem", "Side", "TicketError",
    "TimeInForce", "new_coid", "parse_live_order", "parse_order_status", "parse_order_type",
    "parse_placement_response", "parse_side", "parse_tif", "parse_trade", "placed_anything",
    "refusal_texts", "validate",
]


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with a ticket; ``field`` is the OrderTicket attribute to highlight."""

    field: str
    message: str


class TicketError(ValueError):
    """A ticket body could not be read at all (``OrderTicket.from_json``)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = tuple(problems)


@dataclass(frozen=True, slots=True)
class OrderTicket:
    """What the trader asks for, in IBKR's wire conventions.

    ``price`` is the limit price (LMT, STOP_LIMIT, TRAILLMT), the stop price (STP, TRAIL) or the
    cap (MIDPRICE); ``aux_price`` is the stop price of STOP_LIMIT/TRAILLMT (reference §5.1).
    """

    conid: int
    side: Side
    quantity: float
    order_type: OrderType
    tif: TimeInForce = TimeInForce.DAY
    price: float | None = None
    aux_price: float | None = None
    trailing_amount: float | None = None
    trailing_type: str | None = None
    outside_rth: bool = False
    coid: str | None = None
    parent_id: str | None = None
    account: str | None = None
    listing_exchange: str | None = None
    is_single_group: bool = False

    def to_json(self) -> dict[str, object]:
        """The IBKR order body item (camelCase); unset optional fields are left out.

        A STP/TRAIL stop always travels in ``price``: a body with the stop only in ``auxPrice``
        is refused ("invalid order price fields", reference §11).
        """
        body: dict[str, object] = {}
        if self.account:
            body["acctId"] = self.account
        body["conid"] = self.conid
        body["orderType"] = str(self.order_type)
        body["side"] = str(self.side)
        whole = float(self.quantity).is_integer()
        body["quantity"] = int(self.quantity) if whole else self.quantity
        body["tif"] = str(self.tif)
        price, aux_price = self.price, self.aux_price
        if self.order_type in STOP_PRICED_TYPES and price is None:
            price, aux_price = aux_price, None  # IBKR refuses a stop sent only as auxPrice (§11)
        optional: dict[str, object | None] = {
            "price": price, "auxPrice": aux_price, "cOID": self.coid,
            "parentId": self.parent_id, "listingExchange": self.listing_exchange,
            "trailingAmt": self.trailing_amount, "trailingType": self.trailing_type,
        }
        body.update({key: value for key, value in optional.items() if value is not None})
        body["outsideRTH"] = self.outside_rth
        if self.is_single_group:
            body["isSingleGroup"] = True
        return body

    @classmethod
    def from_json(cls, d: Mapping[str, object]) -> OrderTicket:
        """Read an order body item as any client sends it ("Buy", "100", "Limit", str conid).

        For STP/TRAIL a stop price sent only as ``auxPrice`` is moved to ``price``. This only
        checks that a ticket can be built; call :func:`validate` for the trading rules.

        Raises:
            TicketError: conid, side, quantity or order type are missing or unreadable.
        """
        conid = _coerce.integer(d.get("conid", d.get("conidex")))
        side = parse_side(d.get("side"))
        quantity = _coerce.number(d.get("quantity"))
        order_type = parse_order_type(d.get("orderType"))
        tif_raw = d.get("tif")
        tif = parse_tif(tif_raw) if tif_raw is not None else TimeInForce.DAY
        problems = [
            Problem(name, message)
            for name, ok, message in (
                ("conid", conid is not None, "A contract id (conid) is required"),
                ("side", side is not None, "Side must be BUY or SELL"),
                ("quantity", quantity is not None, "Quantity must be a number"),
                ("order_type", order_type is not None,
                 f"Unknown order type {d.get('orderType')!r}"),
                ("tif", tif is not None, f"Unknown time in force {tif_raw!r}"),
            )
            if not ok
        ]
        if (problems or conid is None or side is None or quantity is None or order_type is None
                or tif is None):
            raise TicketError(problems)
        price = _coerce.number(d.get("price"))
        aux_price = _coerce.number(d.get("auxPrice"))
        if order_type in STOP_PRICED_TYPES and price is None:
            price, aux_price = aux_price, None
        return cls(
            conid=conid, side=side, quantity=quantity, order_type=order_type, tif=tif,
            price=price, aux_price=aux_price,
            trailing_amount=_coerce.number(d.get("trailingAmt")),
            trailing_type=_coerce.text(d.get("trailingType")),
            outside_rth=bool(_coerce.flag(d.get("outsideRTH", d.get("outsideRth")))),
            coid=_coerce.text(d.get("cOID")), parent_id=_coerce.text(d.get("parentId")),
            account=_coerce.text(d.get("acctId")),
            listing_exchange=_coerce.text(d.get("listingExchange")),
            is_single_group=bool(_coerce.flag(d.get("isSingleGroup"))),
        )


_TYPE_WORDS = {
    OrderType.LMT: "a limit order", OrderType.MKT: "a market order", OrderType.STP: "a stop order",
    OrderType.STOP_LIMIT: "a stop-limit order", OrderType.TRAIL: "a trailing stop order",
    OrderType.TRAILLMT: "a trailing stop-limit order", OrderType.MIDPRICE: "a midprice order",
    OrderType.MOC: "a market-on-close order", OrderType.LOC: "a limit-on-close order",
}
# order type -> ((attribute, label) that must be set)
_REQUIRED_PRICES: dict[OrderType, tuple[tuple[str, str], ...]] = {
    OrderType.LMT: (("price", "Limit price"),),
    OrderType.STP: (("price", "Stop price"),),
    OrderType.STOP_LIMIT: (("price", "Limit price"), ("aux_price", "Stop price")),
    OrderType.TRAILLMT: (("price", "Limit price"), ("trailing_amount", "Trailing amount")),
    OrderType.TRAIL: (("trailing_amount", "Trailing amount"),),
    OrderType.LOC: (("price", "Limit price"),),
}
_PRICE_LABELS = {"price": "Price", "aux_price": "Stop price", "trailing_amount": "Trailing amount"}


def _positive(value: object) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value) and value > 0)


def validate(ticket: OrderTicket) -> list[Problem]:
    """Every reason the ticket cannot be sent, as trader-readable problems (empty = OK)."""
    problems: list[Problem] = []
    if not isinstance(ticket.conid, int) or isinstance(ticket.conid, bool) or ticket.conid <= 0:
        problems.append(Problem("conid", "Choose a contract first"))
    if ticket.side not in tuple(Side):
        problems.append(Problem("side", "Side must be BUY or SELL"))
    if not _positive(ticket.quantity):
        problems.append(Problem("quantity", "Quantity must be a positive number"))
    if ticket.tif not in tuple(TimeInForce):
        problems.append(Problem("tif", "Time in force must be DAY, GTC, IOC or OPG"))
    if ticket.order_type not in tuple(OrderType):
        problems.append(Problem("order_type", "Choose an order type"))
        return problems
    required = _REQUIRED_PRICES.get(ticket.order_type, ())
    words = _TYPE_WORDS[ticket.order_type]
    for attr, label in required:
        if getattr(ticket, attr) is None:
            problems.append(Problem(attr, f"{label} is required for {words}"))
    for attr, label in _PRICE_LABELS.items():
        value = getattr(ticket, attr)
        if value is not None and not _positive(value):
            problems.append(Problem(attr, f"{label} must be a positive number"))
    if ticket.order_type in (OrderType.MOC, OrderType.LOC) and ticket.tif is not TimeInForce.DAY:
        problems.append(Problem("tif", f"Time in force must be DAY for {words}"))
    is_trailing = ticket.order_type in (OrderType.TRAIL, OrderType.TRAILLMT)
    if is_trailing and ticket.trailing_type not in ("amt", "%"):
        problems.append(Problem("trailing_type", "Trailing type must be 'amt' or '%'"))
    return problems


def new_coid() -> str:
    """A fresh client order id (``cOID``), unique per 24 h as IBKR requires; random, no clock."""
    return f"ibd-{uuid.uuid4().hex[:24]}"

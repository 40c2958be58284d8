"""The order ticket's form as typed, turned into order tickets, and an order said in words.

The ticket widget holds text; :func:`read_form` reads it into an :class:`OrderTicket` (plus
bracket children) and reports what cannot be read (empty, non-numeric) as problems on the
form's own field names (``quantity``, ``limit``, ``stop``, ``trail``, ``take_profit``,
``stop_loss``...), so the widget can show each one beside its field. :func:`describe` is the
sentence the confirmation shows: ``"Buy 100 AAPL limit 185.00, day"``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ibkr_desktop.protocol import _coerce
from ibkr_desktop.protocol.order_kinds import (
    OrderType,
    Side,
    TimeInForce,
    parse_order_type,
    parse_side,
    parse_tif,
)
from ibkr_desktop.protocol.orders import OrderTicket, Problem, new_coid

FIELDS_BY_TYPE: dict[OrderType, tuple[str, ...]] = {
    OrderType.MKT: (), OrderType.LMT: ("limit",), OrderType.STP: ("stop",),
    OrderType.STOP_LIMIT: ("stop", "limit"), OrderType.TRAIL: ("trail",),
    OrderType.TRAILLMT: ("trail", "limit"), OrderType.MIDPRICE: ("limit",),
    OrderType.MOC: (), OrderType.LOC: ("limit",),
}
"""The price fields each order type needs (the ticket shows only these)."""

_LABELS = {"quantity": "Quantity", "limit": "Limit price", "stop": "Stop price",
           "trail": "Trailing amount", "take_profit": "Take-profit price",
           "stop_loss": "Stop-loss price"}
_DECIMAL = re.compile(r"[+-]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)", re.ASCII)
_ACCEPTED = "digits with an optional decimal point and thousands commas, like 1,250 or 12.5"
_TIF_WORDS = {TimeInForce.DAY: "day", TimeInForce.GTC: "good till cancelled",
              TimeInForce.IOC: "immediate or cancel", TimeInForce.OPG: "at the open"}


@dataclass(frozen=True, slots=True)
class TicketForm:
    """What the ticket's fields hold; number fields are the text as typed ("" = empty)."""

    conid: int
    symbol: str
    side: Side
    order_type: OrderType
    quantity: str
    tif: TimeInForce = TimeInForce.DAY
    limit: str = ""
    stop: str = ""
    trail: str = ""
    trail_percent: bool = False
    outside_rth: bool = False
    account: str | None = None
    take_profit: str = ""
    stop_loss: str = ""


@dataclass(frozen=True, slots=True)
class FormTickets:
    """The parent ticket (None when the form cannot be read), its bracket children, or the
    second leg of a one-cancels-the-other pair (``oca``; both legs then carry
    ``is_single_group``)."""

    parent: OrderTicket | None
    take_profit: OrderTicket | None = None
    stop_loss: OrderTicket | None = None
    oca: OrderTicket | None = None

    @property
    def all(self) -> tuple[OrderTicket, ...]:
        """Parent first, then the children or OCA leg that are set (one request, this order)."""
        return tuple(t for t in (self.parent, self.take_profit, self.stop_loss, self.oca) if t)


def form_field(order_type: OrderType, attribute: str) -> str:
    """The form field that shows an ``OrderTicket`` attribute's problem."""
    if attribute == "price":
        return "stop" if order_type in (OrderType.STP,) else "limit"
    return {"aux_price": "stop", "trailing_amount": "trail", "trailing_type": "trail",
            "conid": "symbol"}.get(attribute, attribute)


def read_form(form: TicketForm) -> tuple[FormTickets, list[Problem]]:
    """Read the form; problems name form fields. ``parent`` is None if any number is unreadable.

    Every new ticket gets a fresh client order id (children point at it with ``parent_id``).
    """
    problems: list[Problem] = []
    needed = FIELDS_BY_TYPE.get(form.order_type, ())
    numbers: dict[str, float | None] = {}
    texts = {"quantity": form.quantity, "limit": form.limit, "stop": form.stop,
             "trail": form.trail, "take_profit": form.take_profit, "stop_loss": form.stop_loss}
    for name, text in texts.items():
        if name in ("limit", "stop", "trail") and name not in needed:
            numbers[name] = None
            continue
        value, problem = _number(name, text)
        numbers[name] = value
        if problem:
            problems.append(problem)
    if problems:
        return FormTickets(None), problems
    quantity = numbers["quantity"]
    assert quantity is not None  # _number reports an empty quantity
    limit, stop, trail = numbers["limit"], numbers["stop"], numbers["trail"]
    price, aux = (stop, None) if form.order_type is OrderType.STP else (limit, stop)
    trailing = form.order_type in (OrderType.TRAIL, OrderType.TRAILLMT)
    parent = OrderTicket(
        conid=form.conid, side=form.side, quantity=quantity, order_type=form.order_type,
        tif=form.tif, price=price, aux_price=aux, trailing_amount=trail,
        trailing_type=("%" if form.trail_percent else "amt") if trailing else None,
        outside_rth=form.outside_rth, coid=new_coid(), account=form.account)
    exit_side = Side.SELL if form.side is Side.BUY else Side.BUY
    children = [
        OrderTicket(conid=form.conid, side=exit_side, quantity=quantity, order_type=kind,
                    tif=form.tif, price=value, coid=new_coid(), parent_id=parent.coid,
                    account=form.account, outside_rth=form.outside_rth)
        if value is not None else None
        for kind, value in ((OrderType.LMT, numbers["take_profit"]),
                            (OrderType.STP, numbers["stop_loss"]))
    ]
    return FormTickets(parent, children[0], children[1]), []


def parse_decimal(text: str) -> float | None:
    """A number as a trader types it by hand: digits, an optional decimal point and optional
    thousands commas ("1,250.5", "12.", ".5", "-3"); None for anything else (empty, "1e3",
    "nan", "inf", "0x10", "1_000", "1,0", other scripts' digits) — ``float`` would take several
    of those and send an order the trader never meant."""
    stripped = text.strip()
    if not _DECIMAL.fullmatch(stripped):
        return None
    return float(stripped.replace(",", ""))


def _number(name: str, text: str) -> tuple[float | None, Problem | None]:
    if not text.strip():
        return None, (Problem(name, "Enter a quantity") if name == "quantity" else None)
    value = parse_decimal(text)
    if value is None:
        return None, Problem(name, f"{_LABELS[name]} must be a number: {_ACCEPTED} "
                             f"(not {text.strip()!r})")
    return value, None


def describe(ticket: OrderTicket, symbol: str, digits: int = 2) -> str:
    """The order in words: ``"Buy 100 AAPL limit 185.00, day"``.

    ``digits`` is the number of decimals prices are written with (from the contract's price
    increment).
    """
    def money(value: float | None) -> str:
        return "?" if value is None else f"{value:.{digits}f}"

    trail = ("?" if ticket.trailing_amount is None else
             f"{ticket.trailing_amount:g}%" if ticket.trailing_type == "%"
             else money(ticket.trailing_amount))
    kind = {
        OrderType.MKT: "market", OrderType.LMT: f"limit {money(ticket.price)}",
        OrderType.STP: f"stop {money(ticket.price)}",
        OrderType.STOP_LIMIT: f"stop {money(ticket.aux_price)} limit {money(ticket.price)}",
        OrderType.TRAIL: f"trailing stop {trail}",
        OrderType.TRAILLMT: f"trailing stop {trail} limit {money(ticket.price)}",
        OrderType.MIDPRICE: "midprice" + (f" cap {money(ticket.price)}" if ticket.price else ""),
        OrderType.MOC: "market on close", OrderType.LOC: f"limit on close {money(ticket.price)}",
    }[ticket.order_type]
    side = "Buy" if ticket.side is Side.BUY else "Sell"
    text = f"{side} {ticket.quantity:g} {symbol} {kind}, {_TIF_WORDS[ticket.tif]}"
    return text + (", outside regular hours" if ticket.outside_rth else "")


def working_order(row: Mapping[str, object]) -> OrderTicket | None:
    """A working order as shown in the orders table (``OrderUpdate`` fields) as a ticket to
    edit; None when its contract, side, type or quantity is not known.

    ``quantity`` is the order's total (filled part included); ``price`` is the limit and
    ``aux_price`` the stop, as ``OrderUpdate`` holds them (a STP's stop moves to ``price``).
    """
    conid = _coerce.integer(row.get("conid"))
    side = parse_side(row.get("side"))
    kind = parse_order_type(row.get("order_type"))
    quantity = _coerce.number(row.get("quantity"))
    if conid is None or side is None or kind is None or not quantity:
        return None
    price, aux = _coerce.number(row.get("price")), _coerce.number(row.get("aux_price"))
    if kind in (OrderType.STP, OrderType.TRAIL):
        price, aux = aux if aux is not None else price, None
    return OrderTicket(conid=conid, side=side, quantity=quantity, order_type=kind,
                       tif=parse_tif(row.get("tif")) or TimeInForce.DAY, price=price,
                       aux_price=aux, account=_coerce.text(row.get("account")))


def position_effect(position: float, side: Side, quantity: float,
                    symbol: str) -> tuple[str, bool]:
    """What an order of ``quantity`` on ``side`` does to a position of ``position`` (shares;
    negative = short), in words, and whether it deserves a warning (it reverses or adds to
    the position instead of closing it): ``("Reduces the position from short 30 to short 10
    TSLA.", False)``."""
    after = position + (quantity if side is Side.BUY else -quantity)

    def held(amount: float) -> str:
        return f"{'long' if amount > 0 else 'short'} {abs(amount):,.10g}"

    if after == 0:
        return f"Closes the whole position ({held(position)} {symbol}).", False
    if after * position < 0:
        return (f"Reverses the position from {held(position)} to {held(after)} {symbol} — "
                "check the quantity.", True)
    if abs(after) < abs(position):
        return f"Reduces the position from {held(position)} to {held(after)} {symbol}.", False
    return (f"Adds to the position: from {held(position)} to {held(after)} {symbol}, "
            "it does not close it.", True)


def order_changes(old: OrderTicket, new: OrderTicket, digits: int = 2) -> str:
    """What a modification changes, old -> new: ``"limit price 188.74 → 188.85, quantity 10 →
    12"``; "" when nothing changes. ``digits`` as in :func:`describe`."""
    price_name = "stop price" if new.order_type is OrderType.STP else "limit price"
    pairs = (("order type", old.order_type, new.order_type), ("quantity", old.quantity,
             new.quantity), (price_name, old.price, new.price),
             ("stop price", old.aux_price, new.aux_price),
             ("trailing amount", old.trailing_amount, new.trailing_amount),
             ("time in force", old.tif, new.tif), ("outside regular hours", old.outside_rth,
                                                   new.outside_rth))

    def said(name: str, value: object) -> str:
        if value is None:
            return "none"
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, float | int):
            return f"{value:,.10g}" if name == "quantity" else f"{value:,.{digits}f}"
        return str(value)

    return ", ".join(f"{name} {said(name, a)} → {said(name, b)}" for name, a, b in pairs
                     if a != b)

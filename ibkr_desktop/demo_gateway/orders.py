"""Paper order records and the matching rule that decides when and how one fills.

An :class:`Order` is the gateway's record of one working or finished order (ib_async's
``Trade`` in miniature: ticket terms + status + fill totals). :func:`match` is the whole
matching engine for one order against one top-of-book quote: it moves trailing stops,
elects stop orders, and returns the ``(size, price)`` of the next execution, sized by the
quote's displayed size so large orders fill over several ticks. Order-to-order relations
(brackets, OCA groups) live in :mod:`.order_book`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ..protocol.order_status import OrderStatus
from .accounts import commission_for
from .order_request import ON_CLOSE_TYPES, OrderRequest

FILTER_WORDS: dict[str, OrderStatus] = {
    "inactive": OrderStatus.INACTIVE, "pending_submit": OrderStatus.PENDING_SUBMIT,
    "pre_submitted": OrderStatus.PRE_SUBMITTED, "submitted": OrderStatus.SUBMITTED,
    "filled": OrderStatus.FILLED, "pending_cancel": OrderStatus.PENDING_CANCEL,
    "cancelled": OrderStatus.CANCELLED, "warn_state": OrderStatus.WARN_STATE,
}
"""The snake_case status words live-order ``filters`` take (§5.4); nothing else is read."""

PENDING_SUBMIT = OrderStatus.PENDING_SUBMIT
PRE_SUBMITTED = OrderStatus.PRE_SUBMITTED
SUBMITTED = OrderStatus.SUBMITTED
FILLED = OrderStatus.FILLED
CANCELLED = OrderStatus.CANCELLED
INACTIVE = OrderStatus.INACTIVE
WORKING = frozenset({PENDING_SUBMIT, PRE_SUBMITTED, SUBMITTED})

MARKET_LIKE = frozenset({"MKT", "STP", "TRAIL", "MOC"})
STOP_TYPES = frozenset({"STP", "STOP_LIMIT", "TRAIL", "TRAILLMT"})
TRAILING_TYPES = frozenset({"TRAIL", "TRAILLMT"})
DEFAULT_LOT = 100.0
"""Shares available at the touch when the quote carries no size."""


class Quote(Protocol):
    """What matching reads from the market simulator's ``MarketQuote``."""

    bid: float | None
    ask: float | None
    last: float | None
    bid_size: float | None
    ask_size: float | None
    last_size: float | None
    prior_close: float | None


@dataclass(slots=True)
class Order:
    """One paper order: its terms (from the ticket) and its state.

    Prices follow IBKR's ticket conventions once normalised: ``limit_price`` is the limit
    (LMT, STOP_LIMIT, TRAILLMT after election, MIDPRICE cap), ``stop_price`` the trigger
    (STP, STOP_LIMIT, TRAIL/TRAILLMT current trailing level). ``held`` marks a bracket child
    waiting for its parent to fill.
    """

    order_id: int
    account: str
    conid: int
    side: str
    quantity: float
    order_type: str
    tif: str
    created_ms: int
    limit_price: float | None = None
    stop_price: float | None = None
    trailing_amount: float | None = None
    trailing_type: str | None = None
    limit_offset: float | None = None
    outside_rth: bool = False
    coid: str | None = None
    listing_exchange: str | None = None
    parent_id: int | None = None
    oca_group: int | None = None
    oca_reduce: bool = False
    cap_price: float | None = None
    held: bool = False
    triggered: bool = True
    status: OrderStatus = PRE_SUBMITTED
    filled: float = 0.0
    fill_value: float = 0.0
    commission: float = 0.0
    last_exec_ms: int | None = None

    @property
    def remaining(self) -> float:
        """Quantity still to fill (0 once done)."""
        return 0.0 if self.status in (FILLED, CANCELLED, INACTIVE) else self.quantity - self.filled

    @property
    def active(self) -> bool:
        """True while the order can still fill or be cancelled."""
        return self.status in WORKING

    @property
    def avg_price(self) -> float | None:
        """Average execution price, or None before the first fill."""
        return self.fill_value / self.filled if self.filled else None

    def apply_terms(self, ticket: OrderRequest) -> None:
        """Copy a ticket's prices/quantity/TIF onto the order (placement and modify).

        STP and TRAIL carry their trigger in ``price`` (IBKR's convention; the parser refuses
        a STP without it); STOP_LIMIT and TRAILLMT put the limit in ``price`` and the stop in
        ``auxPrice``. TRAILLMT keeps the limit as an offset from the moving stop. MOC and LOC
        wait for the closing auction (``triggered`` False until then).
        """
        kind = ticket.order_type
        self.order_type = kind
        self.quantity = ticket.quantity
        self.tif = ticket.tif
        self.outside_rth = bool(ticket.outside_rth)
        self.trailing_amount = ticket.trailing_amount
        self.trailing_type = ticket.trailing_type
        if kind in ("STP", "TRAIL"):
            self.limit_price = None
            self.stop_price = ticket.price
        elif kind in ("STOP_LIMIT", "TRAILLMT"):
            self.limit_price, self.stop_price = ticket.price, ticket.aux_price
        else:
            self.limit_price, self.stop_price = ticket.price, None
        if kind == "TRAILLMT" and self.limit_price is not None and self.stop_price is not None:
            self.limit_offset = self.limit_price - self.stop_price
        self.triggered = kind not in STOP_TYPES and kind not in ON_CLOSE_TYPES

    def add_execution(self, size: float, price: float, now_ms: int) -> float:
        """Record a fill and return the commission it is charged.

        Commission is computed on the order's cumulative size and value, and each execution
        pays the increase, so the $1 minimum applies once per order.
        """
        self.filled += size
        self.fill_value += size * price
        self.last_exec_ms = now_ms
        due = commission_for(self.filled, self.fill_value)
        charged = round(due - self.commission, 2)
        self.commission = due
        if self.filled >= self.quantity - 1e-9:
            self.status = FILLED
        return charged


def reference_price(quote: Quote) -> float | None:
    """Last trade, else the midpoint, else the prior close: the price stops are measured on."""
    if quote.last:
        return quote.last
    if quote.bid and quote.ask:
        return (quote.bid + quote.ask) / 2
    return quote.prior_close or None


def _trail(order: Order, price: float) -> None:
    """Ratchet a trailing stop toward the market; it never moves away from it."""
    amount = order.trailing_amount or 0.0
    offset = price * amount / 100 if order.trailing_type == "%" else amount
    if order.side == "SELL":
        level = price - offset
        if order.stop_price is None or level > order.stop_price:
            order.stop_price = round(level, 4)
    else:
        level = price + offset
        if order.stop_price is None or level < order.stop_price:
            order.stop_price = round(level, 4)


def _elect(order: Order, price: float) -> None:
    """Trigger a stop once the market trades through it; stop-limits become limits."""
    stop = order.stop_price
    if stop is None:
        return
    if (order.side == "BUY" and price >= stop) or (order.side == "SELL" and price <= stop):
        order.triggered = True
        if order.order_type == "TRAILLMT" and order.limit_offset is not None:
            order.limit_price = round(stop + order.limit_offset, 4)


def stop_is_through_market(order_type: str, side: str, stop: float | None, quote: Quote) -> bool:
    """True when a stop would trigger right away (the o403 question)."""
    price = reference_price(quote)
    if order_type not in STOP_TYPES or stop is None or price is None:
        return False
    return price >= stop if side == "BUY" else price <= stop


def _touch(order: Order, quote: Quote) -> tuple[float | None, float | None]:
    """Price and displayed size this order would take: ask for buys, bid for sells."""
    if order.side == "BUY":
        price, size = quote.ask, quote.ask_size
    else:
        price, size = quote.bid, quote.bid_size
    if not price:
        price, size = quote.last, quote.last_size
    if order.order_type == "MIDPRICE" and quote.bid and quote.ask:
        price = round((quote.bid + quote.ask) / 2, 4)
    return price, size


def match(order: Order, quote: Quote, can_trade: bool) -> tuple[float, float] | None:
    """Advance ``order`` against ``quote``; return the next execution's (size, price) if any.

    ``can_trade`` is False outside regular trading hours for orders without ``outsideRTH``:
    such orders neither trail, trigger nor fill. Marketable limits fill at the touch (price
    improvement), market-like orders at the touch unless it breaches a mandatory cap.
    """
    if order.held or not order.active or not can_trade:
        return None
    reference = reference_price(quote)
    if reference is None:
        return None
    if order.order_type in TRAILING_TYPES and not order.triggered:
        _trail(order, reference)
    if not order.triggered:
        _elect(order, reference)
        if not order.triggered:
            return None
    price, size = _touch(order, quote)
    if not price:
        return None
    limit = order.cap_price if order.order_type in MARKET_LIKE else order.limit_price
    if limit is not None and (price > limit if order.side == "BUY" else price < limit):
        return None
    available = size if size and size > 0 else DEFAULT_LOT
    return min(order.quantity - order.filled, available), price


def working_status(order: Order, can_trade: bool) -> OrderStatus:
    """``Submitted`` when the order is live at the exchange, else ``PreSubmitted`` (held by IB)."""
    live = can_trade and order.triggered and not order.held
    return SUBMITTED if live else PRE_SUBMITTED


@dataclass(frozen=True, slots=True)
class Contract:
    """The instrument facts order and trade rows repeat (taken from the universe)."""

    conid: int
    symbol: str
    name: str
    exchange: str
    sec_type: str


@dataclass(frozen=True, slots=True)
class Execution:
    """One fill, as the ``str`` topic and ``/iserver/account/trades`` report it."""

    execution_id: str
    order_id: int
    account: str
    conid: int
    side: str
    size: float
    price: float
    time_ms: int
    commission: float
    exchange: str
    order_ref: str | None


def closing_auction(order: Order, quote: Quote) -> tuple[float, float] | None:
    """The (size, price) an on-close order gets when regular hours end, or None.

    The demo's closing price is the reference price (last trade, else midpoint) at the moment
    regular trading hours end; MOC takes its whole remainder there, LOC only when that close
    is at or better than its limit (otherwise it is left to expire with the other DAY orders).
    """
    if order.order_type not in ON_CLOSE_TYPES or order.held or not order.active:
        return None
    close = reference_price(quote)
    if close is None:
        return None
    limit = order.limit_price
    if order.order_type == "LOC" and limit is not None:
        if close > limit if order.side == "BUY" else close < limit:
            return None
    return order.quantity - order.filled, close

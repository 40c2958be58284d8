"""Order vocabulary: order types, sides, time in force and order statuses, read tolerantly.

IBKR spells these differently per endpoint ("LMT" vs "Limit", "BUY" vs "B", "Canceled" vs
"Cancelled"); these enums are the one spelling the app uses, and the ``parse_*`` functions map
every known variant onto them (reference §5.1, §5.11).
"""

from __future__ import annotations

from enum import StrEnum

from .order_status import OrderStatus as OrderStatus  # re-exported: the client's one vocabulary


class OrderType(StrEnum):
    """IBKR ``orderType`` values accepted on placement (MOC/LOC: §11, listed back as
    ``MARKETONCLOSE``/``LIMITONCLOSE``)."""

    LMT = "LMT"
    MKT = "MKT"
    STP = "STP"
    STOP_LIMIT = "STOP_LIMIT"
    TRAIL = "TRAIL"
    TRAILLMT = "TRAILLMT"
    MIDPRICE = "MIDPRICE"
    MOC = "MOC"
    LOC = "LOC"


class Side(StrEnum):
    """Order side."""

    BUY = "BUY"
    SELL = "SELL"


class TimeInForce(StrEnum):
    """Time in force."""

    DAY = "DAY"
    GTC = "GTC"
    IOC = "IOC"
    OPG = "OPG"


ACTIVE_STATUSES: frozenset[OrderStatus] = frozenset({
    OrderStatus.PENDING_SUBMIT, OrderStatus.PRE_SUBMITTED, OrderStatus.SUBMITTED,
    OrderStatus.PENDING_CANCEL, OrderStatus.WARN_STATE,
})
"""Statuses of an order that may still fill (a "working orders" view shows these)."""

DONE_STATUSES: frozenset[OrderStatus] = frozenset({
    OrderStatus.FILLED, OrderStatus.CANCELLED, OrderStatus.INACTIVE,
})
"""Final statuses: the order will not change (Inactive = rejected/not working)."""

_TYPE_ALIASES = {
    "LIMIT": OrderType.LMT, "MARKET": OrderType.MKT, "STOP": OrderType.STP,
    "STOPLIMIT": OrderType.STOP_LIMIT, "STPLMT": OrderType.STOP_LIMIT,
    "TRAILINGSTOP": OrderType.TRAIL, "TRAILLIMIT": OrderType.TRAILLMT,
    "TRAILINGSTOPLIMIT": OrderType.TRAILLMT, "TRAILINGLIMIT": OrderType.TRAILLMT,
    "MIDPRICE": OrderType.MIDPRICE, "MARKETONCLOSE": OrderType.MOC,
    "LIMITONCLOSE": OrderType.LOC,
} | {t.value.replace("_", ""): t for t in OrderType}

STOP_PRICED_TYPES: frozenset[OrderType] = frozenset({OrderType.STP, OrderType.TRAIL})
"""Types whose ``price`` is the stop (trigger) price: they have no limit price (§5.1, §11)."""

UNPRICED_TYPES: frozenset[OrderType] = frozenset({OrderType.MKT, OrderType.MOC})
"""Types with neither limit nor stop; a ``price`` they carry ("0.0") means nothing."""

_SIDE_ALIASES = {"BUY": Side.BUY, "B": Side.BUY, "BOT": Side.BUY,
                 "SELL": Side.SELL, "S": Side.SELL, "SLD": Side.SELL}


def parse_order_type(value: object) -> OrderType | None:
    """``"LMT"``, ``"Limit"``, ``"STOP LIMIT"``, ``"stp_lmt"`` -> OrderType; None if unknown."""
    if not isinstance(value, str):
        return None
    key = value.upper().replace("_", "").replace(" ", "").replace("-", "")
    return _TYPE_ALIASES.get(key)


def parse_side(value: object) -> Side | None:
    """``"BUY"``, ``"Buy"``, ``"B"``, ``"BOT"`` (and the SELL forms) -> Side; None otherwise."""
    return _SIDE_ALIASES.get(value.strip().upper()) if isinstance(value, str) else None


def parse_tif(value: object) -> TimeInForce | None:
    """``"DAY"``/``"day"``/``"GTC"``... -> TimeInForce; None otherwise."""
    if not isinstance(value, str):
        return None
    try:
        return TimeInForce(value.strip().upper())
    except ValueError:
        return None


_STATUS_WORDS = {
    OrderStatus.INACTIVE: "not working",
    OrderStatus.PENDING_SUBMIT: "being sent",
    OrderStatus.PRE_SUBMITTED: "accepted, waiting to be sent to the exchange",
    OrderStatus.SUBMITTED: "working at the exchange",
    OrderStatus.FILLED: "filled",
    OrderStatus.PENDING_CANCEL: "being cancelled",
    OrderStatus.CANCELLED: "cancelled",
    OrderStatus.WARN_STATE: "working, with a warning",
}


def status_words(status: OrderStatus | None, reason: str | None = None) -> str:
    """An order status in plain words, with IBKR's reason when given.

    ``status_words(OrderStatus.PRE_SUBMITTED, "waiting for the market to open")`` ->
    ``"accepted, waiting to be sent to the exchange (waiting for the market to open)"``.
    """
    words = _STATUS_WORDS.get(status, "status not known yet") if status else \
        "status not known yet"
    reason = reason.strip() if reason else ""
    return f"{words} ({reason.rstrip('.')})" if reason else words

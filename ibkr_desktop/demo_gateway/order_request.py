"""Strict reading of IBKR's order body, as IBKR reads it (reference §5.1, §11; OpenAPI schema).

The demo gateway parses what a client sends by itself, with IBKR's rules and nothing more
forgiving: JSON types as the schema gives them (``quantity`` a number, ``outsideRTH`` a
boolean), IBKR's own order-type codes (``"LMT"``, never ``"Limit"``), the stop of a STP order
in ``price`` (``auxPrice`` alone is refused with "invalid order price fields", §11), trailing
orders with ``trailingAmt`` and ``trailingType`` (``amt`` or ``%``), MOC/LOC only with
``tif "DAY"``. A field IBKR does not know is refused rather than ignored, so a client that
passes here sends only what IBKR reads.

:data:`ACCEPTED_FIELDS` is the OpenAPI ``singleOrderSubmissionRequest`` properties plus the
fields §5.1's table documents beyond it (:data:`DOCUMENTED_EXTRAS`); a test compares it with the
schema. Problems raise :class:`~.brokerage_error.BrokerageError` with HTTP 400.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .brokerage_error import BrokerageError

ORDER_TYPES = frozenset({"LMT", "MKT", "STP", "STOP_LIMIT", "TRAIL", "TRAILLMT", "MIDPRICE",
                         "MOC", "LOC"})
"""IBKR ``orderType`` codes the demo executes (§5.1 table plus MOC/LOC of §11)."""
ON_CLOSE_TYPES = frozenset({"MOC", "LOC"})
SIDES = ("BUY", "SELL")
TIFS = frozenset({"DAY", "GTC", "IOC", "OPG", "PAX"})
"""The schema's ``tif`` enum."""
TRAILING_TYPES = ("amt", "%")
PRICE_FIELDS_ERROR = "invalid order price fields"
"""IBKR's text for prices that do not fit the order type (reported for STP with auxPrice)."""

_NUMBER, _INTEGER, _STRING, _BOOLEAN, _OBJECT = "number", "integer", "string", "boolean", "object"

SCHEMA_FIELDS: dict[str, str] = {
    "acctId": _STRING, "conid": _INTEGER, "conidex": _STRING, "secType": _STRING,
    "cOID": _STRING, "parentId": _STRING, "listingExchange": _STRING,
    "isSingleGroup": _BOOLEAN, "outsideRTH": _BOOLEAN, "allOrNone": _BOOLEAN,
    "auxPrice": _NUMBER, "ticker": _STRING, "trailingAmt": _NUMBER, "trailingType": _STRING,
    "referrer": _STRING, "cashQty": _NUMBER, "useAdaptive": _BOOLEAN, "isCcyConv": _BOOLEAN,
    "orderType": _STRING, "price": _NUMBER, "side": _STRING, "tif": _STRING,
    "quantity": _NUMBER, "strategy": _STRING, "strategyParameters": _OBJECT,
    "extOperator": _STRING, "manualIndicator": _BOOLEAN, "taxOptimizerId": _STRING,
    "jsonPayload": _OBJECT,
}
"""``singleOrderSubmissionRequest`` properties of IBKR's OpenAPI file, with their JSON types."""

DOCUMENTED_EXTRAS: dict[str, str] = {
    "fxQty": _NUMBER, "allocationMethod": _STRING, "customerAccount": _STRING,
    "isProCustomer": _BOOLEAN, "manualOrderTime": _INTEGER, "deactivated": _BOOLEAN,
    "isClose": _BOOLEAN, "transmit": _BOOLEAN,
}
"""Fields outside the schema that IBKR documents (§5.1 table "less common"; ``isClose`` as
ibind sends it; ``transmit`` false = an untransmitted, ``Inactive`` order, §11)."""

ACCEPTED_FIELDS: dict[str, str] = SCHEMA_FIELDS | DOCUMENTED_EXTRAS
REQUIRED_FIELDS = ("orderType", "side", "tif", "quantity")
"""Required by the schema besides the contract (``conid``, or ``conidex`` instead)."""


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """One order ticket as IBKR understood it.

    ``price`` is the limit (LMT, STOP_LIMIT, TRAILLMT, LOC), the stop (STP, optional initial
    stop of TRAIL) or the cap (MIDPRICE); ``aux_price`` the stop of STOP_LIMIT/TRAILLMT.
    ``quantity`` is in shares; prices in the instrument's currency.
    """

    conid: int
    side: str
    quantity: float
    order_type: str
    tif: str
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
    transmit: bool = True


def _refuse(message: str) -> BrokerageError:
    return BrokerageError(f"Bad Request: {message}", 400)


def _has_type(value: object, kind: str) -> bool:
    if kind == _BOOLEAN:
        return isinstance(value, bool)
    if kind == _INTEGER:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == _NUMBER:
        return (isinstance(value, int | float) and not isinstance(value, bool)
                and math.isfinite(value))
    if kind == _STRING:
        return isinstance(value, str)
    return isinstance(value, dict)


def _check_fields(item: dict[str, Any]) -> None:
    """Every key known to IBKR and of the schema's JSON type; required keys present."""
    for key, value in item.items():
        kind = ACCEPTED_FIELDS.get(key)
        if kind is None:
            raise _refuse(f"unknown order field {key!r}")
        if value is not None and not _has_type(value, kind):
            raise _refuse(f"order field {key!r} must be a JSON {kind}")
    for key in REQUIRED_FIELDS:
        if item.get(key) is None:
            raise _refuse(f"order field {key!r} is required")


def _contract_id(item: dict[str, Any]) -> int:
    """``conid``, else the digits before ``@`` of ``conidex`` (``"265598@ISLAND"``)."""
    conid = item.get("conid")
    if conid is None and item.get("conidex") is not None:
        head = str(item["conidex"]).split("@", 1)[0]
        conid = int(head) if head.isdigit() else None
    if not isinstance(conid, int) or conid <= 0:
        raise _refuse("order needs a conid (integer) or a conidex")
    return conid


def _positive(item: dict[str, Any], key: str) -> float | None:
    value = item.get(key)
    if value is not None and value <= 0:
        raise _refuse(f"order field {key!r} must be positive")
    return float(value) if value is not None else None


def _check_prices(order_type: str, price: float | None, aux: float | None,
                  trailing: float | None, trailing_type: object) -> None:
    """The price fields each order type needs (§5.1 table, §11)."""
    needs_price = order_type in ("LMT", "STP", "STOP_LIMIT", "TRAILLMT", "LOC")
    if (needs_price and price is None) or (order_type == "STOP_LIMIT" and aux is None):
        raise BrokerageError(PRICE_FIELDS_ERROR, 400)
    if order_type in ("TRAIL", "TRAILLMT"):
        if trailing is None or trailing_type not in TRAILING_TYPES:
            raise _refuse("trailing orders need trailingAmt and trailingType 'amt' or '%'")
    elif trailing_type is not None and trailing_type not in TRAILING_TYPES:
        raise _refuse("trailingType must be 'amt' or '%'")


def parse_order(item: object) -> OrderRequest:
    """Read one order ticket strictly.

    Raises:
        BrokerageError: 400 for a non-object, an unknown field, a wrong JSON type, a missing
            required field, an unknown side/orderType/tif, or prices that do not fit the type.
    """
    if not isinstance(item, dict):
        raise _refuse("each order ticket must be a JSON object")
    _check_fields(item)
    conid = _contract_id(item)
    order_type, tif = item["orderType"], item["tif"]
    side = item["side"].upper()
    if side not in SIDES:
        raise _refuse(f"side must be BUY or SELL, got {item['side']!r}")
    if order_type not in ORDER_TYPES:
        raise _refuse(f"unknown orderType {order_type!r}")
    if tif not in TIFS:
        raise _refuse(f"unknown tif {tif!r}")
    if order_type in ON_CLOSE_TYPES and tif != "DAY":
        raise _refuse(f"{order_type} orders take tif DAY")
    quantity = _positive(item, "quantity")
    price, aux = _positive(item, "price"), _positive(item, "auxPrice")
    trailing = _positive(item, "trailingAmt")
    _check_prices(order_type, price, aux, trailing, item.get("trailingType"))
    return OrderRequest(
        conid=conid, side=side, quantity=float(quantity or 0.0), order_type=order_type,
        tif=tif, price=price, aux_price=aux, trailing_amount=trailing,
        trailing_type=item.get("trailingType"), outside_rth=bool(item.get("outsideRTH")),
        coid=item.get("cOID"), parent_id=item.get("parentId"), account=item.get("acctId"),
        listing_exchange=item.get("listingExchange"),
        is_single_group=bool(item.get("isSingleGroup")),
        transmit=item.get("transmit") is not False,
    )


def parse_confirmed(body: object) -> bool:
    """``{"confirmed": true|false}`` of ``/iserver/reply/{id}``.

    Raises:
        BrokerageError: 400 when ``confirmed`` is missing; 500 when it is not a JSON boolean
            (IBKR answers ``"Yes"`` with HTTP 500 and places nothing, §11).
    """
    value = body.get("confirmed") if isinstance(body, dict) else None
    if value is None:
        raise _refuse('body must be {"confirmed": true|false}')
    if not isinstance(value, bool):
        raise BrokerageError("confirmed must be a JSON boolean", 500)
    return value

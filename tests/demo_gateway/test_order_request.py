"""The gateway's own order-body parser: what IBKR accepts, it accepts, and nothing else.

The field list is checked against IBKR's OpenAPI schema (``openapi_order_ticket.json`` is the
``singleOrderSubmissionRequest`` part of /work/shared/docs/openapi, kept beside this test).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ibkr_desktop.demo_gateway.brokerage_error import BrokerageError
from ibkr_desktop.demo_gateway.order_request import (
    ACCEPTED_FIELDS,
    DOCUMENTED_EXTRAS,
    SCHEMA_FIELDS,
    parse_confirmed,
    parse_order,
)

SCHEMA = json.loads((Path(__file__).parent / "openapi_order_ticket.json").read_text())
BASE = {"conid": 265598, "side": "BUY", "quantity": 10, "orderType": "MKT", "tif": "DAY"}
SAMPLES: dict[str, Any] = {"number": 1.5, "integer": 7, "string": "x", "boolean": True,
                           "object": {}}
VALID_STRINGS = {"trailingType": "amt", "conidex": "265598@SMART"}


def refused(item: dict[str, Any]) -> BrokerageError:
    with pytest.raises(BrokerageError) as caught:
        parse_order(item)
    return caught.value


def test_the_schema_fields_are_exactly_the_openapi_properties_with_their_types() -> None:
    """Every property of IBKR's schema is read with its JSON type, and no other is invented."""
    assert SCHEMA_FIELDS == {name: spec["type"] for name, spec in SCHEMA["properties"].items()}
    assert not set(DOCUMENTED_EXTRAS) & set(SCHEMA_FIELDS)
    assert set(SCHEMA["required"]) == {"conid", "orderType", "quantity", "side", "tif"}


@pytest.mark.parametrize("name", sorted(ACCEPTED_FIELDS))
def test_every_field_ibkr_knows_is_accepted(name: str) -> None:
    """A ticket carrying any one known field, with a value of its type, is read."""
    value = VALID_STRINGS.get(name, SAMPLES[ACCEPTED_FIELDS[name]])
    if name in BASE:
        value = BASE[name]
    parse_order(BASE | {name: value})


def test_a_field_ibkr_does_not_know_is_refused() -> None:
    """``limitPrice`` is not an IBKR field: refused instead of silently ignored."""
    error = refused(BASE | {"limitPrice": 101.0})
    assert error.status == 400 and "unknown order field 'limitPrice'" in error.message


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"quantity": "10"}, "'quantity' must be a JSON number"),
        ({"conid": "265598"}, "'conid' must be a JSON integer"),
        ({"outsideRTH": "true"}, "'outsideRTH' must be a JSON boolean"),
        ({"side": "B"}, "side must be BUY or SELL"),
        ({"orderType": "Limit", "price": 10.0}, "unknown orderType 'Limit'"),
        ({"tif": "day"}, "unknown tif 'day'"),
        ({"tif": None}, "'tif' is required"),
        ({"quantity": 0}, "'quantity' must be positive"),
        ({"orderType": "TRAIL", "trailingAmt": 1.0}, "trailingType 'amt' or '%'"),
        ({"orderType": "TRAIL", "trailingAmt": 1.0, "trailingType": "pct"}, "'amt' or '%'"),
        ({"orderType": "MOC", "tif": "GTC"}, "MOC orders take tif DAY"),
    ],
)
def test_what_ibkr_refuses_is_refused(change: dict[str, Any], fragment: str) -> None:
    """Types as the schema gives them, IBKR's codes, trailing and on-close rules (§5.1, §11)."""
    error = refused({k: v for k, v in (BASE | change).items() if v is not None})
    assert error.status == 400 and fragment in error.message


@pytest.mark.parametrize(
    "prices",
    [{"orderType": "STP", "auxPrice": 95.0}, {"orderType": "LMT"}, {"orderType": "LOC"},
     {"orderType": "STOP_LIMIT", "price": 95.0}],
)
def test_prices_that_do_not_fit_the_type_are_invalid_price_fields(prices: dict[str, Any]) -> None:
    """A STP with its stop only in auxPrice is refused with IBKR's text (§11)."""
    error = refused(BASE | prices)
    assert error.message == "invalid order price fields" and error.status == 400


def test_ibkr_tickets_read_with_ibkr_conventions() -> None:
    """STP stop in price, STOP_LIMIT limit+stop, trailing fields, MOC/LOC, transmit, conidex."""
    stop = parse_order(BASE | {"orderType": "STP", "price": 95.0, "side": "SELL"})
    assert (stop.order_type, stop.price, stop.aux_price, stop.side) == ("STP", 95.0, None, "SELL")
    stop_limit = parse_order(BASE | {"orderType": "STOP_LIMIT", "price": 94.0, "auxPrice": 95.0})
    assert (stop_limit.price, stop_limit.aux_price) == (94.0, 95.0)
    trail = parse_order(BASE | {"orderType": "TRAIL", "trailingAmt": 2, "trailingType": "%"})
    assert (trail.trailing_amount, trail.trailing_type) == (2.0, "%")
    assert parse_order(BASE | {"orderType": "MOC"}).order_type == "MOC"
    assert parse_order(BASE | {"orderType": "LOC", "price": 99.5}).price == 99.5
    assert parse_order(BASE | {"transmit": False}).transmit is False
    by_conidex = {k: v for k, v in BASE.items() if k != "conid"} | {"conidex": "8314@NYSE"}
    assert parse_order(by_conidex).conid == 8314


def test_reply_confirmed_must_be_a_json_boolean() -> None:
    """``true``/``false`` are read; ``"Yes"`` is IBKR's 500; a missing value is a 400."""
    assert parse_confirmed({"confirmed": True}) is True
    assert parse_confirmed({"confirmed": False}) is False
    for body, status in (({"confirmed": "Yes"}, 500), ({"confirmed": 1}, 500), ({}, 400)):
        with pytest.raises(BrokerageError) as caught:
            parse_confirmed(body)
        assert caught.value.status == status

"""Order tickets: wire body, tolerant reading, validation messages, statuses (reference §5)."""

from __future__ import annotations

import math

import pytest

from ibkr_desktop.protocol.orders import (
    ACTIVE_STATUSES,
    DONE_STATUSES,
    OrderStatus,
    OrderTicket,
    OrderType,
    Problem,
    Side,
    TicketError,
    TimeInForce,
    new_coid,
    validate,
)


def _ticket(**changes: object) -> OrderTicket:
    base: dict[str, object] = {
        "conid": 265598, "side": Side.BUY, "quantity": 100.0, "order_type": OrderType.LMT,
        "price": 165.0,
    }
    base.update(changes)
    return OrderTicket(**base)  # type: ignore[arg-type]


def test_to_json_matches_reference_body() -> None:
    """A limit ticket serialises to the §5.1 canonical body item."""
    ticket = _ticket(account="U1234567", coid="my-order-0001", listing_exchange="SMART")
    assert ticket.to_json() == {
        "acctId": "U1234567", "conid": 265598, "orderType": "LMT", "side": "BUY",
        "quantity": 100, "price": 165.0, "tif": "DAY", "cOID": "my-order-0001",
        "outsideRTH": False, "listingExchange": "SMART",
    }


def test_to_json_all_optional_fields() -> None:
    """Stop-limit, trailing, bracket and OCA fields use IBKR's camelCase names."""
    ticket = OrderTicket(
        conid=8314, side=Side.SELL, quantity=2.5, order_type=OrderType.TRAILLMT,
        tif=TimeInForce.GTC, price=10.0, aux_price=11.0, trailing_amount=0.5,
        trailing_type="%", outside_rth=True, parent_id="parent-1", is_single_group=True,
    )
    assert ticket.to_json() == {
        "conid": 8314, "orderType": "TRAILLMT", "side": "SELL", "quantity": 2.5, "tif": "GTC",
        "price": 10.0, "auxPrice": 11.0, "parentId": "parent-1", "trailingAmt": 0.5,
        "trailingType": "%", "outsideRTH": True, "isSingleGroup": True,
    }


@pytest.mark.parametrize(
    ("price", "aux_price"), [(0.5, None), (None, 0.5)], ids=["stop-as-price", "stop-as-aux"])
def test_stop_order_body_puts_the_stop_in_price(price: float | None,
                                                aux_price: float | None) -> None:
    """§11: IBKR refuses a STP body with the stop only in auxPrice, so it always goes in price."""
    body = _ticket(order_type=OrderType.STP, side=Side.SELL, quantity=1, price=price,
                   aux_price=aux_price, tif=TimeInForce.GTC).to_json()
    assert (body["orderType"], body["price"], "auxPrice" in body) == ("STP", 0.5, False)


def test_stop_limit_body_keeps_limit_in_price_and_stop_in_aux() -> None:
    body = _ticket(order_type=OrderType.STOP_LIMIT, price=101.5, aux_price=100.0).to_json()
    assert (body["price"], body["auxPrice"]) == (101.5, 100.0)


def test_on_close_orders() -> None:
    """MOC needs no price, LOC a limit; both read back from IBKR's listing spellings (§11)."""
    assert validate(_ticket(order_type=OrderType.MOC, price=None)) == []
    assert validate(_ticket(order_type=OrderType.LOC, price=None)) == [
        Problem("price", "Limit price is required for a limit-on-close order")]
    assert validate(_ticket(order_type=OrderType.MOC, price=None, tif=TimeInForce.GTC)) == [
        Problem("tif", "Time in force must be DAY for a market-on-close order")]
    assert OrderTicket.from_json({"conid": 1, "side": "BUY", "quantity": 1,
                                  "orderType": "LOC", "price": 10}).order_type is OrderType.LOC


def test_from_json_round_trip() -> None:
    """to_json -> from_json gives the same ticket back."""
    ticket = _ticket(account="DU1", coid="c1", tif=TimeInForce.GTC, outside_rth=True)
    assert OrderTicket.from_json(ticket.to_json()) == ticket


def test_from_json_is_tolerant() -> None:
    """Mixed-case side, string numbers, long type names and lower-case tif are understood."""
    ticket = OrderTicket.from_json(
        {"conid": "265598", "side": "Buy", "quantity": "100", "orderType": "Limit",
         "price": "165.5", "tif": "gtc", "outsideRTH": "true", "referrer": "QuickTrade"}
    )
    assert ticket == _ticket(price=165.5, tif=TimeInForce.GTC, outside_rth=True)


def test_from_json_stop_price_in_aux_price() -> None:
    """A stop order whose stop price came as auxPrice gets it as price (IBKR's convention)."""
    ticket = OrderTicket.from_json(
        {"conid": 1, "side": "SELL", "quantity": 5, "orderType": "STP", "auxPrice": 99.5}
    )
    assert (ticket.order_type, ticket.price, ticket.aux_price) == (OrderType.STP, 99.5, None)


def test_from_json_defaults_tif_to_day() -> None:
    """A body without tif is a DAY order."""
    ticket = OrderTicket.from_json({"conid": 1, "side": "S", "quantity": 1, "orderType": "MKT"})
    assert ticket.tif is TimeInForce.DAY and ticket.side is Side.SELL


def test_from_json_reports_every_unreadable_field() -> None:
    """An unusable body raises TicketError naming each bad field."""
    with pytest.raises(TicketError) as info:
        OrderTicket.from_json({"side": "HOLD", "quantity": "lots", "orderType": "FOO",
                               "tif": "SOMEDAY"})
    assert [p.field for p in info.value.problems] == [
        "conid", "side", "quantity", "order_type", "tif"
    ]
    assert "Side must be BUY or SELL" in str(info.value)


def test_valid_tickets_have_no_problems() -> None:
    """Complete tickets of every type validate cleanly."""
    tickets = [
        _ticket(),
        _ticket(order_type=OrderType.MKT, price=None),
        _ticket(order_type=OrderType.STP, price=150.0),
        _ticket(order_type=OrderType.STOP_LIMIT, price=151.0, aux_price=150.0),
        _ticket(order_type=OrderType.TRAIL, price=None, trailing_amount=1.0, trailing_type="amt"),
        _ticket(order_type=OrderType.TRAILLMT, trailing_amount=2.0, trailing_type="%"),
        _ticket(order_type=OrderType.MIDPRICE, price=None),
        _ticket(quantity=0.25, tif=TimeInForce.IOC),
    ]
    for ticket in tickets:
        assert validate(ticket) == [], ticket


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"price": None}, [Problem("price", "Limit price is required for a limit order")]),
        ({"order_type": OrderType.STP, "price": None},
         [Problem("price", "Stop price is required for a stop order")]),
        ({"order_type": OrderType.STOP_LIMIT, "price": None},
         [Problem("price", "Limit price is required for a stop-limit order"),
          Problem("aux_price", "Stop price is required for a stop-limit order")]),
        ({"order_type": OrderType.TRAIL},
         [Problem("trailing_amount", "Trailing amount is required for a trailing stop order"),
          Problem("trailing_type", "Trailing type must be 'amt' or '%'")]),
        ({"order_type": OrderType.TRAILLMT, "trailing_amount": 1.0, "trailing_type": "pct"},
         [Problem("trailing_type", "Trailing type must be 'amt' or '%'")]),
        ({"quantity": 0.0}, [Problem("quantity", "Quantity must be a positive number")]),
        ({"quantity": -5.0}, [Problem("quantity", "Quantity must be a positive number")]),
        ({"quantity": math.nan}, [Problem("quantity", "Quantity must be a positive number")]),
        ({"quantity": math.inf}, [Problem("quantity", "Quantity must be a positive number")]),
        ({"price": -1.0}, [Problem("price", "Price must be a positive number")]),
        ({"aux_price": math.nan}, [Problem("aux_price", "Stop price must be a positive number")]),
        ({"conid": 0}, [Problem("conid", "Choose a contract first")]),
        ({"side": "HOLD"}, [Problem("side", "Side must be BUY or SELL")]),
        ({"tif": "FOREVER"}, [Problem("tif", "Time in force must be DAY, GTC, IOC or OPG")]),
        ({"order_type": "FOO"}, [Problem("order_type", "Choose an order type")]),
    ],
)
def test_validation_problems(changes: dict[str, object], expected: list[Problem]) -> None:
    """Each mistake gives a trader-readable problem on the matching ticket attribute."""
    assert validate(_ticket(**changes)) == expected


def test_problem_fields_are_ticket_attributes() -> None:
    """Every field a problem names is an OrderTicket attribute (the widget highlights it)."""
    bad = OrderTicket(conid=-1, side="X", quantity=-1, order_type=OrderType.TRAILLMT,  # type: ignore[arg-type]
                      tif="X", aux_price=-1, trailing_amount=-1)  # type: ignore[arg-type]
    problems = validate(bad)
    assert problems
    assert {p.field for p in problems} <= set(OrderTicket.__dataclass_fields__)


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("PreSubmitted", OrderStatus.PRE_SUBMITTED), ("pre_submitted", OrderStatus.PRE_SUBMITTED),
        ("PRESUBMITTED", OrderStatus.PRE_SUBMITTED), ("Submitted", OrderStatus.SUBMITTED),
        ("Filled", OrderStatus.FILLED), ("Cancelled", OrderStatus.CANCELLED),
        ("Canceled", OrderStatus.CANCELLED), ("pending_cancel", OrderStatus.PENDING_CANCEL),
        ("PendingSubmit", OrderStatus.PENDING_SUBMIT), ("Inactive", OrderStatus.INACTIVE),
        ("warn_state", OrderStatus.WARN_STATE), ("nonsense", None), (None, None), (3, None),
    ],
)
def test_order_status_parse(text: object, status: OrderStatus | None) -> None:
    """IBKR's status spellings, filter forms and junk map onto the enum (or None)."""
    assert OrderStatus.parse(text) is status


def test_status_sets() -> None:
    """Active and done statuses are disjoint and classify the common states."""
    assert not ACTIVE_STATUSES & DONE_STATUSES
    assert OrderStatus.SUBMITTED in ACTIVE_STATUSES
    assert OrderStatus.PRE_SUBMITTED in ACTIVE_STATUSES
    assert {OrderStatus.FILLED, OrderStatus.CANCELLED} <= DONE_STATUSES
    assert ACTIVE_STATUSES | DONE_STATUSES == set(OrderStatus)


def test_new_coid_is_unique() -> None:
    """Client order ids are unique strings."""
    ids = {new_coid() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(isinstance(i, str) and 0 < len(i) <= 40 for i in ids)

"""Order answers: the three placement shapes, live orders, order status and trades (§5)."""

from __future__ import annotations

import pytest

from ibkr_desktop.protocol.errors import Failure, IbkrError, classify_failure
from ibkr_desktop.protocol.events import Fill, OrderUpdate
from ibkr_desktop.protocol.orders import (
    OrderAccepted,
    OrderNotTransmitted,
    OrderQuestion,
    OrderRefused,
    OrderRejectedError,
    OrderStatus,
    parse_live_order,
    parse_order_status,
    parse_placement_response,
    parse_trade,
    placed_anything,
    refusal_texts,
)

ACCEPTED = [{"order_id": "1234567890", "order_status": "PreSubmitted", "encrypt_message": "1"}]
QUESTION = [{
    "id": "07a13a5a-4a48-44a5-bb25-5ab37b79186c",
    "message": ["The following order \"BUY 100 AAPL NASDAQ.NMS @ 165.0\" price exceeds \nthe "
                "Percentage constraint of 3%.\nAre you sure you want to submit this order?"],
    "isSuppressed": False,
    "messageIds": ["o163"],
    "messageOptions": ["Yes", "No"],
}]


def test_accepted_array() -> None:
    """Shape 1 (array) is an accepted order with its id as a string and its status."""
    assert parse_placement_response(ACCEPTED) == [
        OrderAccepted("1234567890", OrderStatus.PRE_SUBMITTED, None)
    ]


def test_accepted_bare_object_with_local_order_id() -> None:
    """Shape 1 as a bare object (long-form guide) is accepted too; local_order_id is the cOID."""
    body = {"order_id": 1234567890, "order_status": "Submitted", "local_order_id": "c-1"}
    assert parse_placement_response(body) == [
        OrderAccepted("1234567890", OrderStatus.SUBMITTED, "c-1")
    ]


def test_question() -> None:
    """Shape 2 is a question with its reply id, texts and message ids."""
    [question] = parse_placement_response(QUESTION)
    assert question == OrderQuestion(
        "07a13a5a-4a48-44a5-bb25-5ab37b79186c", tuple(QUESTION[0]["message"]), ("o163",)
    )
    assert "Percentage constraint of 3%" in question.messages[0]


def test_question_as_bare_object() -> None:
    """A single reply message as a bare object is understood."""
    body = {"id": "r1", "message": "Are you sure?", "messageIds": ["o403"]}
    assert parse_placement_response(body) == [OrderQuestion("r1", ("Are you sure?",), ("o403",))]


def test_multi_ticket_answer_keeps_order() -> None:
    """A bracket answer lists one result per ticket, in ticket order."""
    body = ACCEPTED + [{"order_id": "1234567891", "order_status": "Submitted"}]
    assert [r.order_id for r in parse_placement_response(body)] == [  # type: ignore[union-attr]
        "1234567890", "1234567891"
    ]


REFUSED_LEG_AND_INACTIVE = [
    {"order_id": "-1", "order_status": "Failed",
     "text": "The size, 1, does not conform to the minimum variation of 100",
     "warning_message": "Order rejected by the exchange."},
    {"order_id": "1760268467", "order_status": "Inactive"},
]


def test_refused_leg_and_untransmitted_order() -> None:
    """§11: a Failed "-1" row is a refusal with IBKR's reason, an Inactive row was not sent;
    neither is an accepted order, and the texts for the user carry both."""
    answers = parse_placement_response(REFUSED_LEG_AND_INACTIVE)
    assert answers == [
        OrderRefused("The size, 1, does not conform to the minimum variation of 100 "
                     "(Order rejected by the exchange.)", None),
        OrderNotTransmitted("1760268467", "Inactive", None),
    ]
    assert not placed_anything(answers)
    assert refusal_texts(answers) == [
        "IBKR refused the order: The size, 1, does not conform to the minimum variation of 100 "
        "(Order rejected by the exchange.)",
        "Order 1760268467 was not transmitted (status Inactive)",
    ]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ({"order_id": "55", "order_status": "Cancelled"}, OrderNotTransmitted("55", "Cancelled")),
        ({"order_id": "55", "order_status": "Rejected", "text": "No margin"},
         OrderRefused("No margin", "55")),
        ({"order_id": "55", "order_status": "Weird"}, OrderNotTransmitted("55", "Weird")),
        ({"order_id": 0, "order_status": "Submitted"},
         OrderRefused("IBKR refused the order (status Submitted)")),
        ({"order_id": "56", "order_status": "Filled"},
         OrderAccepted("56", OrderStatus.FILLED, None)),
        ({"order_id": "57", "order_status": "PreSubmitted",
          "text": "Order held while securities are located."},
         OrderAccepted("57", OrderStatus.PRE_SUBMITTED, None,
                       "Order held while securities are located.")),
        ({"order_id": "58"}, OrderAccepted("58", None, None)),
    ],
)
def test_rows_are_classified_by_id_and_status(row: dict[str, object], expected: object) -> None:
    """Only a real id with a working (or filled) status is accepted; the rest say why not."""
    assert parse_placement_response([row]) == [expected]


def test_bracket_with_one_refused_leg_still_placed_the_rest() -> None:
    """An accepted parent and a refused child: something was placed, the refusal is reported."""
    answers = parse_placement_response(ACCEPTED + REFUSED_LEG_AND_INACTIVE[:1])
    assert placed_anything(answers)
    assert refusal_texts(answers) == [
        "IBKR refused the order: The size, 1, does not conform to the minimum variation of 100 "
        "(Order rejected by the exchange.)"]


def test_rejection_object() -> None:
    """Shape 3 (a bare error object) raises OrderRejectedError with IBKR's text; not retryable."""
    with pytest.raises(OrderRejectedError) as info:
        parse_placement_response(
            {"error": "We cannot accept an order at the limit price you selected. ..."})
    assert info.value.message.startswith("We cannot accept")
    assert isinstance(info.value, IbkrError)
    assert classify_failure(info.value) is Failure.FATAL


def test_error_row_is_a_refusal() -> None:
    """An error row inside the array is a refused order carrying IBKR's text."""
    text = "Order couldn't be submitted: Local order ID=my-order-0001 is already used."
    assert parse_placement_response([{"error": text}]) == [OrderRefused(text)]


@pytest.mark.parametrize("body", [[], None, "Internal Server Error", [{"foo": 1}], 42])
def test_unreadable_answers_are_rejections(body: object) -> None:
    """Empty or unknown answers are reported as rejections rather than silently ignored."""
    with pytest.raises(OrderRejectedError):
        parse_placement_response(body)


LIVE_ORDER = {
    "acct": "U1234567", "conidex": "265598", "conid": 265598, "account": "U1234567",
    "orderId": 1234568790, "cashCcy": "USD", "sizeAndFills": "5", "orderDesc": "Sold 5 Market, GTC",
    "description1": "AAPL", "ticker": "AAPL", "secType": "STK", "listingExchange": "NASDAQ.NMS",
    "remainingQuantity": 0.0, "filledQuantity": 5.0, "totalSize": 5.0, "companyName": "APPLE INC",
    "status": "Filled", "order_ccp_status": "Filled", "avgPrice": "192.26",
    "origOrderType": "MARKET", "supportsTaxOpt": "1", "lastExecutionTime": "231211180049",
    "orderType": "Market", "bgColor": "#FFFFFF", "fgColor": "#000000", "order_ref": "Order123",
    "timeInForce": "GTC", "lastExecutionTime_r": 1702317649000, "side": "SELL", "price": "",
    "isEventTrading": "0",
}


def test_live_order() -> None:
    """The §5.4 live order is a filled SELL 5 AAPL market order at 192.26 ("" price = None)."""
    assert parse_live_order(LIVE_ORDER) == OrderUpdate(
        order_id=1234568790, account="U1234567", status=OrderStatus.FILLED, conid=265598,
        symbol="AAPL", side="SELL", order_type="MKT", quantity=5.0, filled=5.0, remaining=0.0,
        avg_price=192.26, price=None, aux_price=None, tif="GTC", order_ref="Order123",
        description="Sold 5 Market, GTC", last_execution_ms=1702317649000, parent_id=None,
    )


def test_live_order_time_from_yymmdd() -> None:
    """Without lastExecutionTime_r the YYMMDDhhmmss UTC time is used."""
    item = {k: v for k, v in LIVE_ORDER.items() if k != "lastExecutionTime_r"}
    assert parse_live_order(item).last_execution_ms == 1702317649000


def test_live_order_string_id_and_missing_id() -> None:
    """A string orderId is read as int; no orderId is a ValueError."""
    assert parse_live_order({"orderId": "42"}).order_id == 42
    with pytest.raises(ValueError):
        parse_live_order({"status": "Filled"})


STOP_2026 = {"orderId": 46184815, "conid": 756733, "ticker": "SPY", "side": "SELL",
             "orderType": "Stop", "price": "0.50", "totalSize": 1.0, "status": "PreSubmitted",
             "timeInForce": "GTC", "parentId": 46184813,
             "orderDesc": "Sell 1 SPY Stop 0.50, GTC"}


@pytest.mark.parametrize(
    ("item", "limit", "stop"),
    [
        (STOP_2026, None, 0.5),  # 2026: the stop in price
        ({"orderId": 1, "orderType": "Stop", "auxPrice": "0.50", "stop_price": "0.50"},
         None, 0.5),  # 2024 bracket child: the stop in auxPrice/stop_price, no price
        ({"orderId": 1, "orderType": "STP", "price": "", "auxPrice": 0.5}, None, 0.5),
        ({"orderId": 1, "orderType": "Stop Limit", "price": "101.5", "auxPrice": "100"},
         101.5, 100.0),
        ({"orderId": 1, "orderType": "STOP_LIMIT", "price": 101.5, "stop_price": "100"},
         101.5, 100.0),
        ({"orderId": 1, "orderType": "Trail", "price": "99"}, None, 99.0),
        ({"orderId": 1, "orderType": "Limit", "price": "372.00"}, 372.0, None),
        ({"orderId": 1, "orderType": "Market", "price": "0.0"}, None, None),
        ({"orderId": 1, "orderType": "LIMITONCLOSE", "price": "372"}, 372.0, None),
    ],
)
def test_live_order_limit_and_stop_by_order_type(item: dict[str, object], limit: float | None,
                                                 stop: float | None) -> None:
    """§11: the stop is read by order type from whichever key holds it, never as a limit."""
    update = parse_live_order(item)
    assert (update.price, update.aux_price) == (limit, stop)


def test_stop_child_of_a_bracket() -> None:
    """The recorded 2026 stop child: SELL 1 SPY stop 0.50 GTC, parent 46184813."""
    update = parse_live_order(STOP_2026)
    assert (update.order_type, update.side, update.quantity, update.status, update.tif,
            update.parent_id) == ("STP", "SELL", 1.0, OrderStatus.PRE_SUBMITTED, "GTC", "46184813")


def test_on_close_order_types() -> None:
    """MOC/LOC are listed back as MARKETONCLOSE/LIMITONCLOSE with tif CLOSE (§11)."""
    moc = parse_live_order({"orderId": 2, "orderType": "MARKETONCLOSE", "timeInForce": "CLOSE"})
    assert (moc.order_type, moc.tif) == ("MOC", "CLOSE")


ORDER_STATUS = {
    "sub_type": None, "request_id": "209", "server_id": "0", "order_id": 1799796559,
    "conidex": "265598", "conid": 265598, "symbol": "AAPL", "side": "S",
    "contract_description_1": "AAPL", "listing_exchange": "NASDAQ.NMS", "option_acct": "c",
    "company_name": "APPLE INC", "size": "0.0", "total_size": "5.0", "currency": "USD",
    "account": "U1234567", "order_type": "MARKET", "cum_fill": "5.0",
    "order_status": "Filled", "order_ccp_status": "2", "order_status_description": "Order Filled",
    "tif": "DAY", "fg_color": "#FFFFFF", "bg_color": "#000000", "order_not_editable": True,
    "editable_fields": "\u001e", "cannot_cancel_order": True, "deactivate_order": False,
    "outside_rth": False, "all_or_none": False, "use_price_mgmt_algo": False,
    "sec_type": "STK", "available_chart_periods": "#R|1", "order_description": "Sold 5 Market, Day",
    "order_description_with_contract": "Sold 5 AAPL Market, Day", "alert_active": 1,
    "child_order_type": "0", "order_clearing_account": "U1234567", "size_and_fills": "5",
    "exit_strategy_display_price": "193.12", "exit_strategy_chart_description": "Sold 5 @ 192.26",
    "average_price": "192.26", "exit_strategy_tool_availability": "1",
    "allowed_duplicate_opposite": True, "order_time": "231211180049",
    "clearing_id": "IB", "clearing_name": "IB",
}


def test_order_status() -> None:
    """The §5.5 snake_case status is the same filled SELL 5 AAPL order."""
    assert parse_order_status(ORDER_STATUS) == OrderUpdate(
        order_id=1799796559, account="U1234567", status=OrderStatus.FILLED, conid=265598,
        symbol="AAPL", side="SELL", order_type="MKT", quantity=5.0, filled=5.0, remaining=0.0,
        avg_price=192.26, price=None, aux_price=None, tif="DAY", order_ref=None,
        description="Sold 5 Market, Day", last_execution_ms=1702317649000, parent_id=None,
    )


def test_order_status_limit_and_stop_prices() -> None:
    """limit_price/stop_price strings become price/aux_price."""
    update = parse_order_status(
        {"order_id": "7", "side": "B", "order_type": "STOP_LIMIT", "limit_price": "101.5",
         "stop_price": "100"}
    )
    assert (update.side, update.order_type, update.price, update.aux_price) == (
        "BUY", "STOP_LIMIT", 101.5, 100.0
    )


RECORDED_STATUS = {"order_id": 473740665, "conid": 756733, "symbol": "SPY", "side": "BUY",
                   "order_status": "Filled", "order_type": "Market", "size": "1.0",
                   "filled_quantity": "1.0", "remaining_quantity": "0.0",
                   "avg_fill_price": "647.09", "total_size": "1.0", "price": "0.0",
                   "tif": "DAY", "order_clearing_account": "U1234567"}


def test_order_status_recorded_spellings() -> None:
    """§11: the recorded spellings read as filled 1, remaining 0, average 647.09 on U1234567;
    the market order's "0.0" price is no limit."""
    assert parse_order_status(RECORDED_STATUS) == OrderUpdate(
        order_id=473740665, account="U1234567", status=OrderStatus.FILLED, conid=756733,
        symbol="SPY", side="BUY", order_type="MKT", quantity=1.0, filled=1.0, remaining=0.0,
        avg_price=647.09, price=None, aux_price=None, tif="DAY",
    )


def test_order_status_recorded_without_total_size() -> None:
    """With remaining_quantity present, "size" is the order's size."""
    item = {k: v for k, v in RECORDED_STATUS.items() if k != "total_size"} | {"size": "3"}
    update = parse_order_status(item | {"remaining_quantity": "2", "filled_quantity": "1"})
    assert (update.quantity, update.filled, update.remaining) == (3.0, 1.0, 2.0)


def test_order_status_stop_order_price_is_its_stop() -> None:
    """A status row of a Stop order with only "price" shows it as the stop."""
    update = parse_order_status({"order_id": 9, "order_type": "Stop", "price": "0.50"})
    assert (update.price, update.aux_price) == (None, 0.5)


TRADE = {
    "execution_id": "0000e0d5.6576fd38.01.01", "symbol": "AAPL", "supports_tax_opt": "1",
    "side": "S", "order_description": "Sold 5 @ 192.26 on ISLAND",
    "trade_time": "20231211-18:00:49",
    "trade_time_r": 1702317649000, "size": 5.0, "price": "192.26", "order_ref": "Order123",
    "submitter": "user1234", "exchange": "ISLAND", "commission": "1.01", "net_amount": 961.3,
    "account": "U1234567", "accountCode": "U1234567", "account_allocation_name": "U1234567",
    "company_name": "APPLE INC", "contract_description_1": "AAPL", "sec_type": "STK",
    "listing_exchange": "NASDAQ.NMS", "conid": 265598, "conidEx": "265598", "clearing_id": "IB",
    "clearing_name": "IB", "liquidation_trade": "0", "is_event_trading": "0",
}
TRADE_FILL = Fill(
    execution_id="0000e0d5.6576fd38.01.01", account="U1234567", conid=265598, symbol="AAPL",
    side="SELL", size=5.0, price=192.26, time_ms=1702317649000, commission=1.01,
    order_ref="Order123", exchange="ISLAND", net_amount=961.3,
    description="Sold 5 @ 192.26 on ISLAND",
)


def test_trade() -> None:
    """The §5.9 trade is a SELL fill of 5 AAPL at 192.26."""
    assert parse_trade(TRADE) == TRADE_FILL


def test_trade_string_conid_and_text_time() -> None:
    """A string conid and only the text trade_time still give the same fill."""
    item = {k: v for k, v in TRADE.items() if k != "trade_time_r"} | {"conid": "265598"}
    assert parse_trade(item) == TRADE_FILL


def test_trade_without_price_is_rejected() -> None:
    """A trade missing its price cannot become a fill; the error names what is missing."""
    with pytest.raises(ValueError, match="no readable price"):
        parse_trade({k: v for k, v in TRADE.items() if k != "price"})


def test_trade_without_time_fields_is_a_fill() -> None:
    """§11: the recorded execution without trade_time/trade_time_r is a BUY 1 SPY at 647.09."""
    fill = parse_trade({"execution_id": "00018fae.67890abc.01.01", "conid": 756733,
                        "symbol": "SPY", "side": "BOT", "size": 1.0, "price": 647.09,
                        "order_ref": "Order123", "submitter": "U1234567"})
    assert fill == Fill(
        execution_id="00018fae.67890abc.01.01", account="", conid=756733, symbol="SPY",
        side="BUY", size=1.0, price=647.09, time_ms=None, commission=None,
        order_ref="Order123", exchange=None, net_amount=None, description=None)

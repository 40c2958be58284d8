"""Every WebSocket example message of reference §6 parses into the events a user would see."""

from __future__ import annotations

import json

import pytest

from ibkr_desktop.protocol.bars import Bar
from ibkr_desktop.protocol.events import (
    AccountsInfo,
    AccountSummaryUpdate,
    AuthStatus,
    Bulletin,
    Fill,
    Heartbeat,
    HistoryBars,
    LedgerUpdate,
    MalformedFrame,
    Notification,
    OrderUpdate,
    PnlUpdate,
    QuoteUpdate,
    ServerMessage,
    StreamError,
    SystemInfo,
    TicReply,
    UnknownFrame,
    Unsubscribed,
)
from ibkr_desktop.protocol.frames import parse_frame, parse_snapshot
from ibkr_desktop.protocol.orders import OrderStatus


def test_system_greeting() -> None:
    """The system greeting names the user and says it is a paper login."""
    frame = '{"topic": "system", "success": "user123", "isFT": false, "isPaper": true}'
    assert parse_frame(frame) == [SystemInfo("user123", True)]


def test_system_heartbeat() -> None:
    """A system hb frame is a heartbeat with its epoch-ms time."""
    assert parse_frame('{"topic": "system", "hb": 1594677336001}') == [Heartbeat(1594677336001)]


def test_heartbeat_in_seconds_is_converted_to_ms() -> None:
    """A heartbeat sent in epoch seconds is reported in milliseconds."""
    assert parse_frame('{"topic": "system", "hb": 1594677336}') == [Heartbeat(1594677336000)]


def test_act_lists_accounts() -> None:
    """The act frame lists the accounts, the selected one and paper mode."""
    frame = (
        '{"topic": "act", "args": {"accounts": ["DU1234567"], "acctProps": {"DU1234567": '
        '{"hasChildAccounts": false, "supportsCashQty": true, "noFXConv": false, "isProp": false, '
        '"supportsFractions": true, "allowCustomerTime": false}}, "aliases": {"DU1234567": '
        '"DU1234567"}, "allowFeatures": {"showGFIS": true, '
        '"allowedAssetTypes": "STK,OPT,FUT,CASH"}, '
        '"chartPeriods": {"STK": ["*"]}, "groups": [], "profiles": [], "selectedAccount": '
        '"DU1234567", "serverInfo": {"serverName": "JifN19053", "serverVersion": "Build ..."}, '
        '"sessionId": "1234a5b.12345678", "isFT": false, "isPaper": true}}'
    )
    assert parse_frame(frame) == [AccountsInfo(("DU1234567",), "DU1234567", True)]


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        ('{"topic": "sts", "args": {"authenticated": true}}', AuthStatus(True, None, None)),
        (
            '{"topic": "sts", "args": {"connected": true, "authenticated": true, "established": '
            'true, "competing": false, "message": "", "fail": ""}}',
            AuthStatus(True, False, True, ""),
        ),
        ('{"topic": "sts", "args": {"competing": true}}', AuthStatus(None, True, None)),
        ('{"topic": "sts", "args": {"authenticated": false}}', AuthStatus(False, None, None)),
    ],
)
def test_sts_variants(frame: str, expected: AuthStatus) -> None:
    """Every sts shape reports exactly the flags it carries; missing flags stay None."""
    assert parse_frame(frame) == [expected]


def test_bulletin() -> None:
    """A blt frame becomes a bulletin."""
    frame = '{"topic": "blt", "args": {"id": "b1", "message": "Exchange closed early"}}'
    assert parse_frame(frame) == [Bulletin("b1", "Exchange closed early")]


NTF_ARGS = {
    "id": "INDICATIVE_DATA_SUGGESTION",
    "text": "CFD quotes reference the trade, volume and bid/ask market data on the underlying STK",
    "title": "Warning",
    "url": "https://interactivebrokers.com/",
}
NTF_EVENT = Notification(
    "INDICATIVE_DATA_SUGGESTION", "Warning", NTF_ARGS["text"], "https://interactivebrokers.com/"
)


def test_notification_args_object() -> None:
    """An ntf frame whose args is one object gives one notification."""
    assert parse_frame(json.dumps({"topic": "ntf", "args": NTF_ARGS})) == [NTF_EVENT]


def test_notification_args_list() -> None:
    """An ntf frame whose args is a list gives one notification per item."""
    frame = json.dumps({"topic": "ntf", "args": [NTF_ARGS, dict(NTF_ARGS, id="X", url=None)]})
    events = parse_frame(frame)
    assert events == [NTF_EVENT, Notification("X", "Warning", NTF_ARGS["text"], None)]


def test_tic_reply() -> None:
    """A tic answer says the session is alive, its id and when it was last used."""
    frame = (
        '{"topic":"tic","alive":true,"id":"bb665d0f55b6289d70bc7380089fc96f",'
        '"lastAccessed":1712596911593}'
    )
    assert parse_frame(frame) == [
        TicReply(True, "bb665d0f55b6289d70bc7380089fc96f", 1712596911593)
    ]


SMD_EXAMPLE = (
    '{"31": "189.60", "6119": "q2", "6509": "RpB", "7059": "100", "84": "189.56", "85": "500",'
    ' "86": "189.61", "88": "200", "_updated": 1712596911593, "conid": 8314, "conidEx": "8314",'
    ' "server_id": "q2", "topic": "smd+8314"}'
)


def test_smd_quote() -> None:
    """The §6.6 smd frame becomes a quote with parsed prices and sizes."""
    [event] = parse_frame(SMD_EXAMPLE)
    assert event == QuoteUpdate(
        8314,
        {
            "last": 189.6, "last_is_close": False, "halted": False, "marker": "q2",
            "availability": "live", "availability_code": "RpB", "last_size": 100.0,
            "bid": 189.56, "ask_size": 500.0, "ask": 189.61, "bid_size": 200.0,
        },
        1712596911593,
    )


def test_smd_prior_close_and_string_conid() -> None:
    """A C-prefixed last and a string conid still parse; 83 as a JSON number is a percent."""
    frame = '{"topic": "smd+265598", "conid": "265598", "31": "C189.60", "83": 0.04, "87": "24.2M"}'
    [event] = parse_frame(frame)
    assert isinstance(event, QuoteUpdate)
    assert event.conid == 265598
    assert event.values == {
        "last": 189.6, "last_is_close": True, "halted": False, "change_pct": 0.04,
        "volume": 24_200_000.0,
    }
    assert event.updated_ms is None


def test_smd_without_conid_is_ignored() -> None:
    """An empty smd update without conid yields no event."""
    assert parse_frame('{"topic": "smd+8314", "_updated": 1712596911593}') == []


SMH_EXAMPLE = {
    "serverId": "588547", "symbol": "AAPL", "text": "APPLE INC", "priceFactor": 100,
    "startTime": "20241223-17:05:00", "high": "25495/56.04/1", "low": "25482/245.49/0",
    "timePeriod": "60s", "barLength": 60, "mdAvailability": "S", "mktDataDelay": 0,
    "outsideRth": False, "volumeFactor": 100, "priceDisplayRule": 1, "priceDisplayValue": "2",
    "negativeCapable": False, "messageVersion": 2,
    "data": [{"o": 254.91, "c": 254.91, "h": 254.94, "l": 254.82}],
    "points": 1, "travelTime": 9, "topic": "smh+265598",
    "payload": '{"period": "1min", "bar": "1min", "outsideRTH": true, "source": "trades", '
    '"format": "%o/%c/%h/%l"}',
}


def test_smh_history_bars() -> None:
    """The §6.7 smh frame gives its serverId and a bar timed from startTime (no t, no v)."""
    [event] = parse_frame(json.dumps(SMH_EXAMPLE))
    assert event == HistoryBars(
        265598, "588547", (Bar(1734973500000, 254.91, 254.94, 254.82, 254.91, 0.0),)
    )


def test_smh_unsubscribe_confirmation() -> None:
    """The topic-less 'Unsubscribed <serverId>' message is an unsubscribe confirmation."""
    expected = [Unsubscribed("Unsubscribed 588547")]
    assert parse_frame('{"message": "Unsubscribed 588547"}') == expected


def test_sbd_is_unknown_frame() -> None:
    """A price-ladder frame is well-formed but not interpreted."""
    frame = (
        '{"topic": "sbd+DU1234567+265598", "data": [{"row": 0, "focus": 0, "price": "190.10", '
        '"ask": "300"}, {"row": 1, "focus": 1, "price": "100 @ 190.05"}, {"row": 2, "focus": 0, '
        '"price": "190.00", "bid": "500"}]}'
    )
    [event] = parse_frame(frame)
    assert isinstance(event, UnknownFrame)
    assert event.topic == "sbd+DU1234567+265598"


SOR_EXAMPLE = (
    '{"topic": "sor", "args": [{"acct": "DU1234", "conid": 265598, "orderId": 922048212, '
    '"cashCcy": "USD", "sizeAndFills": "0/1", "orderDesc": "Buy 100 Limit 372.00 GTC", '
    '"description1": "AAPL", "ticker": "AAPL", "secType": "STK", "listingExchange": "NASDAQ.NMS",'
    ' "remainingQuantity": 100.0, "filledQuantity": 0.0, "companyName": "APPLE INC", "status": '
    '"Submitted", "origOrderType": "LIMIT", "supportsTaxOpt": "1", "lastExecutionTime": '
    '"200708173551", "lastExecutionTime_r": 1594229751000, "orderType": "Limit", "side": "BUY", '
    '"timeInForce": "GTC", "price": 372, "order_ref": "my-order-0001", "bgColor": "#000000", '
    '"fgColor": "#00F000"}]}'
)


def test_sor_full_order() -> None:
    """The initial sor frame describes the whole working order."""
    assert parse_frame(SOR_EXAMPLE) == [
        OrderUpdate(
            order_id=922048212, account="DU1234", status=OrderStatus.SUBMITTED, conid=265598,
            symbol="AAPL", side="BUY", order_type="LMT", quantity=100.0, filled=0.0,
            remaining=100.0, avg_price=None, price=372.0, aux_price=None, tif="GTC",
            order_ref="my-order-0001", description="Buy 100 Limit 372.00 GTC",
            last_execution_ms=1594229751000, parent_id=None,
        )
    ]


def _sor(*items: str) -> str:
    return '{"topic": "sor", "args": [' + ", ".join(items) + "]}"


def test_sor_status_progression() -> None:
    """PendingSubmit -> PreSubmitted -> Submitted arrive as status-only updates."""
    statuses = []
    for status in ("PendingSubmit", "PreSubmitted", "Submitted"):
        [event] = parse_frame(
            _sor(f'{{"acct":"DU1234","orderId":352055828,"status":"{status}"}}')
        )
        assert event == OrderUpdate(352055828, account="DU1234", status=OrderStatus(status))
        statuses.append(event.status)
    assert statuses == [
        OrderStatus.PENDING_SUBMIT, OrderStatus.PRE_SUBMITTED, OrderStatus.SUBMITTED
    ]


def test_sor_partial_fill_then_final_fill() -> None:
    """A partial fill reports filled/remaining/avg price; the final frame says Filled, 722 done."""
    partial = (
        '{"acct":"DU1234","orderId":352055828,"sizeAndFills":"100/622","remainingQuantity":622.0,'
        '"filledQuantity":100.0,"avgPrice":"382.45"}'
    )
    final = (
        '{"orderId":352055828,"sizeAndFills":"722","orderDesc":"Sold 722 Limit 382.40 GTC",'
        '"remainingQuantity":0.0,"filledQuantity":722.0,"status":"Filled","timeInForce":"GTC",'
        '"price":382.4}'
    )
    assert parse_frame(_sor(partial)) == [
        OrderUpdate(352055828, account="DU1234", quantity=722.0, filled=100.0, remaining=622.0,
                    avg_price=382.45)
    ]
    assert parse_frame(_sor(final)) == [
        OrderUpdate(352055828, status=OrderStatus.FILLED, quantity=722.0, filled=722.0,
                    remaining=0.0, price=382.4, tif="GTC",
                    description="Sold 722 Limit 382.40 GTC")
    ]


def test_sor_several_orders_and_a_bad_item() -> None:
    """One sor frame with several items gives one event each; an item without id is malformed."""
    events = parse_frame(_sor('{"orderId": "1", "status": "Cancelled"}', '{"status": "Filled"}',
                              '{"orderId": 2, "side": "EXER"}'))
    assert events[0] == OrderUpdate(1, status=OrderStatus.CANCELLED)
    assert isinstance(events[1], MalformedFrame)
    assert events[2] == OrderUpdate(2, side="EXER")


def test_sor_empty_args() -> None:
    """An empty sor frame (no working orders) yields no events."""
    assert parse_frame('{"topic": "sor", "args": []}') == []


STR_EXAMPLE = (
    '{"topic": "str", "args": [{"execution_id": "0000e0d5.60cf1bd1.01.01", "symbol": "AAPL", '
    '"supports_tax_opt": "1", "side": "B", "order_description": "Bot 1 @ 130.64 on ISLAND", '
    '"trade_time": "20210408-22:10:01", "trade_time_r": 1617919801000, "size": 1, "price": '
    '"130.64", "order_ref": "66807500", "submitter": "apara428", "exchange": "ISLAND", '
    '"commission": "0.35", "net_amount": 130.64, "account": "DU26214", "accountCode": "DU26214",'
    ' "company_name": "APPLE INC", "contract_description_1": "AAPL", "sec_type": "STK", '
    '"listing_exchange": "NASDAQ.NMS", "conid": "265598", "conidex": "265598", "clearing_id": '
    '"IB", "clearing_name": "IB", "liquidation_trade": "0"}]}'
)


def test_str_execution() -> None:
    """The §6.10 str frame is a BUY fill of 1 AAPL at 130.64 with its commission."""
    assert parse_frame(STR_EXAMPLE) == [
        Fill(
            execution_id="0000e0d5.60cf1bd1.01.01", account="DU26214", conid=265598,
            symbol="AAPL", side="BUY", size=1.0, price=130.64, time_ms=1617919801000,
            commission=0.35, order_ref="66807500", exchange="ISLAND", net_amount=130.64,
            description="Bot 1 @ 130.64 on ISLAND",
        )
    ]


def test_spl_pnl_uses_uel() -> None:
    """The spl frame gives daily/unrealized P&L and excess liquidity from uel."""
    frame = (
        '{"topic": "spl", "args": {"DU1234.Core": {"rowType": 1, "dpl": -57520.0, "nl": 1000000.0,'
        ' "upl": 972100.0, "uel": 950000.0, "mv": 0.0}}}'
    )
    assert parse_frame(frame) == [
        PnlUpdate("DU1234", -57520.0, 972100.0, 1000000.0, 950000.0, 0.0)
    ]


def test_ssd_summary() -> None:
    """ssd rows become summary values: text rows as text, monetary rows as numbers."""
    frame = (
        '{"topic": "ssd+DU1234567", "result": [{"key": "AccountCode", "value": "DU1234567", '
        '"severity": 0, "timestamp": 1700248325}, {"key": "ExcessLiquidity-S", "currency": "USD",'
        ' "monetaryValue": 1005353.88, "severity": 0, "timestamp": 1700248325}]}'
    )
    assert parse_frame(frame) == [
        AccountSummaryUpdate(
            "DU1234567", {"accountcode": "DU1234567", "excessliquidity-s": 1005353.88}
        )
    ]


def test_sld_ledger_skips_blank_rows() -> None:
    """sld rows become ledger updates keyed lower-case; blank currency rows are dropped."""
    frame = (
        '{"topic": "sld+DU1234567", "result": [{"acctCode": "DU1234567", "key": "LedgerListBASE",'
        ' "secondKey": "BASE", "cashbalance": 2.0201311791131118E8, "exchangeRate": 1.0, '
        '"netLiquidationValue": 2.0280151634374067E8, "unrealizedPnl": 249013.54, "settledCash": '
        '2.0201311791131118E8, "stockMarketValue": 391710.74, "severity": 0, "timestamp": '
        '1700248325}, {"key": "LedgerListUSD", "timestamp": 1700248325}]}'
    )
    assert parse_frame(frame) == [
        LedgerUpdate(
            "DU1234567", "BASE",
            {
                "cashbalance": 2.0201311791131118e8, "exchangerate": 1.0,
                "netliquidationvalue": 2.0280151634374067e8, "unrealizedpnl": 249013.54,
                "settledcash": 2.0201311791131118e8, "stockmarketvalue": 391710.74,
            },
        )
    ]


def test_sld_camel_case_cash_balance() -> None:
    """cashBalance (camelCase) and cashbalance land on the same key."""
    frame = '{"topic": "sld+DU1", "result": [{"key": "LedgerListUSD", "cashBalance": 5.0}]}'
    assert parse_frame(frame) == [LedgerUpdate("DU1", "USD", {"cashbalance": 5.0})]


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        ('{"message": "waiting for session"}', ServerMessage("waiting for session")),
        ('{"result": "unsubscribed from summary"}', Unsubscribed("unsubscribed from summary")),
        ('{"result": "unsubscribed from ledger"}', Unsubscribed("unsubscribed from ledger")),
        ('{"error": "Topic unknown", "code": 1}', StreamError("Topic unknown", 1)),
        ('{"topic": "error", "args": {"error": "bad topic", "code": 7}}',
         StreamError("bad topic", 7)),
    ],
)
def test_topicless_and_error_frames(frame: str, expected: object) -> None:
    """§6.13 topic-less and error frames map to messages, confirmations and errors."""
    assert parse_frame(frame) == [expected]


@pytest.mark.parametrize(
    "data",
    ["", "not json", b"\xff\xfe", "[1, 2]", "42", "null", '"text"', "{", "[" * 100_000],
)
def test_malformed_input(data: str | bytes) -> None:
    """Bad bytes, non-JSON, non-objects and absurd nesting give one MalformedFrame."""
    [event] = parse_frame(data)
    assert isinstance(event, MalformedFrame)


@pytest.mark.parametrize(
    "frame",
    [
        '{"topic": "act", "args": 5}', '{"topic": "sts", "args": [1]}',
        '{"topic": "smh+x", "data": "junk"}', '{"topic": "str", "args": {"size": []}}',
        '{"topic": "spl", "args": [1, 2]}', '{"topic": "ssd+A", "result": {"x": [1]}}',
        '{"topic": "tic", "alive": {"a": 1}}', '{"topic": "sor", "args": {"orderId": [1]}}',
        '{"topic": 12, "args": null}', '{"topic": "system"}', '{"topic": "ech+hb"}',
    ],
)
def test_junk_payloads_do_not_raise(frame: str) -> None:
    """Known topics with junk payloads still return a list of events."""
    assert isinstance(parse_frame(frame), list)


def test_bytes_frame() -> None:
    """A frame received as bytes parses like text."""
    assert parse_frame(b'{"topic": "system", "hb": 1}') == [Heartbeat(1000)]


def test_snapshot_preflight_and_values() -> None:
    """A §4.1 pre-flight gives empty quotes; the second call gives parsed values per conid."""
    preflight = [{"conid": 265598, "conidEx": "265598"}, {"conid": 8314, "conidEx": "8314"}]
    assert parse_snapshot(preflight) == [
        QuoteUpdate(265598, {}, None), QuoteUpdate(8314, {}, None)
    ]
    body = [{
        "31": "168.42", "6119": "q1", "6509": "RpB", "7059": "100", "84": "168.41", "85": "600",
        "86": "168.42", "88": "1,300", "_updated": 1712596911593, "conid": 265598,
        "conidEx": "265598", "server_id": "q1",
    }, {"conidEx": "x"}]
    [quote] = parse_snapshot(body)
    assert quote.conid == 265598 and quote.updated_ms == 1712596911593
    assert quote.values["bid_size"] == 1300.0 and quote.values["last"] == 168.42

"""Positions, orders, fills and account models: what each table shows for the events it gets."""

from __future__ import annotations

from PySide6.QtCore import Qt

from ibkr_desktop.models.account import AccountModel
from ibkr_desktop.models.columns import Kind, format_value
from ibkr_desktop.models.fills import FillsModel
from ibkr_desktop.models.orders import OrdersModel
from ibkr_desktop.models.positions import PositionsModel
from ibkr_desktop.models.table import RecordTableModel
from ibkr_desktop.protocol.events import (
    AccountSummaryUpdate,
    Fill,
    OrderUpdate,
    PnlUpdate,
    Position,
)
from ibkr_desktop.protocol.orders import (
    OrderStatus,
    parse_live_order,
    parse_order_status,
    parse_trade,
)


def text(model: RecordTableModel, row: int, key: str) -> str:
    return model.data(model.index(row, model.column_index(key)))


def position(conid: int, symbol: str, qty: float, avg: float = 100.0) -> Position:
    return Position("DU1", conid, symbol, qty, avg, 101.0, qty * 101.0, qty * 1.0, 0.0, "USD")


def fill(exec_id: str, t: int, side: str = "BUY") -> Fill:
    return Fill(exec_id, "DU1", 265598, "AAPL", side, 100.0, 189.5, t, 1.0, None, "NASDAQ",
                -18951.0, None)


def test_number_formats() -> None:
    """Prices 2 dp, sizes with separators, volume K/M/B, P&L signed, missing values blank."""
    assert format_value(Kind.PRICE, 1234.5) == "1,234.50"
    assert format_value(Kind.PRICE, 0.1234) == "0.1234"
    assert format_value(Kind.SIZE, 1300.0) == "1,300"
    assert format_value(Kind.SIZE, 0.5) == "0.5"
    assert format_value(Kind.VOLUME, 850.0) == "850"
    assert format_value(Kind.VOLUME, 51_234.0) == "51.2K"
    assert format_value(Kind.VOLUME, 1_250_000_000.0) == "1.25B"
    assert format_value(Kind.PNL, -1234.5) == "-1,234.50"
    assert format_value(Kind.PERCENT, 0.54) == "+0.54%"
    assert format_value(Kind.PRICE, None) == ""
    assert format_value(Kind.PRICE, float("nan")) == ""


def test_positions_sync_and_reprice(qtmodeltester) -> None:
    """Full position sets replace the table; quotes re-price market value and P&L live."""
    model = PositionsModel()
    model.set_positions([position(1, "AAPL", 100), position(2, "MSFT", -50), position(3, "X", 0)])
    qtmodeltester.check(model)
    assert [text(model, r, "symbol") for r in range(model.rowCount())] == ["AAPL", "MSFT"]
    model.apply_quotes({1: {"last": 110.0, "change": 2.0}, 99: {"last": 1.0}})
    assert text(model, 0, "market_value") == "11,000.00"
    assert text(model, 0, "unrealized_pnl") == "+1,000.00"
    assert text(model, 0, "daily_pnl") == "+200.00"
    index = model.index(0, model.column_index("unrealized_pnl"))
    up = model.data(index, Qt.ItemDataRole.ForegroundRole)
    assert up == model._colors.up
    model.set_positions([position(2, "MSFT", -50), position(4, "NVDA", 10)])
    assert model.conids() == [2, 4]
    assert text(model, 0, "quantity") == "-50"
    qtmodeltester.check(model)


def test_orders_merge_partial_updates_newest_first(qtmodeltester) -> None:
    """Updates merge by id (None = unchanged); new orders on top; done ones can't be cancelled."""
    model = OrdersModel()
    model.apply([OrderUpdate(1, symbol="AAPL", side="BUY", order_type="LMT", quantity=100.0,
                             price=189.0, status=OrderStatus.SUBMITTED, remaining=100.0)])
    model.apply([OrderUpdate(2, symbol="MSFT", side="SELL", quantity=5.0,
                             status=OrderStatus.PRE_SUBMITTED)])
    assert [text(model, r, "symbol") for r in range(2)] == ["MSFT", "AAPL"]
    model.apply([OrderUpdate(1, filled=40.0, remaining=60.0, avg_price=188.95)])
    assert text(model, 1, "status") == "Submitted"
    assert text(model, 1, "filled") == "40"
    assert text(model, 1, "avg_price") == "188.95"
    assert text(model, 1, "price") == "189.00"
    assert model.is_cancellable(1)
    model.apply([OrderUpdate(1, status=OrderStatus.FILLED, filled=100.0, remaining=0.0)])
    assert not model.is_cancellable(1)
    assert model.order_id(1) == 1
    qtmodeltester.check(model)


STOP_2026 = {"orderId": 46184815, "conid": 756733, "ticker": "SPY", "side": "SELL",
             "orderType": "Stop", "price": "0.50", "totalSize": 1.0, "status": "PreSubmitted",
             "timeInForce": "GTC", "parentId": 46184813,
             "orderDesc": "Sell 1 SPY Stop 0.50, GTC"}


def test_stop_order_shows_its_stop_not_a_limit(qtmodeltester) -> None:
    """§11: the 2026 Stop (stop in price), the 2024 stop (auxPrice/stop_price) and a
    STOP_LIMIT each show the stop in Stop and only a real limit in Limit."""
    model = OrdersModel()
    model.apply([
        parse_live_order(STOP_2026),
        parse_live_order({"orderId": 2, "ticker": "SPY", "orderType": "Stop",
                          "auxPrice": "0.50", "stop_price": "0.50", "parentId": 1}),
        parse_live_order({"orderId": 3, "ticker": "SPY", "orderType": "Stop Limit",
                          "price": "101.50", "auxPrice": "100"}),
    ])
    rows = {model.order_id(r): r for r in range(model.rowCount())}
    assert [(text(model, rows[i], "price"), text(model, rows[i], "aux_price"))
            for i in (46184815, 2, 3)] == [("", "0.5000"), ("", "0.5000"), ("101.50", "100.00")]
    assert model.headerData(model.column_index("aux_price"), Qt.Orientation.Horizontal) == "Stop"
    assert model.headerData(model.column_index("price"), Qt.Orientation.Horizontal) == "Limit"
    qtmodeltester.check(model)


def test_sor_price_change_without_type_moves_a_stop(qtmodeltester) -> None:
    """A sor change that carries only price (no orderType) moves a stop order's stop."""
    model = OrdersModel()
    model.apply([parse_live_order(STOP_2026)])
    model.apply([parse_live_order({"orderId": 46184815, "price": "0.45"})])
    assert (text(model, 0, "price"), text(model, 0, "aux_price")) == ("", "0.4500")
    model.apply([parse_live_order({"orderId": 7, "orderType": "Limit", "price": "5"})])
    model.apply([parse_live_order({"orderId": 7, "price": "5.5"})])
    assert (text(model, 0, "price"), text(model, 0, "aux_price")) == ("5.50", "")
    qtmodeltester.check(model)


def test_order_status_recorded_spellings_in_the_table() -> None:
    """§11 recorded status: filled 1, remaining 0, average 647.09, account U1234567."""
    model = OrdersModel()
    model.apply([parse_order_status({
        "order_id": 473740665, "conid": 756733, "symbol": "SPY", "side": "BUY",
        "order_status": "Filled", "order_type": "Market", "size": "1.0",
        "filled_quantity": "1.0", "remaining_quantity": "0.0", "avg_fill_price": "647.09",
        "total_size": "1.0", "price": "0.0", "tif": "DAY",
        "order_clearing_account": "U1234567"})])
    shown = {key: text(model, 0, key) for key in
             ("filled", "remaining", "avg_price", "account", "quantity", "status", "price")}
    assert shown == {"filled": "1", "remaining": "0", "avg_price": "647.09",
                     "account": "U1234567", "quantity": "1", "status": "Filled", "price": ""}


def test_execution_without_time_is_shown(qtmodeltester) -> None:
    """§11: an execution without trade_time/trade_time_r appears, below timed ones."""
    model = FillsModel()
    untimed = parse_trade({"execution_id": "00018fae.67890abc.01.01", "conid": 756733,
                           "symbol": "SPY", "side": "BOT", "size": 1.0, "price": 647.09,
                           "order_ref": "Order123", "submitter": "U1234567"})
    assert model.add([untimed, fill("e1", 1_000)]) == 2
    assert model.keys() == ["e1", "00018fae.67890abc.01.01"]
    assert [text(model, 1, k) for k in ("time", "symbol", "side", "size", "price")] == [
        "", "SPY", "BUY", "1", "647.09"]
    qtmodeltester.check(model)


def test_positions_count_an_untimed_fill_as_today() -> None:
    """A fill without a trade time still counts in today's P&L (/trades lists today's)."""
    now_s = 1_750_000_000.0
    model = PositionsModel(clock=lambda: now_s)
    model.add_fills([Fill("x1", "DU1", 1, "AAPL", "BUY", 50.0, 104.0, None, 1.0,
                          None, None, None, None)])
    model.set_positions([position(1, "AAPL", 50, avg=104.0)])
    model.apply_quotes({1: {"last": 105.0, "change": 3.0}})
    assert text(model, 0, "daily_pnl") == "+50.00"


def test_fills_dedupe_by_execution_id(qtmodeltester) -> None:
    """The same execution from the stream and the REST re-sync shows once; newest on top."""
    model = FillsModel()
    assert model.add([fill("e1", 1_000), fill("e2", 2_000, "SELL")]) == 2
    assert model.add([fill("e1", 1_000), fill("e3", 3_000)]) == 1
    assert [model.keys()] == [["e3", "e2", "e1"]]
    assert text(model, 0, "size") == "100"
    assert text(model, 0, "price") == "189.50"
    qtmodeltester.check(model)


def test_account_summary_latest_value_wins(qtmodeltester) -> None:
    """spl and ssd values of the selected account fill the rows; other accounts are ignored."""
    model = AccountModel()
    model.select_account("DU1")
    model.apply_pnl([PnlUpdate("DU1", -250.5, 1200.0, 1_005_165.5, 900_000.0, 50_000.0),
                     PnlUpdate("DU2", 1.0, 1.0, 1.0, 1.0, 1.0)])
    model.apply_summary(AccountSummaryUpdate("DU1", {"buyingpower": 3_984_328.97,
                                                     "accountcode": "DU1"}))
    rows = {model.data(model.index(r, 0)): model.data(model.index(r, 1))
            for r in range(model.rowCount())}
    assert rows["Net liquidation"] == "1,005,165.50"
    assert rows["Daily P&L"] == "-250.50"
    assert rows["Buying power"] == "3,984,328.97"
    assert model.value("daily_pnl") == -250.5
    model.select_account("DU2")
    assert model.value("net_liquidation") is None
    qtmodeltester.check(model)


def test_daily_pnl_counts_todays_buys_from_their_fill_price() -> None:
    """Shares bought today earn from their fill price, overnight shares from the prior close."""
    now_s = 1_750_000_000.0
    model = PositionsModel(clock=lambda: now_s)
    three_days_ago = int((now_s - 86400 * 3) * 1000)
    model.add_fills([Fill("x1", "DU1", 1, "AAPL", "BUY", 50.0, 104.0, int(now_s * 1000), 1.0,
                          None, None, None, None),
                     Fill("old", "DU1", 1, "AAPL", "BUY", 50.0, 90.0, three_days_ago,
                          1.0, None, None, None, None)])
    model.set_positions([position(1, "AAPL", 100, avg=97.0)])
    model.apply_quotes({1: {"last": 105.0, "change": 3.0}})
    # 50 overnight shares: 50 x 3 = 150; 50 bought today at 104: 50 x 1 = 50
    assert text(model, 0, "daily_pnl") == "+200.00"
    assert text(model, 0, "unrealized_pnl") == "+800.00"

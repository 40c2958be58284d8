"""The orders panel: nothing is cancelled without the user's yes; modify; cancel all."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QStyleOptionViewItem

from ibkr_desktop.models.orders import OrdersModel
from ibkr_desktop.protocol.events import OrderUpdate
from ibkr_desktop.protocol.orders import OrderStatus
from ibkr_desktop.widgets.orders_panel import OrdersTable, describe_order


def _table(qtbot) -> tuple[OrdersTable, OrdersModel]:
    model = OrdersModel()
    model.apply([
        OrderUpdate(11, symbol="AAPL", side="BUY", status=OrderStatus.FILLED),
        OrderUpdate(12, symbol="MSFT", side="SELL", order_type="LMT", quantity=100,
                    price=425.5, tif="DAY", status=OrderStatus.SUBMITTED),
        OrderUpdate(13, symbol="AAPL", side="BUY", order_type="STP", quantity=5,
                    aux_price=180.0, tif="GTC", status=OrderStatus.PRE_SUBMITTED),
    ])
    table = OrdersTable(model)
    qtbot.addWidget(table)
    table.show()
    return table, model


def _button(box: QMessageBox, text: str):
    return next(b for b in box.buttons() if b.text() == text)


def test_delete_asks_first_and_keep_is_the_default(qtbot) -> None:
    """Delete opens a question naming the order in words; Enter/Escape keep it; only the
    explicit button cancels."""
    table, model = _table(qtbot)
    asked: list[int] = []
    table.cancel_requested.connect(asked.append)
    table.select_row(model.row_of(12))
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_Delete)
    box = table.confirmation
    assert box is not None and box.isVisible() and asked == []
    assert box.text() == "Cancel this order?"
    assert "Sell 100 MSFT limit 425.50, day (order 12)" in box.informativeText()
    assert box.defaultButton().text() == "Keep"
    qtbot.keyClick(box, Qt.Key.Key_Return)  # the default: keep
    assert asked == [] and table.confirmation is None
    qtbot.keyClick(table, Qt.Key.Key_Delete)
    box = table.confirmation
    assert box is not None
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    assert asked == []
    qtbot.keyClick(table, Qt.Key.Key_Delete)
    _button(table.confirmation, "Cancel order").click()
    assert asked == [12]


def test_finished_orders_are_never_offered_for_cancel(qtbot) -> None:
    table, model = _table(qtbot)
    table.select_row(model.row_of(11))
    menu = {a.text(): a for a in table.build_menu().actions()}
    assert not menu["Cancel order…"].isEnabled() and not menu["Modify order…"].isEnabled()
    table.ask_cancel()
    assert table.confirmation is None


def test_several_orders_are_listed_and_cancelled_together(qtbot) -> None:
    table, model = _table(qtbot)
    asked: list[int] = []
    table.cancel_requested.connect(asked.append)
    table.selectAll()
    assert table.build_menu().actions()[1].text() == "Cancel 2 orders…"
    table.ask_cancel()
    box = table.confirmation
    assert box.text() == "Cancel these 2 orders?"
    assert "Buy 5 AAPL stop 180.00, gtc (order 13)" in box.informativeText()
    _button(box, "Cancel 2 orders").click()
    assert sorted(asked) == [12, 13]


def test_cancel_all_asks_and_then_emits_once(qtbot) -> None:
    table, model = _table(qtbot)
    asked: list[bool] = []
    table.cancel_all_requested.connect(lambda: asked.append(True))
    table.select_row(model.row_of(11))  # a finished row selected: cancel all still offered
    action = next(a for a in table.build_menu().actions() if a.text().startswith("Cancel all"))
    assert action.isEnabled()
    action.trigger()
    box = table.confirmation
    assert box.text() == "Cancel all 2 working orders?" and asked == []
    _button(box, "Keep").click()
    assert asked == []
    table.ask_cancel_all()
    _button(table.confirmation, "Cancel all").click()
    assert asked == [True]


def test_modify_is_asked_for_one_working_order(qtbot) -> None:
    """Modify (menu, Enter, double-click) names the one working order; never a finished one."""
    table, model = _table(qtbot)
    asked: list[int] = []
    table.modify_requested.connect(asked.append)
    table.select_row(model.row_of(12))
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_Return)
    menu = {a.text(): a for a in table.build_menu().actions()}
    menu["Modify order…"].trigger()
    table.select_row(model.row_of(11))
    qtbot.keyClick(table, Qt.Key.Key_Return)
    assert asked == [12, 12]


def test_describe_order_in_words() -> None:
    assert describe_order({"side": "BUY", "quantity": 100.0, "symbol": "AAPL",
                           "order_type": "LMT", "price": 185.0, "tif": "DAY"}) \
        == "Buy 100 AAPL limit 185.00, day"
    assert describe_order({"side": "SELL", "quantity": 3, "symbol": "MSFT",
                           "order_type": "MKT"}) == "Sell 3 MSFT market"


def test_status_reads_in_plain_words_with_ibkrs_reason(qtbot) -> None:
    """The Status cell paints plain words, with IBKR's reason once the app knows it."""
    table, model = _table(qtbot)
    status_col = model.column_index("status")

    def painted(order_id: int) -> str:
        index = table.model().mapFromSource(model.index(model.row_of(order_id), status_col))
        option = QStyleOptionViewItem()
        table.itemDelegateForColumn(status_col).initStyleOption(option, index)
        return option.text

    assert painted(12) == "working at the exchange"
    assert painted(11) == "filled"
    table.set_reason(13, "waiting for the market to open")
    assert painted(13) == ("accepted, waiting to be sent to the exchange "
                           "(waiting for the market to open)")
    table.set_reason(13, None)
    assert painted(13) == "accepted, waiting to be sent to the exchange"

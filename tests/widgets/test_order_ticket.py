"""The order ticket window offscreen: what each order type shows, typing, stepping, errors."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from ibkr_desktop.protocol.contract_rules import ContractRules, IncrementRule
from ibkr_desktop.protocol.order_kinds import OrderType, Side, TimeInForce
from ibkr_desktop.protocol.orders import Problem
from ibkr_desktop.widgets.order_ticket import OrderTicketDialog

pytestmark = pytest.mark.qt_log_ignore("does not support raise")  # offscreen cannot raise

RULES = ContractRules(
    conid=265598, order_types=(OrderType.LMT, OrderType.MKT, OrderType.STP,
                               OrderType.STOP_LIMIT, OrderType.TRAIL, OrderType.TRAILLMT,
                               OrderType.MOC),
    tif_types={TimeInForce.DAY: None, TimeInForce.GTC: None,
               TimeInForce.OPG: frozenset({OrderType.LMT, OrderType.MKT})},
    default_size=100, increments=(IncrementRule(0.0, 0.0001), IncrementRule(1.0, 0.05)))


@pytest.fixture
def ticket(qtbot) -> OrderTicketDialog:  # type: ignore[no-untyped-def]
    dialog = OrderTicketDialog()
    qtbot.addWidget(dialog)
    dialog.open_for(265598, "AAPL", Side.BUY)
    dialog.fields.set_rules(RULES)
    return dialog


def visible_prices(ticket: OrderTicketDialog) -> set[str]:
    return {name for name in ("limit", "stop", "trail")
            if ticket.fields.rows[name].isVisibleTo(ticket)}


@pytest.mark.parametrize(("kind", "fields"), [
    (OrderType.MKT, set()), (OrderType.LMT, {"limit"}), (OrderType.STP, {"stop"}),
    (OrderType.STOP_LIMIT, {"stop", "limit"}), (OrderType.TRAIL, {"trail"}),
    (OrderType.TRAILLMT, {"trail", "limit"}), (OrderType.MOC, set()),
])
def test_each_order_type_shows_only_its_fields(ticket: OrderTicketDialog, kind: OrderType,
                                               fields: set[str]) -> None:
    """Choosing an order type shows exactly the price fields it needs."""
    combo = ticket.fields.order_type
    combo.setCurrentIndex(combo.findData(kind))
    assert visible_prices(ticket) == fields


def test_rules_decide_types_tifs_and_default_size(ticket: OrderTicketDialog) -> None:
    """Only allowed types are offered (no LOC here); OPG only for LMT/MKT; size 100."""
    fields = ticket.fields
    offered = [fields.order_type.itemData(i) for i in range(fields.order_type.count())]
    assert OrderType.LOC not in offered and len(offered) == 7
    assert fields.edits["quantity"].text() == "100"
    tifs = {fields.tif.itemText(i) for i in range(fields.tif.count())}
    assert tifs == {"DAY", "GTC", "OPG"}
    fields.order_type.setCurrentIndex(fields.order_type.findData(OrderType.STP))
    assert {fields.tif.itemText(i) for i in range(fields.tif.count())} == {"DAY", "GTC"}


def test_typing_reads_back_as_the_form(ticket: OrderTicketDialog, qtbot) -> None:  # type: ignore[no-untyped-def]
    """keyClicks into quantity and limit; Sell switches the button and title."""
    fields = ticket.fields
    fields.edits["quantity"].clear()
    qtbot.keyClicks(fields.edits["quantity"], "250")
    qtbot.keyClicks(fields.edits["limit"], "185.05")
    fields.side.setCurrentIndex(fields.side.findData(Side.SELL))
    form = fields.form()
    assert (form.quantity, form.limit, form.side, form.order_type) == (
        "250", "185.05", Side.SELL, OrderType.LMT)
    assert ticket.send_button.text() == "Sell…"
    assert ticket.windowTitle().startswith("Sell AAPL")


def test_up_down_step_by_the_contract_increment(ticket: OrderTicketDialog, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Up/Down in a price field moves one increment of the price's band (0.05 here)."""
    edit = ticket.fields.edits["limit"]
    qtbot.keyClicks(edit, "185.10")
    qtbot.keyClick(edit, Qt.Key.Key_Up)
    assert edit.text() == "185.15"
    qtbot.keyClick(edit, Qt.Key.Key_Down)
    qtbot.keyClick(edit, Qt.Key.Key_Down)
    assert edit.text() == "185.05"


def test_prefill_snaps_and_keeps_typed_prices(ticket: OrderTicketDialog, qtbot) -> None:  # type: ignore[no-untyped-def]
    """A pre-filled price is snapped to the increment; a typed one is never overwritten."""
    fields = ticket.fields
    fields.set_price("limit", 185.12)
    assert fields.edits["limit"].text() == "185.10"
    qtbot.keyClicks(fields.edits["stop"], "190")
    fields.set_price("stop", 186.0)
    assert fields.edits["stop"].text() == "190"


def test_problems_appear_under_their_fields(ticket: OrderTicketDialog) -> None:
    """Each problem is shown under its own field; the rest above the buttons; cleared after."""
    ticket.show_problems([Problem("quantity", "Enter a quantity"),
                          Problem("symbol", "Choose a contract first")])
    assert ticket.fields.shown_problems() == {"quantity": "Enter a quantity"}
    assert ticket.problem.isVisibleTo(ticket) and "contract" in ticket.problem.text()
    ticket.show_problems([])
    assert ticket.fields.shown_problems() == {} and not ticket.problem.isVisibleTo(ticket)


def test_delayed_quote_is_marked(ticket: OrderTicketDialog) -> None:
    """Bid/ask shown; a delayed quote carries [D] and says so in the tooltip."""
    ticket.set_quote({"bid": 184.9, "ask": 185.1, "last": 185.0, "availability": "delayed"})
    assert "184.90" in ticket.quote.text() and "[D]" in ticket.quote.text()
    assert "Delayed" in ticket.quote.toolTip()
    ticket.set_quote({"bid": 184.9, "ask": 185.1, "availability": "live"})
    assert "[D]" not in ticket.quote.text()


def test_prefill_happens_once(ticket: OrderTicketDialog) -> None:
    """A pre-filled price stays as shown when later quotes move (it never changes unseen)."""
    ticket.fields.set_price("limit", 185.10)
    ticket.fields.set_price("limit", 186.20)
    assert ticket.fields.edits["limit"].text() == "185.10"

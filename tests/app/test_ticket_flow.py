"""The order ticket in the running app on its demo gateway: hotkeys, typing, checks, dialogs.

Every dialog is answered the way a user would (its buttons), and the gateway's order calls are
counted at the gateway, so "nothing was sent" is what the gateway saw.
"""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLineEdit

from ibkr_desktop.app.settings import Keys, order_limits
from ibkr_desktop.app.startup import App
from ibkr_desktop.protocol.limits import Limits, OnBreach
from ibkr_desktop.protocol.order_kinds import OrderType
from ibkr_desktop.protocol.orders import OrderTicket, Side
from ibkr_desktop.widgets.confirm_dialog import ConfirmDialog, LimitsDialog
from ibkr_desktop.widgets.order_ticket import OrderTicketDialog
from ibkr_desktop.widgets.question_dialog import QuestionDialog
from tests.app.conftest import place, running_app
from tests.helpers import wait_until

AAPL = 265598
pytestmark = pytest.mark.qt_log_ignore("does not support raise")  # offscreen cannot raise


def count_order_calls(app: App) -> list[str]:
    """Record every order placement, what-if and reply the demo gateway receives."""
    threaded = app.presenters.session.gateway
    assert threaded is not None
    desk = threaded.gateway.brokerage.desk
    calls: list[str] = []
    for name in ("place", "whatif", "reply", "modify"):
        original = getattr(desk, name)

        def counted(*args: Any, _original: Any = original, _name: str = name,
                    **kwargs: Any) -> Any:
            calls.append(_name)
            return _original(*args, **kwargs)

        setattr(desk, name, counted)
    return calls


def dialogs(app: App) -> list[QDialog]:
    """Every dialog the ticket opens from now on, in order."""
    shown: list[QDialog] = []
    app.presenters.ticket.steps.dialog_shown.connect(shown.append)
    return shown


async def open_ticket(app: App, qtbot: Any, key: Qt.Key = Qt.Key.Key_B) -> OrderTicketDialog:
    """Select AAPL in the watchlist, press the hotkey, wait for the contract rules."""
    table = app.window.watchlist.table
    row = app.watchlist.row_of(AAPL)
    assert row is not None
    table.select_row(row)
    app.window.activateWindow()
    await wait_until(app.window.isActiveWindow)
    table.setFocus()
    qtbot.keyClick(table, key)
    presenter = app.presenters.ticket
    await wait_until(lambda: presenter.tickets and presenter.tickets[-1].rules is not None)
    await wait_until(lambda: presenter.tickets[-1].market() is not None)
    return presenter.tickets[-1].dialog


async def working_order(app: App, quantity: float) -> int:
    """Place a buy limit of ``quantity`` AAPL at 185.00 (below the market: it works) and return
    its order id once the orders table shows it."""
    await place(app, OrderTicket(AAPL, Side.BUY, quantity, OrderType.LMT, price=185.0))
    model = app.orders
    await wait_until(lambda: model.rowCount() == 1 and model.record(0).get("conid"))
    return model.order_id(0)


def type_into(qtbot: Any, edit: QLineEdit, text: str) -> None:
    """Replace the field's text by typing, as a user does."""
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(edit, text)


async def test_buy_hotkey_ticket_confirms_in_words_and_places_once(qapp, qtbot) -> None:
    """B on AAPL, 100 at 185.00 -> the confirmation reads the order in words with account and
    mode, Transmit places exactly one order."""
    async with running_app(qapp) as app:
        calls, shown = count_order_calls(app), dialogs(app)
        ticket = await open_ticket(app, qtbot)
        assert ticket.windowTitle().startswith("Buy AAPL")
        assert "Bid" in ticket.quote.text() and "Ask" in ticket.quote.text()
        assert ticket.session.text() == "· demo market, always open"
        type_into(qtbot, ticket.fields.edits["quantity"], "100")
        type_into(qtbot, ticket.fields.edits["limit"], "185.00")
        assert "Estimated value 18,500.00" in ticket.estimate.text()
        ticket.send_button.click()
        await wait_until(lambda: shown)
        confirm = shown[0]
        assert isinstance(confirm, ConfirmDialog)
        text = confirm.shown_text()
        assert "Buy 100 AAPL limit 185.00, day" in text
        assert "DEMO" in text and app.broker is not None
        assert str(app.broker.selected_account) in text
        assert "Commission" in text and calls == ["whatif"]
        confirm.transmit_button.click()
        await wait_until(lambda: "Placed order" in ticket.status.text(), 10)
        assert calls == ["whatif", "place"]
        assert len(shown) == 1  # no question for an order near the market


async def test_invalid_entries_are_shown_inline_and_nothing_is_sent(qapp, qtbot) -> None:
    """Each invalid entry shows its own message under its field; the gateway sees no call."""
    async with running_app(qapp) as app:
        calls, shown = count_order_calls(app), dialogs(app)
        ticket = await open_ticket(app, qtbot)
        fields = ticket.fields
        cases = [
            ("quantity", "", "quantity", "Enter a quantity"),
            ("quantity", "0", "quantity", "positive"),
            ("quantity", "-5", "quantity", "positive"),
            ("quantity", "ten", "quantity", "must be a number"),
            ("quantity", "10.5", "quantity", "whole number"),
            ("limit", "185.003", "limit", "not on the price increment of 0.01"),
        ]
        for name, text, field, words in cases:
            type_into(qtbot, fields.edits["quantity"], "100")
            type_into(qtbot, fields.edits["limit"], "185.00")
            type_into(qtbot, fields.edits[name], text)
            ticket.send_button.click()
            await wait_until(lambda: "Not sent" in ticket.status.text())
            assert words in fields.shown_problems().get(field, ""), (text, fields.shown_problems())
            ticket.set_status("")
        type_into(qtbot, fields.edits["limit"], "185.00")
        fields.order_type.setCurrentIndex(fields.order_type.findData(OrderType.STP))
        assert not fields.rows["limit"].isVisibleTo(ticket)
        type_into(qtbot, fields.edits["stop"], "100.00")
        ticket.send_button.click()
        await wait_until(lambda: "stop" in fields.shown_problems())
        assert "buy stop must be above the market" in fields.shown_problems()["stop"]
        fields.order_type.setCurrentIndex(fields.order_type.findData(OrderType.LMT))
        fields.bracket.setChecked(True)
        type_into(qtbot, fields.edits["take_profit"], "180.00")
        ticket.send_button.click()
        await wait_until(lambda: "take_profit" in fields.shown_problems())
        assert "must be above the entry price 185" in fields.shown_problems()["take_profit"]
        assert calls == [] and shown == []


async def test_question_shown_verbatim_cancel_then_confirm(qapp, qtbot) -> None:
    """A limit far from the market raises IBKR's o163: shown with its id, Cancel sends a
    'no' and places nothing; Send again and Confirm places the order."""
    async with running_app(qapp) as app:
        calls, shown = count_order_calls(app), dialogs(app)
        ticket = await open_ticket(app, qtbot)
        type_into(qtbot, ticket.fields.edits["limit"], "150.00")
        for confirm_question in (False, True):
            before = len(shown)
            ticket.send_button.click()
            await wait_until(lambda n=before: len(shown) > n)
            confirm = shown[-1]
            assert isinstance(confirm, ConfirmDialog)
            confirm.transmit_button.click()
            await wait_until(lambda: isinstance(shown[-1], QuestionDialog))
            question = shown[-1]
            assert isinstance(question, QuestionDialog)
            assert "[o163]" in question.shown_text()
            assert "price exceeds" in question.shown_text()
            assert "Buy 100 AAPL limit 150.00, day" in question.order.text()
            button = question.confirm_button if confirm_question else question.cancel_button
            button.click()
            await wait_until(lambda: ticket.send_button.isEnabled()
                             and ticket.status.text() not in ("", "Sending…"), 10)
        assert calls == ["whatif", "place", "reply", "whatif", "place", "reply"]
        assert "Placed order" in ticket.status.text()


async def test_auto_confirm_policy_set_on_the_page_asks_nothing(qapp, qtbot) -> None:
    """Orders > Order questions: live starts at 'always ask'; o163 set to auto-confirm for
    paper/demo is stored, sent to IBKR's suppression, and the question never reaches the user."""
    async with running_app(qapp) as app:
        calls, shown = count_order_calls(app), dialogs(app)
        page = app.presenters.ticket.open_question_policy()
        paper, live = page.policies()
        assert set(live.values()) == {"ask"} and set(paper.values()) == {"ask"}
        page.choose("o163", "paper", "confirm")
        page.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
        assert Keys.QUESTIONS_PAPER.get()["o163"] == "confirm"
        assert Keys.QUESTIONS_LIVE.get()["o163"] == "ask"
        threaded = app.presenters.session.gateway
        assert threaded is not None
        await wait_until(lambda: "o163" in threaded.gateway.brokerage.replies.suppressed)
        ticket = await open_ticket(app, qtbot)
        type_into(qtbot, ticket.fields.edits["limit"], "150.00")
        ticket.send_button.click()
        await wait_until(lambda: shown)
        shown[0].accept()
        await wait_until(lambda: "Placed order" in ticket.status.text(), 10)
        assert [type(d) for d in shown] == [ConfirmDialog]
        assert calls == ["whatif", "place"]


async def test_limits_set_on_the_page_ask_for_override_or_block(qapp, qtbot) -> None:
    """Orders > Order limits: a non-number is refused on the page; a max quantity of 10 for
    paper/demo makes a 100-share ticket open the limits dialog: 'ask' offers an override
    (Back sends nothing), 'block' offers none. Live keeps no limit."""
    async with running_app(qapp) as app:
        calls, shown = count_order_calls(app), dialogs(app)
        ticket = await open_ticket(app, qtbot, Qt.Key.Key_S)
        assert ticket.windowTitle().startswith("Sell AAPL")
        for choice, on_breach in ((0, OnBreach.ASK), (1, OnBreach.BLOCK)):
            page = app.presenters.ticket.open_limits()
            type_into(qtbot, page.edits[("max_quantity", "paper")], "ten")
            page.ok_button.click()
            assert "is not a positive number" in page.error.text() and page.isVisible()
            type_into(qtbot, page.edits[("max_quantity", "paper")], "10")
            page.breach["paper"].setCurrentIndex(choice)
            page.ok_button.click()
            assert order_limits("DEMO") == Limits(max_quantity=10, on_breach=on_breach)
            assert order_limits("LIVE") == Limits()
            before = len(shown)
            ticket.send_button.click()
            await wait_until(lambda n=before: len(shown) > n)
            limits = shown[-1]
            assert isinstance(limits, LimitsDialog)
            assert "above your limit of 10" in limits.text.text()
            assert (limits.override_button is not None) == (on_breach is OnBreach.ASK)
            limits.reject()
            await wait_until(lambda: "Not sent" in ticket.status.text())
            ticket.set_status("")
        assert calls == []


async def test_modify_from_the_orders_table_prefills_and_confirms(qapp, qtbot) -> None:
    """Modify on a working order opens the edit dialog pre-filled (total quantity, price);
    the confirmation says which order changes to what, and the gateway sees one modify."""
    async with running_app(qapp) as app:
        order_id, model = await working_order(app, 100), app.orders
        calls, shown = count_order_calls(app), dialogs(app)
        app.window.orders_table.modify_requested.emit(order_id)
        presenter = app.presenters.ticket
        await wait_until(lambda: presenter.tickets and presenter.tickets[-1].rules is not None)
        ticket = presenter.tickets[-1].dialog
        fields = ticket.fields
        assert ticket.windowTitle() == f"Modify order {order_id}: Buy AAPL"
        assert (fields.edits["quantity"].text(), fields.edits["limit"].text()) == ("100", "185")
        assert not fields.side.isEnabled() and ticket.send_button.text() == "Modify…"
        type_into(qtbot, fields.edits["limit"], "186.00")
        ticket.send_button.click()
        await wait_until(lambda: shown)
        assert isinstance(shown[0], ConfirmDialog)
        assert (f"Modify order {order_id} to: Buy 100 AAPL limit 186.00, day"
                in shown[0].shown_text())
        shown[0].accept()
        await wait_until(lambda: model.record(0).get("price") == 186.0, 10)
        assert calls == ["modify"]


async def test_bracket_from_the_ticket_places_parent_and_exits(qapp, qtbot) -> None:
    """A limit buy with take-profit and stop-loss: one confirmation lists all three legs, one
    placement sends them together, and the orders table shows the parent and its two exits."""
    async with running_app(qapp) as app:
        calls, shown = count_order_calls(app), dialogs(app)
        ticket = await open_ticket(app, qtbot)
        fields = ticket.fields
        type_into(qtbot, fields.edits["limit"], "185.00")
        fields.bracket.setChecked(True)
        type_into(qtbot, fields.edits["take_profit"], "192.00")
        type_into(qtbot, fields.edits["stop_loss"], "175.00")
        ticket.send_button.click()
        await wait_until(lambda: shown)
        text = shown[0].shown_text()
        assert "Take profit: Sell 100 AAPL limit 192.00, day" in text
        assert "Stop loss: Sell 100 AAPL stop 175.00, day" in text
        shown[0].accept()
        await wait_until(lambda: "Placed" in ticket.status.text(), 10)
        await wait_until(lambda: app.orders.rowCount() == 3, 10)
        assert calls == ["whatif", "place"]


async def test_sell_hotkey_on_the_positions_table(qapp, qtbot) -> None:
    """S with a position selected (positions table focused) opens a Sell ticket for it."""
    async with running_app(qapp) as app:
        await place(app, OrderTicket(AAPL, Side.BUY, 10, OrderType.MKT))
        table = app.window.positions_table
        app.window.watchlist.table.clearSelection()  # the ticket must come from positions
        await wait_until(lambda: AAPL in app.positions.conids(), 10)
        app.window.docks["Positions"].show()
        app.window.activateWindow()
        await wait_until(app.window.isActiveWindow)
        table.select_row(app.positions.conids().index(AAPL))
        table.setFocus()
        await wait_until(table.hasFocus)
        qtbot.keyClick(table, Qt.Key.Key_S)
        presenter = app.presenters.ticket
        await wait_until(lambda: presenter.tickets)
        ticket = presenter.tickets[-1].dialog
        assert ticket.windowTitle().startswith("Sell AAPL")
        assert ticket.fields.conid == AAPL


async def test_rules_are_asked_again_for_the_other_side(qapp, qtbot) -> None:
    """IBKR's rules are per side: switching Buy to Sell asks for the sell-side rules."""
    async with running_app(qapp) as app:
        broker = app.broker
        assert broker is not None
        asked: list[tuple[int, bool]] = []
        real = broker.contract_rules

        async def spy(conid: int, is_buy: bool = True) -> Any:
            asked.append((conid, is_buy))
            return await real(conid, is_buy)

        broker.contract_rules = spy  # type: ignore[method-assign]
        ticket = await open_ticket(app, qtbot)
        assert asked == [(AAPL, True)]
        ticket.fields.side.setCurrentIndex(ticket.fields.side.findData(Side.SELL))
        await wait_until(lambda: asked == [(AAPL, True), (AAPL, False)])
        assert ticket.send_button.text() == "Sell…"

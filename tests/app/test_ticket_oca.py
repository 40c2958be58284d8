"""OCA from the order ticket in the running app on its demo gateway.

"OCA: one cancels the other" adds a second order; both go to the gateway in one order POST
with ``isSingleGroup``, the first fill cancels the other, and an invalid second leg sends
nothing. Order calls are counted at the gateway.
"""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from ibkr_desktop.app.startup import App
from ibkr_desktop.protocol.order_kinds import OrderType
from ibkr_desktop.widgets.confirm_dialog import ConfirmDialog
from ibkr_desktop.widgets.order_ticket import OrderTicketDialog
from ibkr_desktop.widgets.question_dialog import QuestionDialog
from tests.app.conftest import running_app
from tests.app.test_ticket_flow import count_order_calls, dialogs, open_ticket, type_into
from tests.helpers import wait_until

pytestmark = pytest.mark.qt_log_ignore("does not support raise")  # offscreen cannot raise


def order_bodies(app: App) -> list[Any]:
    """The body of every order POST the demo gateway receives."""
    threaded = app.presenters.session.gateway
    assert threaded is not None
    desk = threaded.gateway.brokerage.desk
    bodies: list[Any] = []
    original = desk.place

    def spy(account_id: str, body: object) -> Any:
        bodies.append(body)
        return original(account_id, body)

    desk.place = spy
    return bodies


def status_shown(app: App, order_id: int) -> str:
    """The orders panel's Status cell of ``order_id``, as displayed."""
    model = app.orders
    row = model.row_of(order_id)
    assert row is not None
    return str(model.index(row, model.column_index("status")).data(Qt.ItemDataRole.DisplayRole))


def turn_on_oca(ticket: OrderTicketDialog) -> None:
    """Tick the OCA box; the bracket is then unavailable."""
    ticket.oca.setChecked(True)
    assert ticket.oca_group.isVisibleTo(ticket)
    assert not ticket.fields.bracket.isEnabled()
    assert ticket.oca_fields.edits["quantity"].text() == ticket.fields.edits["quantity"].text()


async def test_oca_pair_goes_in_one_request_and_a_fill_cancels_the_other(qapp, qtbot) -> None:
    """A buy limit below the market OR a marketable buy limit: one confirmation in words, one
    order POST holding both legs with isSingleGroup; the marketable leg fills and the other is
    cancelled at the gateway and reads as cancelled in the orders panel."""
    async with running_app(qapp) as app:
        calls, shown, bodies = count_order_calls(app), dialogs(app), order_bodies(app)
        ticket = await open_ticket(app, qtbot)
        market = app.presenters.ticket.tickets[-1].market()
        assert market is not None and market.ask is not None and market.bid is not None
        low, high = f"{market.bid - 1:.2f}", f"{market.ask + 0.5:.2f}"
        type_into(qtbot, ticket.fields.edits["limit"], low)
        turn_on_oca(ticket)
        type_into(qtbot, ticket.oca_fields.edits["limit"], high)
        ticket.send_button.click()
        await wait_until(lambda: shown)
        confirm = shown[0]
        assert isinstance(confirm, ConfirmDialog)
        assert (f"Buy 100 AAPL limit {low}, day — OR — Buy 100 AAPL limit {high}, day "
                "(one cancels the other)") in confirm.shown_text()
        confirm.transmit_button.click()
        while not ("Placed" in ticket.status.text() or "Not" in ticket.status.text()):
            await wait_until(lambda: "Placed" in ticket.status.text()
                             or "Not" in ticket.status.text()
                             or isinstance(shown[-1], QuestionDialog), 10)
            if isinstance(shown[-1], QuestionDialog) and shown[-1].isVisible():
                shown[-1].confirm_button.click()
        assert "Placed" in ticket.status.text(), ticket.status.text()
        assert calls.count("place") == 1 and len(bodies) == 1
        orders = bodies[0]["orders"]
        assert [(o["orderType"], o["price"], o.get("isSingleGroup")) for o in orders] == [
            ("LMT", float(low), True), ("LMT", float(high), True)]
        model = app.orders
        await wait_until(lambda: model.rowCount() == 2 and all(
            str(model.record(r).get("status")) in ("Filled", "Cancelled") for r in range(2)), 15)
        by_price = {model.record(r).get("price"): model.order_id(r) for r in range(2)}
        assert status_shown(app, by_price[float(high)]).lower().startswith("filled")
        assert "cancel" in status_shown(app, by_price[float(low)]).lower()


async def test_invalid_second_leg_is_shown_inline_and_nothing_is_sent(qapp, qtbot) -> None:
    """A second-leg buy stop below the market is shown under the second leg's stop field; the
    first leg is fine; the gateway sees no call at all (no what-if, no order)."""
    async with running_app(qapp) as app:
        calls, shown = count_order_calls(app), dialogs(app)
        ticket = await open_ticket(app, qtbot)
        type_into(qtbot, ticket.fields.edits["limit"], "180.00")
        turn_on_oca(ticket)
        second = ticket.oca_fields
        second.order_type.setCurrentIndex(second.order_type.findData(OrderType.STP))
        type_into(qtbot, second.edits["stop"], "100.00")
        ticket.send_button.click()
        await wait_until(lambda: "Not sent" in ticket.status.text())
        assert "buy stop must be above the market" in second.shown_problems().get("stop", "")
        assert ticket.fields.shown_problems() == {}
        type_into(qtbot, second.edits["quantity"], "ten")
        await wait_until(lambda: "must be a number" in second.shown_problems().get(
            "quantity", ""))
        assert calls == [] and shown == []
        ticket.oca.setChecked(False)
        assert ticket.fields.bracket.isEnabled()
        ticket.fields.bracket.setChecked(True)
        assert not ticket.oca.isEnabled()

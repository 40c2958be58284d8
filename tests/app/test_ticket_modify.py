"""The Modify ticket of a working order follows that order, in the running app on its demo
gateway: its confirmation shows what changes (old → new), its status line follows the order's
live record, and once the order is done Modify is disabled instead of leading through a
confirmation to a refusal. Order calls are counted at the gateway."""

from __future__ import annotations

import pytest
from PySide6.QtCore import SIGNAL

from ibkr_desktop.protocol.order_kinds import OrderType
from ibkr_desktop.protocol.orders import OrderQuestion, OrderTicket, Side
from ibkr_desktop.widgets.confirm_dialog import ConfirmDialog
from tests.app.conftest import running_app
from tests.app.test_ticket_flow import (
    AAPL,
    count_order_calls,
    dialogs,
    type_into,
    working_order,
)
from tests.helpers import wait_until

pytestmark = pytest.mark.qt_log_ignore("does not support raise")  # offscreen cannot raise


async def _yes(_question: OrderQuestion) -> bool:
    return True


async def test_modify_ticket_shows_the_change_and_follows_its_order_to_filled(qapp,
                                                                               qtbot) -> None:
    """Modify 10 @ 185.00 to 12 @ 186.00: the confirmation says both changes, Transmit
    modifies; then the order fills from elsewhere and the still-open ticket says it is filled
    and disables Modify (the tester was led through a confirmation to 'it is Filled')."""
    async with running_app(qapp) as app:
        broker = app.broker
        assert broker is not None
        presenter = app.presenters.ticket
        order_id, model = await working_order(app, 10), app.orders
        calls, shown = count_order_calls(app), dialogs(app)
        app.window.orders_table.modify_requested.emit(order_id)
        await wait_until(lambda: presenter.tickets and presenter.tickets[-1].rules is not None)
        ticket = presenter.tickets[-1].dialog
        await wait_until(lambda: ticket.status.text()
                         == f"Order {order_id}: working at the exchange.")
        type_into(qtbot, ticket.fields.edits["quantity"], "12")
        type_into(qtbot, ticket.fields.edits["limit"], "186.00")
        ticket.send_button.click()
        await wait_until(lambda: shown)
        confirm = shown[0]
        assert isinstance(confirm, ConfirmDialog)
        assert "Changes: quantity 10 → 12, limit price 185.00 → 186.00" in confirm.shown_text()
        confirm.accept()
        await wait_until(lambda: model.record(0).get("price") == 186.0
                         and model.record(0).get("quantity") == 12, 10)
        await wait_until(lambda: ticket.send_button.isEnabled()
                         and f"order {order_id}: working" in ticket.status.text().lower())
        assert calls == ["modify"]
        # Filled from elsewhere (another window, the other instance): the ticket follows it.
        outcome = await broker.orders.modify(
            order_id, OrderTicket(AAPL, Side.BUY, 12, OrderType.LMT, price=400.0), _yes)
        assert outcome.placed, outcome.summary
        await wait_until(lambda: ticket.status.text()
                         == f"Order {order_id} is filled — nothing left to modify.", 10)
        assert not ticket.send_button.isEnabled()
        ticket.reject()


async def test_modify_ticket_of_a_cancelled_order_disables_modify_at_once(qapp) -> None:
    """Cancelled while its Modify ticket is open: the ticket says so and Modify is disabled;
    closed, it no longer listens to the order's records."""
    async with running_app(qapp) as app:
        broker = app.broker
        assert broker is not None
        order_id = await working_order(app, 10)
        watchers = broker.orders.receivers(SIGNAL("record_changed(PyObject)"))
        ticket = app.presenters.ticket.open_modify(order_id)
        assert ticket is not None
        await wait_until(lambda: "working" in ticket.status.text())
        assert ticket.send_button.isEnabled()
        await broker.orders.cancel(order_id)
        await wait_until(lambda: ticket.status.text()
                         == f"Order {order_id} is cancelled — nothing left to modify.", 10)
        assert not ticket.send_button.isEnabled()
        following = SIGNAL("record_changed(PyObject)")
        assert broker.orders.receivers(following) == watchers + 1
        ticket.reject()  # closed: it stops following the order
        assert broker.orders.receivers(following) == watchers

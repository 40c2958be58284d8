"""Orders as the user meets them on the demo gateway: cancel all after a confirmation, fill
pop-ups with filled/remaining, a rejection with IBKR's reason."""

from __future__ import annotations

import pytest

from ibkr_desktop.app.startup import build
from ibkr_desktop.client.notices import Notice
from ibkr_desktop.protocol.order_kinds import OrderStatus
from ibkr_desktop.protocol.order_records import OrderRecord
from ibkr_desktop.protocol.orders import OrderQuestion, OrderTicket, OrderType, Side
from ibkr_desktop.widgets.tray import DesktopNotifications
from tests.app.conftest import close, running_app, shows
from tests.app.test_ticket_flow import count_order_calls, dialogs
from tests.helpers import wait_until

AAPL, MSFT = 265598, 272093


pytestmark = pytest.mark.qt_log_ignore("does not support raise")  # offscreen: tickets and
# windows shown again from the tray are raised, which the offscreen platform cannot do

@pytest.fixture(autouse=True)
def _no_desktop_notifications(monkeypatch) -> None:
    """Pop-ups stay in this process even where the developer's desktop has a notification
    service (the dunst test runs its own session bus in a subprocess)."""
    monkeypatch.setattr(DesktopNotifications, "available", lambda self: False)


async def _yes(question: OrderQuestion) -> bool:
    return True


def _statuses(app) -> list[str]:
    return [str(app.orders.record(r).get("status")) for r in range(app.orders.rowCount())]


async def test_cancel_all_asks_then_cancels_every_working_order(qapp) -> None:
    async with running_app(qapp) as app:
        await wait_until(lambda: app.account.account, 8)
        assert app.broker is not None
        for price in (1.0, 2.0):
            outcome = await app.broker.orders.place(
                OrderTicket(AAPL, Side.BUY, 5, OrderType.LMT, price=price), _yes)
            assert outcome.placed, outcome.summary
        table = app.window.orders_table
        await wait_until(lambda: table.working_count() == 2, 8)
        table.ask_cancel_all()
        box = table.confirmation
        assert box is not None and box.text() == "Cancel all 2 working orders?"
        next(b for b in box.buttons() if b.text() == "Keep").click()
        assert table.working_count() == 2  # kept: nothing was sent
        table.ask_cancel_all()
        next(b for b in table.confirmation.buttons() if b.text() == "Cancel all").click()
        assert "2 working orders" in await shows(app, "Cancel requested for")
        await wait_until(lambda: _statuses(app) == ["Cancelled", "Cancelled"], 8)
        assert table.status_text(0) == "cancelled"


async def test_a_fill_pops_up_with_what_is_filled_and_what_remains(qapp) -> None:
    async with running_app(qapp) as app:
        await wait_until(lambda: app.account.account, 8)
        notices: list[Notice] = []
        app.notifier.notice.connect(notices.append)
        assert app.broker is not None
        outcome = await app.broker.orders.place(OrderTicket(MSFT, Side.BUY, 3, OrderType.MKT),
                                                _yes)
        assert outcome.placed, outcome.summary
        text = await shows(app, "BUY 3 MSFT @")
        assert "filled 3 of 3, 0 remaining" in text
        filled = [n for n in notices if n.title == "Order filled"]
        assert len(filled) == 1
        toast = app.presenters.notifications.toast.texts()
        assert any(t.startswith("Order filled: BUY 3 MSFT @") for t in toast)


async def test_a_working_order_turned_inactive_pops_up_with_ibkrs_reason(qapp) -> None:
    """The flow's record goes Submitted -> Inactive with a reason: one "Order rejected"."""
    async with running_app(qapp) as app:
        assert app.broker is not None
        flow = app.broker.orders
        working = OrderRecord(coid="c1", order_id=99, symbol="AAPL",
                              status=OrderStatus.SUBMITTED)
        flow.record_changed.emit(working)
        reason = "Order rejected - insufficient buying power"
        dead = OrderRecord(coid="c1", order_id=99, symbol="AAPL", status=OrderStatus.INACTIVE,
                           reason=reason)
        flow.record_changed.emit(dead)
        flow.record_changed.emit(dead)
        texts = app.presenters.notifications.toast.texts()
        assert texts == [f"Order rejected: Order 99 (AAPL) was rejected: not working ({reason})"]
        assert app.window.orders_table.reasons[99] == reason


async def test_market_session_at_the_end_of_the_menu_bar(qapp) -> None:
    """Without a broker the US session by the clock; on the embedded demo, open all day."""
    app = build(qapp)
    app.window.show()
    try:
        orders = app.presenters.orders
        label = orders.session_label
        orders._now_ms = lambda: 1_796_072_400_000  # Monday 2026-11-30 16:00 New York
        orders.show_session()
        assert label.isVisible() and label.text() == "US market: after-hours (until 20:00 ET)"
        assert label.parentWidget() is app.window.menu_bar
    finally:
        close(app)
    async with running_app(qapp) as app:
        await wait_until(lambda: app.account.account, 8)
        label = app.presenters.orders.session_label
        await wait_until(lambda: label.text() == "Demo market: open around the clock")


async def test_close_position_opens_a_prefilled_ticket_and_sends_nothing_unreviewed(qapp) -> None:
    """Close position… on a long MSFT position: a Sell ticket for the whole position (side
    locked); Send shows the preview and confirmation; Cancel there sends no order."""
    async with running_app(qapp) as app:
        await wait_until(lambda: app.account.account, 8)
        assert app.broker is not None
        await app.broker.orders.place(OrderTicket(MSFT, Side.BUY, 7, OrderType.MKT), _yes)
        await wait_until(lambda: app.positions.row_of(MSFT) is not None, 10)
        held = app.positions.record(app.positions.row_of(MSFT))["quantity"]
        calls = count_order_calls(app)
        shown = dialogs(app)
        table = app.window.positions_table
        table.select_row(app.positions.row_of(MSFT))
        close_action = next(a for a in table.build_menu().actions()
                            if a.text() == "Close position…")
        close_action.trigger()
        ticket = app.presenters.ticket.tickets[-1]
        fields = ticket.dialog.fields
        assert fields.form().side is Side.SELL and not fields.side.isEnabled()
        assert fields.edits["quantity"].text() == f"{held:g}"
        assert "nothing is sent" in ticket.dialog.effect.text()
        await wait_until(lambda: ticket.rules is not None and fields.edits["limit"].text(), 8)
        assert calls == []  # opening the ticket sent nothing
        ticket.dialog.send_button.click()
        await wait_until(lambda: shown, 8)
        assert f"Sell {held:g} MSFT limit" in shown[0].shown_text()
        shown[0].reject()
        await wait_until(lambda: "Not sent" in ticket.dialog.status.text())
        assert "place" not in calls

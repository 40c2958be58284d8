"""What a trader types into the order ticket, in the running app on its demo gateway.

Numbers are typed by hand: plain decimals with optional thousands commas only ("1e3", "nan",
"inf", hex and underscores are refused with a line saying what is accepted, and the estimate
shows nothing meanwhile); a refusal line goes once the fields are correct; a Close-position
ticket says what the quantity typed does to the position. Order calls are counted at the
gateway.
"""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel

from ibkr_desktop.widgets.confirm_dialog import ConfirmDialog
from tests.app.conftest import running_app
from tests.app.test_ticket_flow import count_order_calls, dialogs, open_ticket, type_into
from tests.helpers import wait_until

TSLA = 76792991
ACCEPTED = "digits with an optional decimal point and thousands commas"
pytestmark = pytest.mark.qt_log_ignore("does not support raise")  # offscreen cannot raise


def fully_shown(label: QLabel) -> bool:
    """The wrapped label is tall enough for all its lines (the dialog grew to show them)."""
    return label.isVisible() and label.height() >= label.heightForWidth(label.width())


async def test_exponents_nan_inf_hex_are_refused_with_what_is_accepted(qapp, qtbot) -> None:
    """'1e3' once became a 1000-share order; now it and its kin are refused under their field
    (saying what is accepted), the estimate stays empty, and the gateway sees nothing."""
    async with running_app(qapp) as app:
        calls, shown = count_order_calls(app), dialogs(app)
        ticket = await open_ticket(app, qtbot)
        fields = ticket.fields
        cases = [("quantity", "1e3"), ("quantity", "nan"), ("quantity", "inf"),
                 ("quantity", "0x10"), ("quantity", "1_000"), ("quantity", "1,0"),
                 ("limit", "inf"), ("limit", "NaN"), ("limit", "1.85e2")]
        for name, text in cases:
            type_into(qtbot, fields.edits["quantity"], "100")
            type_into(qtbot, fields.edits["limit"], "185.00")
            assert ticket.estimate.text().startswith("Estimated value 18,500.00")
            type_into(qtbot, fields.edits[name], text)
            assert ticket.estimate.text() == "", (text, ticket.estimate.text())
            ticket.send_button.click()
            await wait_until(lambda: "Not sent" in ticket.status.text())
            error = fields.shown_problems().get(name, "")
            assert ACCEPTED in error and repr(text) in error, (text, error)
            assert fully_shown(fields.errors[name])
            ticket.set_status("")
        type_into(qtbot, fields.edits["limit"], "185.00")
        type_into(qtbot, fields.edits["quantity"], "1,000")
        assert ticket.estimate.text().startswith("Estimated value 185,000.00")
        assert calls == [] and shown == []


async def test_refusal_line_goes_once_the_fields_are_correct(qapp, qtbot) -> None:
    """'1O' refused; typing '10' clears the field's red text and the 'Not sent' line at once,
    so the confirmation that follows is not shown over a stale refusal."""
    async with running_app(qapp) as app:
        shown = dialogs(app)
        ticket = await open_ticket(app, qtbot)
        fields = ticket.fields
        type_into(qtbot, fields.edits["limit"], "185.00")
        type_into(qtbot, fields.edits["quantity"], "1O")
        ticket.send_button.click()
        await wait_until(lambda: "Not sent" in ticket.status.text())
        assert "quantity" in fields.shown_problems()
        type_into(qtbot, fields.edits["quantity"], "10")
        assert fields.shown_problems() == {} and ticket.status.text() == ""
        ticket.send_button.click()
        await wait_until(lambda: shown)
        assert isinstance(shown[0], ConfirmDialog)
        assert "Buy 10 AAPL limit 185.00, day" in shown[0].shown_text()
        assert ticket.status.text() == ""
        shown[0].reject()
        await wait_until(lambda: ticket.status.text() == "Not sent.")


async def test_close_position_says_what_the_quantity_does_to_it(qapp, qtbot) -> None:
    """Close position… on the short 30 TSLA: the line follows the quantity typed — closes,
    reduces, reverses (a warning, in bold) — and goes while the quantity is not a number."""
    async with running_app(qapp) as app:
        await wait_until(lambda: app.positions.row_of(TSLA) is not None, 10)
        table = app.window.positions_table
        table.select_row(app.positions.row_of(TSLA))
        next(a for a in table.build_menu().actions() if a.text() == "Close position…").trigger()
        ticket = app.presenters.ticket.tickets[-1].dialog
        effect, quantity = ticket.effect, ticket.fields.edits["quantity"]
        assert ticket.windowTitle().startswith("Buy TSLA") and quantity.text() == "30"
        assert effect.isVisible() and "Closes the whole position (short 30 TSLA)" in effect.text()
        assert "nothing is sent before its preview" in effect.text()
        type_into(qtbot, quantity, "10")
        assert "Reduces the position from short 30 to short 20 TSLA" in effect.text()
        assert "bold" not in effect.styleSheet()
        type_into(qtbot, quantity, "1000")
        assert "Reverses the position from short 30 to long 970 TSLA" in effect.text()
        assert "check the quantity" in effect.text() and "bold" in effect.styleSheet()
        assert fully_shown(effect)
        type_into(qtbot, quantity, "1e3")
        assert not effect.isVisible()
        ticket.reject()

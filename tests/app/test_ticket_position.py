"""The order ticket says what the account holds of its contract (and follows fills), and
warns in its estimate when an order is worth more than the whole account."""

from __future__ import annotations

import pytest

from ibkr_desktop.protocol.order_kinds import OrderType
from ibkr_desktop.protocol.orders import OrderTicket, Side
from tests.app.conftest import place, running_app
from tests.helpers import wait_until

MSFT, TSLA, IBM = 272093, 76792991, 8314

pytestmark = pytest.mark.qt_log_ignore("does not support raise")  # offscreen: tickets raise


async def test_the_ticket_shows_the_position_held_and_follows_a_fill(qapp) -> None:
    async with running_app(qapp) as app:
        await wait_until(lambda: app.positions.row_of(MSFT) is not None
                         and app.positions.row_of(TSLA) is not None, 10)
        held = app.positions.record(app.positions.row_of(MSFT))["quantity"]
        presenter = app.presenters.ticket
        msft = presenter.open_ticket(MSFT, "MSFT", Side.SELL)
        assert msft.position.isVisible()
        assert msft.position.text() == f"You hold {held:,.0f} MSFT"
        tsla = presenter.open_ticket(TSLA, "TSLA", Side.BUY)
        assert tsla.position.text() == "You are short 30 TSLA"
        ibm = presenter.open_ticket(IBM, "IBM", Side.BUY)
        assert ibm.position.text() == "No IBM position"
        await place(app, OrderTicket(MSFT, Side.BUY, 7, OrderType.MKT))
        await wait_until(lambda: msft.position.text() == f"You hold {held + 7:,.0f} MSFT", 10)
        msft.fields.edits["quantity"].setText("1000000")  # a fat finger: 1,000,000 shares
        await wait_until(lambda: "more than the whole account" in msft.estimate.text(), 10)
        share = msft.estimate.text().split(" · ")[1]
        assert "," in share.split("%")[0]  # 42,843.8%, not 42843.8%
        msft.fields.edits["quantity"].setText("10")
        await wait_until(lambda: "more than" not in msft.estimate.text()
                         and "Estimated value 4," in msft.estimate.text())
        for dialog in (msft, tsla, ibm):
            dialog.reject()

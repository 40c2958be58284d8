"""What the user reads in the status bar, and quotes through the feed, in the whole app on the
demo gateway: the message line's visible text and place in the window, the error dialog, a
chart-like consumer of a symbol not on the watchlist, the line limit, a broker switch."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from ibkr_desktop.app.presenters.session import Endpoint
from ibkr_desktop.app.startup import App
from ibkr_desktop.demo_gateway.server import ThreadedGateway
from ibkr_desktop.protocol.orders import OrderTicket, OrderType, Side
from ibkr_desktop.widgets.settings_dialog import SettingsChoice, SettingsDialog
from tests.app.conftest import on_screen, place, running_app, shows
from tests.client.conftest import fast_config
from tests.helpers import wait_until

AAPL, MSFT, NFLX = 265598, 272093, 15124833


async def connected(app: App) -> None:
    await wait_until(lambda: app.window.doctor.headline() == "Connected", 8)


class Chart:
    """A stand-in for a chart window: holds one contract through the feed, records its quotes."""

    def __init__(self, app: App, conid: int, symbol: str) -> None:
        self.quotes: list[dict[int, Mapping[str, object]]] = []
        self.subscription = app.feed.open(self.quotes.append, "a chart")
        self.subscription.hold({conid: symbol})


async def test_no_contract_match_is_shown(qapp) -> None:
    """Typing ZZZZQ and pressing Enter says so in the status bar, left of the doctor."""
    async with running_app(qapp) as app:
        await connected(app)
        box = app.window.watchlist.search
        box.setText("ZZZZQ")
        box.textEdited.emit("ZZZZQ")
        box.returnPressed.emit()
        text = await shows(app, "No contract matches")
        assert "ZZZZQ" in text
        assert app.window.message_line.level == "info"
        doctor = app.window.doctor
        assert doctor.isVisible() and doctor.headline() == "Connected"
        assert app.window.message_line.geometry().right() <= doctor.geometry().left()


async def test_export_to_a_missing_folder_is_shown_as_a_warning(qapp, tmp_path: Path,
                                                                monkeypatch) -> None:
    """File > Export to a folder that does not exist: "Export failed" with a warning icon."""
    target = tmp_path / "no such folder" / "watchlist.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *args, **kwargs: (str(target), "")))
    async with running_app(qapp) as app:
        await connected(app)
        app.window.watchlist.table.export_dialog("csv")
        text = await shows(app, "Export failed")
        assert text.startswith("⚠") and app.window.message_line.level == "warning"
        assert not target.exists()


async def test_a_broker_warning_is_shown(qapp) -> None:
    """A request the broker refuses (an impossible chart) reaches the status bar as a warning."""
    async with running_app(qapp) as app:
        await connected(app)
        assert app.broker is not None
        assert await app.broker.history(AAPL, "1d", "1w") == []
        text = await shows(app, "not available")
        assert "1w" in text and app.window.message_line.level == "warning"


async def test_a_broker_error_opens_a_dialog(qapp) -> None:
    """An error-level broker notice needs the user: a dialog with its text, and the status bar."""
    async with running_app(qapp) as app:
        await connected(app)
        assert app.broker is not None
        app.broker.notices.post("error", "The gateway's certificate changed.")
        dialogs = app.presenters.notifications
        await wait_until(lambda: dialogs.dialog is not None and dialogs.dialog.isVisible())
        assert dialogs.dialog is not None
        assert "certificate changed" in dialogs.dialog.text()
        assert "certificate changed" in on_screen(app)
        dialogs.dialog.close()
        await wait_until(lambda: dialogs.dialog is None)


async def test_cancel_and_fill_results_are_shown(qapp) -> None:
    """Cancelling from the orders table says so; a fill is announced."""
    async with running_app(qapp) as app:
        await connected(app)
        assert app.broker is not None
        await wait_until(lambda: app.account.account is not None)
        await place(app, OrderTicket(AAPL, Side.BUY, 5, OrderType.LMT, price=1.0))
        orders = app.orders
        await wait_until(lambda: orders.rowCount() and orders.is_cancellable(0), timeout=8)
        order_id = orders.record(0)["order_id"]
        app.window.orders_table.select_row(0)
        menu = app.window.orders_table.build_menu()
        next(a for a in menu.actions() if a.text().startswith("Cancel")).trigger()
        confirmation = app.window.orders_table.confirmation
        next(b for b in confirmation.buttons() if b.text() == "Cancel order").click()
        assert f"order {order_id}" in await shows(app, "Cancel requested")
        await place(app, OrderTicket(MSFT, Side.BUY, 3, OrderType.MKT))
        assert "MSFT" in await shows(app, "BUY 3 MSFT @")


async def test_a_chart_subscribes_a_symbol_off_the_watchlist_and_releases_it(qapp) -> None:
    """Holding NFLX (not on the watchlist) streams it to the holder only; closing releases it."""
    async with running_app(qapp) as app:
        chart = Chart(app, NFLX, "NFLX")
        await wait_until(lambda: any(NFLX in batch for batch in chart.quotes), 8)
        assert all(set(batch) == {NFLX} for batch in chart.quotes)
        assert app.watchlist.row_of(NFLX) is None and NFLX in app.feed.live
        chart.subscription.close()
        assert NFLX not in app.feed.live and AAPL in app.feed.live
        received = len(chart.quotes)
        batches = app.feed.batches
        await wait_until(lambda: app.feed.batches > batches + 3)
        assert len(chart.quotes) == received


async def test_beyond_the_line_limit_the_symbol_and_reason_are_shown(qapp) -> None:
    """With 10 lines taken by the watchlist, a chart's NFLX gets none and the user is told."""
    async with running_app(qapp, line_limit=10) as app:
        await connected(app)
        Chart(app, NFLX, "NFLX")
        text = await shows(app, "NFLX gets no quotes")
        assert "10 market-data lines" in text and app.window.message_line.level == "warning"
        assert NFLX not in app.feed.live and app.feed.waiting == (NFLX,)


async def test_held_quotes_survive_a_broker_switch(qapp) -> None:
    """Reconnecting (as the settings dialog does) re-subscribes everything held on the new
    broker: the chart's symbol and the watchlist stream again."""
    async with running_app(qapp) as app:
        chart = Chart(app, NFLX, "NFLX")
        await wait_until(lambda: chart.quotes, 8)
        old = app.broker
        await app.presenters.session.connect_to(Endpoint(demo=True))
        assert app.broker is not None and app.broker is not old
        chart.quotes.clear()
        first_watchlist_batch = app.feed.batches
        await wait_until(lambda: any(NFLX in batch for batch in chart.quotes), 10)
        assert app.feed.batches > first_watchlist_batch
        assert app.feed.live >= {NFLX, *app.watchlist.conids()}
        assert app.feed.holders(NFLX) == 1


async def test_settings_dialog_switch_keeps_held_quotes(qapp, monkeypatch) -> None:
    """File > Settings, choose another gateway, OK: the app reconnects there and the chart's
    symbol (off the watchlist) and the watchlist stream again from the new gateway."""
    other = ThreadedGateway(fast_config())
    other.start()
    try:
        monkeypatch.setattr(SettingsDialog, "exec", lambda self: 1)
        monkeypatch.setattr(SettingsDialog, "choice",
                            lambda self: SettingsChoice(False, other.base_url, "dark"))
        async with running_app(qapp) as app:
            chart = Chart(app, NFLX, "NFLX")
            await wait_until(lambda: chart.quotes, 8)
            app.window.settings_requested.emit()
            await wait_until(lambda: app.presenters.session.base_url == other.base_url, 8)
            await wait_until(lambda: app.broker is not None and app.broker.mode == "PAPER", 10)
            chart.quotes.clear()
            await wait_until(lambda: any(NFLX in batch for batch in chart.quotes), 10)
            assert app.feed.live >= {NFLX, *app.watchlist.conids()}
            assert app.presenters.session.gateway is None  # the embedded one was stopped
    finally:
        other.stop()

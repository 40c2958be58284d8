"""The whole app against the embedded demo gateway: what the user sees in the window."""

from __future__ import annotations

import csv
from pathlib import Path

from PySide6.QtCore import Qt

from ibkr_desktop.app.presenters.session import Endpoint
from ibkr_desktop.app.startup import App, build
from ibkr_desktop.models.table import Role
from ibkr_desktop.protocol.events import SessionKind
from ibkr_desktop.protocol.orders import OrderTicket, OrderType, Side
from tests.app.conftest import dispose, fault, place, running_app, start_app
from tests.client.conftest import FAST, fast_config
from tests.helpers import wait_until

AAPL, MSFT = 265598, 272093


def shown(controller: App, conid: int, key: str) -> str:
    model = controller.watchlist
    row = model.row_of(conid)
    assert row is not None
    return model.data(model.index(row, model.column_index(key)))


async def test_quotes_reach_the_watchlist_after_launch(qapp) -> None:
    """Launch -> the default watchlist shows live prices, DEMO in the title (how fast is
    measured by the ``startup`` benchmark, not here: a loaded machine must not fail this)."""
    controller = await start_app(qapp)
    try:
        await wait_until(lambda: all(shown(controller, c, "last") for c in (AAPL, MSFT)))
        assert controller.presenters.watchlist.first_quote_at is not None
        assert "DEMO" in controller.window.windowTitle()
        assert controller.window.banner.mode == "DEMO"
        assert controller.window.tray.toolTip().startswith("ibkr-desktop — DEMO")
        price = float(shown(controller, AAPL, "last").replace(",", ""))
        assert 1 < price < 10_000
        await wait_until(lambda: controller.window.doctor.headline() == "Connected")
    finally:
        await dispose(controller)


async def test_repaints_are_coalesced_by_the_frame_clock(qapp) -> None:
    """Many quote batches arrive per frame, yet the table repaints at most ~30 times a second."""
    async with running_app(qapp) as app_controller:
        flushes_before = app_controller.watchlist.flush_count
        frames_before = app_controller.clock.frames
        batches_before = app_controller.feed.batches
        await wait_until(lambda: app_controller.clock.frames - frames_before >= 30, timeout=3)
        flushes = app_controller.watchlist.flush_count - flushes_before
        assert app_controller.feed.batches > batches_before
        assert flushes <= app_controller.clock.frames - frames_before


async def test_a_symbol_that_stops_updating_is_dimmed(qapp) -> None:
    """When a row gets no quotes for longer than the stale limit, it is marked stale and greyed."""
    async with running_app(qapp) as app_controller:
        model = app_controller.watchlist
        await wait_until(lambda: shown(app_controller, AAPL, "last"))
        model.stale_after = 0.6
        assert app_controller.broker is not None
        app_controller.broker.unsubscribe_quotes([AAPL])  # behind the feed's back: no quotes
        row = model.row_of(AAPL)
        await wait_until(lambda: model.data(model.index(row, 0), Role.STALE), timeout=4)
        color = model.data(model.index(row, 0), Qt.ItemDataRole.ForegroundRole)
        assert color is not None and color.alpha() < 255
        # a row that still gets quotes is not dimmed, or (a busy machine late by more than the
        # limit) is lit again by its next quote while the silent row stays dimmed
        await wait_until(lambda: not model.data(model.index(model.row_of(MSFT), 0), Role.STALE)
                         and model.data(model.index(row, 0), Role.STALE))


async def test_fill_shows_in_positions_orders_executions(qapp) -> None:
    """A market order placed through the gateway fills: position, order and execution appear."""
    async with running_app(qapp) as app_controller:
        c = app_controller
        await wait_until(lambda: c.account.account is not None)
        await place(c, OrderTicket(MSFT, Side.BUY, 7, OrderType.MKT))
        await wait_until(lambda: MSFT in c.positions.conids(), timeout=8)
        await wait_until(lambda: any(c.orders.record(r).get("status") == "Filled"
                                     for r in range(c.orders.rowCount())), timeout=8)
        await wait_until(lambda: c.fills.rowCount() >= 1)
        row = c.positions.row_of(MSFT)
        assert c.positions.record(row)["symbol"] == "MSFT"
        fill = c.fills.record(0)
        assert fill["symbol"] == "MSFT" and fill["side"] == "BUY" and fill["size"] == 7
        await wait_until(lambda: c.account.value("net_liquidation"))
        assert MSFT in c.feed.live


async def test_working_order_cancelled_from_the_orders_table(qapp) -> None:
    """A limit order far below the market works; Cancel on the orders table cancels it."""
    async with running_app(qapp) as app_controller:
        c = app_controller
        await wait_until(lambda: shown(c, AAPL, "last") and c.account.account)
        last = float(shown(c, AAPL, "last").replace(",", "").split()[-1])
        await place(c, OrderTicket(AAPL, Side.BUY, 5, OrderType.LMT, price=round(last * 0.8, 2)))
        await wait_until(lambda: c.orders.rowCount() and c.orders.is_cancellable(0), timeout=8)
        table = c.window.orders_table
        table.select_row(0)
        menu = table.build_menu()
        cancel = next(a for a in menu.actions() if a.text().startswith("Cancel"))
        assert cancel.isEnabled()
        cancel.trigger()
        next(b for b in table.confirmation.buttons() if b.text() == "Cancel order").click()
        await wait_until(lambda: c.orders.record(0).get("status") == "Cancelled", timeout=8)
        assert not table.build_menu().actions()[1].isEnabled()


async def test_dropped_socket_is_shown_and_recovered(qapp) -> None:
    """Dropping the WebSocket shows a reconnect; quotes resume and the count goes up."""
    async with running_app(qapp) as app_controller:
        doctor = app_controller.window.doctor
        await wait_until(lambda: doctor.stream is not None and doctor.stream.connected)
        fault(app_controller, "drop_sockets")
        await wait_until(lambda: doctor.stream.reconnects >= 1 and doctor.stream.connected, 8)
        assert "1 reconnect" in doctor.stream_label.text()
        batches = app_controller.feed.batches
        await wait_until(lambda: app_controller.feed.batches > batches)


async def test_competing_session_offers_take_over(qapp) -> None:
    """A competing login shows the plain-words state and Take over; clicking it reconnects."""
    async with running_app(qapp) as app_controller:
        doctor = app_controller.window.doctor
        fault(app_controller, "set_competing", True)
        await wait_until(lambda: doctor.session is not None
                         and doctor.session.kind is SessionKind.COMPETING, timeout=8)
        assert "elsewhere" in doctor.headline()
        assert doctor.fix_button.text() == "Take over here"
        await wait_until(lambda: "elsewhere" in app_controller.window.tray.toolTip())
        doctor.fix_button.click()
        await wait_until(lambda: doctor.headline() == "Connected", timeout=8)


async def test_export_writes_the_rows_shown(qapp, tmp_path: Path) -> None:
    """CSV export of the watchlist has the visible columns in view order and every row."""
    async with running_app(qapp) as app_controller:
        table = app_controller.window.watchlist.table
        await wait_until(lambda: all(shown(app_controller, c, "last") for c in (AAPL, MSFT)))
        header = table.horizontalHeader()
        header.setSectionHidden(app_controller.watchlist.column_index("open"), True)
        header.moveSection(header.visualIndex(app_controller.watchlist.column_index("volume")), 1)
        path = tmp_path / "watchlist.csv"
        assert await table.export_to(path) == 10
        with path.open(encoding="utf-8-sig") as fh:
            rows = list(csv.reader(fh))
        assert rows[0][:3] == ["Symbol", "Volume", "Last"]
        assert "Open" not in rows[0]
        assert [r[0] for r in rows[1:]] == [i.symbol for i in app_controller.watchlist.items()]
        assert float(rows[1][2]) > 0


async def test_paper_mode_and_account_selector(qapp) -> None:
    """A real (non-demo) gateway with paper accounts is PAPER; several accounts give a selector.

    (LIVE needs a non-paper login, which the demo gateway cannot simulate yet; the LIVE look is
    covered in tests/widgets.)
    """
    accounts, mode = ("DU111", "DU222"), "PAPER"
    from ibkr_desktop.demo_gateway.server import ThreadedGateway

    gateway = ThreadedGateway(fast_config(accounts=accounts))
    gateway.start()
    controller = build(qapp, client_timings=FAST)
    try:
        controller.window.show()
        await controller.connect_to(Endpoint(demo=False, url=gateway.base_url))
        banner = controller.window.banner
        await wait_until(lambda: banner.account is not None, timeout=8)
        assert banner.mode == mode
        assert mode in controller.window.windowTitle()
        assert mode in controller.window.tray.toolTip()
        assert banner.selector.isVisibleTo(banner)
        banner.account_selected.emit(accounts[1])
        await wait_until(lambda: banner.account == accounts[1], timeout=8)
        assert accounts[1] in controller.window.windowTitle()
        assert controller.account.account == accounts[1]
    finally:
        await dispose(controller)
        gateway.stop()


async def test_contract_search_goes_through_the_gateway(qapp) -> None:
    """Typing in the search box finds contracts via the gateway's secdef search."""
    async with running_app(qapp) as c:
        panel = c.window.watchlist
        panel.search.setText("NFL")
        panel.search.textEdited.emit("NFL")
        await wait_until(lambda: any(m.symbol == "NFLX" for m in panel.search.matches), 5)
        panel.add_contract(next(m for m in panel.search.matches if m.symbol == "NFLX"))
        await wait_until(lambda: shown(c, 15124833, "last"), timeout=5)
        assert 15124833 in c.feed.live


async def test_self_signed_gateway_is_trusted_once_and_pinned(qapp, monkeypatch) -> None:
    """A real gateway with a self-signed certificate: the user trusts it once, it is pinned."""
    from ibkr_desktop.app.presenters import session as session_module
    from ibkr_desktop.app.settings import Keys
    from ibkr_desktop.demo_gateway.server import ThreadedGateway

    asked: list[str] = []

    def trust(parent, info):  # the user clicks "Yes" in the trust dialog
        asked.append(info.fingerprint)
        return info.fingerprint

    monkeypatch.setattr(session_module, "ask_trust_certificate", trust)
    gateway = ThreadedGateway(fast_config(tls=True))
    gateway.start()
    controller = build(qapp, client_timings=FAST)
    try:
        await controller.connect_to(Endpoint(demo=False, url=gateway.base_url))
        await wait_until(lambda: controller.window.doctor.headline() == "Connected", 10)
        assert len(asked) == 1 and Keys.TLS_PIN.get() == asked[0]
        assert controller.window.banner.mode == "PAPER"
    finally:
        await dispose(controller)
        gateway.stop()

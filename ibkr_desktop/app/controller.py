"""Wiring: one object that connects the Broker's signals to the models and the window's requests
to the Broker, and owns the embedded demo gateway when the app runs one.

This is ``build()`` of the style guide made an object, because the connection can be switched at
run time (settings dialog): :meth:`AppController.connect_to` tears down one broker (and demo
gateway) and wires up the next, while models, widgets and saved state stay.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication
from qasync import asyncSlot

from ibkr_desktop.app import log
from ibkr_desktop.app.dialogs import ask_trust_certificate, show_about, show_gateway_help
from ibkr_desktop.app.embedded import start_demo_gateway
from ibkr_desktop.app.main_window import MainWindow
from ibkr_desktop.app.settings import Keys
from ibkr_desktop.app.theme import apply_theme
from ibkr_desktop.client.broker import Broker, ClientTimings
from ibkr_desktop.client.notices import Notice
from ibkr_desktop.models.account import AccountModel
from ibkr_desktop.models.fills import FillsModel
from ibkr_desktop.models.frame_clock import FrameClock
from ibkr_desktop.models.orders import OrdersModel
from ibkr_desktop.models.positions import PositionsModel
from ibkr_desktop.models.watchlist import WatchlistModel
from ibkr_desktop.models.watchlists import WatchlistSet
from ibkr_desktop.protocol.errors import IbkrError
from ibkr_desktop.protocol.events import AccountsInfo, ContractMatch, Fill, SessionState
from ibkr_desktop.widgets.orders_panel import OrdersTable
from ibkr_desktop.widgets.settings_dialog import SettingsChoice, SettingsDialog
from ibkr_desktop.widgets.watchlist_panel import WatchlistPanel

if TYPE_CHECKING:
    from ibkr_desktop.demo_gateway.server import GatewayConfig, ThreadedGateway

_log = log.get("app")


@dataclass(frozen=True, slots=True)
class Connection:
    """Where the app connects: the embedded demo gateway, or a real gateway URL."""

    demo: bool
    url: str = ""


async def _stop_broker(broker: Broker, timeout_s: float = 5.0) -> None:
    """Stop the broker, but never let quitting hang on it.

    A client task that swallowed its cancellation would otherwise keep ``stop()`` (and so the
    app's exit) waiting forever; the timeout cancels the wait and the exit goes on.
    """
    try:
        await asyncio.wait_for(broker.stop(), timeout_s)
    except TimeoutError:
        _log.error("the broker did not stop within %.0f s", timeout_s)


class AppController(QObject):
    """Owns models, window, frame clock, the broker and (in demo mode) the gateway."""

    def __init__(self, app: QApplication, *, gateway_config: GatewayConfig | None = None,
                 client_timings: ClientTimings | None = None) -> None:
        super().__init__()
        self.app = app
        self.client_timings = client_timings
        self.gateway_config = gateway_config
        self.broker: Broker | None = None
        self.gateway: ThreadedGateway | None = None
        self.connection: Connection | None = None
        self.base_url = ""
        self.subscribed: set[int] = set()
        self.quote_batches = 0
        self.first_quote_at: float | None = None
        """time.monotonic() when the first quote reached a watchlist row (start-up check)."""
        self.clock = FrameClock(fps=30, parent=self)
        self.watchlist = WatchlistModel(parent=self)
        self.positions = PositionsModel(parent=self)
        self.orders = OrdersModel(parent=self)
        self.fills = FillsModel(parent=self)
        self.account = AccountModel(parent=self)
        for model in (self.watchlist, self.positions, self.orders, self.fills, self.account):
            self.clock.register(model)
        self.lists = WatchlistSet.from_json(Keys.WATCHLISTS.get() or None)
        panel = WatchlistPanel(self.watchlist, self.lists, self._search)
        self.window = MainWindow(panel, OrdersTable(self.orders), self.positions, self.fills,
                                 self.account)
        self.theme = Keys.THEME.get()
        self.set_theme(self.theme)
        self.window.restore_layout()
        self._wire_window()

    # -- window side --------------------------------------------------------------------------
    def _wire_window(self) -> None:
        w = self.window
        w.watchlist.lists_changed.connect(lambda: Keys.WATCHLISTS.set(self.lists.to_json()))
        self.watchlist.contracts_changed.connect(self._update_subscriptions)
        for table in w.tables:
            table.columns_changed.connect(w.save_columns)
            table.paint_meter = self.clock.add_work
        w.orders_table.cancel_requested.connect(self.cancel_order)
        w.doctor.action_requested.connect(self._on_doctor_action)
        w.banner.account_selected.connect(self._select_account)
        w.settings_requested.connect(self.open_settings)
        w.theme_requested.connect(self.set_theme)
        w.help_requested.connect(self._on_help)
        self.clock.ticked.connect(self._on_frame)

    def set_theme(self, name: str) -> None:
        """Apply and remember a theme; models get matching colours."""
        self.theme = name if name in ("dark", "light") else "dark"
        colors = apply_theme(self.app, self.theme)
        for model in (self.watchlist, self.positions, self.orders, self.fills, self.account):
            model.set_colors(colors)
        self.window.set_theme_checked(self.theme)
        Keys.THEME.set(self.theme)

    def _on_frame(self) -> None:
        """Keep the tray tooltip in step with the doctor's headline (cheap; once per frame)."""
        headline = self.window.doctor.headline()
        if headline != self.window.tray.connection:
            self.window.tray.set_connection(headline)

    async def _search(self, text: str) -> list[ContractMatch]:
        if self.broker is None:
            return []
        return await self.broker.search_contracts(text)

    # -- connection lifecycle -----------------------------------------------------------------
    async def connect_to(self, connection: Connection,
                         demo_gateway: Future[ThreadedGateway] | None = None) -> None:
        """(Re)connect: stop the current broker/gateway, start the demo gateway if asked, wire a
        new broker, subscribe the watchlist. Returns once started; data follows via signals.

        Args:
            connection: where to connect.
            demo_gateway: a demo gateway already starting (``start_demo_gateway``), for speed.
        """
        await self.disconnect()
        self.connection = connection
        url = connection.url
        if connection.demo:
            token = self.window.doctor.begin_busy("Starting the demo gateway…")
            try:
                starting = demo_gateway or start_demo_gateway(self.gateway_config)
                gateway = await asyncio.wrap_future(starting)
            finally:
                self.window.doctor.end_busy(token)
            self.gateway = gateway
            url = gateway.base_url
            _log.info("embedded demo gateway listening at %s", url)
        self.base_url = url
        pin = Keys.TLS_PIN.get() or None
        broker = Broker(url, demo=connection.demo, tls_pin=None if connection.demo else pin,
                        timings=self.client_timings, parent=self)
        self.broker = broker
        self._wire_broker(broker)
        self.window.set_mode(broker.mode, None)
        self.clock.start()
        await broker.start()
        self._update_subscriptions()

    async def disconnect(self) -> None:
        """Stop the broker and the embedded gateway (if any); models keep their rows."""
        broker, self.broker = self.broker, None
        if broker is not None:
            await _stop_broker(broker)
            broker.deleteLater()
        self.subscribed.clear()
        gateway, self.gateway = self.gateway, None
        if gateway is not None:
            await asyncio.get_running_loop().run_in_executor(None, gateway.stop)
        self.orders.clear()
        self.fills.clear()
        self.positions.set_positions(())

    async def shutdown(self) -> None:
        """Quit path: stop the clock, then everything that talks to a gateway."""
        self.clock.stop()
        await self.disconnect()

    def _wire_broker(self, broker: Broker) -> None:
        doctor = self.window.doctor
        broker.quotes_updated.connect(self._on_quotes)
        broker.orders_updated.connect(self.orders.apply)
        broker.fills_received.connect(self._on_fills)
        broker.positions_updated.connect(self._on_positions)
        broker.pnl_updated.connect(self.account.apply_pnl)
        broker.account_summary_updated.connect(self.account.apply_summary)
        broker.accounts_changed.connect(self._on_accounts)
        broker.session_state_changed.connect(self._on_session)
        broker.stream_state_changed.connect(doctor.set_stream)
        broker.pacing_changed.connect(doctor.set_pacing)
        broker.notice.connect(self._on_notice)
        broker.certificate_untrusted.connect(self._on_certificate)

    def _update_subscriptions(self) -> None:
        """Subscribe exactly the conids on the watchlist or held in positions."""
        if self.broker is None:
            return
        wanted = set(self.watchlist.conids()) | set(self.positions.conids())
        new, gone = wanted - self.subscribed, self.subscribed - wanted
        if gone:
            self.broker.unsubscribe_quotes(sorted(gone))
        if new:
            self.broker.subscribe_quotes(sorted(new))
        self.subscribed = wanted

    # -- broker side --------------------------------------------------------------------------
    @Slot(object)
    def _on_quotes(self, batch: dict[int, dict[str, object]]) -> None:
        self.quote_batches += 1
        if self.watchlist.apply(batch) and self.first_quote_at is None:
            self.first_quote_at = time.monotonic()
        self.positions.apply_quotes(batch)

    @Slot(object)
    def _on_fills(self, fills: tuple[Fill, ...]) -> None:
        self.positions.add_fills(fills)
        if self.fills.add(fills):
            for fill in fills[-3:]:
                text = f"{fill.side} {fill.size:,.0f} {fill.symbol} @ {fill.price:.2f}"
                self.window.tray.notify("Order filled", text)

    @Slot(object)
    def _on_positions(self, positions: tuple[object, ...]) -> None:
        self.positions.set_positions(positions)  # type: ignore[arg-type]
        self._update_subscriptions()

    @Slot(object)
    def _on_accounts(self, info: AccountsInfo) -> None:
        if self.broker is None:
            return
        if info.selected != self.account.account:
            self.orders.clear()
            self.fills.clear()
        self.account.select_account(info.selected)
        self.window.banner.set_accounts(info)
        self.window.set_mode(self.broker.mode, info.selected)
        wanted = Keys.SELECTED_ACCOUNT.get()
        if wanted and wanted != info.selected and wanted in info.accounts:
            self.broker.select_account(wanted)

    @Slot(object)
    def _on_session(self, state: SessionState) -> None:
        self.window.doctor.set_session(state)

    @Slot(object)
    def _on_notice(self, notice: Notice) -> None:
        prefix = {"warning": "⚠ ", "error": "✖ "}.get(notice.level, "")
        self.window.show_message(prefix + notice.text, 10000 if notice.level != "info" else 5000)

    @Slot(object)
    def _on_certificate(self, info: object) -> None:
        if self.broker is None:
            return
        known = Keys.TLS_PIN.get()
        if known and getattr(info, "fingerprint", None) == known:
            self.broker.trust_certificate(known)  # already trusted: never ask twice
            return
        fingerprint = ask_trust_certificate(self.window, info)
        if fingerprint and self.broker is not None:
            Keys.TLS_PIN.set(fingerprint)
            self.broker.trust_certificate(fingerprint)

    def _select_account(self, account: str) -> None:
        Keys.SELECTED_ACCOUNT.set(account)
        if self.broker is not None:
            self.broker.select_account(account)

    # -- user actions -------------------------------------------------------------------------
    @asyncSlot(int)
    async def cancel_order(self, order_id: int) -> None:
        """Cancel from the orders table; the result shows in the table and the status bar."""
        if self.broker is None:
            return
        token = self.window.doctor.begin_busy(f"Cancelling order {order_id}…")
        try:
            await self.broker.cancel_order(order_id)
            self.window.show_message(f"Cancel requested for order {order_id}")
        except IbkrError as exc:
            self.window.show_message(f"✖ Cancel of order {order_id} failed: {exc.message}", 10000)
        finally:
            self.window.doctor.end_busy(token)

    def _on_doctor_action(self, action: str) -> None:
        if action == "start_gateway":
            self._on_help("gateway")
        elif action == "login" and self.base_url:
            QDesktopServices.openUrl(QUrl(self.base_url))
        elif action in ("take_over", "reauthenticate"):
            self._session_action(action)

    @asyncSlot(str)
    async def _session_action(self, action: str) -> None:
        if self.broker is None:
            return
        text = "Taking over the session…" if action == "take_over" else "Reauthenticating…"
        token = self.window.doctor.begin_busy(text)
        try:
            await (self.broker.take_over() if action == "take_over"
                   else self.broker.reauthenticate())
        finally:
            self.window.doctor.end_busy(token)

    def open_settings(self) -> None:
        """Settings dialog (modal, outside any coroutine); reconnect when the gateway changed."""
        current = SettingsChoice(self.connection.demo if self.connection else True,
                                 Keys.GATEWAY_URL.get(), self.theme)
        dialog = SettingsDialog(current, self.window)
        if not dialog.exec():
            return
        choice = dialog.choice()
        Keys.USE_DEMO.set(choice.use_demo)
        Keys.GATEWAY_URL.set(choice.gateway_url)
        if choice.theme != self.theme:
            self.set_theme(choice.theme)
        wanted = Connection(choice.use_demo, "" if choice.use_demo else choice.gateway_url)
        if wanted != self.connection:
            self._reconnect(wanted)

    @asyncSlot(object)
    async def _reconnect(self, connection: Connection) -> None:
        await self.connect_to(connection)

    def _on_help(self, topic: str) -> None:
        if topic == "gateway":
            if show_gateway_help(self.window, self.base_url):
                Keys.USE_DEMO.set(True)
                self._reconnect(Connection(True))
        elif topic == "logs":
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(log.log_dir())))
        elif topic == "about":
            show_about(self.window)

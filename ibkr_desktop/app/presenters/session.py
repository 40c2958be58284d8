"""Connection and session: the broker's (and demo gateway's) lifecycle, the connection doctor,
certificate trust and the doctor's fix actions.

:meth:`SessionPresenter.connect_to` stops the current broker (and embedded demo gateway),
starts the demo gateway if asked, makes a new Broker current through the :class:`BrokerHolder`
(every presenter wires itself to it) and starts it. Session changes are posted to the notifier
in plain words; the doctor shows the state continuously.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices

from ibkr_desktop.app import log
from ibkr_desktop.app.broker_holder import BrokerHolder
from ibkr_desktop.app.dialogs import ask_trust_certificate, show_gateway_help
from ibkr_desktop.app.embedded import open_journal, start_demo_gateway
from ibkr_desktop.app.main_window import MainWindow
from ibkr_desktop.app.qt_async import async_slot
from ibkr_desktop.app.settings import Keys, order_limits
from ibkr_desktop.client.broker import Broker, ClientTimings, StreamStatus
from ibkr_desktop.client.notices import Notifier
from ibkr_desktop.protocol.events import SessionKind, SessionState
from ibkr_desktop.widgets.status_bar import ADVICE

if TYPE_CHECKING:
    from ibkr_desktop.demo_gateway.server import GatewayConfig, ThreadedGateway

_log = log.get("app.session")


@dataclass(frozen=True, slots=True)
class Endpoint:
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


class SessionPresenter(QObject):
    """Owns the broker's lifecycle and the embedded demo gateway; drives the doctor."""

    def __init__(self, holder: BrokerHolder, window: MainWindow, notifier: Notifier, *,
                 gateway_config: GatewayConfig | None = None,
                 client_timings: ClientTimings | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.holder = holder
        self.window = window
        self.notifier = notifier
        self.gateway_config = gateway_config
        self.client_timings = client_timings
        self.endpoint: Endpoint | None = None
        self.gateway: ThreadedGateway | None = None
        self.base_url = ""
        self._kind: SessionKind | None = None
        holder.broker_changed.connect(self._wire)
        window.doctor.action_requested.connect(self._on_doctor_action)
        window.help_requested.connect(self._on_help)

    # -- lifecycle ------------------------------------------------------------------------------
    async def connect_to(self, endpoint: Endpoint,
                         demo_gateway: Future[ThreadedGateway] | None = None) -> None:
        """(Re)connect; returns once the new broker started (data follows via signals).

        Args:
            endpoint: where to connect.
            demo_gateway: a demo gateway already starting (``start_demo_gateway``), for speed.
        """
        await self.close()
        self.endpoint = endpoint
        url = endpoint.url
        if endpoint.demo:
            token = self.window.doctor.begin_busy("Starting the demo gateway…")
            try:
                starting = demo_gateway or start_demo_gateway(self.gateway_config)
                self.gateway = await asyncio.wrap_future(starting)
            finally:
                self.window.doctor.end_busy(token)
            url = self.gateway.base_url
            _log.info("embedded demo gateway listening at %s", url)
        self.base_url = url
        pin = None if endpoint.demo else Keys.TLS_PIN.get() or None
        broker = Broker(url, demo=endpoint.demo, tls_pin=pin, timings=self.client_timings,
                        journal=open_journal(endpoint.demo), parent=self)
        broker.orders.set_limits_source(lambda: order_limits(broker.mode))
        self.holder.set(broker)
        await broker.start()

    async def close(self) -> None:
        """Stop the broker and the embedded gateway (if any); presenters see None."""
        broker = self.holder.broker
        if broker is not None:
            self.holder.set(None)
            await _stop_broker(broker)
            broker.deleteLater()
        self._kind = None
        gateway, self.gateway = self.gateway, None
        if gateway is not None:
            await asyncio.get_running_loop().run_in_executor(None, gateway.stop)

    @async_slot(object)
    async def reconnect(self, endpoint: Endpoint) -> None:
        """Connect elsewhere from a plain slot (settings dialog, gateway help)."""
        await self.connect_to(endpoint)

    def _wire(self, broker: Broker | None) -> None:
        if broker is None:
            return
        doctor = self.window.doctor
        broker.session_state_changed.connect(self._on_session)
        broker.stream_state_changed.connect(self._on_stream)
        broker.pacing_changed.connect(doctor.set_pacing)
        broker.certificate_untrusted.connect(self._on_certificate)

    # -- broker side ----------------------------------------------------------------------------
    @Slot(object)
    def _on_session(self, state: SessionState) -> None:
        """Show the state; tell the user in words whenever its kind changes (once, not at
        every retry of the session keeper)."""
        self.window.doctor.set_session(state)
        self._show_headline_in_tray()
        if state.kind is self._kind:
            return
        self._kind = state.kind
        advice = ADVICE[state.kind]  # the reason is a full sentence; the headline a fallback
        self.notifier.post("warning" if advice.level == "bad" else "info",
                           state.reason or advice.headline)

    @Slot(object)
    def _on_stream(self, status: StreamStatus) -> None:
        self.window.doctor.set_stream(status)
        self._show_headline_in_tray()

    def _show_headline_in_tray(self) -> None:
        headline = self.window.doctor.headline()
        if headline != self.window.tray.connection:
            self.window.tray.set_connection(headline)

    @Slot(object)
    def _on_certificate(self, info: object) -> None:
        broker = self.holder.broker
        if broker is None:
            return
        known = Keys.TLS_PIN.get()
        if known and getattr(info, "fingerprint", None) == known:
            broker.trust_certificate(known)  # already trusted: never ask twice
            return
        fingerprint = ask_trust_certificate(self.window, info)
        if fingerprint and self.holder.broker is broker:
            Keys.TLS_PIN.set(fingerprint)
            broker.trust_certificate(fingerprint)

    # -- user actions ---------------------------------------------------------------------------
    def _on_doctor_action(self, action: str) -> None:
        if action == "start_gateway":
            self._on_help("gateway")
        elif action == "login":
            self._open_login_page()
        elif action in ("take_over", "reauthenticate"):
            self._session_action(action)

    def _open_login_page(self) -> None:
        """Open the gateway's login page in the browser; the keeper then checks quickly again.

        A failure (no browser) is said in the message line with the address to open by hand.
        """
        if not self.base_url:
            return
        if QDesktopServices.openUrl(QUrl(self.base_url)):
            self.notifier.post("info", f"Log in on the gateway's page ({self.base_url}) in "
                               "your browser; the app reconnects by itself.")
        else:
            self.notifier.post("warning", f"Could not open a browser. Open {self.base_url} "
                               "yourself and log in; the app reconnects by itself.")
        broker = self.holder.broker
        if broker is not None:
            broker.keeper.wake()

    @async_slot(str)
    async def _session_action(self, action: str) -> None:
        broker = self.holder.broker
        if broker is None:
            return
        text = "Taking over the session…" if action == "take_over" else "Reauthenticating…"
        token = self.window.doctor.begin_busy(text)
        try:
            await (broker.take_over() if action == "take_over" else broker.reauthenticate())
        finally:
            self.window.doctor.end_busy(token)

    def _on_help(self, topic: str) -> None:
        """Help > How to connect (and the doctor's "How to start it…")."""
        demo = self.endpoint is None or self.endpoint.demo
        if topic == "gateway" and show_gateway_help(self.window, self.base_url, demo=demo):
            Keys.USE_DEMO.set(True)
            self.reconnect(Endpoint(True))

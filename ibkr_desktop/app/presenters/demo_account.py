"""File > Reset demo account…: the embedded demo's paper account and journal start afresh.

Enabled only while the app runs on its embedded demo gateway. It asks first ("Keep" is the
default); then the running demo gateway resets the account (cash, positions, orders and fills as
at first start, also on disk) and the demo journal is emptied (``app.embedded.reset_demo_account``),
and the app reconnects so every table starts from the fresh account.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMessageBox

from ibkr_desktop.app.broker_holder import BrokerHolder
from ibkr_desktop.app.embedded import reset_demo_account
from ibkr_desktop.app.main_window import MainWindow
from ibkr_desktop.app.presenters.session import Endpoint, SessionPresenter
from ibkr_desktop.app.qt_async import async_slot
from ibkr_desktop.client.broker import Broker
from ibkr_desktop.client.notices import Notifier
from ibkr_desktop.widgets.orders_panel import ask_destructive


class DemoAccountPresenter(QObject):
    """Resets the demo account on the user's confirmed request."""

    def __init__(self, holder: BrokerHolder, session: SessionPresenter, window: MainWindow,
                 notifier: Notifier, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.holder = holder
        self.session = session
        self.window = window
        self.notifier = notifier
        self.confirmation: QMessageBox | None = None
        """The question on screen, if any (tests press its buttons)."""
        window.reset_demo_requested.connect(self.ask)
        holder.broker_changed.connect(self._enable)
        self._enable(holder.broker)

    def _enable(self, broker: Broker | None) -> None:
        self.window.reset_demo_action.setEnabled(broker is not None
                                                 and self.session.gateway is not None)

    def ask(self) -> None:
        """Ask before resetting (nothing happens unless the user says Reset)."""
        if self.session.gateway is None:
            return
        self.confirmation = ask_destructive(
            self.window, "Reset demo account", "Start the demo account afresh?",
            "Cash, positions, orders and fills of the demo paper account go back to how they "
            "were at first start, and the demo's order journal is emptied. Real accounts are "
            "not touched.", "Reset", self.reset)

    @async_slot()
    async def reset(self) -> None:
        """Reset on the running demo gateway, empty the demo journal, reconnect."""
        gateway, broker = self.session.gateway, self.holder.broker
        if gateway is None:
            return
        token = self.window.doctor.begin_busy("Resetting the demo account…")
        try:
            # on this thread: the journal's SQLite connection belongs to it; the gateway's
            # reset is one short call onto its own loop
            reset_demo_account(gateway, broker.journal if broker is not None else None)
            await self.session.connect_to(Endpoint(True))
        finally:
            self.window.doctor.end_busy(token)
        self.notifier.post("info", "The demo account was reset: cash, positions, orders, fills "
                           "and the demo journal are as at first start.")

"""Account: P&L and summary into the account table, the account selector, the trading mode.

The mode (DEMO/PAPER/LIVE) shows in the title, the banner and the tray; the user's last
chosen account is selected again when the session names several. While the stream or session
is down the account table dims and its dock says since when; after a reconnect it is current
again with the next P&L update.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject, Slot

from ibkr_desktop.app.broker_holder import BrokerHolder
from ibkr_desktop.app.main_window import MainWindow
from ibkr_desktop.app.settings import Keys
from ibkr_desktop.client.broker import Broker
from ibkr_desktop.models.account import AccountModel
from ibkr_desktop.models.freshness import Freshness, follow_connection
from ibkr_desktop.protocol.events import AccountsInfo, PnlUpdate


class AccountPresenter(QObject):
    """Wires P&L, summary and accounts to the account model, the banner and the window mode."""

    def __init__(self, model: AccountModel, window: MainWindow, holder: BrokerHolder,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.window = window
        self.holder = holder
        self.freshness = model.freshness = Freshness(needs_refresh=True)
        window.banner.account_selected.connect(self._select_account)
        holder.broker_changed.connect(self._wire)

    def _wire(self, broker: Broker | None) -> None:
        if broker is None:
            self.freshness.disconnected()
            return
        self.window.set_mode(broker.mode, None)
        follow_connection(broker, self.freshness)
        broker.pnl_updated.connect(self._on_pnl)
        broker.account_summary_updated.connect(self.model.apply_summary)
        broker.accounts_changed.connect(self._on_accounts)

    @Slot(object)
    def _on_pnl(self, updates: Sequence[PnlUpdate]) -> None:
        self.freshness.refreshed()
        self.model.apply_pnl(updates)

    @Slot(object)
    def _on_accounts(self, info: AccountsInfo) -> None:
        broker = self.holder.broker
        if broker is None:
            return
        self.model.select_account(info.selected)
        self.window.banner.set_accounts(info)
        self.window.set_mode(broker.mode, info.selected)
        wanted = Keys.SELECTED_ACCOUNT.get()
        if wanted and wanted != info.selected and wanted in info.accounts:
            broker.select_account(wanted)

    def _select_account(self, account: str) -> None:
        Keys.SELECTED_ACCOUNT.set(account)
        if self.holder.broker is not None:
            self.holder.broker.select_account(account)

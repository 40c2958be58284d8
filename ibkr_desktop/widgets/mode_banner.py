"""The trading-mode banner and account picker: DEMO, PAPER or LIVE, impossible to miss.

A full-width coloured strip above the watchlist says which money is at stake (purple DEMO, amber
PAPER, red LIVE) and for which account; when the login has several accounts, a selector sits in
the strip so switching is deliberate and visible.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFrame, QHBoxLayout, QLabel, QWidget

from ibkr_desktop.protocol.events import AccountsInfo
from ibkr_desktop.widgets.elided_label import ElidedLabel


@dataclass(frozen=True, slots=True)
class ModeLook:
    """Colours and words of one trading mode."""

    background: str
    foreground: str
    headline: str
    detail: str


MODES: dict[str, ModeLook] = {
    "DEMO": ModeLook("#6f42c1", "#ffffff", "DEMO",
                     "built-in demo gateway · simulated market open around the clock · "
                     "no real money"),
    "PAPER": ModeLook("#f0a020", "#1b1b1b", "PAPER TRADING",
                      "IBKR paper account · simulated fills, real market data"),
    "LIVE": ModeLook("#c62828", "#ffffff", "LIVE TRADING",
                     "REAL MONEY · orders go to the market"),
    "UNKNOWN": ModeLook("#57606a", "#ffffff", "NOT CONNECTED",
                        "paper or live shows once the gateway names your account"),
}


class ModeBanner(QFrame):
    """Coloured strip: mode, account, and an account selector when there are several.

    Signals:
        account_selected(str): the user picked another account.
    """

    account_selected = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("modeBanner")
        self.mode = "DEMO"
        self.account: str | None = None
        self.headline = QLabel(self)
        self.headline.setObjectName("modeHeadline")
        self.detail = ElidedLabel(self)  # a narrow window cuts it with "…" (tooltip: all)
        self.detail.setObjectName("modeDetail")
        self.selector = QComboBox(self)
        self.selector.setObjectName("accountSelector")
        self.selector.setToolTip("Account")
        self.selector.hide()
        self.selector.activated.connect(
            lambda i: self.account_selected.emit(self.selector.itemText(i)))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 3, 10, 3)
        layout.addWidget(self.headline)
        layout.addWidget(self.detail, 1)
        layout.addWidget(self.selector)
        self.set_mode("DEMO", None)

    def set_mode(self, mode: str, account: str | None) -> None:
        """Show ``mode`` (a :class:`~ibkr_desktop.protocol.portfolio.TradingMode` value)."""
        self.mode = mode if mode in MODES else "LIVE"
        self.account = account
        look = MODES[self.mode]
        self.headline.setText(look.headline + (f"  ·  {account}" if account else ""))
        self.detail.setText(look.detail)
        self.setStyleSheet(
            f"QFrame#modeBanner {{ background: {look.background}; }}"
            f"QFrame#modeBanner QLabel {{ color: {look.foreground}; background: transparent; }}"
            "QLabel#modeHeadline { font-weight: bold; letter-spacing: 1px; }")
        self.setToolTip(f"{look.headline}: {look.detail}")

    def set_accounts(self, info: AccountsInfo) -> None:
        """Offer a selector only when the login has more than one account."""
        self.selector.blockSignals(True)
        self.selector.clear()
        self.selector.addItems(list(info.accounts))
        if info.selected:
            self.selector.setCurrentText(info.selected)
        self.selector.blockSignals(False)
        self.selector.setVisible(len(info.accounts) > 1)

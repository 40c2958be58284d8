"""The tray icon: mode-coloured badge, a tooltip with mode and connection, fill pop-ups.

Only shown where the desktop has a tray; everything else (offscreen, bare X) works without it.
"""

from __future__ import annotations

from PySide6.QtWidgets import QMenu, QSystemTrayIcon, QWidget

from ibkr_desktop.widgets.icons import app_icon
from ibkr_desktop.widgets.mode_banner import MODES


class TrayIcon(QSystemTrayIcon):
    """System-tray presence of the main window."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self.mode = "DEMO"
        self.connection = ""
        menu = QMenu(window)
        menu.addAction("Show window", self._show_window)
        menu.addSeparator()
        menu.addAction("Quit", window.close)
        self.setContextMenu(menu)
        self.activated.connect(lambda reason: self._show_window())
        self.set_mode("DEMO", None)

    def set_mode(self, mode: str, account: str | None) -> None:
        """Badge colour and tooltip follow the trading mode."""
        self.mode = mode
        look = MODES.get(mode, MODES["LIVE"])
        self.setIcon(app_icon(look.background))
        self._account = account
        self._update_tooltip()

    def set_connection(self, text: str) -> None:
        """Second tooltip line: the connection state in plain words."""
        self.connection = text
        self._update_tooltip()

    def notify(self, title: str, text: str) -> None:
        """A desktop pop-up (fills), only when a tray exists."""
        if self.isVisible() and self.supportsMessages():
            self.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, 4000)

    def show_if_available(self) -> None:
        """Show only where a tray host exists (never offscreen)."""
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.show()

    def _update_tooltip(self) -> None:
        account = f" · {self._account}" if self._account else ""
        tip = f"ibkr-desktop — {MODES.get(self.mode, MODES['LIVE']).headline}{account}"
        self.setToolTip(tip + (f"\n{self.connection}" if self.connection else ""))

    def _show_window(self) -> None:
        self._window.showNormal()
        self._window.raise_()
        self._window.activateWindow()

"""The tray icon: mode-coloured badge, a tooltip with mode and connection, notice pop-ups.

Only shown where the desktop has a tray; everything else (offscreen, bare X) works without it.
"""

from __future__ import annotations

from PySide6.QtWidgets import QMenu, QSystemTrayIcon, QWidget

from ibkr_desktop.client.notices import Notice
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

    def show_notice(self, notice: Notice) -> bool:
        """Pop up a notice that has a title (fills) or is an error; True when one was shown.

        Only where a tray exists and is shown; everything else reaches the user through the
        status bar (the notifier feeds both).
        """
        if not (notice.title or notice.level == "error"):
            return False
        if not (self.isVisible() and self.supportsMessages()):
            return False
        icon = (QSystemTrayIcon.MessageIcon.Critical if notice.level == "error"
                else QSystemTrayIcon.MessageIcon.Information)
        self.showMessage(notice.title or "ibkr-desktop", notice.text, icon, 4000)
        return True

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

"""Settings and appearance: the settings dialog, the theme, and the Help menu's log/About.

A changed gateway choice in the settings dialog reconnects through the session presenter;
the theme is applied to the app and every table model and remembered.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication

from ibkr_desktop.app import log
from ibkr_desktop.app.dialogs import show_about
from ibkr_desktop.app.main_window import MainWindow
from ibkr_desktop.app.presenters.session import Endpoint, SessionPresenter
from ibkr_desktop.app.settings import Keys
from ibkr_desktop.app.theme import THEMES, apply_theme
from ibkr_desktop.models.table import RecordTableModel
from ibkr_desktop.widgets.settings_dialog import SettingsChoice, SettingsDialog


class SettingsPresenter(QObject):
    """File > Settings, View > Theme, Help > Open log folder / About."""

    def __init__(self, qapp: QApplication, window: MainWindow, session: SessionPresenter,
                 models: Sequence[RecordTableModel], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.qapp = qapp
        self.window = window
        self.session = session
        self.models = list(models)
        self.theme = ""
        self.set_theme(Keys.THEME.get())
        window.settings_requested.connect(self.open_settings)
        window.theme_requested.connect(self.set_theme)
        window.help_requested.connect(self._on_help)

    def set_theme(self, name: str) -> None:
        """Apply and remember a theme ("dark" or "light"); models get matching colours."""
        self.theme = name if name in THEMES else "dark"
        colors = apply_theme(self.qapp, self.theme)
        for model in self.models:
            model.set_colors(colors)
        self.window.set_theme_checked(self.theme)
        Keys.THEME.set(self.theme)

    def open_settings(self) -> None:
        """Settings dialog (modal, outside any coroutine); reconnect when the gateway changed."""
        current = self.session.endpoint
        choice_now = SettingsChoice(current.demo if current else True, Keys.GATEWAY_URL.get(),
                                    self.theme)
        dialog = SettingsDialog(choice_now, self.window)
        if not dialog.exec():
            return
        choice = dialog.choice()
        Keys.USE_DEMO.set(choice.use_demo)
        Keys.GATEWAY_URL.set(choice.gateway_url)
        if choice.theme != self.theme:
            self.set_theme(choice.theme)
        wanted = Endpoint(choice.use_demo, "" if choice.use_demo else choice.gateway_url)
        if wanted != current:
            self.session.reconnect(wanted)

    def _on_help(self, topic: str) -> None:
        if topic == "logs":
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(log.log_dir())))
        elif topic == "about":
            show_about(self.window)

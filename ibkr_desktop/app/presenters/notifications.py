"""Notifications: every user-facing message reaches the user through the one notifier.

Feeds: the broker's notices (relayed; the broker logged them), the stream falling and coming
back ("Disconnected" / "Reconnected", once per outage), and the widgets' ``message(str)``
signals (search, export, copy, layout). Subscribers: the status bar's message line (every
notice), a pop-up for titled notices and errors (the desktop's notification service where there
is one, else the themed :class:`~ibkr_desktop.widgets.tray.Toast`, also shown while the window
is hidden to the tray; a beep too if the user chose it in the tray menu) and a dialog for a
notice that needs the user.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QMessageBox

from ibkr_desktop.app.broker_holder import BrokerHolder
from ibkr_desktop.app.dialogs import notice_dialog
from ibkr_desktop.app.main_window import MainWindow
from ibkr_desktop.app.settings import Keys
from ibkr_desktop.client.broker import Broker, StreamStatus
from ibkr_desktop.client.notices import Notice, Notifier
from ibkr_desktop.widgets.tray import DesktopNotifications, Toast, pops_up

FAILURE_WORDS = ("failed", "could not", "cannot")
"""A widget's ``message(str)`` carries no severity; a text with one of these is a warning."""


def widget_level(text: str) -> str:
    """Severity of a widget's status text ("Export failed: ..." -> "warning", else "info")."""
    lowered = text.lower()
    return "warning" if any(word in lowered for word in FAILURE_WORDS) else "info"


class NotificationsPresenter(QObject):
    """Connects the notifier's sources and subscribers; shows needs-the-user errors in a dialog."""

    def __init__(self, notifier: Notifier, holder: BrokerHolder, window: MainWindow,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.notifier = notifier
        self.window = window
        self.dialog: QMessageBox | None = None
        """The error dialog on screen, if any."""
        self.toast = Toast(window)
        """Pop-ups where the desktop shows none."""
        self.desktop = DesktopNotifications()
        self.last_popup = ""
        """Where the latest pop-up went: "desktop" or "toast" (tests)."""
        sound = window.tray.sound_action
        sound.setChecked(Keys.POPUP_SOUND.get())
        sound.toggled.connect(Keys.POPUP_SOUND.set)
        self._stream_up: bool | None = None
        notifier.notice.connect(self._show)
        holder.broker_changed.connect(self._wire)
        window.watchlist.message.connect(self.post_widget_message)  # search box + its table
        window.message.connect(self.post_widget_message)
        for table in window.tables[1:]:
            table.message.connect(self.post_widget_message)

    def _wire(self, broker: Broker | None) -> None:
        self._stream_up = None
        if broker is not None:
            broker.notice.connect(self._from_broker)
            broker.stream_state_changed.connect(self._on_stream)

    @Slot(object)
    def _on_stream(self, status: StreamStatus) -> None:
        """Say once when a working stream falls and once when it is back (not at start-up)."""
        was_up, self._stream_up = self._stream_up, status.connected
        if was_up and not status.connected:
            reason = status.reason.rstrip(".")
            self.notifier.post("warning", f"Lost the connection to the gateway: {reason}. "
                               "Fills made meanwhile are announced once it is back.",
                               title="Disconnected")
        elif was_up is False and status.connected and status.reconnects:
            self.notifier.post("info", "Connected to the gateway again; orders, fills and "
                               "positions are being brought up to date.", title="Reconnected")

    @Slot(object)
    def _from_broker(self, notice: Notice) -> None:
        """A broker error (e.g. the gateway's certificate changed) needs the user's attention."""
        if notice.level == "error" and not notice.needs_user:
            notice = dataclasses.replace(notice, needs_user=True)
        self.notifier.relay(notice)

    @Slot(str)
    def post_widget_message(self, text: str) -> None:
        """A widget's status text, as a notice."""
        self.notifier.post(widget_level(text), text)

    @Slot(object)
    def _show(self, notice: Notice) -> None:
        self.window.message_line.show_notice(notice)
        if pops_up(notice):
            self._pop_up(notice)
        if notice.needs_user:
            if self.dialog is not None:
                self.dialog.close()
            self.dialog = notice_dialog(self.window, notice.level, notice.text)
            self.dialog.finished.connect(self._dialog_closed)

    def _pop_up(self, notice: Notice) -> None:
        if self.desktop.show(notice):
            self.last_popup = "desktop"
        else:
            self.toast.show_notice(notice)
            self.last_popup = "toast"
        if Keys.POPUP_SOUND.get():
            self.window.tray.sound.play()

    def _dialog_closed(self) -> None:
        self.dialog = None

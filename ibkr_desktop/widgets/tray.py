"""Pop-ups: the desktop's notifications, the tray icon (menu: show/hide, the mode, sound, quit)
and the toast.

A notice with a title (a fill, a rejection, a disconnect) or an error pops up through the
desktop's notification service (:class:`DesktopNotifications`, themed by the desktop) where
there is one, else as a :class:`Toast`: a small frameless note coloured from the current theme's
tooltip colours, in the window's top-right corner, or the screen's while the window is hidden to
the tray. Qt's own tray balloon is never used: it is grey on pale yellow, unreadable in the dark
theme. Everything works without a tray (offscreen, bare X).
"""

from __future__ import annotations

import contextlib
import shutil

from PySide6.QtCore import QEvent, QObject, QPoint, QProcess, Qt, QTimer, QUrl
from PySide6.QtDBus import QDBusConnection
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QLabel,
    QMenu,
    QSystemTrayIcon,
    QVBoxLayout,
    QWidget,
)

import ibkr_desktop.resources as resources
from ibkr_desktop.client.notices import Notice
from ibkr_desktop.widgets.icons import app_icon
from ibkr_desktop.widgets.mode_banner import MODES

POPUP_MS = 6000
"""How long a pop-up (desktop notification or toast) stays, in milliseconds."""


NOTIFICATIONS = "org.freedesktop.Notifications"
"""The desktop notification service's D-Bus name (also its interface; path ``/org/...``)."""


def pops_up(notice: Notice) -> bool:
    """A notice with a title, or an error, deserves a pop-up; the rest stays in the status bar."""
    return bool(notice.title) or notice.level == "error"


def gvariant_text(text: str) -> str:
    """A string in GVariant text form (``'it\\'s'``), as ``gdbus call`` reads its arguments."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


class DesktopNotifications:
    """``org.freedesktop.Notifications`` on the session bus, where the desktop runs one.

    Sent with ``gdbus call`` (GLib's command-line D-Bus client), started detached: PySide6's
    QtDBus finds the service but cannot marshal ``Notify``'s ``uint32``/``as`` arguments (the
    call goes out as ``(sisssava{sv}i)`` and is refused). ``available()`` asks the bus each
    time, so a notification daemon started later is used from then on.
    """

    def __init__(self, program: str | None = None) -> None:
        self.program = program if program is not None else shutil.which("gdbus") or ""

    def available(self) -> bool:
        """True when the session bus has a notification service and ``gdbus`` exists."""
        if not self.program:
            return False
        bus = QDBusConnection.sessionBus()
        return bus.isConnected() and bool(bus.interface().isServiceRegistered(
            NOTIFICATIONS).value())

    def show(self, notice: Notice) -> bool:
        """Send a notice (errors as critical); True when the request was started."""
        if not self.available():
            return False
        urgency = 2 if notice.level == "error" else 1
        args = ["call", "--session", "--dest", NOTIFICATIONS,
                "--object-path", "/org/freedesktop/Notifications",
                "--method", f"{NOTIFICATIONS}.Notify", gvariant_text("ibkr-desktop"), "0",
                gvariant_text("ibkr-desktop"), gvariant_text(notice.title or "ibkr-desktop"),
                gvariant_text(notice.text), "@as []", f"{{'urgency': <byte {urgency}>}}",
                str(POPUP_MS)]
        process = QProcess()
        process.setProgram(self.program)
        process.setArguments(args)
        process.setStandardOutputFile(QProcess.nullDevice())  # gdbus prints the id
        process.setStandardErrorFile(QProcess.nullDevice())
        return bool(process.startDetached())


class PopupSound(QObject):
    """The pop-up sound (``resources.SOUND``, a short chime) played through QtMultimedia's
    ``QSoundEffect`` where PySide6 has it; PySide6-Essentials, which the app depends on, has no
    QtMultimedia, so there it is the desktop's own beep (``QApplication.beep``).

    ``kind`` says which: "chime" or "beep".
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._files = contextlib.ExitStack()  # a temporary copy (zipped package) lives with it
        self._effect: QObject | None = None
        try:
            from PySide6.QtMultimedia import QSoundEffect  # type: ignore[attr-defined,unused-ignore]
        except ImportError:
            self.kind = "beep"
            return
        effect = QSoundEffect(self)
        effect.setSource(QUrl.fromLocalFile(str(self._files.enter_context(
            resources.as_file(resources.SOUND)))))
        self._effect, self.kind = effect, "chime"

    def play(self) -> None:
        """Play it once, now (returns at once)."""
        if self._effect is None:
            QApplication.beep()
        else:
            self._effect.play()  # type: ignore[attr-defined]


class TrayIcon(QSystemTrayIcon):
    """System-tray presence of the main window.

    Signals (of ``sound_action``): toggled(bool) — the user switched the pop-up sound.
    ``sound`` plays it (:class:`PopupSound`).
    """

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self.mode = "DEMO"
        self.connection = ""
        self._account: str | None = None
        self.menu = QMenu(window)
        self.show_action = self.menu.addAction("Hide window", self.toggle_window)
        self.mode_action = self.menu.addAction("")
        self.mode_action.setEnabled(False)  # a label: the mode the app trades in
        self.connection_action = self.menu.addAction("")
        self.connection_action.setEnabled(False)  # a label: the connection, window hidden too
        self.menu.addSeparator()
        self.sound_action = self.menu.addAction("Sound with pop-ups")
        self.sound_action.setCheckable(True)
        self.sound = PopupSound(self)
        self.menu.addAction("Quit", window.close)
        self.menu.aboutToShow.connect(self._update_menu)
        self.setContextMenu(self.menu)
        self.activated.connect(self._on_activated)
        self.set_mode("DEMO", None)

    def set_mode(self, mode: str, account: str | None) -> None:
        """Badge colour, tooltip and the menu's mode line follow the trading mode."""
        self.mode = mode
        look = MODES.get(mode, MODES["LIVE"])
        self.setIcon(app_icon(look.background))
        self._account = account
        self._update_tooltip()
        self._update_menu()

    def set_connection(self, text: str) -> None:
        """The connection state in plain words: second tooltip line, and a menu line (what a
        trader with the window hidden looks for)."""
        self.connection = text
        self._update_tooltip()
        self._update_menu()

    def show_if_available(self) -> None:
        """Show only where a tray host exists (never offscreen)."""
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.show()

    def toggle_window(self) -> None:
        """Show the window (raised) when hidden or minimised, else hide it to the tray."""
        window = self._window
        if window.isVisible() and not window.isMinimized():
            window.hide()
        else:
            window.showNormal()
            window.raise_()
            window.activateWindow()
        self._update_menu()

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger,
                      QSystemTrayIcon.ActivationReason.DoubleClick):
            self.toggle_window()

    def _update_menu(self) -> None:
        shown = self._window.isVisible() and not self._window.isMinimized()
        self.show_action.setText("Hide window" if shown else "Show window")
        account = f" · {self._account}" if self._account else ""
        self.mode_action.setText(f"Mode: {MODES.get(self.mode, MODES['LIVE']).headline}{account}")
        self.connection_action.setText(f"Connection: {self.connection}")
        self.connection_action.setVisible(bool(self.connection))

    def _update_tooltip(self) -> None:
        account = f" · {self._account}" if self._account else ""
        tip = f"ibkr-desktop — {MODES.get(self.mode, MODES['LIVE']).headline}{account}"
        self.setToolTip(tip + (f"\n{self.connection}" if self.connection else ""))


class Toast(QFrame):
    """Pop-ups where the desktop shows none: the window's top-right corner, or the screen's
    while the window is hidden (a frameless splash-type window that never takes the focus).

    Shows the latest few notices, newest at the bottom, each for :data:`POPUP_MS`; coloured
    from the palette's tooltip roles, so it follows the theme. ``texts()`` is what it shows.
    """

    KEEP = 4
    """At most this many notices at once (older ones leave first)."""

    def __init__(self, window: QWidget) -> None:
        # a splash-type window: no frame, no taskbar entry, and (unlike a tool tip) shown
        # without a raise that some platforms refuse with a warning
        super().__init__(window, Qt.WindowType.SplashScreen | Qt.WindowType.FramelessWindowHint
                         | Qt.WindowType.WindowStaysOnTopHint
                         | Qt.WindowType.WindowDoesNotAcceptFocus)
        self.setObjectName("toast")
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self._window = window
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(12, 8, 12, 8)
        self._labels: list[QLabel] = []
        window.installEventFilter(self)  # follow the window's size and place
        self.hide()

    def show_notice(self, notice: Notice) -> bool:
        """Add a pop-up for a notice that deserves one; True when shown."""
        if not pops_up(notice):
            return False
        label = QLabel(self)
        label.setObjectName("toastText")
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setText(f"{notice.title}: {notice.text}" if notice.title else notice.text)
        self._labels.append(label)
        self._layout.addWidget(label)
        while len(self._labels) > self.KEEP:
            self._drop(self._labels[0])
        QTimer.singleShot(POPUP_MS, self, lambda: self._drop(label))
        self._restyle()
        self._place()
        self.show()  # kept on top by its flags and the window manager (no raise(): some
        return True  # platforms refuse it with a warning)

    def texts(self) -> list[str]:
        """The notices on screen, oldest first."""
        return [label.text() for label in self._labels]

    def _drop(self, label: QLabel) -> None:
        if label in self._labels:
            self._labels.remove(label)
            label.deleteLater()
        if not self._labels:
            self.hide()
        else:
            self._place()

    def _restyle(self) -> None:
        palette = QApplication.palette()
        back = palette.color(QPalette.ColorRole.ToolTipBase).name()
        text = palette.color(QPalette.ColorRole.ToolTipText).name()
        edge = palette.color(QPalette.ColorRole.Highlight).name()
        self.setStyleSheet(f"QFrame#toast {{ background: {back}; border: 1px solid {edge}; "
                           f"border-radius: 6px; }} QLabel#toastText {{ color: {text}; "
                           "background: transparent; }")

    def _place(self) -> None:
        window = self._window
        width = min(420, max(240, window.width() // 3))
        margins = self._layout.contentsMargins()
        inner = width - margins.left() - margins.right()
        height = (sum(label.heightForWidth(inner) for label in self._labels)
                  + self._layout.spacing() * (len(self._labels) - 1)
                  + margins.top() + margins.bottom())
        self.setFixedSize(width, height)  # every wrapped line shown
        if window.isVisible() and not window.isMinimized():
            self.move(window.mapToGlobal(QPoint(window.width() - width - 16, 72)))
        else:
            screen = window.screen() or QGuiApplication.primaryScreen()
            area = screen.availableGeometry()
            self.move(area.right() - width - 16, area.top() + 16)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        moved = (QEvent.Type.Resize, QEvent.Type.Move, QEvent.Type.Show, QEvent.Type.Hide)
        if event.type() in moved and self._labels:
            self._place()
        return False

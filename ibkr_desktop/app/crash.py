"""The one crash reporter: every unexpected exception is logged and shown, never swallowed.

``sys.excepthook`` (GUI-thread Python errors, Qt slot errors), ``threading.excepthook`` (worker
threads, the embedded gateway) and the asyncio loop's exception handler (tasks, ``asyncSlot``
coroutines) all end in :meth:`CrashReporter.report`. It writes the traceback to the rotating log
and, on the GUI thread, opens a non-modal error dialog that names the log file.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import traceback
from collections.abc import Callable
from types import TracebackType
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QMessageBox, QWidget

from ibkr_desktop.app import log
from ibkr_desktop.protocol.redaction import redact
from ibkr_desktop.widgets.crash_dialog import crash_box

_log = log.get("app.crash")


class CrashReporter(QObject):
    """Collects unexpected exceptions from every source and shows them.

    Signals:
        crashed(str, str): summary and redacted traceback (emitted from any thread; the dialog
            is opened through a queued connection on the GUI thread).
    """

    crashed = Signal(str, str)

    def __init__(self, log_path: str, *, show_dialogs: bool = True,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.log_path = log_path
        self.show_dialogs = show_dialogs
        self.count = 0
        self.window: QWidget | None = None
        self._box: QMessageBox | None = None
        self._previous: tuple[Callable[..., Any], Callable[..., Any]] | None = None
        self.crashed.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def install(self) -> None:
        """Take over ``sys.excepthook`` and ``threading.excepthook``."""
        self._previous = (sys.excepthook, threading.excepthook)
        sys.excepthook = self._excepthook
        threading.excepthook = self._thread_hook

    def uninstall(self) -> None:
        """Give the hooks back (tests, shutdown)."""
        if self._previous:
            sys.excepthook, threading.excepthook = self._previous
            self._previous = None

    def install_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        """Route the loop's unhandled task errors here."""
        loop.set_exception_handler(self._loop_handler)

    def report(self, exc_type: type[BaseException], exc: BaseException,
               tb: TracebackType | None, where: str) -> None:
        """Log the exception with its traceback and announce it (thread-safe)."""
        self.count += 1
        details = redact("".join(traceback.format_exception(exc_type, exc, tb)))
        summary = redact(f"{exc_type.__name__}: {exc}" if str(exc) else exc_type.__name__)
        _log.error("unexpected error in %s: %s\n%s", where, summary, details)
        self.crashed.emit(summary, details)

    def _excepthook(self, exc_type: type[BaseException], exc: BaseException,
                    tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        self.report(exc_type, exc, tb, "the GUI thread")

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or issubclass(args.exc_type, SystemExit):
            return
        name = args.thread.name if args.thread else "a worker thread"
        self.report(args.exc_type, args.exc_value, args.exc_traceback, f"thread {name}")

    def _loop_handler(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        if isinstance(exc, BaseException) and not isinstance(exc, asyncio.CancelledError):
            self.report(type(exc), exc, exc.__traceback__, "a background task")
        else:
            _log.warning("event loop: %s", redact(str(context.get("message", context))))

    @Slot(str, str)
    def _show(self, summary: str, details: str) -> None:
        if not self.show_dialogs:
            return
        if self._box is not None and self._box.isVisible():
            self._box.setDetailedText(f"{self._box.detailedText()}\n\n{details}")
            self._box.setText(f"{self.count} unexpected errors; the latest: {summary}")
            return
        self._box = crash_box(summary, details, self.log_path, self.window)
        self._box.show()

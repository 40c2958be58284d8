"""One running copy of the app per profile.

Two copies on one profile would each run a demo gateway on the same ``demo-account.json``: a
fill made in one is overwritten by the other's next save, and both hand out the same order ids.
So the app takes a :class:`QLockFile` in the profile's data folder before anything starts. A
second start finds it taken, asks the running copy (over a :class:`QLocalServer` named after
the folder) to bring its window to the front, and exits. The lock of a copy that died (its pid
no longer runs) is taken over.

The handshake is one line each way: the new copy sends ``raise\\n``, the running copy answers
``ok\\n`` and emits :attr:`SingleInstance.raise_requested`.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket
from PySide6.QtWidgets import QWidget

from ibkr_desktop.app import log

LOCK_FILE = "ibkr-desktop.lock"
RAISE = b"raise\n"
OK = b"ok\n"

_log = log.get("app.single_instance")


def server_name(folder: Path) -> str:
    """The local server's name for a profile folder: one per folder, short enough for a Unix
    socket path, and free of path separators (Qt then puts it in the temp folder)."""
    digest = hashlib.sha256(str(folder.resolve()).encode("utf-8")).hexdigest()[:16]
    return f"ibkr-desktop-{digest}"


def bring_to_front(window: QWidget) -> None:
    """Show ``window`` (also when hidden to the tray or minimised), raise and activate it."""
    window.showNormal()
    window.raise_()
    window.activateWindow()


class SingleInstance(QObject):
    """The profile's lock and, once held, the server a second start talks to.

    Args:
        folder: the profile's data folder (created when missing).
    """

    raise_requested = Signal()
    """A second start asked for the window."""

    def __init__(self, folder: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.folder = folder
        self.name = server_name(folder)
        self._lock = QLockFile(str(folder / LOCK_FILE))
        self._lock.setStaleLockTime(0)  # stale only when its pid is dead, never by age
        self._server: QLocalServer | None = None

    def acquire(self) -> bool:
        """Take the lock; False when another running copy holds it.

        A lock left by a dead process is taken over. When the lock file cannot be written at
        all (a read-only folder) the app runs unguarded, with a warning in the log.
        """
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            _log.warning("cannot create %s (%s); not guarding against a second copy",
                         self.folder, exc)
            return True
        if self._lock.tryLock(0):
            return True
        if self._lock.error() != QLockFile.LockError.LockFailedError:
            _log.warning("cannot lock %s (%s); not guarding against a second copy",
                         self.folder / LOCK_FILE, self._lock.error().name)
            return True
        if self._lock.removeStaleLockFile() and self._lock.tryLock(0):
            return True
        return False

    def holder_pid(self) -> int | None:
        """The pid of the copy holding the lock, when its lock file says."""
        info = self._lock.getLockInfo()
        pid = info[0] if isinstance(info, tuple) and info else None
        return pid if isinstance(pid, int) and pid > 0 else None

    def listen(self) -> bool:
        """Start answering second starts (call once the lock is held); False when the server
        cannot listen (logged: second starts then only get the message, no raised window)."""
        QLocalServer.removeServer(self.name)  # a crashed holder's socket: we hold the lock now
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        server.newConnection.connect(self._on_connection)
        if not server.listen(self.name):
            _log.warning("second starts cannot reach this copy: %s", server.errorString())
            return False
        self._server = server
        return True

    def ask_to_raise(self, timeout_ms: int = 3000, tries: int = 10) -> bool:
        """From a second start: ask the running copy to bring its window to the front; True
        when it confirmed. Blocking for at most about ``timeout_ms`` per step; a copy that is
        still starting (its server not listening yet) is asked again, ``tries`` times in all,
        0.3 s apart."""
        socket = QLocalSocket()
        for attempt in range(tries):
            socket.connectToServer(self.name)
            if socket.waitForConnected(timeout_ms):
                break
            if attempt + 1 < tries:
                time.sleep(0.3)
        else:
            return False
        socket.write(RAISE)
        socket.waitForBytesWritten(timeout_ms)
        answered = socket.waitForReadyRead(timeout_ms) and bytes(socket.readAll().data()) == OK
        socket.disconnectFromServer()
        return answered

    def release(self) -> None:
        """Stop the server and give the lock up (at exit)."""
        if self._server is not None:
            self._server.close()
            self._server = None
        self._lock.unlock()

    def _on_connection(self) -> None:
        assert self._server is not None
        while (socket := self._server.nextPendingConnection()) is not None:
            socket.setParent(self)
            socket.readyRead.connect(lambda socket=socket: self._on_request(socket))
            socket.disconnected.connect(socket.deleteLater)

    def _on_request(self, socket: QLocalSocket) -> None:
        if not socket.canReadLine():
            return
        if bytes(socket.readLine().data()) == RAISE:
            _log.info("a second start asked for the window; bringing it to front")
            socket.write(OK)
            socket.flush()
            self.raise_requested.emit()
        socket.disconnectFromServer()

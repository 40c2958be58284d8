"""The demo paper account on disk: cash, positions, orders and fills survive a restart.

:class:`AccountFile` keeps one JSON file (written whole to a temporary file, then renamed, so a
crash never leaves half a file). :func:`snapshot` and :func:`restore` turn the brokerage's
books into plain JSON data and back; resetting the demo account is restoring the snapshot the
gateway took before it loaded the file.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from ..protocol.order_status import OrderStatus
from .accounts import Holding
from .brokerage import Brokerage
from .orders import Execution, Order

log = logging.getLogger("ibkr_desktop.demo_gateway.persistence")

FORMAT = 1
"""Version of the file layout; a file of another version is ignored (the account starts fresh)."""

_ACCOUNT_KEYS = ("cash", "realized_pnl", "commissions", "start_value")


def snapshot(brokerage: Brokerage) -> dict[str, Any]:
    """The brokerage's books as JSON data: accounts (cash, holdings, P&L), every order (with
    its cOID and fills so far), every execution, and the next order id."""
    accounts = {
        account_id: {**{key: getattr(account, key) for key in _ACCOUNT_KEYS},
                     "holdings": [asdict(h) for h in account.holdings.values()]}
        for account_id, account in brokerage.portfolio.accounts.items()
    }
    orders = [{**asdict(order), "status": str(order.status)} for order in brokerage.book.orders()]
    return {"format": FORMAT, "accounts": accounts, "orders": orders,
            "executions": [asdict(e) for e in brokerage.executions],
            "next_order_id": brokerage.book.next_id}


def restore(brokerage: Brokerage, data: dict[str, Any]) -> None:
    """Put the books of ``data`` (a :func:`snapshot`) into ``brokerage``, replacing its own.

    Accounts the gateway does not have are skipped; accounts the data lacks keep their books.

    Raises:
        ValueError: ``data`` is not a snapshot of this format (nothing is changed then).
    """
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError("not a demo account snapshot of this version")
    try:
        order_names = {f.name for f in fields(Order)}
        orders = [Order(**{k: v for k, v in item.items() if k in order_names})
                  for item in data["orders"]]
        for order in orders:
            order.status = OrderStatus(order.status)
        executions = [Execution(**item) for item in data["executions"]]
        books = {account_id: (item, [Holding(**h) for h in item["holdings"]])
                 for account_id, item in data["accounts"].items()}
        next_id = int(data["next_order_id"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"unreadable demo account snapshot: {exc}") from exc
    for account_id, (item, holdings) in books.items():
        account = brokerage.portfolio.accounts.get(account_id)
        if account is None:
            continue
        for key in _ACCOUNT_KEYS:
            setattr(account, key, float(item[key]))
        account.holdings = {h.conid: h for h in holdings}
    brokerage.book.replace_all(orders, next_id)
    brokerage.executions[:] = executions


class AccountFile:
    """One JSON file holding a :func:`snapshot`.

    Args:
        path: where the account is kept (its folder is created on the first save).
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._last: str | None = None

    def load(self) -> dict[str, Any] | None:
        """The saved snapshot, or None when there is none or it cannot be read (logged)."""
        try:
            text = self.path.read_text(encoding="utf-8")
            data = json.loads(text)
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            log.warning("demo account file %s unreadable (%s); starting afresh", self.path, exc)
            return None
        self._last = text
        return data if isinstance(data, dict) else None

    def save(self, data: dict[str, Any]) -> bool:
        """Write ``data`` when it differs from what was last written; True when written.

        Raises:
            OSError: the file cannot be written.
        """
        text = json.dumps(data, sort_keys=True)
        if text == self._last:
            return False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(self.path.name + ".tmp")
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, self.path)
        self._last = text
        return True


class AccountKeeper:
    """Keeps a brokerage's books in an :class:`AccountFile`: loads them at start, saves them
    while the gateway runs (only when they changed) and at stop, and resets them.

    Args:
        brokerage: the books to keep.
        path: the account file; None keeps the books in memory only (reset still works).
    """

    def __init__(self, brokerage: Brokerage, path: Path | str | None) -> None:
        self._brokerage = brokerage
        self.file = AccountFile(path) if path is not None else None
        self._fresh = snapshot(brokerage)

    def load(self) -> bool:
        """Restore the saved account, if there is a readable one; True when restored."""
        if self.file is None:
            return False
        data = self.file.load()
        if data is None:
            return False
        try:
            restore(self._brokerage, data)
        except ValueError as exc:
            log.warning("demo account file %s not used: %s", self.file.path, exc)
            return False
        self._invalidate()
        return True

    def save(self) -> bool:
        """Write the books if they changed since the last write; True when written
        (a failing disk is logged, not raised: the demo keeps running)."""
        if self.file is None:
            return False
        try:
            return self.file.save(snapshot(self._brokerage))
        except OSError as exc:
            log.warning("demo account not saved to %s: %s", self.file.path, exc)
            return False

    def reset(self) -> None:
        """Start the account afresh (the books the gateway began with) and save that."""
        restore(self._brokerage, self._fresh)
        self._invalidate()
        self.save()

    def _invalidate(self) -> None:
        for account_id in self._brokerage.portfolio.accounts:
            self._brokerage.portfolio.invalidate(account_id)


class AccountFileInUse(Exception):
    """Another process holds the account file's lock; ``pid`` is its process id (None: unknown)."""

    def __init__(self, path: Path, pid: int | None) -> None:
        holder = f"process {pid}" if pid is not None else "another process"
        super().__init__(f"the demo account file {path} is in use by {holder} (another "
                         "ibkr-desktop-gateway or ibkr-desktop); two gateways on one file "
                         "overwrite each other's fills and reuse order ids")
        self.pid = pid


class AccountFileLock:
    """An exclusive lock on an account file, so two gateways never share one: ``<file>.lock``
    beside it, locked with ``fcntl.flock`` (``msvcrt.locking`` on Windows) and holding the
    owner's pid. The operating system drops the lock when its process ends, so a crashed
    gateway never leaves a stale lock behind.

    Args:
        path: the account file (the lock file is ``path`` + ``.lock``).
    """

    def __init__(self, path: Path | str) -> None:
        self.account_path = Path(path)
        self.path = Path(str(path) + ".lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock (creating the folder and the lock file as needed).

        Raises:
            AccountFileInUse: another process holds it.
            OSError: the lock file cannot be created.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            _lock(fd)
        except OSError:
            try:
                holder = os.read(fd, 32).decode("ascii", "replace").strip()
            except OSError:  # Windows: the holder's locked byte cannot be read
                holder = ""
            finally:
                os.close(fd)
            raise AccountFileInUse(self.account_path,
                                   int(holder) if holder.isdigit() else None) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        self._fd = fd

    @property
    def locked(self) -> bool:
        """Whether this object holds the lock."""
        return self._fd is not None

    def release(self) -> None:
        """Give the lock up (the lock file stays; it is harmless unlocked)."""
        if self._fd is not None:
            os.close(self._fd)  # closing drops the lock
            self._fd = None


def _lock(fd: int) -> None:
    """Lock ``fd`` exclusively without waiting; OSError when another process holds it."""
    if os.name == "nt":
        import msvcrt

        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

"""The order journal: every intent, question, answer, server response, status change and fill,
with times, in a SQLite file in the user data directory; exported to CSV on request.

One table, appended to and never rewritten. Rows hold order facts only (ids, cOIDs, texts IBKR
gave); never session ids or cookies. ``":memory:"`` keeps a journal for tests.
"""

from __future__ import annotations

import csv
import datetime as dt
import sqlite3
from collections.abc import Iterator
from dataclasses import astuple, dataclass, fields
from pathlib import Path
from typing import TextIO

from ibkr_desktop.protocol.redaction import redact

_SCHEMA = """
CREATE TABLE IF NOT EXISTS journal (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    time_ms INTEGER NOT NULL,
    kind TEXT NOT NULL,
    account TEXT,
    coid TEXT,
    order_id INTEGER,
    text TEXT NOT NULL
)
"""
KINDS = ("intent", "question", "answer", "response", "status", "fill", "cancel", "blocked")
"""The kinds of row: what the user asked, IBKR's question, the user's answer to it, what the
server answered, a status change, an execution, a cancel request, a send stopped locally."""


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One journal row; ``time_ms`` is epoch ms (client clock), ``seq`` the insertion order."""

    seq: int
    time_ms: int
    kind: str
    account: str | None
    coid: str | None
    order_id: int | None
    text: str


class Journal:
    """An append-only SQLite journal of order events.

    Args:
        path: the database file (created with its folder), or ``":memory:"``.

    Raises:
        sqlite3.Error: the file cannot be opened or is not a journal.
    """

    def __init__(self, path: Path | str) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path))
        # WAL + NORMAL: a commit appends without waiting for the disk (the GUI thread writes),
        # and a crash of the app still loses nothing committed.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(_SCHEMA)
        self._db.commit()

    def write(self, time_ms: int, kind: str, text: str, *, account: str | None = None,
              coid: str | None = None, order_id: int | None = None) -> None:
        """Append one row (committed at once: a crash loses nothing written)."""
        self._db.execute(
            "INSERT INTO journal (time_ms, kind, account, coid, order_id, text) "
            "VALUES (?, ?, ?, ?, ?, ?)", (time_ms, kind, account, coid, order_id, text))
        self._db.commit()

    def entries(self, *, coid: str | None = None, order_id: int | None = None,
                ) -> list[JournalEntry]:
        """Rows in the order written, all or those of one cOID / order id."""
        return list(self._select(coid, order_id))

    def clear(self) -> None:
        """Forget every row (the demo account was reset)."""
        self._db.execute("DELETE FROM journal")
        self._db.commit()

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def _select(self, coid: str | None, order_id: int | None) -> Iterator[JournalEntry]:
        where, args = [], []
        for column, value in (("coid", coid), ("order_id", order_id)):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        sql = "SELECT seq, time_ms, kind, account, coid, order_id, text FROM journal"
        if where:
            sql += " WHERE " + " OR ".join(where)
        for row in self._db.execute(sql + " ORDER BY seq", args):
            yield JournalEntry(*row)


def export_csv(entries: list[JournalEntry], out: TextIO) -> int:
    """Write ``entries`` as CSV (a header, then one line per row, times as epoch ms and as
    ISO-8601 UTC; account ids masked and secrets redacted, as in the log: a file that leaves
    the machine); returns the number of rows written."""
    writer = csv.writer(out)
    names = [f.name for f in fields(JournalEntry)]
    writer.writerow([*names, "time_utc"])
    for entry in entries:
        when = dt.datetime.fromtimestamp(entry.time_ms / 1000, dt.UTC)
        row = [redact(v) if isinstance(v, str) else v for v in astuple(entry)]
        writer.writerow([*row, when.isoformat(timespec="milliseconds")])
    return len(entries)

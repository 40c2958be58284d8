"""The order journal: rows survive a reopen, filter by cOID / order id, export to CSV, clear."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ibkr_desktop.client.journal import Journal, export_csv


def test_rows_survive_a_reopen_and_filter(tmp_path: Path) -> None:
    path = tmp_path / "data" / "journal.sqlite"
    journal = Journal(path)
    journal.write(1_000, "intent", "BUY 1 conid 8314 MKT DAY", account="DU1", coid="c-1")
    journal.write(2_000, "response", "order 42 Submitted", account="DU1", coid="c-1",
                  order_id=42)
    journal.write(3_000, "intent", "SELL 2 conid 8314 MKT DAY", account="DU1", coid="c-2")
    journal.close()
    reopened = Journal(path)
    try:
        assert [e.kind for e in reopened.entries()] == ["intent", "response", "intent"]
        assert [e.text for e in reopened.entries(coid="c-1")] == [
            "BUY 1 conid 8314 MKT DAY", "order 42 Submitted"]
        [row] = reopened.entries(order_id=42)
        assert (row.time_ms, row.account, row.coid) == (2_000, "DU1", "c-1")
        reopened.clear()
        assert reopened.entries() == []
    finally:
        reopened.close()


def test_csv_export_has_a_header_and_utc_times() -> None:
    journal = Journal(":memory:")
    journal.write(1_764_460_800_123, "fill", 'BUY 1 AAPL at 185, "partial"', coid="c-1",
                  order_id=7)
    out = io.StringIO()
    assert export_csv(journal.entries(), out) == 1
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == ["seq", "time_ms", "kind", "account", "coid", "order_id", "text",
                       "time_utc"]
    assert rows[1] == ["1", "1764460800123", "fill", "", "c-1", "7",
                       'BUY 1 AAPL at 185, "partial"', "2025-11-30T00:00:00.123+00:00"]

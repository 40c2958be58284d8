"""Write a table snapshot to CSV or XLSX; plain functions that run in an executor thread.

The view takes the snapshot on the GUI thread (header + rows as plain Python values) and hands it
here, so the slow part (openpyxl especially) never blocks the GUI and never touches a QObject.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

Cell = str | float | int | None


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> int:
    """Write UTF-8 CSV (with BOM so spreadsheet apps detect it); returns rows written."""
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(["" if v is None else v for v in row] for row in rows)
    return len(rows)


def write_xlsx(path: Path, header: Sequence[str], rows: Sequence[Sequence[Cell]],
               sheet: str = "Sheet1") -> int:
    """Write an Excel workbook: bold frozen header, numbers kept numeric; returns rows written."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    ws = workbook.active
    ws.title = sheet[:31] or "Sheet1"
    ws.append(list(header))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    for row in rows:
        ws.append(list(row))
    for column_cells in ws.columns:
        width = max((len(str(c.value)) for c in column_cells if c.value is not None), default=8)
        ws.column_dimensions[column_cells[0].column_letter].width = min(max(width + 2, 8), 48)
    workbook.save(path)
    return len(rows)

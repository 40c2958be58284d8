"""Write a table snapshot to CSV or XLSX; plain functions that run in an executor thread.

The view takes the snapshot on the GUI thread (header, column kinds and rows as plain Python
values) and hands it here, so the slow part (openpyxl especially) never blocks the GUI and never
touches a QObject. Values are written the way a trader reads them in a spreadsheet:

* numbers without float noise (``732.000000000001`` -> ``732``; prices keep 6 decimals, money
  and P&L 4), whole quantities and volumes as integers; percentages (Chg %, Weight) with 2
  decimals in CSV (``-1.45``, ``12.50``), as the table shows them;
* times (epoch ms) with their date: ``2026-11-30 14:31:05`` (local time) in CSV, a real
  date-time cell in XLSX;
* in XLSX a number format per kind (prices ``0.00##``, quantities ``0``, money ``#,##0.00``,
  percentages ``0.00%`` on the fraction), and the sheet named after the table.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ibkr_desktop.models.columns import Kind

Cell = str | float | int | datetime | None

_DECIMALS: dict[Kind, int] = {
    Kind.PRICE: 6, Kind.CHANGE: 6, Kind.PERCENT: 2, Kind.WEIGHT: 2, Kind.SIZE: 6,
    Kind.VOLUME: 0, Kind.MONEY: 4, Kind.PNL: 4,
}
"""Decimals kept per kind (beyond them a float's last digits are noise, not data)."""

XLSX_FORMATS: dict[Kind, str] = {
    Kind.PRICE: "0.00##", Kind.CHANGE: "+0.00##;-0.00##;0.00", Kind.PERCENT: "0.00%",
    Kind.WEIGHT: "0.00%",
    Kind.SIZE: "0", Kind.VOLUME: "#,##0", Kind.MONEY: "#,##0.00",
    Kind.PNL: "#,##0.00;-#,##0.00", Kind.TIME: "yyyy-mm-dd hh:mm:ss",
}
"""Excel number format per column kind (a fractional quantity gets ``0.0###``)."""

_PERCENTS = frozenset({Kind.PERCENT, Kind.WEIGHT})
"""Kinds held in percent (1.45 = 1.45%): written to XLSX as the fraction (0.0145)."""

_NOT_IN_FILE_NAMES = '/\\:*?"<>|'
"""Characters a file name cannot hold on some system (path separators, Windows' reserved)."""

TIME_TEXT = "%Y-%m-%d %H:%M:%S"
"""How a time is written in CSV (local time, ISO order)."""


@dataclass(frozen=True, slots=True)
class TableSnapshot:
    """What one export writes.

    Attributes:
        title: the table's name ("Positions"): the XLSX sheet name.
        header: column titles, left to right as shown.
        kinds: each column's :class:`Kind` (same length as ``header``).
        rows: raw values (numbers as numbers, epoch ms for times, text as shown).
    """

    title: str
    header: Sequence[str]
    kinds: Sequence[Kind]
    rows: Sequence[Sequence[Cell]]


def clean(kind: Kind, value: Cell) -> Cell:
    """One exported value: float noise rounded off, whole numbers as ints, times as datetimes.

    Text and missing values pass through; a number in a text column stays as it is.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    if kind is Kind.TIME:
        return datetime.fromtimestamp(value / 1000)
    decimals = _DECIMALS.get(kind)
    if decimals is None or not math.isfinite(value):
        return value
    rounded = round(float(value), decimals)
    return int(rounded) if rounded.is_integer() else rounded


def _csv_text(kind: Kind, value: Cell) -> str | float | int:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime(TIME_TEXT)
    if kind in _PERCENTS and isinstance(value, int | float) and math.isfinite(value):
        return f"{value:.{_DECIMALS[kind]}f}"
    return value


def write_csv(path: Path, table: TableSnapshot) -> int:
    """Write UTF-8 CSV (with BOM so spreadsheet apps detect it); returns rows written."""
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(table.header)
        writer.writerows([_csv_text(k, clean(k, v)) for k, v in zip(table.kinds, row, strict=True)]
                         for row in table.rows)
    return len(table.rows)


def file_stem(title: str) -> str:
    """A file name for an export of ``title``: "Positions" -> "positions", "Tech/AI" ->
    "tech-ai", "mylist" -> "mylist" (lower case, blanks and path characters as dashes)."""
    stem = "".join("-" if c in _NOT_IN_FILE_NAMES or c.isspace() else c for c in title)
    return stem.strip("-. ").lower() or "export"


def sheet_name(title: str) -> str:
    """An Excel-safe sheet name: without ``[]:*?/\\``, at most 31 characters."""
    name = "".join(" " if c in "[]:*?/\\" else c for c in title).strip()[:31]
    return name or "Sheet1"


def write_xlsx(path: Path, table: TableSnapshot) -> int:
    """Write an Excel workbook: one sheet named after the table, bold frozen header, numbers
    numeric with a format per kind, times as date-time cells; returns rows written."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    ws = workbook.active
    ws.title = sheet_name(table.title)
    ws.append(list(table.header))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    for row in table.rows:
        values = [clean(k, v) for k, v in zip(table.kinds, row, strict=True)]
        ws.append([round(v / 100, 8) if k in _PERCENTS and isinstance(v, int | float) else v
                   for k, v in zip(table.kinds, values, strict=True)])
        for cell, kind, value in zip(ws[ws.max_row], table.kinds, values, strict=True):
            if isinstance(value, int | float | datetime) and kind in XLSX_FORMATS:
                fractional = kind is Kind.SIZE and isinstance(value, float)
                cell.number_format = "0.0###" if fractional else XLSX_FORMATS[kind]
    for column_cells in ws.columns:
        width = max((len(str(c.value)) for c in column_cells if c.value is not None), default=8)
        ws.column_dimensions[column_cells[0].column_letter].width = min(max(width + 2, 8), 48)
    workbook.save(path)
    return len(table.rows)

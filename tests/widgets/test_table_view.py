"""DataTable: copy and export what is shown, column layout round trip, keyboard and menus."""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from ibkr_desktop.models.watchlist import WatchItem, WatchlistModel
from ibkr_desktop.widgets.table_view import DataTable


def make_table(qtbot) -> tuple[DataTable, WatchlistModel]:
    model = WatchlistModel()
    model.set_items([WatchItem(1, "AAA"), WatchItem(2, "BBB"), WatchItem(3, "CCC")])
    model.apply({1: {"last": 10.5, "volume_long": 1_234_567.0, "bid_size": 1300.0},
                 2: {"last": 20.25}, 3: {"last": 1234.5}})
    table = DataTable(model, name="Watchlist")
    qtbot.addWidget(table)
    return table, model


def test_default_columns_follow_the_specs(qtbot) -> None:
    """Columns marked hidden start hidden; the rest show in spec order."""
    table, model = make_table(qtbot)
    shown = [model.columns[c].key for c in table.shown_columns()]
    assert "name" not in shown and "last_size" not in shown
    assert shown[:3] == ["symbol", "last", "change"]


def test_copy_puts_selected_rows_on_the_clipboard(qtbot) -> None:
    """Ctrl+C copies the selected rows as tab-separated text with the header line."""
    table, _ = make_table(qtbot)
    table.select_row(1)
    qtbot.keyClick(table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    lines = QGuiApplication.clipboard().text().splitlines()
    assert lines[0].split("\t")[:2] == ["Symbol", "Last"]
    assert lines[1].split("\t")[:2] == ["BBB", "20.25"]
    assert len(lines) == 2


def test_column_state_round_trip(qtbot) -> None:
    """Hidden, moved and resized columns come back the same in a new table."""
    table, model = make_table(qtbot)
    header = table.horizontalHeader()
    header.setSectionHidden(model.column_index("open"), True)
    header.moveSection(header.visualIndex(model.column_index("volume")), 1)
    table.setColumnWidth(model.column_index("bid"), 140)
    state = table.column_state()
    again, _ = make_table(qtbot)
    again.restore_column_state(state)
    assert again.column_state() == state
    again.restore_column_state({"order": "junk"})
    assert again.column_state() == state
    again.reset_columns()
    assert again.column_state()["order"][:2] == ["symbol", "last"]


async def test_export_csv_and_xlsx_write_the_shown_rows(qtbot, tmp_path: Path) -> None:
    """CSV and Excel exports hold the visible columns in view order, numbers as numbers."""
    table, model = make_table(qtbot)
    table.horizontalHeader().setSectionHidden(model.column_index("change"), True)
    assert await table.export_to(tmp_path / "w.csv") == 3
    with (tmp_path / "w.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:3] == ["Symbol", "Last", "Chg %"]
    assert rows[1][:2] == ["AAA", "10.5"] and rows[3][:2] == ["CCC", "1234.5"]
    assert await table.export_to(tmp_path / "w.xlsx") == 3
    sheet = load_workbook(tmp_path / "w.xlsx").active
    assert [c.value for c in sheet[1]][:2] == ["Symbol", "Last"]
    assert sheet["B4"].value == 1234.5
    volume_col = [c.value for c in sheet[1]].index("Volume")
    assert sheet.cell(row=2, column=volume_col + 1).value == 1_234_567


def test_context_menu_offers_copy_and_export(qtbot) -> None:
    """Every table's right-click menu has Copy, Export to CSV and Export to Excel."""
    table, _ = make_table(qtbot)
    texts = [a.text() for a in table.build_menu().actions()]
    assert texts == ["Copy", "Export to CSV…", "Export to Excel…"]


def test_sortable_table_maps_rows_through_the_proxy(qtbot) -> None:
    """Sorting by a column reorders the view; selection still names the model row."""
    model = WatchlistModel()
    model.set_items([WatchItem(1, "B"), WatchItem(2, "A")])
    table = DataTable(model, name="Sorted", sortable=True)
    qtbot.addWidget(table)
    table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    assert table.model().index(0, 0).data() == "A"
    table.selectRow(0)
    assert table.selected_rows() == [1]
    header, rows = table.snapshot()
    assert [r[0] for r in rows] == ["A", "B"]

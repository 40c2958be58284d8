"""Exports a trader can use (values, formats, sheet name, start folder) and totals kept last."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

from openpyxl import load_workbook
from PySide6.QtCore import Qt

from ibkr_desktop.models.columns import Kind
from ibkr_desktop.models.positions import PositionsModel
from ibkr_desktop.models.table import Role
from ibkr_desktop.protocol.events import Position
from ibkr_desktop.widgets.export import clean, sheet_name
from ibkr_desktop.widgets.table_view import DataTable

NOW_S = 1_796_000_000.0


def positions_table(qtbot) -> DataTable:
    model = PositionsModel(clock=lambda: NOW_S)
    model.set_positions([
        Position("DU1", 1, "AAPL", 100.0, 186.1 + 1e-12, 188.6, 18_860.000000000004,
                 249.99999999999, 12.5, "USD"),
        Position("DU1", 2, "TSLA", -30.0, 248.57, 255.08, -7652.4, -195.3, 0.0, "USD"),
        Position("DU1", 3, "MSFT", 50.5, 433.9, 425.63, 21_494.315, -417.6, 0.0, "USD"),
    ], as_of_ms=NOW_S * 1000)
    model.flush()
    table = DataTable(model, name="Positions", sortable=True)
    qtbot.addWidget(table)
    return table


def test_clean_drops_float_noise_and_keeps_whole_numbers_whole() -> None:
    """732.000000000001 -> 732; whole quantities and volumes are ints; times are datetimes."""
    assert clean(Kind.PRICE, 732.000000000001) == 732 and isinstance(
        clean(Kind.PRICE, 732.000000000001), int)
    assert clean(Kind.PRICE, 188.61000000000001) == 188.61
    assert clean(Kind.MONEY, 0.1 + 0.2) == 0.3
    assert clean(Kind.SIZE, 100.0) == 100 and isinstance(clean(Kind.SIZE, 100.0), int)
    assert clean(Kind.SIZE, 50.5) == 50.5
    assert clean(Kind.VOLUME, 24_200_000.4) == 24_200_000
    assert clean(Kind.TIME, 1_796_000_000_000) == datetime.fromtimestamp(1_796_000_000)
    assert clean(Kind.TEXT, "AAPL") == "AAPL" and clean(Kind.PNL, None) is None
    assert sheet_name("Positions") == "Positions" and sheet_name("a/b:c") == "a b c"


def test_totals_row_stays_last_whichever_way_a_column_is_sorted(qtbot) -> None:
    """Sorting Positions by market value up or down keeps the totals row at the bottom."""
    table = positions_table(qtbot)
    proxy = table.model()
    column = table.source.column_index("market_value")
    for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
        table.sortByColumn(column, order)
        symbols = [proxy.index(r, 0).data() for r in range(proxy.rowCount())]
        assert symbols[-1] == "Total", (order, symbols)
        values = [proxy.index(r, column).data(Role.SORT) for r in range(proxy.rowCount() - 1)]
        assert values == sorted(values, reverse=order == Qt.SortOrder.DescendingOrder)


async def test_positions_export_without_noise_with_formats_and_sheet_name(
        qtbot, tmp_path: Path) -> None:
    """CSV: 186.1 not 186.100000000001, quantities as integers; XLSX: sheet "Positions",
    prices 0.00##, quantities 0, money #,##0.00, percentages 0.00% on the fraction."""
    table = positions_table(qtbot)
    await table.export_to(tmp_path / "p.csv")
    with (tmp_path / "p.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["Symbol"] for r in rows] == ["AAPL", "TSLA", "MSFT", "Total"]
    assert rows[0]["Avg cost"] == "186.1" and rows[0]["Position"] == "100"
    assert rows[2]["Position"] == "50.5" and rows[0]["Market value"] == "18860"
    assert rows[0]["Realized P&L"] == "12.5" and rows[3]["Realized P&L"] == "12.5"
    await table.export_to(tmp_path / "p.xlsx")
    sheet = load_workbook(tmp_path / "p.xlsx")["Positions"]
    header = [c.value for c in sheet[1]]
    cell = {title: sheet.cell(row=2, column=header.index(title) + 1) for title in header}
    assert cell["Avg cost"].value == 186.1 and cell["Avg cost"].number_format == "0.00##"
    assert cell["Position"].value == 100 and cell["Position"].number_format == "0"
    assert cell["Market value"].number_format == "#,##0.00"
    weight = cell["Weight"]
    assert weight.number_format == "0.00%" and 0 < weight.value < 1


def test_save_dialog_starts_in_the_last_folder_else_documents(qtbot, tmp_path: Path) -> None:
    """No export yet: Documents (or home); after one: that folder while it exists."""

    class Memory:
        value = ""

        def get(self) -> str:
            return self.value

        def set(self, value: str) -> None:
            self.value = value

    table = positions_table(qtbot)
    first = table.start_folder()
    assert Path(first).is_dir()
    table.export_folder = memory = Memory()
    assert table.start_folder() == first
    memory.set(str(tmp_path))
    assert table.start_folder() == str(tmp_path)
    memory.set(str(tmp_path / "gone"))
    assert table.start_folder() == first


def watchlist_panel(qtbot):
    """A watchlist named "mylist" with one quoted row (AAPL: last 188.62, Chg % -1.4537)."""
    from ibkr_desktop.models.watchlist import WatchItem, WatchlistModel
    from ibkr_desktop.models.watchlists import WatchlistSet
    from ibkr_desktop.widgets.watchlist_panel import WatchlistPanel

    async def no_search(text: str) -> list:
        return []

    model = WatchlistModel(clock=lambda: NOW_S)
    panel = WatchlistPanel(model, WatchlistSet({"mylist": [WatchItem(265598, "AAPL")]}),
                           no_search)
    qtbot.addWidget(panel)
    model.apply({265598: {"last": 188.62, "change_pct": -1.4537, "change": -2.77}})
    model.flush()
    return panel


async def test_watchlist_export_is_named_after_the_list_without_the_age_text(
        qtbot, tmp_path: Path, monkeypatch) -> None:
    """Export of the list "mylist": the save dialog offers mylist.csv, the sheet is "mylist",
    the file has no "0.0s" Age column, Chg % has 2 decimals, and the message says "1 row"."""
    table = watchlist_panel(qtbot).table
    offered: list[str] = []
    monkeypatch.setattr("ibkr_desktop.widgets.table_view.QFileDialog.getSaveFileName",
                        lambda parent, caption, path, label: (offered.append(path), ("", ""))[1])
    table.export_dialog("csv")
    assert Path(offered[0]).name == "mylist.csv"
    said: list[str] = []
    table.message.connect(said.append)
    await table.export_to(tmp_path / "w.csv")
    assert said == [f"Exported 1 row to {tmp_path / 'w.csv'}"]
    with (tmp_path / "w.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert "Age" not in rows[0] and rows[0]["Symbol"] == "AAPL"
    assert rows[0]["Last"] == "188.62" and rows[0]["Chg %"] == "-1.45"
    await table.export_to(tmp_path / "w.xlsx")
    assert load_workbook(tmp_path / "w.xlsx").sheetnames == ["mylist"]


async def test_weight_and_change_percent_have_two_decimals_in_csv(qtbot, tmp_path: Path) -> None:
    """Positions CSV: Weight -15.94 (not -15.9412) and Chg % -1.45 (not -1.4537), like the table."""
    table = positions_table(qtbot)
    table.source.apply_quotes({1: {"change_pct": -1.4537, "last": 188.6}})
    table.source.flush()
    await table.export_to(tmp_path / "p.csv")
    with (tmp_path / "p.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0]["Chg %"] == "-1.45"
    for row in rows[:3]:
        whole, _, decimals = row["Weight"].partition(".")
        assert whole.lstrip("-").isdigit() and len(decimals) == 2, row["Weight"]


def test_counts_take_the_right_number() -> None:
    """1 row, 0 rows, 2 symbols, 1 journal event: never "1 rows"."""
    from ibkr_desktop.models.columns import count_of
    from ibkr_desktop.widgets.export import file_stem

    assert [count_of(n, "row") for n in (0, 1, 2)] == ["0 rows", "1 row", "2 rows"]
    assert count_of(1, "journal event") == "1 journal event"
    assert file_stem("Tech/AI picks") == "tech-ai-picks" and file_stem("mylist") == "mylist"

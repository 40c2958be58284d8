"""Safe watchlist edits: undoable removal, asked deletes, taken names refused, imports."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QFileDialog, QInputDialog, QLabel

from ibkr_desktop.models.watchlist import WatchItem
from ibkr_desktop.widgets.watchlist_import import parse_symbols
from tests.helpers import wait_until
from tests.widgets.test_watchlist_panel import button, make_panel

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")

ROWS = [WatchItem(1, "A"), WatchItem(2, "B"), WatchItem(3, "C"), WatchItem(4, "D")]


def test_removed_rows_come_back_where_they_were_on_undo(qtbot) -> None:
    """Delete of rows B and D, then undo: both back at their rows, selected; redo removes them
    again; undo after switching lists shows their list first."""
    panel, _ = make_panel(qtbot, list(ROWS))
    panel.table.setFocus()
    panel.table.select_row(1)
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    panel.table.selectionModel().select(panel.model.index(3, 0), flags)
    qtbot.keyClick(panel.table, Qt.Key.Key_Delete)
    assert panel.model.conids() == [1, 3]
    assert panel.undo_stack.undoText() == "remove B, D"
    panel.undo_stack.undo()
    assert panel.model.conids() == [1, 2, 3, 4]
    assert panel.table.selected_rows() == [1, 3]
    assert [i.conid for i in panel.lists.items()] == [1, 2, 3, 4]
    panel.undo_stack.redo()
    assert panel.model.conids() == [1, 3]
    panel.new_list("Other")
    panel.undo_stack.undo()
    assert panel.lists.current == "Main" and panel.model.conids() == [1, 2, 3, 4]


def test_deleting_a_list_asks_and_keep_is_the_default(qtbot) -> None:
    """The delete question names the list and its size; Enter (Keep) keeps it."""
    panel, _ = make_panel(qtbot)
    panel.new_list("Tech")
    panel.delete_list()
    box = panel.dialog
    assert "“Tech”" in box.text() and "its 0 symbols" in box.informativeText()
    assert box.defaultButton() is button(box, "Keep")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert panel.lists.names == ["Main", "Tech"] and panel.dialog is None


def test_the_only_list_is_never_deleted(qtbot) -> None:
    """Delete on the only list says why not; its rows stay."""
    panel, _ = make_panel(qtbot)
    panel.delete_list()
    box = panel.dialog
    assert "only watchlist" in box.text() and "cannot be deleted" in box.text()
    button(box, "OK").click()
    assert panel.lists.names == ["Main"] and panel.model.conids() == [8314, 272093]


@pytest.mark.parametrize(("taken", "chosen", "again"), [
    ("Main", "Chips", "Chips"),
    ("main", "TECH", "tech"),  # names are unique ignoring case; a list may recase its own
])
def test_a_taken_name_is_refused_and_another_can_be_chosen(qtbot, taken: str, chosen: str,
                                                           again: str) -> None:
    """Renaming "Tech" to a taken name ("Main", or "main" while "Main" exists) keeps the
    prompt open saying so; the name then chosen is taken for a new list too."""
    panel, _ = make_panel(qtbot)
    panel.new_list("Tech")
    panel.rename_list(taken)
    dialog = panel.dialog
    assert isinstance(dialog, QInputDialog) and dialog.isVisible()
    labels = [label.text() for label in dialog.findChildren(QLabel)]
    assert f"“{taken}” is already a watchlist. Choose another name:" in labels
    assert panel.lists.names == ["Main", "Tech"]
    dialog.setTextValue(chosen)
    dialog.accept()
    assert panel.lists.names == ["Main", chosen] and panel.picker.currentText() == chosen
    panel.new_list(again)  # the same rule for a new list
    assert panel.dialog is not None and panel.dialog.isVisible()
    assert panel.lists.names == ["Main", chosen]


def test_symbol_lists_and_csv_files_parse() -> None:
    """One per line, comma/space separated; CSV by its Symbol column or its first column."""
    assert parse_symbols("aapl\nmsft, nvda;IBM  aapl\n") == ["AAPL", "MSFT", "NVDA", "IBM"]
    assert parse_symbols("Name,Symbol\nApple,AAPL\nAMD Inc,amd\n", is_csv=True) == [
        "AAPL", "AMD"]
    assert parse_symbols("AAPL,10\nMSFT,5\n\n", is_csv=True) == ["AAPL", "MSFT"]


async def test_import_makes_a_list_and_names_the_symbols_not_found(qtbot, tmp_path) -> None:
    """A CSV of 4 symbols, 2 unknown: a new list "picks" of the 2 found, one message."""
    panel, search = make_panel(qtbot)
    path = Path(tmp_path, "picks.csv")
    path.write_text("Symbol,Qty\nAMD,1\nXYZQ,2\naapl,3\nAM,4\n", encoding="utf-8")
    messages: list[str] = []
    panel.message.connect(messages.append)
    text = await panel.import_file(path)
    assert text == "Imported 2 of 4 symbols from picks.csv; not found: XYZQ, AM"
    assert messages[-1] == text
    assert panel.lists.current == "picks" and panel.picker.currentText() == "picks"
    assert [i.symbol for i in panel.model.items()] == ["AMD", "AAPL"]
    assert search.queries == ["AMD", "XYZQ", "AAPL", "AM"]
    await panel.import_file(path)  # again: "picks" is taken, so its name is asked for
    assert panel.lists.names == ["Main", "picks"] and panel.dialog is not None
    panel.dialog.setTextValue("picks 2")
    panel.dialog.accept()
    assert panel.lists.current == "picks 2" and len(panel.model.items()) == 2


async def test_the_import_dialog_starts_in_documents_and_imports_the_file(
        qtbot, tmp_path, monkeypatch) -> None:
    """Watchlist → Import watchlist… asks for a file where exports go, then imports it."""
    panel, _ = make_panel(qtbot)
    path = Path(tmp_path, "chips.txt")
    path.write_text("AMD\n", encoding="utf-8")
    asked: list[str] = []

    def choose(_parent, _title, folder, _filters):
        asked.append(folder)
        return str(path), ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", choose)
    panel.import_dialog()
    await wait_until(lambda: panel.lists.current == "chips")
    assert asked == [panel.table.start_folder()]
    assert [i.symbol for i in panel.model.items()] == ["AMD"]

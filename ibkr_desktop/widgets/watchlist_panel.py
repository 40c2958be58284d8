"""The watchlist panel: list picker, contract search and the streaming table.

Edits (add, remove, reorder, switch/create/rename/delete/import lists, column layout) change the
:class:`WatchlistModel` and the :class:`WatchlistSet`; the panel announces ``lists_changed`` /
``columns_changed`` and the app persists. Row removals go on :attr:`WatchlistPanel.undo_stack`
(Ctrl+Z); deleting a list asks first and the only list is never deleted; a name already taken is
refused in the name prompt. Nothing here talks to the network: searches (typed or imported) go
through the search function it was given.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QMenu,
    QMessageBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot

from ibkr_desktop.models.columns import count_of
from ibkr_desktop.models.watchlist import WatchItem, WatchlistModel
from ibkr_desktop.models.watchlists import WatchlistSet
from ibkr_desktop.protocol.errors import IbkrError
from ibkr_desktop.protocol.events import ContractMatch
from ibkr_desktop.widgets.contract_search import ContractSearchBox, SearchFn
from ibkr_desktop.widgets.orders_panel import ask_destructive
from ibkr_desktop.widgets.table_view import DataTable
from ibkr_desktop.widgets.watchlist_edits import NameDialog, RemoveRows
from ibkr_desktop.widgets.watchlist_import import import_message, read_symbols, resolve

ROW_KEYS: dict[str, str] = {"remove": "Del", "up": "Ctrl+Up", "down": "Ctrl+Down",
                           "chart": "Ctrl+G"}
"""Keys (portable text) of the row commands while the table has focus; menus show them."""


class WatchlistPanel(QWidget):
    """Named watchlists over one streaming table.

    Signals:
        lists_changed(): rows or lists changed (persist ``lists.to_json()``).
        message(str): status text from the search box, the table or an edit.
        chart_requested(int, str): open a chart of (conid, symbol): double-click, the row menu's
            "Chart" or Ctrl+G on the current row.
    """

    lists_changed = Signal()
    message = Signal(str)
    chart_requested = Signal(int, str)

    def __init__(self, model: WatchlistModel, lists: WatchlistSet, search: SearchFn,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.lists = lists
        self._search_fn = search
        self.dialog: QDialog | None = None
        """The open name prompt or delete question (tests answer it)."""
        self.undo_stack = QUndoStack(self)
        """Row removals; the main window's Watchlist menu holds its undo/redo actions."""
        self.picker = QComboBox(self)
        self.picker.setObjectName("watchlistPicker")
        self.picker.setToolTip("Watchlist")
        self.picker.setMinimumContentsLength(12)
        self.search = ContractSearchBox(search, self)
        self.table = DataTable(model, name="Watchlist", parent=self)
        self.table.export_title = lambda: self.lists.current
        self.list_menu_button = QToolButton(self)
        self.list_menu_button.setText("Lists")
        self.list_menu_button.setToolTip("New, rename, import or delete watchlists")
        self.list_menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.list_menu_button)
        self.add_list_actions(menu)
        self.list_menu_button.setMenu(menu)

        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.picker)
        bar.addWidget(self.list_menu_button)
        bar.addWidget(self.search, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 0)
        layout.setSpacing(4)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)

        self._add_shortcuts()
        self.table.add_row_actions(self._row_menu)
        self.search.contract_chosen.connect(self.add_contract)
        self.search.message.connect(self.message)
        self.table.message.connect(self.message)
        self.picker.activated.connect(lambda i: self.switch_to(self.picker.itemText(i)))
        self.model.set_items(lists.items())
        self._fill_picker()
        self.setTabOrder(self.picker, self.search)
        self.setTabOrder(self.search, self.table)

    def add_list_actions(self, menu: QMenu) -> None:
        """New / Rename / Delete / Import watchlist entries (the Lists button, the menu bar)."""
        menu.addAction("&New watchlist…", lambda: self.new_list())
        menu.addAction("&Rename watchlist…", lambda: self.rename_list())
        menu.addAction("&Delete watchlist…", self.delete_list)
        menu.addAction("&Import watchlist…", self.import_dialog)

    def focus_search(self) -> None:
        """Ctrl+F: put the cursor in the symbol search box, its text selected."""
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    # -- list management --------------------------------------------------------------------
    def switch_to(self, name: str) -> None:
        """Show another named list (the current rows are stored first)."""
        if name == self.lists.current or name not in self.lists.names:
            return
        self.lists.store(self.model.items())
        self.lists.current = name
        self.model.set_items(self.lists.items())
        self._fill_picker()
        self.lists_changed.emit()

    def new_list(self, name: str | None = None, items: list[WatchItem] | None = None) -> None:
        """Create a list and show it; asks for a name when none (or a taken one) is given."""
        name = (name or "").strip()
        if not name or self.lists.taken(name):
            self._ask_name("New watchlist", name, None, lambda chosen: self.new_list(chosen, items))
            return
        self.lists.store(self.model.items())
        self.lists.create(name, items or ())
        self.model.set_items(self.lists.items())
        self._fill_picker()
        self.lists_changed.emit()
        self.search.setFocus()

    def rename_list(self, name: str | None = None) -> None:
        """Rename the current list; asks when no name (or another list's name) is given."""
        current = self.lists.current
        name = (name or "").strip()
        if not name or self.lists.taken(name, current):
            self._ask_name("Rename watchlist", name or current, current, self.rename_list)
            return
        self.lists.rename(current, name)
        self._fill_picker()
        self.lists_changed.emit()

    def _ask_name(self, title: str, text: str, own: str | None,
                  on_name: Callable[[str], None]) -> None:
        """The name prompt; ``own`` is the name being replaced (allowed to stay)."""
        dialog = NameDialog(self, title, text, lambda n: self.lists.taken(n, own))
        dialog.chosen.connect(on_name)
        self._track(dialog)
        dialog.open()
        if text and self.lists.taken(text, own):
            dialog.done(QDialog.DialogCode.Accepted)  # stays open, saying the name is taken

    def delete_list(self) -> None:
        """Ask, then delete the current list ("Keep" is the default); the only list stays."""
        name = self.lists.current
        if len(self.lists.names) == 1:
            box = QMessageBox(QMessageBox.Icon.Information, "Delete watchlist",
                              f"“{name}” is your only watchlist, so it cannot be deleted.",
                              QMessageBox.StandardButton.Ok, self)
            box.setInformativeText("Create another watchlist first, or remove its rows.")
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self._track(box)
            box.open()
            return
        count = len(self.model.items())
        box = ask_destructive(self, "Delete watchlist", f"Delete the watchlist “{name}”?",
                              f"The list and its {count_of(count, 'symbol')} "
                              "are deleted; this cannot be undone.", "Delete watchlist",
                              lambda: self._delete(name))
        self._track(box)

    def _delete(self, name: str) -> None:
        self.lists.delete(name)
        self.model.set_items(self.lists.items())
        self._fill_picker()
        self.lists_changed.emit()
        self.message.emit(f"Deleted the watchlist “{name}”")

    def _track(self, dialog: QDialog) -> None:
        """Remember the open prompt (one at a time) until it closes."""
        if self.dialog is not None:
            self.dialog.close()
        self.dialog = dialog
        dialog.finished.connect(lambda _code: self._forget_dialog(dialog))

    def _forget_dialog(self, dialog: QDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None

    def _fill_picker(self) -> None:
        self.picker.blockSignals(True)
        self.picker.clear()
        self.picker.addItems(self.lists.names)
        self.picker.setCurrentText(self.lists.current)
        self.picker.blockSignals(False)

    # -- import -------------------------------------------------------------------------------
    def import_dialog(self) -> None:
        """Ask for a symbol list or CSV file (modal, outside any coroutine), then import it."""
        name, _ = QFileDialog.getOpenFileName(
            self, "Import watchlist", self.table.start_folder(),
            "Symbol lists (*.txt *.csv);;CSV files (*.csv);;All files (*)")
        if name:
            self._import_in_background(name)

    @asyncSlot(str)
    async def _import_in_background(self, name: str) -> None:
        await self.import_file(Path(name))

    async def import_file(self, path: Path) -> str:
        """A new list (named after the file; a taken name is asked for) of the file's symbols
        found by the search; returns (and shows) the one message naming those not found."""
        try:
            symbols = read_symbols(path)
            self.message.emit(f"Importing {count_of(len(symbols), 'symbol')} from {path.name}…")
            found, missing = await resolve(symbols, self._search_fn)
        except OSError as exc:
            text = f"Import failed: {exc.strerror or exc}"
        except IbkrError as exc:
            text = f"Import failed: contract search: {exc.message or exc}"
        else:
            if found:
                self.new_list(path.stem, found)
            text = import_message(path.name, len(found), missing)
        self.message.emit(text)
        return text

    # -- rows ---------------------------------------------------------------------------------
    def add_contract(self, match: ContractMatch) -> None:
        """Add a searched contract below the selection (or at the end) and select it."""
        if self.model.row_of(match.conid) is None:
            rows = self.table.selected_rows()
            at = rows[-1] + 1 if rows else None
            self.model.add(WatchItem(match.conid, match.symbol, match.name), at)
            self.rows_edited([])
            self.message.emit(f"Added {match.symbol}")
        else:
            self.message.emit(f"{match.symbol} is already on this watchlist")
        self.table.select_row(self.model.row_of(match.conid) or 0)

    def remove_selected(self) -> None:
        """Remove the selected rows (undoable) and keep the cursor near where it was."""
        rows = self.table.selected_rows()
        if rows:
            command = RemoveRows(self, rows)
            self.undo_stack.push(command)
            self.message.emit(f"Removed {command.text()[len('remove '):]} (Ctrl+Z undoes)")

    def move_selected(self, step: int) -> None:
        """Move the current row up (-1) or down (+1)."""
        rows = self.table.selected_rows()
        if len(rows) != 1:
            return
        target = rows[0] + step
        if self.model.move_row(rows[0], target):
            self.table.select_row(target)
            self.rows_edited([])

    def rows_edited(self, select: list[int]) -> None:
        """Store the shown rows in their list, announce it, and select ``select`` (if any)."""
        self.lists.store(self.model.items())
        self.lists_changed.emit()
        if select:
            self.table.select_row(select[0])
            flags = (QItemSelectionModel.SelectionFlag.Select
                     | QItemSelectionModel.SelectionFlag.Rows)
            for row in select[1:]:
                self.table.selectionModel().select(self.model.index(row, 0), flags)

    def request_chart(self) -> None:
        """Ask for a chart of the current row (nothing when no row is selected)."""
        rows = self.table.selected_rows()
        if rows:
            item = self.model.items()[rows[0]]
            self.chart_requested.emit(item.conid, item.symbol)

    def _row_menu(self, menu: QMenu, rows: list[int]) -> None:
        for text, key, slot, enabled in (
                ("Remove from watchlist", "remove", self.remove_selected, bool(rows)),
                ("Move up", "up", lambda: self.move_selected(-1), len(rows) == 1),
                ("Move down", "down", lambda: self.move_selected(1), len(rows) == 1),
                ("Chart", "chart", self.request_chart, bool(rows))):
            action = menu.addAction(text, slot)
            action.setShortcut(QKeySequence(ROW_KEYS[key]))  # shown only: owns no key
            action.setEnabled(enabled)

    def _add_shortcuts(self) -> None:
        self.table.bind_key(QKeySequence(ROW_KEYS["remove"]), self.remove_selected)
        self.table.bind_key(QKeySequence(ROW_KEYS["up"]), lambda: self.move_selected(-1))
        self.table.bind_key(QKeySequence(ROW_KEYS["down"]), lambda: self.move_selected(1))
        self.table.bind_key(QKeySequence(ROW_KEYS["chart"]), self.request_chart)
        self.table.doubleClicked.connect(lambda _index: self.request_chart())

"""The watchlist panel: list picker, contract search and the streaming table.

Edits (add, remove, reorder, switch/create/rename/delete lists, column layout) change the
:class:`WatchlistModel` and the :class:`WatchlistSet`; the panel announces ``lists_changed`` /
``columns_changed`` and the app persists. Nothing here talks to the network: searches go through
the search function it was given.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QMenu,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ibkr_desktop.models.watchlist import WatchItem, WatchlistModel
from ibkr_desktop.models.watchlists import WatchlistSet
from ibkr_desktop.protocol.events import ContractMatch
from ibkr_desktop.widgets.contract_search import ContractSearchBox, SearchFn
from ibkr_desktop.widgets.table_view import DataTable


class WatchlistPanel(QWidget):
    """Named watchlists over one streaming table.

    Signals:
        lists_changed(): rows or lists changed (persist ``lists.to_json()``).
        message(str): status text from the search box or table.
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
        self.picker = QComboBox(self)
        self.picker.setObjectName("watchlistPicker")
        self.picker.setToolTip("Watchlist")
        self.picker.setMinimumContentsLength(12)
        self.search = ContractSearchBox(search, self)
        self.table = DataTable(model, name="Watchlist", parent=self)
        self.list_menu_button = QToolButton(self)
        self.list_menu_button.setText("Lists")
        self.list_menu_button.setToolTip("New, rename or delete watchlists")
        self.list_menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.list_menu_button)
        menu.addAction("New watchlist…", self.new_list)
        menu.addAction("Rename watchlist…", self.rename_list)
        menu.addAction("Delete watchlist", self.delete_list)
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

    def new_list(self, name: str | None = None) -> None:
        """Create an empty list and show it (asks for a name when none is given)."""
        if name is None:
            name, ok = QInputDialog.getText(self, "New watchlist", "Name:")
            if not ok or not name.strip():
                return
        self.lists.store(self.model.items())
        self.lists.create(name)
        self.model.set_items([])
        self._fill_picker()
        self.lists_changed.emit()
        self.search.setFocus()

    def rename_list(self, name: str | None = None) -> None:
        """Rename the current list."""
        if name is None:
            name, ok = QInputDialog.getText(self, "Rename watchlist", "Name:",
                                            text=self.lists.current)
            if not ok:
                return
        self.lists.rename(self.lists.current, name)
        self._fill_picker()
        self.lists_changed.emit()

    def delete_list(self) -> None:
        """Delete the current list (the last one is emptied instead)."""
        self.lists.delete(self.lists.current)
        self.model.set_items(self.lists.items())
        self._fill_picker()
        self.lists_changed.emit()

    def _fill_picker(self) -> None:
        self.picker.blockSignals(True)
        self.picker.clear()
        self.picker.addItems(self.lists.names)
        self.picker.setCurrentText(self.lists.current)
        self.picker.blockSignals(False)

    # -- rows ---------------------------------------------------------------------------------
    def add_contract(self, match: ContractMatch) -> None:
        """Add a searched contract below the selection (or at the end) and select it."""
        if self.model.row_of(match.conid) is None:
            rows = self.table.selected_rows()
            at = rows[-1] + 1 if rows else None
            self.model.add(WatchItem(match.conid, match.symbol, match.name), at)
            self._rows_edited()
            self.message.emit(f"Added {match.symbol}")
        else:
            self.message.emit(f"{match.symbol} is already on this watchlist")
        self.table.select_row(self.model.row_of(match.conid) or 0)

    def remove_selected(self) -> None:
        """Remove the selected rows and keep the cursor near where it was."""
        rows = self.table.selected_rows()
        if not rows:
            return
        self.model.remove_rows(rows)
        self._rows_edited()
        if self.model.rowCount():
            self.table.select_row(min(rows[0], self.model.rowCount() - 1))

    def move_selected(self, step: int) -> None:
        """Move the current row up (-1) or down (+1)."""
        rows = self.table.selected_rows()
        if len(rows) != 1:
            return
        target = rows[0] + step
        if self.model.move_row(rows[0], target):
            self.table.select_row(target)
            self._rows_edited()

    def _rows_edited(self) -> None:
        self.lists.store(self.model.items())
        self.lists_changed.emit()

    def request_chart(self) -> None:
        """Ask for a chart of the current row (nothing when no row is selected)."""
        rows = self.table.selected_rows()
        if rows:
            item = self.model.items()[rows[0]]
            self.chart_requested.emit(item.conid, item.symbol)

    def _row_menu(self, menu: QMenu, rows: list[int]) -> None:
        remove = menu.addAction("Remove from watchlist", self.remove_selected)
        remove.setShortcut(QKeySequence.StandardKey.Delete)
        remove.setEnabled(bool(rows))
        up = menu.addAction("Move up", lambda: self.move_selected(-1))
        up.setShortcut(QKeySequence("Ctrl+Up"))
        down = menu.addAction("Move down", lambda: self.move_selected(1))
        down.setShortcut(QKeySequence("Ctrl+Down"))
        up.setEnabled(len(rows) == 1)
        down.setEnabled(len(rows) == 1)
        chart = menu.addAction("Chart", self.request_chart)
        chart.setShortcut(QKeySequence("Ctrl+G"))
        chart.setEnabled(bool(rows))

    def _add_shortcuts(self) -> None:
        self.table.bind_key(QKeySequence.StandardKey.Delete, self.remove_selected)
        self.table.bind_key(QKeySequence("Ctrl+Up"), lambda: self.move_selected(-1))
        self.table.bind_key(QKeySequence("Ctrl+Down"), lambda: self.move_selected(1))
        self.table.bind_key(QKeySequence("Ctrl+G"), self.request_chart)
        self.table.doubleClicked.connect(lambda _index: self.request_chart())
        find = QAction(self)
        find.setShortcut(QKeySequence.StandardKey.Find)
        find.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        find.triggered.connect(self._focus_search)
        self.addAction(find)

    def _focus_search(self) -> None:
        """Ctrl+F: put the cursor in the symbol search box, its text selected."""
        self.search.setFocus()
        self.search.selectAll()

"""The one table view every panel uses: keyboard-friendly, Copy/Export menu, saved column layout.

A :class:`DataTable` shows a :class:`~ibkr_desktop.models.table.RecordTableModel` (optionally
through a sorting proxy). Right-click offers Copy and Export (CSV, XLSX; written in an executor);
the header's menu shows/hides columns and sections can be dragged to reorder them. Column layout
is exposed as plain data (:meth:`column_state`) so the app can persist it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import (
    QItemSelectionModel,
    QModelIndex,
    QPoint,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QContextMenuEvent,
    QFontMetrics,
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
    QPaintEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHeaderView,
    QMenu,
    QTableView,
    QWidget,
)
from qasync import asyncSlot

from ibkr_desktop.models.columns import Kind, count_of
from ibkr_desktop.models.sorting import PinnedLastProxy
from ibkr_desktop.models.table import RecordTableModel, Role
from ibkr_desktop.widgets.export import Cell, TableSnapshot, file_stem, write_csv, write_xlsx
from ibkr_desktop.widgets.export_folder import Remembered, remember, start_folder

_RAW_KINDS = frozenset(Kind) - {Kind.TEXT, Kind.AGE}


class DataTable(QTableView):
    """A read-only table of one model with trader conveniences.

    Signals:
        message(str): a short result for the status bar ("Exported 12 rows to ...").
        columns_changed(): the user showed/hid/moved/resized a column (persist it).
        busy(bool, str): a long operation (export) started (True, text) or ended (False, "").
    """

    message = Signal(str)
    columns_changed = Signal()
    busy = Signal(bool, str)

    def __init__(self, model: RecordTableModel, *, name: str, sortable: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.source = model
        self.title = name
        if sortable:
            proxy = PinnedLastProxy(self)
            proxy.setSourceModel(model)
            proxy.setSortRole(Role.SORT)
            self.setModel(proxy)
            self.setSortingEnabled(True)
            self.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        else:
            self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setTabKeyNavigation(False)  # Tab moves to the next panel, arrows move in the table
        self.setShowGrid(False)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.horizontalHeader()
        header.setSectionsMovable(True)
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._header_menu)
        header.sectionMoved.connect(lambda *_: self.columns_changed.emit())
        header.sectionResized.connect(lambda *_: self.columns_changed.emit())
        self._row_actions: list[Callable[[QMenu, list[int]], None]] = []
        self._keys: list[tuple[QKeySequence | QKeySequence.StandardKey, Callable[[], None]]] = []
        self.paint_meter: Callable[[float], None] | None = None
        """Told how long each repaint took (the frame clock spaces frames out under load)."""
        self.export_folder: Remembered | None = None
        """The folder of the last export (the save dialog starts there; else in Documents)."""
        self.export_title: Callable[[], str] = lambda: self.title
        """The name an export takes (file name, sheet): the watchlist gives its list's name."""
        self._default_columns()

    # -- rows -----------------------------------------------------------------------------
    def source_row(self, view_row: int) -> int:
        """Model row behind a view row (through the sorting proxy, if any)."""
        model = self.model()
        if isinstance(model, QSortFilterProxyModel):
            return model.mapToSource(model.index(view_row, 0)).row()
        return view_row

    def selected_rows(self) -> list[int]:
        """Selected model rows, in view order."""
        view_rows = sorted({i.row() for i in self.selectionModel().selectedRows()})
        return [self.source_row(r) for r in view_rows]

    def select_row(self, model_row: int) -> None:
        """Select and focus one model row (keyboard flows, tests)."""
        index = self.source.index(model_row, 0)
        model = self.model()
        if isinstance(model, QSortFilterProxyModel):
            index = model.mapFromSource(index)
        flags = (QItemSelectionModel.SelectionFlag.ClearAndSelect
                 | QItemSelectionModel.SelectionFlag.Rows)
        self.selectionModel().setCurrentIndex(index, flags)

    def bind_key(self, keys: QKeySequence | QKeySequence.StandardKey,
                 callback: Callable[[], None]) -> None:
        """Run ``callback`` when ``keys`` is pressed while the table has focus (Delete...)."""
        self._keys.append((keys, callback))

    def add_row_actions(self, builder: Callable[[QMenu, list[int]], None]) -> None:
        """Let a panel add its own actions (Cancel order, Remove...) above Copy/Export."""
        self._row_actions.append(builder)

    # -- columns --------------------------------------------------------------------------
    def shown_columns(self) -> list[int]:
        """Logical indexes of visible columns, left to right as the user sees them."""
        header = self.horizontalHeader()
        logical = (header.logicalIndex(v) for v in range(header.count()))
        return [c for c in logical if not header.isSectionHidden(c)]

    def column_state(self) -> dict[str, object]:
        """Visible column keys in visual order and their widths (JSON-friendly)."""
        columns = self.source.columns
        shown = self.shown_columns()
        return {"order": [columns[c].key for c in shown],
                "widths": {columns[c].key: self.columnWidth(c) for c in shown}}

    def restore_column_state(self, state: object) -> None:
        """Re-apply :meth:`column_state` output; unknown keys are skipped, bad data ignored."""
        if not isinstance(state, dict) or not isinstance(state.get("order"), list):
            return
        keys = [c.key for c in self.source.columns]
        order = [k for k in state["order"] if k in keys]
        if not order:
            return
        header = self.horizontalHeader()
        with _Blocked(header):
            for logical, key in enumerate(keys):
                header.setSectionHidden(logical, key not in order)
            for visual, key in enumerate(order):
                header.moveSection(header.visualIndex(keys.index(key)), visual)
            widths = state.get("widths")
            if isinstance(widths, dict):
                for key, width in widths.items():
                    if key in keys and isinstance(width, int) and 20 <= width <= 2000:
                        self.setColumnWidth(keys.index(key), width)

    def reset_columns(self) -> None:
        """Back to the built-in column set, order and widths."""
        header = self.horizontalHeader()
        with _Blocked(header):
            for logical in range(header.count()):
                header.moveSection(header.visualIndex(logical), logical)
            self._default_columns()
        self.columns_changed.emit()

    def _default_columns(self) -> None:
        header = self.horizontalHeader()
        chars = self.fontMetrics().averageCharWidth()
        bold = self.font()
        bold.setBold(True)
        titles = QFontMetrics(bold)
        for logical, column in enumerate(self.source.columns):
            header.setSectionHidden(logical, not column.visible)
            width = max(titles.horizontalAdvance(column.title) + 22,
                        column.width_chars * chars + 16)
            self.setColumnWidth(logical, width)

    def _header_menu(self, pos: QPoint) -> None:
        menu = QMenu(self)
        header = self.horizontalHeader()
        for logical, column in enumerate(self.source.columns):
            action = menu.addAction(column.title)
            action.setCheckable(True)
            action.setChecked(not header.isSectionHidden(logical))
            action.toggled.connect(lambda on, c=logical: self._show_column(c, on))
        menu.addSeparator()
        menu.addAction("Reset columns", self.reset_columns)
        menu.popup(header.mapToGlobal(pos))

    def _show_column(self, logical: int, shown: bool) -> None:
        if not shown and len(self.shown_columns()) <= 1:
            return  # never hide the last column: the table would vanish
        self.horizontalHeader().setSectionHidden(logical, not shown)
        self.columns_changed.emit()

    # -- copy / export --------------------------------------------------------------------
    def snapshot(self, *, raw: bool = False, rows: Sequence[int] | None = None,
                 shown: Sequence[int] | None = None) -> tuple[list[str], list[list[Cell]]]:
        """Header and rows exactly as shown (visible columns, view order).

        Args:
            raw: numbers as numbers and times as epoch ms (for files) instead of display text
                (for the clipboard).
            rows: view rows to take; default all.
            shown: logical columns to take; default the visible ones in view order.
        """
        model = self.model()
        shown = self.shown_columns() if shown is None else shown
        columns = self.source.columns
        header = [columns[c].title for c in shown]
        wanted = range(model.rowCount()) if rows is None else rows
        out: list[list[Cell]] = []
        for r in wanted:
            line: list[Cell] = []
            for c in shown:
                index = model.index(r, c)
                value = index.data(Role.SORT) if raw and columns[c].kind in _RAW_KINDS else None
                if not isinstance(value, int | float) or isinstance(value, bool):
                    value = index.data(Qt.ItemDataRole.DisplayRole)
                line.append(value)
            out.append(line)
        return header, out

    def copy_selection(self) -> None:
        """Selected rows (or all) as tab-separated text with a header line."""
        view_rows = sorted({i.row() for i in self.selectionModel().selectedRows()})
        header, rows = self.snapshot(rows=view_rows or None)
        lines = ["\t".join(header)] + ["\t".join("" if v is None else str(v) for v in r)
                                       for r in rows]
        QGuiApplication.clipboard().setText("\n".join(lines) + "\n")
        self.message.emit(f"Copied {count_of(len(rows), 'row')}")

    def table_snapshot(self) -> TableSnapshot:
        """Every shown row with raw values and the column kinds, for a file export.

        The Age column is left out: "0.4s" says how fresh a row was on screen, which the file's
        reader can neither sort nor use once the moment has passed.
        """
        columns = self.source.columns
        shown = [c for c in self.shown_columns() if columns[c].kind is not Kind.AGE]
        header, rows = self.snapshot(raw=True, shown=shown)
        return TableSnapshot(self.export_title(), header, [columns[c].kind for c in shown], rows)

    async def export_to(self, path: Path) -> int:
        """Write every shown row to ``path`` (``.xlsx`` -> Excel, else CSV) off the GUI thread."""
        table = self.table_snapshot()
        writer = write_xlsx if path.suffix.lower() == ".xlsx" else write_csv
        self.busy.emit(True, f"Exporting {count_of(len(table.rows), 'row')} to {path.name}…")
        try:
            count = await asyncio.get_running_loop().run_in_executor(None, writer, path, table)
        finally:
            self.busy.emit(False, "")
        self.message.emit(f"Exported {count_of(count, 'row')} to {path}")
        return count

    def export_dialog(self, fmt: str) -> None:
        """Ask where to save (modal, outside any coroutine), then export in the background."""
        suffix = "xlsx" if fmt == "xlsx" else "csv"
        label = "Excel workbook (*.xlsx)" if suffix == "xlsx" else "CSV file (*.csv)"
        title = self.export_title()
        default = Path(self.start_folder(), f"{file_stem(title)}.{suffix}")
        name, _ = QFileDialog.getSaveFileName(self, f"Export {title}", str(default), label)
        if name:
            remember(self.export_folder, name)
            self._export_in_background(
                name if name.lower().endswith(f".{suffix}") else f"{name}.{suffix}")

    def start_folder(self) -> str:
        """Where the save dialog opens (see :func:`~.export_folder.start_folder`)."""
        return start_folder(self.export_folder)

    @asyncSlot(str)
    async def _export_in_background(self, name: str) -> None:
        """Failures become a status message, not a crash dialog."""
        try:
            await self.export_to(Path(name))
        except OSError as exc:
            self.message.emit(f"Export failed: {exc.strerror or exc}")

    # -- events ---------------------------------------------------------------------------
    def build_menu(self) -> QMenu:
        """The row context menu (also used by tests)."""
        menu = QMenu(self)
        rows = self.selected_rows()
        for builder in self._row_actions:
            builder(menu, rows)
        if self._row_actions:
            menu.addSeparator()
        copy = QAction("Copy", menu)
        copy.setShortcut(QKeySequence.StandardKey.Copy)
        copy.triggered.connect(self.copy_selection)
        menu.addAction(copy)
        menu.addAction("Export to CSV…", lambda: self.export_dialog("csv"))
        menu.addAction("Export to Excel…", lambda: self.export_dialog("xlsx"))
        return menu

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        if self.paint_meter is None:
            super().paintEvent(event)
            return
        started = time.perf_counter()
        super().paintEvent(event)
        self.paint_meter(time.perf_counter() - started)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802
        index = self.indexAt(event.pos())
        if index.isValid() and not self.selectionModel().isRowSelected(index.row(), QModelIndex()):
            self.selectRow(index.row())
        self.build_menu().popup(event.globalPos())

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_selection()
            return
        pressed = QKeySequence(event.keyCombination())
        for keys, callback in self._keys:
            hit = (event.matches(keys) if isinstance(keys, QKeySequence.StandardKey)
                   else pressed == keys)
            if hit:
                callback()
                return
        super().keyPressEvent(event)


class _Blocked:
    """Silence a header's signals while the layout is changed programmatically."""

    def __init__(self, header: QHeaderView) -> None:
        self._header = header

    def __enter__(self) -> None:
        self._was = self._header.blockSignals(True)

    def __exit__(self, *exc: object) -> None:
        self._header.blockSignals(self._was)


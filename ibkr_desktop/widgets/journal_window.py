"""The order journal window: every intent, question, answer, response, status and fill, newest
first, with a filter and Export to CSV.

The window only shows and asks: the app reads the journal (``client.journal``) and writes the
export. Times are local (date and milliseconds); the CSV also carries them in UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from PySide6.QtCore import QObject, QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ibkr_desktop.client.journal import JournalEntry
from ibkr_desktop.models.columns import Column, Kind, count_of
from ibkr_desktop.models.table import RecordTableModel
from ibkr_desktop.widgets.table_view import DataTable

JOURNAL_COLUMNS: tuple[Column, ...] = (
    Column("when", "Time", Kind.TEXT, chars=23, tooltip="Local time of the event"),
    Column("kind", "Event", Kind.TEXT, chars=8),
    Column("account", "Account", Kind.TEXT, chars=9),
    Column("order_id", "Order id", Kind.TEXT, chars=10),
    Column("coid", "Client order id", Kind.TEXT, chars=16),
    Column("text", "What happened", Kind.TEXT, chars=60),
)


def local_time(time_ms: int) -> str:
    """Epoch ms -> ``"2026-11-29 14:03:27.120"`` in the computer's time zone."""
    when = dt.datetime.fromtimestamp(time_ms / 1000).astimezone()
    return when.strftime("%Y-%m-%d %H:%M:%S.") + f"{when.microsecond // 1000:03d}"


class JournalModel(RecordTableModel):
    """Journal rows keyed by their sequence number, newest first."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(JOURNAL_COLUMNS, parent)

    def set_entries(self, entries: Sequence[JournalEntry]) -> None:
        """Show exactly ``entries`` (as written, oldest first) newest on top."""
        self._reset([(e.seq, {"when": local_time(e.time_ms), "kind": e.kind,
                              "account": e.account or "",
                              "order_id": "" if e.order_id is None else str(e.order_id),
                              "coid": e.coid or "", "text": e.text})
                     for e in reversed(entries)])


class JournalWindow(QWidget):
    """A top-level window over the journal.

    Signals:
        refresh_requested(): read the journal again.
        export_requested(str): write the whole journal as CSV to this path.
    """

    refresh_requested = Signal()
    export_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("journalWindow")
        self.setWindowTitle("Order journal")  # the platform appends the app name
        self.resize(1100, 560)
        self.model = JournalModel(self)
        self.table = DataTable(self.model, name="Journal", sortable=True)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText("Filter: order id, client order id, symbol or any word")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._filter)
        self.count = QLabel(self)
        refresh = QPushButton("Refresh", self)
        refresh.clicked.connect(self.refresh_requested.emit)
        self.export_button = QPushButton("Export to CSV…", self)
        self.export_button.clicked.connect(self._ask_export_path)
        top = QHBoxLayout()
        top.addWidget(self.filter, 1)
        top.addWidget(self.count)
        top.addWidget(refresh)
        top.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)

    def show_entries(self, entries: Sequence[JournalEntry]) -> None:
        """Show the journal's rows (all of them; the filter narrows what is visible)."""
        self.model.set_entries(entries)
        self.table.resizeColumnsToContents()  # times and ids whole; the text column stretches
        self._update_count()

    def visible_texts(self) -> list[str]:
        """The "What happened" column of the rows shown, top to bottom (tests, self-test)."""
        proxy = self.table.model()
        column = self.model.column_index("text")
        return [str(proxy.index(r, column).data()) for r in range(proxy.rowCount())]

    def _filter(self, text: str) -> None:
        proxy = self.table.model()
        if isinstance(proxy, QSortFilterProxyModel):
            proxy.setFilterKeyColumn(-1)
            proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            proxy.setFilterFixedString(text)
        self._update_count()

    def _update_count(self) -> None:
        shown, total = self.table.model().rowCount(), self.model.rowCount()
        events = count_of(total, "event")
        self.count.setText(events if shown == total else f"{shown} of {events}")

    def _ask_export_path(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export the order journal",
                                              "order-journal.csv", "CSV files (*.csv)")
        if path:
            self.export_requested.emit(path if path.lower().endswith(".csv") else f"{path}.csv")

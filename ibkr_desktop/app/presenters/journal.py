"""The order journal window over the current broker's journal, and its CSV export.

The journal (``client.journal.Journal``, SQLite in the user data directory; one for the demo,
one for real gateways) is opened by the session presenter for each broker, whose order flow
writes every intent, question, answer, response, status change and fill; ``broker.journal``
is it. The window (Orders > Order journal…) re-reads it whenever an order record changes while
it is open, at most once per event-loop turn, and when the broker changes.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Slot

from ibkr_desktop.app.broker_holder import BrokerHolder
from ibkr_desktop.app.main_window import MainWindow
from ibkr_desktop.client.broker import Broker
from ibkr_desktop.client.journal import Journal, export_csv
from ibkr_desktop.client.notices import Notifier
from ibkr_desktop.models.columns import count_of
from ibkr_desktop.widgets.journal_window import JournalWindow


class JournalPresenter(QObject):
    """The journal window: shows and exports the current broker's journal."""

    def __init__(self, holder: BrokerHolder, notifier: Notifier, window: MainWindow,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.holder = holder
        self.window = window
        self.notifier = notifier
        self.view: JournalWindow | None = None
        """The window, once opened."""
        self._refresh = QTimer(self)
        self._refresh.setSingleShot(True)
        self._refresh.setInterval(0)
        self._refresh.timeout.connect(self.refresh)
        holder.broker_changed.connect(self._wire)
        self._wire(holder.broker)  # built after a broker exists (tests, a late window)
        window.journal_requested.connect(self.show)

    @property
    def journal(self) -> Journal | None:
        """The journal the current broker writes (None without a broker or a journal)."""
        broker = self.holder.broker
        return broker.journal if broker is not None else None

    def _wire(self, broker: Broker | None) -> None:
        if broker is not None:
            broker.orders.record_changed.connect(self._changed)
        self._changed(None)

    @Slot(object)
    def _changed(self, _record: object) -> None:
        if self.view is not None and self.view.isVisible():
            self._refresh.start()

    def show(self) -> JournalWindow:
        """Open (or raise) the window with the journal's current rows."""
        if self.view is None:
            self.view = JournalWindow(self.window)  # a window of its own, closed with the app
            self.view.refresh_requested.connect(self.refresh)
            self.view.export_requested.connect(self.export_to)
        self.refresh()
        self.view.show()
        self.view.raise_()
        return self.view

    @Slot()
    def refresh(self) -> None:
        """Show every row again (the journal is small: one row per order event)."""
        if self.view is not None:
            self.view.show_entries(self.journal.entries() if self.journal else [])

    @Slot(str)
    def export_to(self, path: str) -> int:
        """Write the whole journal as CSV; the result (or the failure) goes to the notifier."""
        if self.journal is None:
            self.notifier.post("warning", "There is no order journal to export.")
            return 0
        try:
            with open(path, "w", newline="", encoding="utf-8") as out:
                count = export_csv(self.journal.entries(), out)
        except OSError as exc:
            self.notifier.post("warning", f"Journal export failed: {exc.strerror or exc}")
            return 0
        self.notifier.post("info", f"Exported {count_of(count, 'journal event')} to {path}")
        return count

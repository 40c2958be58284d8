"""The live-orders table with Cancel on the context menu and the Delete key.

The panel only asks: it emits ``cancel_requested(order_id)`` and the app sends the cancel through
the broker, so a slow gateway never freezes the table.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from ibkr_desktop.models.orders import OrdersModel
from ibkr_desktop.widgets.table_view import DataTable


class OrdersTable(DataTable):
    """Orders, newest first; working orders can be cancelled.

    Signals:
        cancel_requested(int): the user asked to cancel this order id.
    """

    cancel_requested = Signal(int)

    def __init__(self, model: OrdersModel, parent: QWidget | None = None) -> None:
        super().__init__(model, name="Orders", sortable=True, parent=parent)
        self.orders = model
        self.add_row_actions(self._menu)
        self.bind_key(QKeySequence.StandardKey.Delete, self.cancel_selected)

    def cancellable_rows(self) -> list[int]:
        """Selected model rows whose orders are still working."""
        return [r for r in self.selected_rows() if self.orders.is_cancellable(r)]

    def cancel_selected(self) -> None:
        """Request a cancel for every selected working order."""
        for row in self.cancellable_rows():
            self.cancel_requested.emit(self.orders.order_id(row))

    def _menu(self, menu: QMenu, rows: list[int]) -> None:
        working = self.cancellable_rows()
        label = "Cancel order" if len(working) <= 1 else f"Cancel {len(working)} orders"
        action = menu.addAction(label, self.cancel_selected)
        action.setShortcut(QKeySequence.StandardKey.Delete)
        action.setEnabled(bool(working))

"""The live-orders table: plain-word status, Modify, Cancel and Cancel all (both ask first).

Nothing here cancels at once: Delete and the context menu's "Cancel order…" open a
confirmation naming each order in words ("Buy 5 AAPL limit 185.00, day"), whose default button
keeps the order; only "Cancel order" emits ``cancel_requested``. "Cancel all working orders…"
asks the same way. The panel only asks: the app sends the cancels through the broker, so a
slow gateway never freezes the table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QHelpEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QMenu,
    QMessageBox,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolTip,
    QWidget,
)

from ibkr_desktop.models.orders import OrdersModel
from ibkr_desktop.protocol.order_kinds import OrderStatus, status_words
from ibkr_desktop.widgets.table_view import DataTable

ORDER_TYPE_WORDS = {
    "LMT": "limit", "MKT": "market", "STP": "stop", "STOP_LIMIT": "stop limit",
    "TRAIL": "trailing stop", "TRAILLMT": "trailing stop limit", "MOC": "market on close",
    "LOC": "limit on close", "MIDPRICE": "midprice",
}
"""Order types in the words of a confirmation (IBKR spellings -> plain words)."""

LISTED_IN_CONFIRMATION = 8
"""A confirmation names at most this many orders, then says how many more."""


def describe_order(record: Mapping[str, object]) -> str:
    """One order row in words: ``"Buy 5 AAPL limit 185.00, day"``; missing parts are left out.

    ``record`` is an :class:`OrdersModel` row (side, quantity, symbol, order_type, price,
    aux_price, tif); prices with two decimals, the stop as ``"stop 180.00"``.
    """
    side = str(record.get("side") or "").capitalize()
    quantity = record.get("quantity")
    size = f"{quantity:,.10g}" if isinstance(quantity, int | float) else ""
    kind = str(record.get("order_type") or "")
    words = [side, size, str(record.get("symbol") or ""), ORDER_TYPE_WORDS.get(kind, kind.lower())]
    price, stop = record.get("price"), record.get("aux_price")
    if isinstance(price, int | float):
        words.append(f"{price:,.2f}")
    if isinstance(stop, int | float):
        words.append(f"{stop:,.2f}" if words[-1].endswith("stop") else f"stop {stop:,.2f}")
    text = " ".join(w for w in words if w)
    tif = record.get("tif")
    return f"{text}, {str(tif).lower()}" if tif else text


def ask_destructive(parent: QWidget, title: str, question: str, detail: str, yes_text: str,
                    on_yes: Callable[[], object]) -> QMessageBox:
    """A window-modal question about an action that cannot be undone, shown with ``open()``
    (never blocks the event loop): only ``yes_text`` runs ``on_yes``; "Keep" is the default
    and the Escape button. Deletes itself when closed."""
    box = QMessageBox(QMessageBox.Icon.Question, title, question,
                      QMessageBox.StandardButton.NoButton, parent)
    box.setInformativeText(detail)
    box.setStyleSheet("QLabel#qt_msgbox_informativelabel { min-width: 420px; }")
    yes = box.addButton(yes_text, QMessageBox.ButtonRole.DestructiveRole)
    keep = box.addButton("Keep", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(keep)
    box.setEscapeButton(keep)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.buttonClicked.connect(lambda button: on_yes() if button is yes else None)
    box.open()
    return box


class StatusDelegate(QStyledItemDelegate):
    """Shows the Status column in plain words with IBKR's reason ("accepted, waiting to be sent
    to the exchange (waiting for the market to open)"); the whole text is also the tooltip."""

    def __init__(self, table: OrdersTable) -> None:
        super().__init__(table)
        self._table = table

    def words(self, index: QModelIndex | QPersistentModelIndex) -> str:
        """The plain-word status of the row at ``index`` (a view index)."""
        return self._table.status_text(self._table.source_row(index.row()))

    def initStyleOption(self, option: QStyleOptionViewItem,  # noqa: N802
                        index: QModelIndex | QPersistentModelIndex) -> None:
        super().initStyleOption(option, index)
        option.text = self.words(index)

    def helpEvent(self, event: QHelpEvent, view: QAbstractItemView,  # noqa: N802
                  option: QStyleOptionViewItem,
                  index: QModelIndex | QPersistentModelIndex) -> bool:
        QToolTip.showText(event.globalPos(), self.words(index), view)
        return True


class OrdersTable(DataTable):
    """Orders, newest first; working orders can be modified and cancelled after a confirmation.

    Signals:
        cancel_requested(int): the user confirmed cancelling this order id.
        cancel_all_requested(): the user confirmed cancelling every working order.
        modify_requested(int): the user asked to modify this working order (opens the ticket).
    """

    cancel_requested = Signal(int)
    cancel_all_requested = Signal()
    modify_requested = Signal(int)

    def __init__(self, model: OrdersModel, parent: QWidget | None = None) -> None:
        super().__init__(model, name="Orders", sortable=True, parent=parent)
        self.orders = model
        self.confirmation: QMessageBox | None = None
        """The cancel confirmation on screen, if any (tests press its buttons)."""
        self.reasons: dict[int, str] = {}
        """IBKR's latest text per order id, shown with the status."""
        self.status_delegate = StatusDelegate(self)
        self.setItemDelegateForColumn(model.column_index("status"), self.status_delegate)
        self.add_row_actions(self._menu)
        self.bind_key(QKeySequence.StandardKey.Delete, self.ask_cancel)
        self.bind_key(QKeySequence(Qt.Key.Key_Return), self.ask_modify)
        self.doubleClicked.connect(lambda _index: self.ask_modify())

    def set_reason(self, order_id: int, reason: str | None) -> None:
        """IBKR's text for an order (None forgets it); repaints its status."""
        if (reason or None) == self.reasons.get(order_id):
            return
        if reason:
            self.reasons[order_id] = reason
        else:
            self.reasons.pop(order_id, None)
        self.viewport().update()

    def status_text(self, row: int) -> str:
        """What the Status column shows for a model row."""
        status = OrderStatus.parse(self.orders.record(row).get("status"))
        return status_words(status, self.reasons.get(self.orders.order_id(row)))

    def cancellable_rows(self) -> list[int]:
        """Selected model rows whose orders are still working."""
        return [r for r in self.selected_rows() if self.orders.is_cancellable(r)]

    def working_count(self) -> int:
        """How many orders in the table are still working."""
        return sum(self.orders.is_cancellable(r) for r in range(self.orders.rowCount()))

    def ask_modify(self) -> None:
        """Request the ticket for the one selected working order (nothing for 0 or several)."""
        rows = self.cancellable_rows()
        if len(rows) == 1:
            self.modify_requested.emit(self.orders.order_id(rows[0]))

    def ask_cancel(self) -> None:
        """Ask before cancelling the selected working orders; "Keep" is the default button."""
        rows = self.cancellable_rows()
        if not rows:
            return
        ids = [self.orders.order_id(r) for r in rows]
        listed = [f"• {describe_order(self.orders.record(r))} (order {self.orders.order_id(r)})"
                  for r in rows[:LISTED_IN_CONFIRMATION]]
        if len(rows) > LISTED_IN_CONFIRMATION:
            listed.append(f"… and {len(rows) - LISTED_IN_CONFIRMATION} more")
        noun = "this order" if len(rows) == 1 else f"these {len(rows)} orders"
        self._confirm(f"Cancel {noun}?", "\n".join(listed),
                      "Cancel order" if len(rows) == 1 else f"Cancel {len(rows)} orders",
                      lambda: self._emit_cancels(ids))

    def _emit_cancels(self, ids: list[int]) -> None:
        for order_id in ids:
            self.cancel_requested.emit(order_id)

    def ask_cancel_all(self) -> None:
        """Ask before cancelling every working order of the account."""
        count = self.working_count()
        if count:
            noun = "the working order" if count == 1 else f"all {count} working orders"
            self._confirm(f"Cancel {noun}?", "Every order still working in this account is "
                          "cancelled, including any not shown in this table.",
                          "Cancel all", self.cancel_all_requested.emit)

    def _confirm(self, question: str, detail: str, yes_text: str,
                 on_yes: Callable[[], object]) -> None:
        if self.confirmation is not None:
            self.confirmation.close()
        box = ask_destructive(self, "Cancel orders", question, detail, yes_text, on_yes)
        box.setObjectName("cancelConfirmation")
        box.finished.connect(lambda _code: self._confirmation_closed(box))
        self.confirmation = box

    def _confirmation_closed(self, box: QMessageBox) -> None:
        if self.confirmation is box:
            self.confirmation = None

    def _menu(self, menu: QMenu, rows: list[int]) -> None:
        working = self.cancellable_rows()
        modify = menu.addAction("Modify order…", self.ask_modify)
        modify.setShortcut(QKeySequence(Qt.Key.Key_Return))  # shown: the table's Enter key
        modify.setEnabled(len(working) == 1)
        label = "Cancel order…" if len(working) <= 1 else f"Cancel {len(working)} orders…"
        action = menu.addAction(label, self.ask_cancel)
        action.setShortcut(QKeySequence.StandardKey.Delete)
        action.setEnabled(bool(working))
        cancel_all = menu.addAction("Cancel all working orders…", self.ask_cancel_all)
        cancel_all.setEnabled(self.working_count() > 0)

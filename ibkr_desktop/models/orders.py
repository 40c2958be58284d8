"""Live orders: each ``OrderUpdate`` (which carries only what changed) merged into one row.

The Limit column shows the limit price and the Stop column the stop (trigger) price; a stop
order's price is never shown as a limit (reference §11).

Newest orders appear on top. Finished orders stay visible (greyed) so the user sees what filled
or was cancelled today; :meth:`OrdersModel.is_cancellable` tells the view which may be cancelled.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QObject
from PySide6.QtGui import QColor

from ibkr_desktop.models.columns import Column, Kind
from ibkr_desktop.models.table import Record, RecordTableModel
from ibkr_desktop.protocol.events import OrderUpdate
from ibkr_desktop.protocol.orders import (
    ACTIVE_STATUSES,
    DONE_STATUSES,
    STOP_PRICED_TYPES,
    OrderStatus,
    parse_order_type,
)

ORDER_COLUMNS: tuple[Column, ...] = (
    Column("time", "Time", Kind.TIME, sources=("last_execution_ms",),
           tooltip="Date and time of the order's last activity"),
    Column("symbol", "Symbol", Kind.TEXT, chars=7),
    Column("side", "Side", Kind.TEXT, chars=5),
    Column("order_type", "Type", Kind.TEXT, chars=6),
    Column("quantity", "Quantity", Kind.SIZE),
    Column("price", "Limit", Kind.PRICE, tooltip="Limit price"),
    Column("aux_price", "Stop", Kind.PRICE, tooltip="Stop / trigger price"),
    Column("tif", "TIF", Kind.TEXT, chars=4, tooltip="Time in force"),
    Column("status", "Status", Kind.TEXT, chars=26, tooltip="In plain words, with IBKR's reason"),
    Column("filled", "Filled", Kind.SIZE),
    Column("remaining", "Remaining", Kind.SIZE),
    Column("avg_price", "Avg price", Kind.PRICE, tooltip="Average fill price"),
    Column("order_id", "Order id", Kind.TEXT, chars=11, tooltip="IBKR's order id"),
    Column("order_ref", "Order ref", Kind.TEXT, chars=12,
           tooltip="Your order reference (the cOID the order was placed with)"),
    Column("account", "Account", Kind.TEXT, visible=False),
    Column("description", "Description", Kind.TEXT, visible=False, chars=30),
)

_FIELDS = tuple(f for f in OrderUpdate.__slots__ if f != "order_id")


class OrdersModel(RecordTableModel):
    """Orders keyed by order id, newest first."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(ORDER_COLUMNS, parent)
        self._side_col = self.column_index("side")
        self._status_col = self.column_index("status")

    def apply(self, updates: Iterable[OrderUpdate]) -> None:
        """Merge a batch of order updates; None fields leave the stored value unchanged."""
        new: dict[int, Record] = {}
        for update in updates:
            changes = {f: getattr(update, f) for f in _FIELDS if getattr(update, f) is not None}
            if isinstance(changes.get("status"), OrderStatus):
                changes["status"] = str(changes["status"])
            row = self._row_of.get(update.order_id)
            if row is not None:
                if update.order_type is None and "price" in changes:
                    _stop_by_stored_type(self._records[row], changes)
                self._records[row].update(changes)
                self._touch(row)
            else:
                new.setdefault(update.order_id, {"order_id": str(update.order_id)}).update(changes)
        self._insert([(key, new[key]) for key in reversed(new)], at=0)

    def is_cancellable(self, row: int) -> bool:
        """True while the order can still be cancelled."""
        status = OrderStatus.parse(self._records[row].get("status"))
        return status in ACTIVE_STATUSES and status is not OrderStatus.PENDING_CANCEL

    def order_id(self, row: int) -> int:
        """The IBKR order id of a row."""
        key = self._keys[row]
        assert isinstance(key, int), key
        return key

    def clear(self) -> None:
        """Forget every order (account switch)."""
        self._reset([])

    def _is_stale(self, row: int) -> bool:
        return OrderStatus.parse(self._records[row].get("status")) in DONE_STATUSES

    def _foreground(self, row: int, col: int) -> QColor | None:
        colors = self._colors if self.stale_since is None else self._stale_colors
        if col == self._side_col and not self._is_stale(row):
            side = self._records[row].get("side")
            return colors.up if side == "BUY" else colors.down if side else None
        if col == self._status_col:
            status = OrderStatus.parse(self._records[row].get("status"))
            if status is OrderStatus.FILLED:
                return colors.up
            if status is OrderStatus.INACTIVE:
                return colors.down
        return super()._foreground(row, col)


def _stop_by_stored_type(record: Record, changes: dict[str, object]) -> None:
    """A ``sor`` change without ``orderType`` to a stop order's ``price`` changes its stop."""
    if parse_order_type(record.get("order_type")) in STOP_PRICED_TYPES:
        stop = changes.pop("price")
        changes.setdefault("aux_price", stop)

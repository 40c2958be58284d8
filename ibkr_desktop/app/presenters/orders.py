"""Orders and executions: live orders and fills into their tables, cancel from the orders table.

Fills and cancel results are posted to the notifier (status bar; fills also pop up in the
tray). The tables empty on a broker switch and when the selected account changes. While the
stream or session is down both tables dim and their docks say since when (the re-sync after a
reconnect reports only changes, so they are current again as soon as the stream is back).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject, Slot

from ibkr_desktop.app.broker_holder import BrokerHolder
from ibkr_desktop.app.qt_async import async_slot
from ibkr_desktop.client.broker import Broker
from ibkr_desktop.client.notices import Notifier
from ibkr_desktop.models.fills import FillsModel
from ibkr_desktop.models.freshness import Freshness, follow_connection
from ibkr_desktop.models.orders import OrdersModel
from ibkr_desktop.protocol.errors import IbkrError
from ibkr_desktop.protocol.events import AccountsInfo, Fill
from ibkr_desktop.widgets.orders_panel import OrdersTable
from ibkr_desktop.widgets.status_bar import ConnectionDoctor

FILLS_ANNOUNCED = 3
"""At most this many fills of one batch are announced (a burst must not flood the user)."""


class OrdersPresenter(QObject):
    """Wires order updates, fills and the orders table's cancel to the broker."""

    def __init__(self, orders: OrdersModel, fills: FillsModel, table: OrdersTable,
                 holder: BrokerHolder, notifier: Notifier, doctor: ConnectionDoctor,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.orders = orders
        self.fills = fills
        self.holder = holder
        self.notifier = notifier
        self.doctor = doctor
        self._account: str | None = None
        self.freshness = orders.freshness = fills.freshness = Freshness(needs_refresh=False)
        table.cancel_requested.connect(self.cancel_order)
        holder.broker_changed.connect(self._wire)

    def _wire(self, broker: Broker | None) -> None:
        self._clear()
        if broker is None:
            self.freshness.disconnected()
        else:
            follow_connection(broker, self.freshness)
            broker.orders_updated.connect(self.orders.apply)
            broker.fills_received.connect(self._on_fills)
            broker.accounts_changed.connect(self._on_accounts)

    def _clear(self) -> None:
        self.orders.clear()
        self.fills.clear()

    @Slot(object)
    def _on_accounts(self, info: AccountsInfo) -> None:
        if info.selected != self._account:
            self._account = info.selected
            self._clear()

    @Slot(object)
    def _on_fills(self, fills: Sequence[Fill]) -> None:
        if self.fills.add(fills):
            for fill in fills[-FILLS_ANNOUNCED:]:
                self.notifier.post("info", f"{fill.side} {fill.size:,.0f} {fill.symbol} @ "
                                   f"{fill.price:.2f}", title="Order filled")

    @async_slot(int)
    async def cancel_order(self, order_id: int) -> None:
        """Cancel from the orders table; the result shows in the table and the status bar."""
        broker = self.holder.broker
        if broker is None:
            return
        token = self.doctor.begin_busy(f"Cancelling order {order_id}…")
        try:
            await broker.cancel_order(order_id)
            self.notifier.post("info", f"Cancel requested for order {order_id}")
        except IbkrError as exc:
            self.notifier.post("warning", f"Cancel of order {order_id} failed: {exc.message}")
        finally:
            self.doctor.end_busy(token)

"""Orders and executions: live orders and fills into their tables; cancel and cancel-all; the
market session at the right end of the menu bar.

The orders table asks the user before emitting a cancel (see ``widgets.orders_panel``); this
presenter sends it. Fills (with what is filled and what remains of the order), cancel results
and refusals are posted to the notifier (status bar; titled ones pop up in the tray or the
window). Fills made while the stream was down arrive with the re-sync after the reconnect and
are announced then, once each; the ids announced are remembered across restarts.

A broker switch (another gateway in the settings) keeps both tables, dimmed, until the new
broker answers (names its accounts): then they are read afresh from it (the re-sync lists the
live orders and the day's executions); they also empty when the user selects another account.
While the stream or session is down both tables dim and their docks say since when (the re-sync
after a reconnect reports only changes, so they are current again as soon as the stream is
back).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

from PySide6.QtCore import QObject, Qt, QTimer, Slot
from PySide6.QtWidgets import QMenuBar

from ibkr_desktop.app.broker_holder import BrokerHolder
from ibkr_desktop.app.qt_async import async_slot
from ibkr_desktop.app.settings import Keys
from ibkr_desktop.client.broker import Broker
from ibkr_desktop.client.notices import Notifier
from ibkr_desktop.models.columns import count_of
from ibkr_desktop.models.fills import FillsModel
from ibkr_desktop.models.freshness import Freshness, follow_connection
from ibkr_desktop.models.orders import OrdersModel
from ibkr_desktop.protocol.errors import IbkrError, describe_error
from ibkr_desktop.protocol.events import AccountsInfo, Fill
from ibkr_desktop.protocol.market_session import us_session
from ibkr_desktop.protocol.order_kinds import ACTIVE_STATUSES, OrderStatus
from ibkr_desktop.protocol.order_records import OrderRecord
from ibkr_desktop.widgets.menu_corner import MenuCornerLabel
from ibkr_desktop.widgets.orders_panel import OrdersTable
from ibkr_desktop.widgets.status_bar import ConnectionDoctor

SESSION_CHECK_MS = 30_000
"""How often the market-session label is brought up to date."""

ANNOUNCED_KEPT = 2000
"""How many announced execution ids are remembered (more than a busy day's fills)."""

FILLS_ANNOUNCED = 5
"""At most this many fills of one batch are announced one by one; the rest in one summary
notice (a burst must not flood the user)."""


def fill_text(fill: Fill, progress: tuple[float, float] | None) -> tuple[str, str]:
    """(title, text) announcing one fill: ``("Partial fill", "BUY 3 MSFT @ 425.50 — filled 3
    of 10, 7 remaining")``; ``progress`` is the order's (filled, total quantity) including this
    fill, None when the order is not known (the text then names only the execution)."""
    text = f"{fill.side} {fill.size:,.10g} {fill.symbol} @ {fill.price:,.2f}"
    if progress is None:
        return "Order filled", text
    filled, total = progress
    remaining = max(total - filled, 0.0)
    title = "Partial fill" if remaining > 0 else "Order filled"
    return title, (f"{text} — filled {filled:,.10g} of {total:,.10g}, "
                   f"{remaining:,.10g} remaining")


def progress_of(record: OrderRecord | None,
                row: Mapping[str, object] | None) -> tuple[float, float] | None:
    """(filled, total) of a fill's order: from the flow's record (its fills so far) when it has
    one, else from the orders-table row with the same order ref; None when neither knows."""
    if record is not None and record.quantity and record.fills:
        return sum(f.size for f in record.fills), record.quantity
    filled = row.get("filled") if row else None
    remaining = row.get("remaining") if row else None
    if isinstance(filled, int | float) and isinstance(remaining, int | float):
        return float(filled), float(filled + remaining)
    return None


class OrdersPresenter(QObject):
    """Wires order updates, fills and the orders table's cancel to the broker."""

    def __init__(self, orders: OrdersModel, fills: FillsModel, table: OrdersTable,
                 holder: BrokerHolder, notifier: Notifier, doctor: ConnectionDoctor,
                 menu_bar: QMenuBar, parent: QObject | None = None, *,
                 now_ms: Callable[[], int] = lambda: int(time.time() * 1000)) -> None:
        super().__init__(parent)
        self.orders = orders
        self.fills = fills
        self.holder = holder
        self.notifier = notifier
        self.doctor = doctor
        self.table = table
        self._account: str | None = None
        self._answered = False
        """The current broker has named its accounts (the rows shown are then its own)."""
        self._working: set[int] = set()
        """Order ids seen working: one that then turns Inactive was rejected (announced)."""
        self._announced_order = [str(i) for i in Keys.ANNOUNCED_FILLS.get()]
        self._announced = set(self._announced_order)
        self.freshness = orders.freshness = fills.freshness = Freshness(needs_refresh=False)
        table.cancel_requested.connect(self.cancel_order)
        table.cancel_all_requested.connect(self.cancel_all)
        holder.broker_changed.connect(self._wire)
        self._now_ms = now_ms
        self.session_label = MenuCornerLabel()
        """The US market session, at the right end of the menu bar."""
        self.session_label.setObjectName("marketSession")
        self.session_label.setContentsMargins(8, 0, 12, 0)
        menu_bar.setCornerWidget(self.session_label, Qt.Corner.TopRightCorner)
        self._session_timer = QTimer(self)
        self._session_timer.timeout.connect(self.show_session)
        self._session_timer.start(SESSION_CHECK_MS)
        self.show_session()

    @Slot()
    def show_session(self) -> None:
        """The market session now; the embedded demo's market never closes (it says so)."""
        broker = self.holder.broker
        if broker is not None and broker.mode == "DEMO":
            self.session_label.setText("Demo market: open around the clock")
            self.session_label.setToolTip("The built-in demo gateway trades at any hour.")
            return
        now = us_session(self._now_ms())
        self.session_label.setText(now.text)
        self.session_label.setToolTip("US stock market hours, New York time (holidays not "
                                      "shown). Orders outside regular hours need 'Allow "
                                      "outside regular trading hours'.")

    def _wire(self, broker: Broker | None) -> None:
        self.show_session()
        if broker is None:
            self.freshness.disconnected()  # the rows stay, dimmed, until the next broker answers
        else:
            self._answered = False
            follow_connection(broker, self.freshness)
            broker.orders_updated.connect(self.orders.apply)
            broker.fills_received.connect(self._on_fills)
            broker.accounts_changed.connect(self._on_accounts)
            broker.accounts_changed.connect(lambda _info: self.show_session())
            broker.orders.record_changed.connect(self._on_record)

    def _clear(self) -> None:
        self.orders.clear()
        self.fills.clear()
        self.table.reasons.clear()
        self._working.clear()

    @Slot(object)
    def _on_record(self, record: OrderRecord) -> None:
        """IBKR's reason beside the status; a working order turned Inactive pops up."""
        order_id = record.order_id
        if order_id is None:
            return
        self.table.set_reason(order_id, record.reason)
        if record.status in ACTIVE_STATUSES:
            self._working.add(order_id)
        elif record.status is OrderStatus.INACTIVE and order_id in self._working:
            self._working.discard(order_id)
            what = f" ({record.symbol})" if record.symbol else ""
            self.notifier.post("error", f"Order {order_id}{what} was rejected: "
                               f"{record.status_text}", title="Order rejected")

    @Slot(object)
    def _on_accounts(self, info: AccountsInfo) -> None:
        if not self._answered or info.selected != self._account:
            self._answered = True
            self._account = info.selected
            self._clear()

    @Slot(object)
    def _on_fills(self, fills: Sequence[Fill]) -> None:
        """Fills into the table; each announced once, ever (the ids announced are kept in the
        settings, so the day's fills re-read after a restart are not announced again, while
        fills made with the app closed are). The flow has already joined them to their
        records: the broker connects it first."""
        self.fills.add(fills)
        fills = [f for f in fills if f.execution_id not in self._announced]
        if not fills:
            return
        self._announced.update(f.execution_id for f in fills)
        self._announced_order = [*self._announced_order,
                                 *(f.execution_id for f in fills)][-ANNOUNCED_KEPT:]
        Keys.ANNOUNCED_FILLS.set(self._announced_order)
        broker = self.holder.broker
        for fill in fills[:FILLS_ANNOUNCED]:
            record = broker.orders.record(coid=fill.order_ref) \
                if broker is not None and fill.order_ref else None
            progress = progress_of(record, self._order_with_ref(fill.order_ref))
            title, text = fill_text(fill, progress)
            self.notifier.post("info", text, title=title)
        if len(fills) > FILLS_ANNOUNCED:
            self.notifier.post("info", f"{count_of(len(fills) - FILLS_ANNOUNCED, 'more fill')}; "
                               "see Executions.", title="Orders filled")

    def _order_with_ref(self, ref: str | None) -> Mapping[str, object] | None:
        if not ref:
            return None
        rows = (self.orders.record(r) for r in range(self.orders.rowCount()))
        return next((row for row in rows if row.get("order_ref") == ref), None)

    @async_slot(int)
    async def cancel_order(self, order_id: int) -> None:
        """Cancel from the orders table; the result shows in the table and the status bar."""
        broker = self.holder.broker
        if broker is None:
            return
        token = self.doctor.begin_busy(f"Cancelling order {order_id}…")
        try:
            await broker.orders.cancel(order_id)
            self.notifier.post("info", f"Cancel requested for order {order_id}")
        except IbkrError as exc:
            self.notifier.post("warning",
                               f"Cancel of order {order_id} failed: {describe_error(exc)}")
        finally:
            self.doctor.end_busy(token)

    @async_slot()
    async def cancel_all(self) -> None:
        """Cancel every working order of the account (the user confirmed; the flow reads live
        orders fresh, so orders not shown yet are included); says how many were cancelled."""
        broker = self.holder.broker
        if broker is None:
            return
        token = self.doctor.begin_busy("Cancelling all working orders…")
        try:
            done = await broker.orders.cancel_all()
            self.notifier.post("info", f"Cancel requested for {count_of(done, 'working order')}")
        except IbkrError as exc:
            self.notifier.post("warning", f"Cancel all failed: {describe_error(exc)}",
                               title="Cancel failed")
        finally:
            self.doctor.end_busy(token)

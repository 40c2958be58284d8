"""Positions: the full set from the broker, re-priced between refreshes from the quote feed;
"Close position…" on a row.

Held conids hold their quotes in the feed (so a position not on the watchlist still moves);
today's fills adjust daily P&L, and the realized P&L the positions model works out for each
execution goes to the executions table. A broker switch (another gateway in the settings) keeps
the rows, dimmed, until the new broker reports its positions; they go at once when it names
another account. While the stream or session is down the table dims and its dock says since
when; after a reconnect it is current again once fresh positions arrived.

Close position never sends anything by itself: it opens the order ticket with the closing order
filled in (the opposite side, the whole position, a limit at the near touch; the side locked),
and the ticket's own preview and confirmation come before anything is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QMenu

from ibkr_desktop.app.broker_holder import BrokerHolder
from ibkr_desktop.client.broker import Broker
from ibkr_desktop.client.quote_feed import QuoteFeed
from ibkr_desktop.models.fills import FillsModel
from ibkr_desktop.models.freshness import Freshness, follow_connection
from ibkr_desktop.models.positions import PositionsModel
from ibkr_desktop.protocol.events import AccountsInfo, Fill, Position
from ibkr_desktop.protocol.order_kinds import OrderType, Side
from ibkr_desktop.protocol.orders import OrderTicket
from ibkr_desktop.widgets.order_ticket import OrderTicketDialog
from ibkr_desktop.widgets.table_view import DataTable

OpenTicket = Callable[[int, str, Side], OrderTicketDialog]
"""Opens an order ticket for (conid, symbol, side): ``TicketPresenter.open_ticket``."""


def closing_order(conid: int, quantity: float) -> OrderTicket:
    """The order that flattens a position of ``quantity`` (negative = short): the opposite
    side, the whole size, a limit order (its price is left to the ticket's quote)."""
    side = Side.SELL if quantity > 0 else Side.BUY
    return OrderTicket(conid, side, abs(quantity), OrderType.LMT)


class PositionsPresenter(QObject):
    """Wires ``positions_updated``/``fills_received`` and the feed to the positions model."""

    def __init__(self, model: PositionsModel, feed: QuoteFeed, holder: BrokerHolder,
                 table: DataTable, open_ticket: OpenTicket, fills: FillsModel,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.fills = fills
        self.table = table
        self.open_ticket = open_ticket
        table.add_row_actions(self._menu)
        self.freshness = model.freshness = Freshness(needs_refresh=True)
        self.quotes = feed.open(model.apply_quotes, "positions")
        self._account: str | None = None
        """The account the rows are of (the last one a broker named)."""
        holder.broker_changed.connect(self._wire)

    def _wire(self, broker: Broker | None) -> None:
        if broker is None:
            self.freshness.disconnected()  # the rows stay, dimmed, until the next broker reports
            return
        follow_connection(broker, self.freshness)
        broker.positions_updated.connect(self._on_positions)
        broker.fills_received.connect(self._on_fills)
        broker.accounts_changed.connect(self._on_accounts)

    @Slot(object)
    def _on_accounts(self, info: AccountsInfo) -> None:
        """Another account's rows must not show under this one: they go until its own come."""
        if info.selected != self._account:
            if self._account is not None:
                self.fills.set_realized(self.model.set_positions(()))
                self.quotes.set({})
            self._account = info.selected

    @Slot(object)
    def _on_fills(self, fills: Sequence[Fill]) -> None:
        self.fills.set_realized(self.model.add_fills(fills))

    @Slot(object)
    def _on_positions(self, positions: Sequence[Position]) -> None:
        self.freshness.refreshed()
        self.fills.set_realized(self.model.set_positions(positions))
        self.quotes.set({p.conid: p.symbol for p in positions if p.quantity != 0})

    def close_position(self, row: int) -> OrderTicketDialog | None:
        """Open the ticket pre-filled with the order closing the position of model ``row``."""
        record = self.model.record(row)
        quantity = record.get("quantity")
        if not isinstance(quantity, int | float) or quantity == 0:
            return None
        conid = self.model.conids()[row]
        order = closing_order(conid, float(quantity))
        dialog = self.open_ticket(conid, str(record.get("symbol") or conid), order.side)
        dialog.fields.load_order(order)
        dialog.set_closing(float(quantity))  # says what the quantity typed does to it
        return dialog

    def _menu(self, menu: QMenu, rows: list[int]) -> None:
        action = menu.addAction("Close position…",
                                lambda: self.close_position(rows[0]) if rows else None)
        action.setEnabled(len(rows) == 1)

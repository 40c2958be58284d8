"""Positions: the full set from the broker, re-priced between refreshes from the quote feed.

Held conids hold their quotes in the feed (so a position not on the watchlist still moves);
today's fills adjust daily P&L. A broker switch empties the table until the new one reports.
While the stream or session is down the table dims and its dock says since when; after a
reconnect it is current again once fresh positions arrived.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject, Slot

from ibkr_desktop.app.broker_holder import BrokerHolder
from ibkr_desktop.client.broker import Broker
from ibkr_desktop.client.quote_feed import QuoteFeed
from ibkr_desktop.models.freshness import Freshness, follow_connection
from ibkr_desktop.models.positions import PositionsModel
from ibkr_desktop.protocol.events import Position


class PositionsPresenter(QObject):
    """Wires ``positions_updated``/``fills_received`` and the feed to the positions model."""

    def __init__(self, model: PositionsModel, feed: QuoteFeed, holder: BrokerHolder,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.freshness = model.freshness = Freshness(needs_refresh=True)
        self.quotes = feed.open(model.apply_quotes, "positions")
        holder.broker_changed.connect(self._wire)

    def _wire(self, broker: Broker | None) -> None:
        if broker is None:
            self.freshness.disconnected()
            self._on_positions(())
            return
        follow_connection(broker, self.freshness)
        broker.positions_updated.connect(self._on_positions)
        broker.fills_received.connect(self.model.add_fills)

    @Slot(object)
    def _on_positions(self, positions: Sequence[Position]) -> None:
        self.freshness.refreshed()
        self.model.set_positions(positions)
        self.quotes.set({p.conid: p.symbol for p in positions if p.quantity != 0})

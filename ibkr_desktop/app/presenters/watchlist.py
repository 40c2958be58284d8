"""Watchlist: the rows on the current list hold their quotes in the feed; lists are saved.

Start-up timing lives here too: :attr:`WatchlistPresenter.first_quote_at` is when the first
quote reached a watchlist row (``--smoke`` and the start-up benchmark report it).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

from PySide6.QtCore import QObject

from ibkr_desktop.app.broker_holder import BrokerHolder
from ibkr_desktop.app.settings import Keys
from ibkr_desktop.client.quote_feed import QuoteFeed
from ibkr_desktop.models.watchlist import WatchlistModel
from ibkr_desktop.protocol.events import ContractMatch
from ibkr_desktop.widgets.contract_search import SearchFn
from ibkr_desktop.widgets.watchlist_panel import WatchlistPanel


def contract_search(holder: BrokerHolder) -> SearchFn:
    """The search box's search: the current broker's secdef search ([] while disconnected)."""

    async def search(text: str) -> Sequence[ContractMatch]:
        broker = holder.broker
        return [] if broker is None else await broker.search_contracts(text)

    return search


class WatchlistPresenter(QObject):
    """Keeps the feed holding exactly the watchlist's conids and feeds their quotes to the rows."""

    def __init__(self, model: WatchlistModel, panel: WatchlistPanel, feed: QuoteFeed, *,
                 clock: Callable[[], float] = time.monotonic,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.first_quote_at: float | None = None
        """``clock()`` when the first quote reached a watchlist row (start-up check)."""
        self._clock = clock
        self.quotes = feed.open(self._on_quotes, "the watchlist")
        model.contracts_changed.connect(self._hold_rows)
        panel.lists_changed.connect(lambda: Keys.WATCHLISTS.set(panel.lists.to_json()))
        self._hold_rows()

    def _hold_rows(self) -> None:
        self.quotes.set({item.conid: item.symbol for item in self.model.items()})

    def _on_quotes(self, batch: Mapping[int, Mapping[str, object]]) -> None:
        if self.model.apply(batch) and self.first_quote_at is None:
            self.first_quote_at = self._clock()

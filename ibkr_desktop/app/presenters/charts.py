"""Charts: opens one chart window per symbol, holds its quotes while open, restores them.

Charts open from the watchlist (double-click, the row menu's "Chart", Ctrl+G) and from anywhere
that calls :meth:`ChartsPresenter.open_chart`. Each window holds its conid in the quote feed
(one subscription per window, named after the chart) and releases it when the user closes it.
The open windows with their timeframes and indicators are saved under ``charts/open`` on every
change and reopened at the next start; windows torn down with the app stay saved.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from ibkr_desktop.app import log
from ibkr_desktop.app.settings import Keys
from ibkr_desktop.client.quote_feed import QuoteFeed
from ibkr_desktop.widgets.chart.chart_window import DEFAULT_TIMEFRAME, ChartWindow
from ibkr_desktop.widgets.watchlist_panel import WatchlistPanel

_log = log.get("app.charts")


class ChartsPresenter(QObject):
    """The open chart windows, by conid.

    Args:
        feed: the quote feed each window holds its conid in.
        panel: the watchlist panel whose ``chart_requested`` opens charts.
        owner: the main window; charts are its child windows, so they go when it goes.
    """

    def __init__(self, feed: QuoteFeed, panel: WatchlistPanel, owner: QWidget, *,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.windows: dict[int, ChartWindow] = {}
        self._feed = feed
        self._owner = owner
        panel.chart_requested.connect(self.open_chart)
        self.restore()

    def open_chart(self, conid: int, symbol: str, timeframe: str = DEFAULT_TIMEFRAME,
                   indicators: list[str] | None = None) -> ChartWindow:
        """Show the chart of ``conid`` (the open one is raised; a new one holds its quotes)."""
        window = self.windows.get(conid)
        if window is None:
            window = ChartWindow(conid, symbol, timeframe, indicators or (), self._owner)
            quotes = self._feed.open(window.apply_quotes, f"the {symbol} chart")
            quotes.hold({conid: symbol})
            window.closed.connect(lambda: self._closed(conid, quotes.close))
            window.timeframe_changed.connect(self.save)
            self.windows[conid] = window
            self.save()
            _log.info("chart opened: %s %s", symbol, window.timeframe)
        window.show()
        window.raise_()
        window.activateWindow()
        return window

    def restore(self) -> None:
        """Reopen the charts saved at the last run (entries that do not read are skipped)."""
        for entry in Keys.CHARTS.get():
            try:
                conid, symbol = int(entry["conid"]), str(entry["symbol"])
                timeframe = str(entry.get("timeframe") or DEFAULT_TIMEFRAME)
                indicators = [str(name) for name in entry.get("indicators") or ()]
            except (AttributeError, TypeError, KeyError, ValueError):
                _log.warning("saved chart entry skipped: %r", entry)
                continue
            self.open_chart(conid, symbol, timeframe, indicators)

    def save(self) -> None:
        """Store the open charts under ``charts/open``."""
        entries: list[Any] = [
            {"conid": w.conid, "symbol": w.symbol, "timeframe": w.timeframe,
             "indicators": list(w.indicators)}
            for w in self.windows.values()]
        Keys.CHARTS.set(entries)

    def _closed(self, conid: int, release: Callable[[], None]) -> None:
        self.windows.pop(conid, None)
        release()
        self.save()

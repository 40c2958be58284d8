"""Charts: opens one chart window per symbol, holds its quotes while open, restores them.

Charts open from the watchlist (double-click, the row menu's "Chart", Ctrl+G), from the
positions table (double-click, the row menu's "Chart", Ctrl+G) and from anywhere that calls
:meth:`ChartsPresenter.open_chart`. Each window holds its conid in the quote feed
(one subscription per window, named after the chart) and releases it when the user closes it.
Each window has a :class:`ChartModel` on the frame clock: history is loaded when the chart opens
with a broker, again on each new broker and on a timeframe switch, through one
:class:`HistoryLoader` shared by all charts (at most 5 history requests in flight). A chart
whose history could not load because the gateway was not reachable (or its session down) says
so and loads it again when the session is back.
Scrolling a chart back to its oldest bar loads the page of history before it (one page at a
time per chart).
The trader's working orders, fills and average price (``chart_marks``) are redrawn when the
orders, fills or positions tables change; dropping a dragged limit/stop line opens the order's
modify ticket at the new price, so the change goes through the ticket's checks and
confirmation like any other modification. A right-click on the price pane opens a limit ticket
at that price: a buy below the last price, a sell above it.
The open windows with their timeframes and indicators are saved under ``charts/open`` on every
change and reopened at the next start; windows torn down with the app stay saved.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import QObject
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from ibkr_desktop.app import log
from ibkr_desktop.app.broker_holder import BrokerHolder
from ibkr_desktop.app.settings import Keys
from ibkr_desktop.client.broker import Broker
from ibkr_desktop.client.quote_feed import QuoteBatch, QuoteFeed
from ibkr_desktop.client.tasks import TaskSet
from ibkr_desktop.models.bar_builder import Timeframe
from ibkr_desktop.models.fills import FillsModel
from ibkr_desktop.models.frame_clock import FrameClock
from ibkr_desktop.models.history_loader import HistoryLoader, offline_reason
from ibkr_desktop.models.orders import OrdersModel
from ibkr_desktop.models.positions import PositionsModel
from ibkr_desktop.models.table import RecordTableModel
from ibkr_desktop.protocol import quotes as typed
from ibkr_desktop.protocol.bars import Bar
from ibkr_desktop.protocol.orders import OrderTicket, Side
from ibkr_desktop.protocol.ticket_form import working_order
from ibkr_desktop.widgets.order_ticket import OrderTicketDialog
from ibkr_desktop.widgets.table_view import DataTable
from ibkr_desktop.widgets.watchlist_panel import WatchlistPanel

if TYPE_CHECKING:  # imported when the first chart opens: numpy is not needed before
    from ibkr_desktop.models.chart_model import ChartModel
    from ibkr_desktop.widgets.chart.chart_window import ChartWindow

_log = log.get("app.charts")


class _CurrentBroker:
    """The charts' history source: whichever broker the holder has now (nothing without one)."""

    def __init__(self, holder: BrokerHolder) -> None:
        self._holder = holder

    async def history(self, conid: int, period: str, bar: str, *, outside_rth: bool = False,
                      start_ms: int | None = None) -> list[Bar]:
        broker = self._holder.broker
        if broker is None:
            return []
        return await broker.history(conid, period, bar, outside_rth=outside_rth,
                                    start_ms=start_ms)

    async def snapshot(self, conids: list[int], fields: list[str]) -> typed.QuoteBatch:
        broker = self._holder.broker
        return {} if broker is None else await broker.snapshot(conids, fields)


OpenTicket = Callable[..., OrderTicketDialog]
"""``TicketPresenter.open_ticket(conid, symbol, side, *, modify=(order_id, order))``."""


@dataclass(frozen=True, slots=True)
class Trading:
    """What the charts show of the trader's account, and how they open a ticket."""

    orders: OrdersModel
    fills: FillsModel
    positions: PositionsModel
    open_ticket: OpenTicket


class ChartsPresenter(QObject):
    """The open chart windows and their models, by conid.

    Args:
        feed: the quote feed each window holds its conid in.
        holder: the broker holder (history; charts reload on a new broker).
        clock: the frame clock the chart models flush on.
        trading: the orders, fills and positions tables and the ticket opener.
        panel: the watchlist panel whose ``chart_requested`` opens charts.
        positions_table: the positions table (its rows open charts too).
        owner: the main window; charts are its child windows, so they go when it goes.
    """

    def __init__(self, feed: QuoteFeed, holder: BrokerHolder, clock: FrameClock,
                 trading: Trading, panel: WatchlistPanel, positions_table: DataTable,
                 owner: QWidget, *, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.windows: dict[int, ChartWindow] = {}
        self.models: dict[int, ChartModel] = {}
        self._feed = feed
        self._holder = holder
        self.loader = HistoryLoader(offline=lambda: offline_reason(
            holder.broker.session_state if holder.broker is not None else None))
        self._source = _CurrentBroker(holder)
        self._clock = clock
        self._owner = owner
        self._tasks = TaskSet(_log)
        self._loading: dict[int, asyncio.Task[Any]] = {}  # conid -> its latest history load
        self._older: dict[int, asyncio.Task[Any]] = {}  # conid -> its page of older history
        self._trading = trading
        tables: tuple[RecordTableModel, ...] = (trading.orders, trading.fills, trading.positions)
        for table in tables:
            for signal in (table.dataChanged, table.rowsInserted, table.rowsRemoved,
                           table.modelReset):
                signal.connect(self._show_all_marks)
        panel.chart_requested.connect(self.open_chart)
        self._positions_table = positions_table
        positions_table.bind_key(QKeySequence("Ctrl+G"), self.chart_selected_position)
        positions_table.doubleClicked.connect(lambda _index: self.chart_selected_position())
        positions_table.add_row_actions(self._position_menu)
        holder.broker_changed.connect(self._reload_all)
        self.restore()

    def open_chart(self, conid: int, symbol: str, timeframe: str = "",
                   indicators: list[str] | None = None) -> ChartWindow:
        """Show the chart of ``conid`` (the open one is raised; a new one holds its quotes).
        ``timeframe`` "" (or unknown): the chart window's default."""
        window = self.windows.get(conid)
        if window is None:
            from ibkr_desktop.models.chart_model import ChartModel
            from ibkr_desktop.widgets.chart.chart_window import ChartWindow

            window = ChartWindow(conid, symbol, timeframe, indicators or (), self._owner)
            model = ChartModel(self._source, self.loader, conid, Timeframe(window.timeframe),
                               parent=window)
            window.show_model(model)
            self._clock.register(model)

            def on_quotes(batch: QuoteBatch) -> None:
                model.apply_quotes(cast(typed.QuoteBatch, batch))  # the feed's values are Quotes
                window.apply_quotes(batch)

            quotes = self._feed.open(on_quotes, f"the {symbol} chart")
            quotes.hold({conid: symbol})
            window.closed.connect(lambda: self._closed(conid, quotes.close))
            window.timeframe_changed.connect(lambda _tf: self._timeframe_changed(conid))
            window.marks_stale.connect(lambda: self._show_marks(conid))
            window.indicators_changed.connect(self.save)
            window.ticket_at.connect(lambda price: self._ticket_at(conid, price))
            window.older_wanted.connect(lambda: self._load_older(model))
            window.order_dragged.connect(lambda order_id, price: self._modify(
                conid, order_id, price))
            self.windows[conid], self.models[conid] = window, model
            self.save()
            if self._holder.broker is not None:
                self._load(model)
            _log.info("chart opened: %s %s", symbol, window.timeframe)
        window.show()
        window.raise_()
        window.activateWindow()
        return window

    def chart_selected_position(self) -> None:
        """Open the chart of the positions table's selected row (nothing when none is)."""
        table = self._positions_table
        rows = table.selected_rows()
        if rows:
            conid = int(str(table.source.keys()[rows[0]]))
            symbol = table.source.record(rows[0]).get("symbol") or conid
            self.open_chart(conid, str(symbol))

    def _position_menu(self, menu: QMenu, rows: list[int]) -> None:
        action = menu.addAction("Chart", self.chart_selected_position)
        action.setShortcut(QKeySequence("Ctrl+G"))
        action.setEnabled(bool(rows))

    def restore(self) -> None:
        """Reopen the charts saved at the last run (entries that do not read are skipped)."""
        for entry in Keys.CHARTS.get():
            try:
                conid, symbol = int(entry["conid"]), str(entry["symbol"])
                timeframe = str(entry.get("timeframe") or "")
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

    def _show_all_marks(self) -> None:
        for conid in self.windows:
            self._show_marks(conid)

    def _show_marks(self, conid: int) -> None:
        from ibkr_desktop.app.presenters.chart_marks import average_price, fill_marks, order_lines

        trading = self._trading
        self.windows[conid].show_marks(
            order_lines(trading.orders, conid),
            fill_marks(trading.fills, conid, self.models[conid].series.t,
                       self.models[conid].timeframe.seconds * 1000),
            average_price(trading.positions, conid))

    def _modify(self, conid: int, order_id: int, price: float) -> None:
        """A dropped order line: the order's modify ticket, pre-filled at ``price``."""
        orders = self._trading.orders
        row = orders.row_of(order_id)
        order: OrderTicket | None = working_order(orders.record(row)) if row is not None else None
        if order is None:
            return
        self._trading.open_ticket(conid, self.windows[conid].symbol, Side(order.side),
                                  modify=(order_id, replace(order, price=round(price, 2))))

    def _ticket_at(self, conid: int, price: float) -> None:
        """A right-click at ``price``: a limit ticket there (buy below the last, sell above)."""
        window = self.windows[conid]
        side = Side.SELL if window.last is not None and price > window.last else Side.BUY
        dialog = self._trading.open_ticket(conid, window.symbol, side)
        dialog.fields.edits["limit"].setText(f"{price:.2f}")  # the user's price, kept

    def _load(self, model: ChartModel) -> None:
        self._loading[model.conid] = self._tasks.spawn(model.load(),
                                                       name=f"chart-history-{model.conid}")

    def _load_older(self, model: ChartModel) -> None:
        """Scrolled back to the oldest bar: fetch the page before it (one page at a time)."""
        running = self._older.get(model.conid)
        if model.exhausted or model.loading or (running is not None and not running.done()):
            return
        self._older[model.conid] = self._tasks.spawn(model.load_older(),
                                                     name=f"chart-older-{model.conid}")

    def _reload_all(self, broker: Broker | None) -> None:
        if broker is not None:
            broker.session_state_changed.connect(self._session_changed)
            broker.accounts_changed.connect(self._session_ready)
            for model in self.models.values():
                self._load(model)

    def _without_history(self) -> list[ChartModel]:
        return [m for m in self.models.values() if not len(m.series) and not m.loading]

    def _session_changed(self, _state: object) -> None:
        """A chart waiting for the gateway says what it waits for as the session's state
        changes (a request can fail before the session knows the gateway is unreachable)."""
        if self.loader.offline() is not None:
            for model in self._without_history():
                model.unavailable.emit(self.loader.why_empty(model.timeframe))

    def _session_ready(self, _info: object) -> None:
        """The session is up and has named its accounts (IBKR serves history only then):
        charts left without history, as it could not load, load it now."""
        for model in self._without_history():
            self._load(model)

    def _timeframe_changed(self, conid: int) -> None:
        model = self.models[conid]
        model.timeframe = Timeframe(self.windows[conid].timeframe)
        self._load(model)
        self.save()

    def _closed(self, conid: int, release: Callable[[], None]) -> None:
        self.windows.pop(conid, None)
        self._clock.unregister(self.models.pop(conid))
        for tasks in (self._loading, self._older):
            loading = tasks.pop(conid, None)
            if loading is not None:
                loading.cancel()  # its model goes with the window
        release()
        self.save()

"""One chart window per symbol: the symbol, timeframe and live last price, several at once.

The window is a top-level widget owned by the charts presenter (``app/presenters/charts.py``),
which feeds it the symbol's quotes (:meth:`ChartWindow.apply_quotes`, one call per receive batch),
gives it the chart's :class:`~ibkr_desktop.models.chart_model.ChartModel` (:meth:`show_model`:
history progress, "history unavailable", the newest bar's OHLCV readout once per frame) and
persists what the user chose (``timeframe_changed``). The title reads ``"AAPL · 5m"`` and
carries the availability badge (``"AAPL · 5m · D"`` while IBKR sends delayed data, see
``models/availability.py``). The plot (:class:`~ibkr_desktop.widgets.chart.panes.ChartPanes`:
candles, volume, crosshair, the trader's orders and fills) is built when the model is given, so
pyqtgraph loads only when a chart opens. The readout shows the bar under the crosshair, else
the newest, followed by its start in New York time (read from the panes' time axis), with the
year when it is not the newest bar's. When live ticks arrive outside the US session (nights,
weekends: they build no bar) a note says so and when live bars resume
(``"Market closed — live bars resume Mon 04:00 New York"``); the last-price tag still moves.
The active timeframe button is highlighted (:data:`CHECKED_STYLE`). Double-clicking the plot,
the Home key, or clicking the active timeframe again goes back to the default view (the newest
bars, y fitted: ``ChartPanes.reset_view``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from ibkr_desktop.models.availability import availability_label
from ibkr_desktop.models.chart_model import ChartModel
from ibkr_desktop.protocol.bars import Bar
from ibkr_desktop.widgets.chart.indicator_menu import IndicatorButton
from ibkr_desktop.widgets.chart.marks import FillMark, OrderLine

if TYPE_CHECKING:
    from ibkr_desktop.widgets.chart.panes import ChartPanes

TIMEFRAMES = ("1m", "5m", "15m", "1h", "1D")
"""The bar sizes a chart offers, shortest first (IBKR bar/period pairs: models)."""
DEFAULT_TIMEFRAME = "5m"
CHECKED_STYLE = ("QToolButton:checked { background: #1e6fd9; color: #ffffff; font-weight: bold;"
                 " border: 1px solid #5aa0ff; border-radius: 3px; }")
"""The active timeframe button: filled, on this widget (a theme may not style :checked)."""


class ChartWindow(QWidget):
    """A symbol's chart: timeframe buttons, the live last price with its badge, the panes.

    Args:
        conid: IBKR contract id shown.
        symbol: its symbol (title).
        timeframe: one of :data:`TIMEFRAMES` (anything else starts on :data:`DEFAULT_TIMEFRAME`).
        indicators: the chosen indicator names, kept for the presenter to save.

    Signals:
        timeframe_changed(str): the user picked another timeframe.
        order_dragged(int, float): the user dropped an order's line at a new price.
        indicators_changed(list): the chosen indicator keys changed (``"sma(20)"``...).
        ticket_at(float): the user right-clicked the price pane at this price.
        older_wanted(): the user scrolled back to the oldest bar (load older history).
        marks_stale(): the bars were reloaded or prepended (fill markers need new bar indices).
        closed(): the user closed the window (not emitted when the app is torn down).
    """

    timeframe_changed = Signal(str)
    order_dragged = Signal(int, float)
    indicators_changed = Signal(list)
    ticket_at = Signal(float)
    older_wanted = Signal()
    marks_stale = Signal()
    closed = Signal()

    def __init__(self, conid: int, symbol: str, timeframe: str = DEFAULT_TIMEFRAME,
                 indicators: Iterable[str] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setObjectName(f"chart_{conid}")
        self.conid = conid
        self.symbol = symbol
        self.timeframe = timeframe if timeframe in TIMEFRAMES else DEFAULT_TIMEFRAME
        self.indicators = list(indicators)
        self.badge = ""
        self.last: float | None = None
        """The latest last price (None until one arrives)."""
        self._up = True  # the last price is at or above the prior close (the tag's colour)
        self._model: ChartModel | None = None
        self.panes: ChartPanes | None = None
        self._hovered = -1
        """Availability badge of the latest quote ("" live or unknown, "D" delayed...)."""

        self.setStyleSheet(CHECKED_STYLE)
        self.buttons = QButtonGroup(self)
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        for name in TIMEFRAMES:
            button = QToolButton(self)
            button.setText(name)
            button.setObjectName(f"timeframe_{name}")
            button.setCheckable(True)
            button.setChecked(name == self.timeframe)
            button.setToolTip(f"{name} bars")
            self.buttons.addButton(button)
            bar.addWidget(button)
        self.indicator_button = IndicatorButton(self.indicators, self)
        self.indicator_button.changed.connect(self._choose_indicators)
        bar.addWidget(self.indicator_button)
        bar.addStretch(1)
        self.last_label = QLabel("—", self)
        self.last_label.setObjectName("chartLast")
        bar.addWidget(self.last_label)
        self.status = QLabel("", self)
        self.status.setObjectName("chartStatus")
        """History progress or why there is none (empty once bars are shown)."""
        self.readout = QLabel("", self)
        self.readout.setObjectName("chartReadout")
        """OHLCV of the bar under the crosshair, else of the newest bar."""
        self.session_note = QLabel("", self)
        self.session_note.setObjectName("chartSession")
        self.session_note.setVisible(False)
        """Why live bars do not move (ticks outside the session); hidden otherwise."""
        self.body = QVBoxLayout()
        """Where the panes go (price, volume, RSI), stacked top to bottom."""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.readout)
        layout.addWidget(self.status)
        layout.addWidget(self.session_note)
        layout.addLayout(self.body, 1)
        self.buttons.buttonClicked.connect(lambda button: self._timeframe_clicked(button.text()))
        self.resize(900, 560)
        self._retitle()

    def show_model(self, model: ChartModel) -> None:
        """Show ``model``'s bars and history state from now on (builds the plot)."""
        from ibkr_desktop.widgets.chart.panes import ChartPanes  # pyqtgraph: only when opened

        self._model = model
        self.panes = ChartPanes(self)
        self.panes.hovered.connect(self._hover)
        self.panes.overlays.order_dragged.connect(self.order_dragged)
        self.panes.price_clicked.connect(self.ticket_at)
        self.panes.reached_start.connect(self.older_wanted)
        self.body.addWidget(self.panes)
        self.panes.set_indicators(self.indicators, model.series)
        model.progress.connect(self._show_progress)
        model.unavailable.connect(self._show_unavailable)
        model.prepended.connect(self.panes.shift_by)  # before the bars_changed showing them
        model.bars_changed.connect(self._bars_changed)
        model.market_closed.connect(self._show_session)
        self._show_session(model.closed_until)
        self._show_last()

    def reset_view(self) -> None:
        """The default view: the newest bars, y fitted (no-op before the plot)."""
        if self.panes is not None:
            self.panes.reset_view()

    def _timeframe_clicked(self, timeframe: str) -> None:
        if timeframe == self.timeframe:
            self.reset_view()  # the active one again: back to the default view
        else:
            self.set_timeframe(timeframe)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt API)
        """Home: the default view."""
        if event.key() == Qt.Key.Key_Home:
            self.reset_view()
            event.accept()
        else:
            super().keyPressEvent(event)

    def _show_session(self, closed_until: int) -> None:
        """``closed_until``: the next open (epoch ms) while ticks come outside the session."""
        if closed_until and self.panes is not None:
            opens = datetime.fromtimestamp(closed_until / 1000, self.panes.time_axis.tz)
            self.session_note.setText(f"Market closed — live bars resume {opens:%a %H:%M} "
                                      "New York (prices still update the tag)")
        self.session_note.setVisible(bool(closed_until))

    def set_timeframe(self, timeframe: str) -> None:
        """Show ``timeframe`` bars (one of :data:`TIMEFRAMES`); announce a change."""
        if timeframe not in TIMEFRAMES or timeframe == self.timeframe:
            return
        self.timeframe = timeframe
        for button in self.buttons.buttons():
            button.setChecked(button.text() == timeframe)
        self._retitle()
        self.timeframe_changed.emit(timeframe)

    def apply_quotes(self, batch: Mapping[int, Mapping[str, object]]) -> None:
        """Take one quote-feed batch (``{conid: changed values}``): last price and badge."""
        values = batch.get(self.conid)
        if not values:
            return
        change, last = values.get("change"), values.get("last")
        if isinstance(change, int | float):
            self._up = change >= 0
        if isinstance(last, int | float):
            self.last = float(last)
            self.last_label.setText(f"{self.symbol} {last:,.2f}")
            self._show_last()
        if "availability" in values:
            self.badge, tip = availability_label(values)
            self.last_label.setToolTip(tip)
            self._retitle()

    def _show_last(self) -> None:
        """The live last-price tag on the right of the price pane, green up / red down."""
        if self.panes is not None and self.last is not None:
            self.panes.price_tag.set_price(self.last, self._up)

    def _choose_indicators(self, keys: list[str]) -> None:
        self.indicators = keys
        if self.panes is not None and self._model is not None:
            self.panes.set_indicators(keys, self._model.series)
        self.indicators_changed.emit(keys)

    def _show_progress(self, done: int, asked: int) -> None:
        self.status.setText(f"Loading history… {done}/{asked}" if done < asked else "")

    def _show_unavailable(self, reason: str) -> None:
        self.status.setText(reason)

    def _bars_changed(self, first: int) -> None:
        if self._model is None or self.panes is None:
            return
        self.panes.show_series(self._model.series, first,
                               self._model.timeframe.seconds * 1000)
        self._show_readout()
        if first == 0:
            self.marks_stale.emit()

    def show_marks(self, orders: Sequence[OrderLine], fills: Sequence[FillMark],
                   average: float | None) -> None:
        """Show the trader's working orders, fills and average price (before the plot: no-op)."""
        if self.panes is not None:
            overlays = self.panes.overlays
            overlays.set_orders(orders)
            self.panes.fit_orders([order.price for order in orders])
            overlays.set_fills(fills)
            overlays.set_average(average)

    def _hover(self, index: int) -> None:
        self._hovered = index
        self._show_readout()

    def _show_readout(self) -> None:
        series = self._model.series if self._model is not None else None
        if not series:
            self.readout.setText("")
            return
        index = self._hovered if 0 <= self._hovered < len(series) else -1
        when = self.panes.time_axis.time_at(index % len(series)) if self.panes else None
        newest = self.panes.time_axis.time_at(len(series) - 1) if self.panes else None
        daily = self._model is not None and self._model.timeframe.seconds >= 86_400
        shape = "%a %b %d %Y" if daily else "%a %b %d %H:%M"  # a daily bar has no time
        if not daily and when is not None and newest is not None and when.year != newest.year:
            shape = "%a %b %d %Y %H:%M"
        stamp = f"  {when:{shape}}" if when is not None else ""
        self.readout.setText(_readout(series.bar(index)) + stamp)

    def _retitle(self) -> None:
        parts = [self.symbol, self.timeframe] + ([self.badge] if self.badge else [])
        self.setWindowTitle(" · ".join(parts))

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        """The user closed the chart: tell the presenter (it releases the quotes)."""
        self.closed.emit()
        super().closeEvent(event)


def _readout(bar: Bar) -> str:
    """``"O 185.00  H 186.20  L 184.90  C 185.50  V 12,300"``."""
    return (f"O {bar.open:,.2f}  H {bar.high:,.2f}  L {bar.low:,.2f}  C {bar.close:,.2f}  "
            f"V {bar.volume:,.0f}")

"""A chart window's plot: candles over volume (and RSI), x-linked, crosshair, overlays, indicators.

Layout (as the chart benchmark measures it): the price pane (3/4 of the height) over the volume
pane (1/4), x = bar index, price and volume axes on the right at one fixed width, auto-range off.
Only the bottom-most pane (volume, or RSI when shown) has a bottom axis: a ``TimeAxis`` fed with
the bars' start times, labelling bar indices with New York dates/times (``time_axis``).
A dashed line with its price boxed on the right axis marks the live last price (``price_tag``).
The mouse wheel zooms and a drag pans along x; y always fits the visible bars (``ranges.fit_y``),
and the working orders' prices near them (``fit_orders``).
While the newest bar is in view the view follows it (``show_bars`` with the eager
``updateMatrix``, so a live update paints once). The crosshair reports the bar under the mouse
(``hovered(index)``, -1 when the mouse leaves), which the window shows as the OHLCV readout.
When the user pans or zooms until the oldest bar is in view, or a (re)load or a prepended page
leaves room left of the oldest bar, ``reached_start`` asks for older history; once older bars
are prepended (``shift_by``) the view moves with them, so it keeps showing the same bars.
A right-click on the price pane asks for a ticket at that price (``price_clicked(price)``).
Zoom is bounded (``_limit``): out to the loaded bars plus the room right of the newest (no
extrapolated dates far past it), in to :data:`MIN_BARS`; a double-click goes back to the
default view (``reset_view``: the newest :data:`VISIBLE` bars, y fitted).
pyqtgraph is imported here, so this module loads only when a chart opens.
"""

from __future__ import annotations

import pyqtgraph as pg
from pyqtgraph.GraphicsScene.mouseEvents import MouseClickEvent
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtWidgets import QWidget

from ibkr_desktop.models.series import BarSeries
from ibkr_desktop.widgets.chart.bars_item import BarsItem
from ibkr_desktop.widgets.chart.candles import CandleItem
from ibkr_desktop.widgets.chart.indicator_lines import IndicatorLines
from ibkr_desktop.widgets.chart.overlays import Overlays
from ibkr_desktop.widgets.chart.price_tag import PriceTag
from ibkr_desktop.widgets.chart.ranges import AXIS_WIDTH, fit_y, show_bars
from ibkr_desktop.widgets.chart.time_axis import TimeAxis
from ibkr_desktop.widgets.chart.volume import VolumeAxis, VolumeItem

VISIBLE = 120
"""Bars in view when a chart opens or follows the newest bar."""
MARGIN = 3
"""Empty bar slots right of the newest bar while following."""
MIN_BARS = 10
"""The fewest bars a zoom in shows."""


class ChartPanes(pg.GraphicsLayoutWidget):  # type: ignore[misc]
    """Candles, volume, crosshair and the trader's overlays of one chart.

    Signals:
        hovered(int): the bar index under the crosshair; -1 when the mouse left the chart.
        price_clicked(float): the price pane was right-clicked at this price.
        reached_start(): the user moved the view to the oldest bar (older history wanted).
    """

    hovered = Signal(int)
    price_clicked = Signal(float)
    reached_start = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.time_axes = (TimeAxis(), TimeAxis())
        """Bottom axes of the volume and RSI panes: only the bottom-most visible one shows."""
        self.price = self.addPlot(row=0, col=0)
        self.volume = self.addPlot(row=1, col=0, axisItems={"bottom": self.time_axes[0],
                                                            "right": VolumeAxis()})
        self.ci.layout.setRowStretchFactor(0, 3)
        self.ci.layout.setRowStretchFactor(1, 1)
        self.volume.setXLink(self.price)
        self.candles, self.volumes = CandleItem(), VolumeItem()
        self.panes: list[tuple[pg.ViewBox, BarsItem]] = []
        for plot, item in ((self.price, self.candles), (self.volume, self.volumes)):
            plot.showAxis("right")
            plot.getAxis("right").setWidth(AXIS_WIDTH)
            plot.hideAxis("left")
            plot.disableAutoRange()
            plot.setMouseEnabled(x=True, y=False)
            plot.addItem(item)
            self.panes.append((plot.getViewBox(), item))
        self.price.hideAxis("bottom")
        self.rsi = self.addPlot(row=2, col=0, axisItems={"bottom": self.time_axes[1]})
        self.rsi.setXLink(self.price)
        self.rsi.showAxis("right")
        self.rsi.getAxis("right").setWidth(AXIS_WIDTH)
        self.rsi.hideAxis("left")
        self.rsi.setMouseEnabled(x=True, y=False)
        self.rsi.setYRange(0, 100, padding=0.05)
        self.rsi.setVisible(False)
        for plot in (self.price, self.volume, self.rsi):
            plot.hideButtons()  # pyqtgraph's "A" (auto-range) would undo the y fit
        self.indicators = IndicatorLines(self.price, self.rsi)
        self.overlays = Overlays(self.price.getViewBox(), self)
        self.price_tag = PriceTag(self.price.getViewBox(), self.price.getAxis("right"))
        """The live last price, boxed on the right axis (the window sets it)."""
        self.cross_x = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#888", width=0.5))
        self.cross_y = pg.InfiniteLine(angle=0, movable=False, pen=pg.mkPen("#888", width=0.5))
        for line in (self.cross_x, self.cross_y):
            line.setVisible(False)
            self.price.addItem(line, ignoreBounds=True)
        self._count = 0
        self._shift = 0  # bars prepended, not yet shown
        self._showing = False  # the view moves because bars arrived, not the user
        self.price.getViewBox().sigXRangeChanged.connect(self._view_moved)
        self.price.setMenuEnabled(False)  # the right button opens a ticket instead
        self.scene().sigMouseMoved.connect(self._mouse_moved)
        self.scene().sigMouseClicked.connect(self._clicked)

    @property
    def view_range(self) -> tuple[float, float]:
        """The x range shown, in bar indices."""
        x0, x1 = self.price.getViewBox().viewRange()[0]
        return float(x0), float(x1)

    def set_indicators(self, keys: list[str], series: BarSeries) -> None:
        """Show the indicators ``keys`` (``"sma(20)"``...); the RSI pane only with RSI."""
        self.indicators.choose(keys, series)
        self.rsi.setVisible(self.indicators.has_rsi)
        self.volume.showAxis("bottom", not self.indicators.has_rsi)
        self.ci.layout.setRowStretchFactor(2, 1 if self.indicators.has_rsi else 0)
        self.indicators.draw(*self.view_range)

    @property
    def time_axis(self) -> TimeAxis:
        """The time axis shown (under the bottom-most pane)."""
        return self.time_axes[1 if self.indicators.has_rsi else 0]

    def show_series(self, series: BarSeries, first: int, bar_ms: int) -> None:
        """Draw ``series`` (bars from ``first`` on changed, ``bar_ms`` long each); follow the
        newest bar if in view (or keep showing the same bars when older ones were prepended)."""
        count = len(series)
        shift, self._shift = self._shift, 0
        relabel = first == 0 or count != self._count  # a tick on the newest bar moves none
        if relabel:
            for axis in self.time_axes:
                axis.set_times(series.t, bar_ms)
        x0, x1 = self.view_range
        following = (first == 0 and not shift) or x1 >= self._count - 1
        for _view, item in self.panes:
            item.show_series(series, first)
        self.indicators.update(series, first)
        self._count = count
        self._showing = True
        try:
            if relabel:
                self._limit(count)  # may clamp the view: the bars shown are set right after
            if shift:
                show_bars(self.panes, x0 + shift, x1 + shift)
            elif following and count:
                width = x1 - x0 if first and x1 > x0 else VISIBLE
                stop = max(x1, count + MARGIN) if first else count + MARGIN
                show_bars(self.panes, stop - width, stop)
        finally:
            self._showing = False
        self.indicators.draw(*self.view_range)
        if first == 0 and count and self.view_range[0] <= 0:
            self.reached_start.emit()  # the bars do not fill the view: older ones are wanted

    def reset_view(self) -> None:
        """The default view: the newest :data:`VISIBLE` bars and the room right of them."""
        stop = self._count + MARGIN
        self._showing = True
        try:
            show_bars(self.panes, stop - VISIBLE, stop)
        finally:
            self._showing = False
        self.indicators.draw(*self.view_range)

    def _limit(self, count: int) -> None:
        """Bound pan and zoom to ``count`` bars plus the room right of the newest (and, with
        fewer bars than the default view, that view's width)."""
        x_max = count + MARGIN
        x_min = min(-MARGIN, x_max - VISIBLE)
        for plot in (self.price, self.volume, self.rsi):  # x-linked: each keeps the same bounds
            plot.getViewBox().setLimits(xMin=x_min, xMax=x_max, minXRange=MIN_BARS,
                                        maxXRange=x_max - x_min)

    def shift_by(self, bars: int) -> None:
        """``bars`` older bars were prepended: the next ``show_series`` moves the view by as
        many, so it shows the same bars."""
        self._shift += bars

    def fit_orders(self, prices: list[float]) -> None:
        """Let the y fit show these working orders' prices when near the visible bars."""
        self.candles.near = tuple(prices)
        self._fit_y()

    def _view_moved(self) -> None:
        self._fit_y()
        self.indicators.draw(*self.view_range)
        if not self._showing and self._count and self.view_range[0] <= 0:
            self.reached_start.emit()

    def _fit_y(self) -> None:
        first, stop = self.view_range
        for view, item in self.panes:
            if fit_y(view, item, max(first, 0), max(stop, 0)):
                view.updateMatrix()

    def _clicked(self, event: MouseClickEvent) -> None:
        view = self.price.getViewBox()
        at = event.scenePos()
        if event.double() and event.button() == Qt.MouseButton.LeftButton:
            event.accept()
            self.reset_view()
            return
        if event.button() == Qt.MouseButton.RightButton and view.sceneBoundingRect().contains(at):
            event.accept()
            self.price_clicked.emit(float(view.mapSceneToView(at).y()))

    def _mouse_moved(self, at: QPointF) -> None:
        view = self.price.getViewBox()
        inside = view.sceneBoundingRect().contains(at)
        for line in (self.cross_x, self.cross_y):
            line.setVisible(inside)
        if not inside:
            self.hovered.emit(-1)
            return
        point = view.mapSceneToView(at)
        index = round(point.x())
        self.cross_x.setValue(index)
        self.cross_y.setValue(point.y())
        self.hovered.emit(index if 0 <= index < self._count else -1)

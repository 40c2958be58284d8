"""The chart's overlays on a real pyqtgraph plot, offscreen: the trader's orders sit at their
prices with side/quantity/price labels, fills at their bars and prices, the average price as a
line; dropping a dragged order line asks for the order at the drop price, once."""

from __future__ import annotations

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from ibkr_desktop.models.series import BarSeries
from ibkr_desktop.protocol.bars import Bar
from ibkr_desktop.widgets.chart.candles import CandleItem
from ibkr_desktop.widgets.chart.marks import FillMark, OrderLine
from ibkr_desktop.widgets.chart.overlays import Overlays
from ibkr_desktop.widgets.chart.panes import ChartPanes

BUY_LIMIT = OrderLine(11, "BUY", 100, "LMT", 185.0, movable=True)
SELL_STOP = OrderLine(12, "SELL", 50, "STP", 181.5, movable=True)


@pytest.fixture
def plot(qtbot):
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    widget.resize(800, 500)
    widget.setXRange(0, 100, padding=0)
    widget.setYRange(180, 190, padding=0)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def panes(qtbot) -> ChartPanes:
    """A shown 800x500 chart plot (price, volume, RSI panes)."""
    shown = ChartPanes()
    qtbot.addWidget(shown)
    shown.resize(800, 500)
    shown.show()
    qtbot.waitExposed(shown)
    return shown


def view_point(plot: pg.GraphicsView, x: float, y: float,
               view: pg.ViewBox | None = None) -> QPoint:
    """Where the data point (x, y) of ``view`` (the plot's own) is on the viewport, in px."""
    scene = (view or plot.getViewBox()).mapViewToScene(QPointF(x, y))
    return plot.mapFromScene(scene)


def mouse(plot: pg.GraphicsView, kind: QEvent.Type, at: QPoint,
          buttons: Qt.MouseButton = Qt.MouseButton.LeftButton) -> None:
    event = QMouseEvent(kind, QPointF(at), plot.viewport().mapToGlobal(QPointF(at)),
                        Qt.MouseButton.LeftButton, buttons, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(plot.viewport(), event)


def drag(plot: pg.GraphicsView, x: float, from_y: float, to_y: float,
         view: pg.ViewBox | None = None) -> None:
    """Drag with the left button from data point (x, from_y) to (x, to_y): press, one move
    (pyqtgraph drops moves closer than 10 ms apart, and starts a drag only past a few pixels),
    release (the drag's final position)."""
    start, end = view_point(plot, x, from_y, view), view_point(plot, x, to_y, view)
    mouse(plot, QEvent.Type.MouseButtonPress, start)
    mouse(plot, QEvent.Type.MouseMove, end)
    mouse(plot, QEvent.Type.MouseButtonRelease, end, Qt.MouseButton.NoButton)


def test_orders_fills_and_average_are_drawn_at_their_prices(plot) -> None:
    overlays = Overlays(plot.getViewBox())
    overlays.set_orders([BUY_LIMIT, SELL_STOP])
    overlays.set_fills([FillMark(40, 183.25, "BUY"), FillMark(70, 187.0, "SELL")])
    overlays.set_average(183.25)
    lines = {i: line for i, (_order, line) in overlays.lines.items()}
    assert {i: line.value() for i, line in lines.items()} == {11: 185.0, 12: 181.5}
    assert lines[11].label.toPlainText().strip() == "BUY 100 LMT @ 185.00"
    assert lines[12].label.toPlainText().strip() == "SELL 50 STP @ 181.50"
    x, y = overlays.fills.getData()
    assert list(x) == [40, 70] and list(y) == [183.25, 187.0]
    assert overlays.average.isVisible() and overlays.average.value() == 183.25
    assert overlays.average.label.toPlainText().strip() == "avg 183.25"

    overlays.set_orders([SELL_STOP])  # the buy filled or was cancelled
    overlays.set_average(None)
    assert list(overlays.lines) == [12] and not overlays.average.isVisible()
    assert lines[11].scene() is None  # its line left the plot


def test_dropping_a_dragged_line_asks_for_the_order_at_the_drop_price(plot, qtbot) -> None:
    overlays = Overlays(plot.getViewBox())
    overlays.set_orders([BUY_LIMIT])
    asked: list[tuple[int, float]] = []
    overlays.order_dragged.connect(lambda i, p: asked.append((i, p)))
    drag(plot, 30, 185.0, 187.0)
    assert len(asked) == 1 and asked[0][0] == 11
    assert asked[0][1] == pytest.approx(187.0, abs=0.05)  # within a pixel of the drop
    assert overlays.lines[11][1].value() == 185.0  # stays at the order's price until modified


@pytest.mark.parametrize("off_px", [-7, 7])
def test_a_press_a_few_pixels_off_an_order_line_grabs_it(plot, off_px: int) -> None:
    """Pressing 7 px above or below the line drags the order, not the chart."""
    overlays = Overlays(plot.getViewBox())
    overlays.set_orders([BUY_LIMIT])
    asked: list[tuple[int, float]] = []
    overlays.order_dragged.connect(lambda i, p: asked.append((i, p)))
    view = plot.getViewBox()
    px_price = 10.0 / view.height()  # the plot shows 180-190 over the view's height
    before = view.viewRange()[0]
    drag(plot, 30, 185.0 + off_px * px_price, 187.0)
    assert len(asked) == 1 and asked[0][0] == 11
    assert view.viewRange()[0] == before  # the chart did not pan


def test_the_y_fit_shows_working_orders_near_the_bars_but_not_far_ones(panes: ChartPanes) -> None:
    """Bars between 100 and 110: a buy limit at 95 is fitted into view, a stop at 60 is not
    (it would squash the candles)."""
    series = BarSeries()
    series.merge([Bar(60_000 * i, 105.0, 110.0 if i % 2 else 106.0, 100.0 if i % 2 else 104.0,
                      105.0, 1000.0) for i in range(200)])
    panes.show_series(series, 0, 60_000)
    view = panes.price.getViewBox()

    def y_range() -> tuple[float, float]:
        (_, _), (y0, y1) = view.viewRange()
        return y0, y1

    y0, y1 = y_range()
    assert 99 < y0 <= 100 and 110 <= y1 < 111
    panes.fit_orders([60.0])
    assert y_range() == (y0, y1)
    panes.fit_orders([95.0, 60.0])
    y0, y1 = y_range()
    assert 94 < y0 <= 95 and 110 <= y1 < 111  # 95 in view, 60 left out


@pytest.mark.parametrize("width", [260, 800])
def test_line_labels_stay_inside_the_view_at_any_width(qtbot, width: int) -> None:
    """The average-price and order labels are drawn whole inside the price pane, also in a
    narrow window (a label centred near an edge was cut in half)."""
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    widget.resize(width, 300)
    widget.setXRange(0, 100, padding=0)
    widget.setYRange(180, 190, padding=0)
    widget.show()
    qtbot.waitExposed(widget)
    overlays = Overlays(widget.getViewBox())
    overlays.set_orders([OrderLine(11, "BUY", 10_000, "LMT", 185.0, movable=True)])
    overlays.set_average(183.25)
    QApplication.processEvents()  # pyqtgraph places labels once the line knows its view
    view = widget.getViewBox().sceneBoundingRect()
    for label in (overlays.average.label, overlays.lines[11][1].label):
        box = label.sceneBoundingRect()
        assert view.left() <= box.left() and box.right() <= view.right(), (
            label.toPlainText(), box, view)
    average, order = (overlays.average.label.sceneBoundingRect(),
                      overlays.lines[11][1].label.sceneBoundingRect())
    assert not average.intersects(order)


def test_the_volume_axis_reads_in_k_and_m(panes: ChartPanes) -> None:
    """Volumes up to 1.6M shares: the volume pane's axis says 500K, 1M, 1.5M (no 1.5e+06)."""
    series = BarSeries()
    series.merge([Bar(60_000 * i, 10.0, 10.5, 9.5, 10.0, 1_600_000.0 * (i % 8 + 1) / 8)
                  for i in range(200)])
    panes.show_series(series, 0, 60_000)
    axis = panes.volume.getAxis("right")
    low, high = axis.range
    shown = [text for spacing, values in axis.tickValues(low, high, axis.height())
             for text in axis.tickStrings(values, axis.scale, spacing)]
    assert "1.5M" in shown and "500K" in shown and "0" in shown, shown
    assert not [text for text in shown if "e" in text or len(text) > 5], shown


def test_the_window_tags_the_live_last_price_and_reads_daily_bars_by_date(qtbot) -> None:
    """A quote's last price shows as the tag on the price pane (red below the prior close,
    green above); the readout of a daily bar names its date, not a midnight time."""
    from ibkr_desktop.models.bar_builder import Timeframe
    from ibkr_desktop.models.chart_model import ChartModel
    from ibkr_desktop.models.history_loader import HistoryLoader
    from ibkr_desktop.widgets.chart.chart_window import ChartWindow

    window = ChartWindow(265598, "AAPL", "1D")
    qtbot.addWidget(window)
    window.apply_quotes({265598: {"last": 101.5, "change": -0.5}})  # before the plot exists
    model = ChartModel(None, HistoryLoader(), 265598, Timeframe.D1)  # type: ignore[arg-type]
    window.show_model(model)
    window.show()
    qtbot.waitExposed(window)
    assert window.panes is not None
    tag = window.panes.price_tag
    assert tag.isVisible() and tag.value() == 101.5 and tag.text == "101.50"
    assert tag.tag.fill.color() == CandleItem.colour(up=False)
    window.apply_quotes({265598: {"last": 102.25, "change": 0.25}})
    assert tag.value() == 102.25 and tag.tag.fill.color() == CandleItem.colour(up=True)
    assert tag.text == "102.25"  # the label follows the line (it was left empty)
    QApplication.processEvents()
    axis = window.panes.price.getAxis("right").sceneBoundingRect()
    window.panes.price.setYRange(100, 104, padding=0)
    assert tag.tag.isVisible() and axis.contains(tag.tag.sceneBoundingRect())  # on the axis

    friday = 1_795_755_600_000  # 2026-11-27 00:00 New York
    model.series.merge([Bar(friday, 100.0, 103.0, 99.0, 102.0, 65_000_000.0)])
    model.set_indicators([])
    model.flush()
    assert window.readout.text().endswith("Fri Nov 27 2026"), window.readout.text()


def test_a_short_first_page_asks_for_older_bars_to_fill_the_view(qtbot) -> None:
    """A 5-minute chart opened mid-morning has fewer bars than the view holds: the panes ask
    for the page before (an empty left third otherwise); a full page does not."""
    panes = ChartPanes()
    qtbot.addWidget(panes)
    panes.resize(800, 500)
    asked: list[bool] = []
    panes.reached_start.connect(lambda: asked.append(True))
    series = BarSeries()
    series.merge([Bar(300_000 * i, 10.0, 10.5, 9.5, 10.0, 100.0) for i in range(500, 584)])
    panes.show_series(series, 0, 300_000)
    assert asked == [True]
    panes.show_series(series, len(series) - 1, 300_000)  # a tick: no new request
    assert asked == [True]
    series.merge([Bar(300_000 * i, 10.0, 10.5, 9.5, 10.0, 100.0) for i in range(300, 500)])
    panes.shift_by(200)
    panes.show_series(series, 0, 300_000)  # the page before came: the view is full
    assert asked == [True]


def test_no_auto_range_button_appears_over_the_panes(panes: ChartPanes) -> None:
    """pyqtgraph shows an "A" button in a pane whose range the user moved; the chart fits its
    ranges itself, so none shows (it would also undo the fit)."""
    for plot in (panes.price, panes.volume, panes.rsi):
        plot.mouseHovering = True  # as the mouse over it after a drag
        plot.updateButtons()
        assert not plot.autoBtn.isVisible()

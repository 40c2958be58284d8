"""Chart drawing: the pyramid's levels, only the visible slice drawn, colours where the bars are,
a live tick repainting only the tail, the y axis fitted to the visible bars, exchange times on
the time axis, the last-price tag."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QImage, QPainter, QTransform
from PySide6.QtWidgets import QApplication, QStyleOptionGraphicsItem

from ibkr_desktop.models.series import BarSeries
from ibkr_desktop.protocol.bars import Bar
from ibkr_desktop.widgets.chart.candles import CandleItem
from ibkr_desktop.widgets.chart.price_tag import PriceTag
from ibkr_desktop.widgets.chart.pyramid import Pyramid
from ibkr_desktop.widgets.chart.ranges import show_bars
from ibkr_desktop.widgets.chart.time_axis import EXCHANGE_TZ, TimeAxis
from ibkr_desktop.widgets.chart.volume import VolumeItem


def walk(n: int, seed: int = 1) -> tuple[np.ndarray, ...]:
    """A random-walk OHLCV series of n bars."""
    rng = np.random.default_rng(seed)
    close = 100 + np.cumsum(rng.normal(size=n))
    open_ = np.concatenate(([100.0], close[:-1]))
    high = np.maximum(open_, close) + rng.random(n)
    low = np.minimum(open_, close) - rng.random(n)
    return open_, high, low, close, rng.random(n) * 1000


def reference_level(data: tuple[np.ndarray, ...], k: int) -> dict[str, list[float]]:
    """Groups of 2**k bars aggregated one by one in plain Python."""
    open_, high, low, close, volume = data
    size = 2 ** k
    starts = range(0, len(close), size)
    return {"open": [open_[s] for s in starts],
            "high": [max(high[s:s + size]) for s in starts],
            "low": [min(low[s:s + size]) for s in starts],
            "close": [close[min(s + size, len(close)) - 1] for s in starts],
            "volume": [max(volume[s:s + size]) for s in starts]}


@pytest.mark.parametrize("n", [1, 2, 7, 1000, 1025])
def test_pyramid_levels_match_a_reference(n: int) -> None:
    data = walk(n)
    pyramid = Pyramid()
    pyramid.set_data(*data)
    assert len(pyramid.levels[-1]["close"]) == 1
    for k, level in enumerate(pyramid.levels):
        expected = reference_level(data, k)
        for name, values in expected.items():
            assert level[name].tolist() == pytest.approx(values), (k, name)


def test_pyramid_tail_refresh_equals_a_rebuild() -> None:
    """A tick on the last bar and appended bars update the levels as a full rebuild would."""
    data = [a.copy() for a in walk(3000)]
    pyramid = Pyramid()
    pyramid.set_data(*(a[:2000] for a in data))
    data[1][1999] = data[3][1999] = 500.0  # a tick on the last bar: new high and close
    pyramid.set_data(*(a[:2000] for a in data), first=1999)
    pyramid.set_data(*(a[:2999] for a in data), first=2000)  # appended bars, levels grow
    rebuilt = Pyramid()
    rebuilt.set_data(*(a[:2999] for a in data))
    assert len(pyramid.levels) == len(rebuilt.levels)
    for ours, theirs in zip(pyramid.levels, rebuilt.levels, strict=True):
        for name in ours:
            assert np.array_equal(ours[name], theirs[name])


@pytest.mark.parametrize(("first", "stop"), [(0, 1), (5, 6), (3, 77), (10, 9000), (0, 10_000)])
def test_pyramid_low_high_is_exact(first: int, stop: int) -> None:
    data = walk(10_000)
    pyramid = Pyramid()
    pyramid.set_data(*data)
    assert pyramid.low_high(first, stop) == (data[2][first:stop].min(), data[1][first:stop].max())
    assert pyramid.low_high(50, 50) is None


def chart(qtbot, n: int) -> tuple[pg.PlotWidget, CandleItem, tuple[np.ndarray, ...]]:
    """A shown 800x500 plot with the candles of an n-bar walk."""
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    widget.resize(800, 500)
    item = CandleItem()
    data = walk(n)
    item.set_data(*data)
    widget.addItem(item)
    widget.show()
    qtbot.waitExposed(widget)
    return widget, item, data


def test_zoomed_in_draws_only_the_visible_bars(qtbot) -> None:
    widget, item, _ = chart(qtbot, 10_000)
    show_bars([(widget.getViewBox(), item)], 5000, 5300)
    widget.viewport().grab()
    level, drawn = item.drawn
    assert level == 0
    assert 300 <= drawn <= 330  # the exposed rect reaches a little past the view


def test_zoomed_out_reads_the_pyramid(qtbot) -> None:
    """All 200k bars in view: about one group per pixel is drawn, not 200k bars."""
    widget, item, _ = chart(qtbot, 200_000)
    show_bars([(widget.getViewBox(), item)], 0, 200_000)
    widget.viewport().grab()
    level, drawn = item.drawn
    width = widget.getViewBox().width()
    assert level >= 7
    assert width / 2 <= drawn <= 2 * width


def pixels(widget: pg.PlotWidget, x: float, y: float, reach: int = 0) -> list[QColor]:
    """The colours on screen at data point (x, y) and ``reach`` pixels left and right of it."""
    image = widget.viewport().grab().toImage()
    scene = widget.getViewBox().mapViewToScene(QPointF(x, y))
    point = widget.mapFromScene(scene)
    return [image.pixelColor(point.x() + dx, point.y()) for dx in range(-reach, reach + 1)]


def pixel(widget: pg.PlotWidget, x: float, y: float) -> QColor:
    """The colour on screen at data point (x, y)."""
    return pixels(widget, x, y)[0]


def test_bars_are_drawn_in_their_colour_at_their_price(qtbot) -> None:
    widget, item, _ = chart(qtbot, 3)
    up = (np.array([10.0, 20.0, 20.0]), np.array([15.0, 22.0, 21.0]),
          np.array([9.0, 11.0, 14.0]), np.array([14.0, 12.0, 20.0]), np.ones(3))
    item.set_data(*up)
    show_bars([(widget.getViewBox(), item)], -0.5, 2.5)
    assert pixel(widget, 0, 12) == CandleItem.colour(up=True)  # body of bar 0 (10 -> 14)
    assert pixel(widget, 1, 16) == CandleItem.colour(up=False)  # body of bar 1 (20 -> 12)
    assert CandleItem.colour(up=False) in pixels(widget, 1, 21.5, reach=1)  # wick up to 22
    assert pixel(widget, 0, 16) != CandleItem.colour(up=True)  # above bar 0's high


class RecordingCandles(CandleItem):
    """Candles that keep the rects they ask Qt to repaint."""

    def __init__(self) -> None:
        super().__init__()
        self.dirty: list[QRectF] = []

    def update(self, *rect: QRectF) -> None:  # type: ignore[override]
        self.dirty.append(QRectF(*rect) if rect else self.boundingRect())
        super().update(*rect)


def test_a_tick_repaints_only_the_tail() -> None:
    """A tick on the last bar asks for the tail's repaint only, and painting it draws 2 bars."""
    item = RecordingCandles()
    data = walk(1000)
    item.set_data(*data)
    data[3][-1] = (data[1][-1] + data[2][-1]) / 2  # the close moves inside the bar's range
    item.dirty.clear()
    item.set_data(*data, first=999)
    [rect] = item.dirty
    assert 997 <= rect.left() and rect.right() >= 1000
    image = QImage(800, 500, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    painter.setTransform(QTransform.fromScale(800 / 300, -1.0))  # 300 bars across 800 px
    option = QStyleOptionGraphicsItem()
    option.exposedRect = rect
    item.paint(painter, option)
    painter.end()
    assert item.drawn == (0, 2)


def test_y_axis_fits_the_visible_bars(qtbot) -> None:
    widget, item, data = chart(qtbot, 10_000)
    view = widget.getViewBox()
    show_bars([(view, item)], 2000, 2300)
    (_, _), (y0, y1) = view.viewRange()
    low, high = data[2][2000:2301].min(), data[1][2000:2301].max()
    assert y0 <= low and high <= y1
    assert high - low >= 0.6 * (y1 - y0)


def test_volume_bars_stand_on_zero(qtbot) -> None:
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    item = VolumeItem()
    data = walk(500)
    item.set_data(*data)
    widget.addItem(item)
    show_bars([(widget.getViewBox(), item)], 0, 500)
    (_, _), (y0, y1) = widget.getViewBox().viewRange()
    assert y0 <= 0 < data[4].max() <= y1
    assert item.boundingRect().top() <= 0


def session(day: str) -> np.ndarray:
    """The 390 one-minute bar starts of a regular New York session, epoch ms."""
    open_ms = int(datetime.fromisoformat(f"{day}T09:30").replace(tzinfo=EXCHANGE_TZ).timestamp())
    return (open_ms + 60 * np.arange(390, dtype=np.int64)) * 1000


def test_time_axis_shows_exchange_times_and_skips_the_weekend() -> None:
    """Friday's close and Monday's open are adjacent bars; labels read New York time, the day
    at the first tick in view and where it changes; ticks off the axis have none."""
    axis = TimeAxis()
    axis.set_times(np.concatenate((session("2026-11-27"), session("2026-11-30"))), 60_000)
    axis.setRange(370, 400)
    assert axis.tickStrings([360.0, 370.0, 380.0, 389.0, 390.0, 400.0], 1.0, 10.0) == [
        "", "Fri 27", "15:50", "15:59", "Mon 30", "09:40"]
    assert axis.time_at(779 + 5) == datetime(2026, 11, 30, 16, 4, tzinfo=EXCHANGE_TZ)
    assert axis.time_at(-1) is None


def test_time_axis_spaced_by_months_shows_dates_and_the_year_where_it_changes() -> None:
    """Ticks 21 daily bars apart can fall twice in one month: each reads its own date (a
    month label said "2026-10" twice)."""
    axis = TimeAxis()
    days = np.datetime64("2024-01-02") + np.arange(500)
    axis.set_times(days.astype("datetime64[ms]").astype(np.int64) + 5 * 3_600_000, 86_400_000)
    axis.setRange(0, 100)
    assert axis.tickStrings([0.0, 100.0], 1.0, 100.0) == ["Jan 02 2024", "Apr 11"]
    weekdays = [d for d in np.datetime64("2026-06-01") + np.arange(200)
                if d.astype("datetime64[D]").item().weekday() < 5]
    axis.set_times(np.array(weekdays).astype("datetime64[ms]").astype(np.int64) + 5 * 3_600_000,
                   86_400_000)
    axis.setRange(0, 63)
    texts = axis.tickStrings([0.0, 21.0, 42.0, 63.0], 1.0, 21.0)  # Jun 1 and Jun 30
    assert texts == ["Jun 01 2026", "Jun 30", "Jul 29", "Aug 27"]


def test_price_tag_sits_at_the_last_price_on_the_axis(qtbot) -> None:
    """The line crosses the pane at the price; its boxed price is on the right axis at the
    same height (not over the newest candles), and follows the y range."""
    widget, item, data = chart(qtbot, 300)
    widget.showAxis("right")
    view, axis = widget.getViewBox(), widget.getPlotItem().getAxis("right")
    axis.setWidth(64)
    QApplication.processEvents()  # lay the axis out
    tag = PriceTag(view, axis)
    show_bars([(view, item)], 0, 300)
    assert not tag.isVisible() and not tag.tag.isVisible()
    price = float(data[3][-1])
    tag.set_price(price, up=False)
    assert tag.isVisible() and tag.value() == price and tag.text == f"{price:,.2f}"
    assert tag.tag.fill.color() == CandleItem.colour(up=False)

    def placed() -> tuple[float, float]:
        box = tag.tag.sceneBoundingRect()
        return box.center().y(), view.mapViewToScene(QPointF(0, price)).y()

    box = tag.tag.sceneBoundingRect()
    assert view.sceneBoundingRect().right() <= box.left() <= axis.sceneBoundingRect().right()
    assert abs(placed()[0] - placed()[1]) <= 1.0
    (_, _), (low, high) = view.viewRange()
    view.setYRange(low - (high - low), high, padding=0)  # the user's zoom moves the price
    assert abs(placed()[0] - placed()[1]) <= 1.0
    view.setYRange(price + 1, price + 2, padding=0)
    assert not tag.tag.isVisible()  # out of the range: no box on the axis
    tag.set_price(None)
    assert not tag.isVisible() and not tag.tag.isVisible()


def test_pyramid_follows_a_series_that_drops_its_oldest_bars() -> None:
    """A bounded series drops its oldest bar on append (indices shift): the levels stay right."""
    series = BarSeries(capacity=8, max_bars=100)
    series.merge([Bar(i, i, i + 1, i - 1, i, 1) for i in range(100)])
    pyramid = Pyramid()
    columns = (series.open, series.high, series.low, series.close, series.volume)
    pyramid.set_data(*columns)
    index = series.update_last(Bar(100, 100, 500, 99, 100, 1))
    columns = (series.open, series.high, series.low, series.close, series.volume)
    pyramid.set_data(*columns, first=index)
    assert pyramid.levels[0]["open"][0] == 1.0
    rebuilt = Pyramid()
    rebuilt.set_data(*columns)
    for ours, theirs in zip(pyramid.levels, rebuilt.levels, strict=True):
        for name in ours:
            assert np.array_equal(ours[name], theirs[name])


def test_a_cleared_series_asks_for_a_repaint() -> None:
    """After a timeframe switch clears the series, the old candles are painted over, not kept."""
    item = RecordingCandles()
    item.set_data(*walk(50))
    item.dirty.clear()
    item.set_data(*(np.zeros(0) for _ in range(5)))
    assert item.dirty

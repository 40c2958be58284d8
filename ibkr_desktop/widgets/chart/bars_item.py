"""Base of the candle and volume items: one GraphicsObject that draws only the visible slice.

x is the bar index (bar i is centred on x = i). ``paint`` reads the exposed index range from
``option.exposedRect`` and the zoom from ``painter.transform()``; zoomed out it reads the
:class:`Pyramid` level whose groups are about one pixel wide, so a frame costs O(pixels), never
O(bars). Per colour (up: close >= open, down) it issues one ``drawLines`` and one ``drawRects``
from numpy through pyqtgraph's zero-copy ``PrimitiveArray`` (pointer + count; an internal of
pyqtgraph 0.13/0.14, see ../shared/docs/chart-calibration.md pitfall 6). ``boundingRect`` keeps
slack so a live tick rarely calls ``prepareGeometryChange``; a tick repaints only the tail.
"""

from __future__ import annotations

import math
from typing import Any, Protocol

import numpy as np
import pyqtgraph as pg
from pyqtgraph.Qt.internals import PrimitiveArray
from PySide6.QtCore import QLineF, QRectF
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from ibkr_desktop.widgets.chart.pyramid import Level, Pyramid

UP = "#26a69a"
DOWN = "#ef5350"
BODY_WIDTH = 0.7  # of a bar (or group) slot


class Columns(Protocol):
    """OHLCV float64 columns of equal length, oldest bar first (``models.series.BarSeries``)."""

    @property
    def open(self) -> np.ndarray: ...
    @property
    def high(self) -> np.ndarray: ...
    @property
    def low(self) -> np.ndarray: ...
    @property
    def close(self) -> np.ndarray: ...
    @property
    def volume(self) -> np.ndarray: ...


class BarsItem(pg.GraphicsObject):  # type: ignore[misc]
    """Draws OHLCV arrays; subclasses fill the line and rect arrays for one colour."""

    low_field = "low"
    high_field = "high"

    def __init__(self, up: str = UP, down: str = DOWN) -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)
        self.pyramid = Pyramid()
        self._colours = [(pg.mkPen(colour), pg.mkBrush(colour)) for colour in (up, down)]
        self._lines = PrimitiveArray(QLineF, 4)
        self._rects = PrimitiveArray(QRectF, 4)
        self._bounds = QRectF()
        self.drawn = (0, 0)  # (pyramid level, groups) of the last paint, for tests and benches
        self.near: tuple[float, ...] = ()
        """Prices the y fit also shows when near the visible bars (working orders')."""

    def set_data(self, open_: np.ndarray, high: np.ndarray, low: np.ndarray,
                 close: np.ndarray, volume: np.ndarray, first: int = 0) -> None:
        """Show these float64 arrays (kept as views); bars before ``first`` did not change.

        A live tick passes ``first = last index``; appended bars pass the first new index.
        Only bars from ``first - 1`` on are repainted unless the bounds grew.
        """
        self.pyramid.set_data(open_, high, low, close, volume, first)
        count = self.pyramid.count
        if count == 0:  # cleared (a timeframe switch): nothing to draw until bars come
            self.update()
            return
        span = self.low_high(first, count)
        assert span is not None
        bounds = self._bounds
        if (first == 0 or count > bounds.right() or span[0] < bounds.top()
                or span[1] > bounds.bottom()):
            self._grow_bounds()
            return
        step = 2 ** self.drawn[0]
        left = (first // step) * step - step
        self.update(QRectF(left, bounds.top(), bounds.right() - left, bounds.height()))

    def show_series(self, series: Columns, first: int = 0) -> None:
        """Show a :class:`~ibkr_desktop.models.series.BarSeries` (``bars_changed(first)``)."""
        self.set_data(series.open, series.high, series.low, series.close, series.volume, first)

    def _grow_bounds(self) -> None:
        """Bounds of all bars with slack (an eighth more bars, 10% more price each way)."""
        count = self.pyramid.count
        low, high = self.low_high(0, count) or (0.0, 1.0)
        pad = max(high - low, abs(high) * 1e-3, 1e-9) * 0.1
        self.prepareGeometryChange()
        self._bounds = QRectF(-1.0, low - pad, count + max(64, count // 8) + 1.0,
                              high - low + 2 * pad)
        self.update()

    def low_high(self, first: int, stop: int) -> tuple[float, float] | None:
        """Exact lowest low and highest high of bars ``[first, stop)`` (for fitting the y axis)."""
        return self.pyramid.low_high(first, stop, self.low_field, self.high_field)

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt API)
        return QRectF(self._bounds)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        pyramid = self.pyramid
        if pyramid.count == 0:
            return
        exposed = option.exposedRect
        pixels_per_bar = abs(painter.transform().m11()) or 1.0
        level = pyramid.level_for(1.0 / pixels_per_bar)
        g0, g1 = pyramid.span(level, math.floor(exposed.left()), math.ceil(exposed.right()) + 1)
        self.drawn = (level, g1 - g0)
        if g1 <= g0:
            return
        step = 2 ** level
        groups = {name: values[g0:g1] for name, values in pyramid.levels[level].items()}
        x = np.arange(g0, g1, dtype=np.float64) * step + (step - 1) / 2
        up = groups["close"] >= groups["open"]
        for mask, (pen, brush) in zip((up, ~up), self._colours, strict=True):
            if not mask.any():
                continue
            painter.setPen(pen)
            painter.setBrush(brush)
            sliced = {name: values[mask] for name, values in groups.items()}
            if self._fill(sliced, x[mask], step * BODY_WIDTH):
                painter.drawLines(*self._lines.drawargs())
            painter.drawRects(*self._rects.drawargs())

    def _fill(self, groups: Level, x: np.ndarray, width: float) -> bool:
        """Fill ``self._rects`` (and ``self._lines``) for one colour; True when lines are set."""
        raise NotImplementedError

    def _arrays(self, primitives: PrimitiveArray, count: int) -> Any:
        """The (count, 4) float64 view of ``primitives`` resized to ``count``."""
        primitives.resize(count)
        return primitives.ndarray()

    @staticmethod
    def colour(up: bool) -> QColor:
        """The colour of an up (close >= open) or down bar."""
        return QColor(UP if up else DOWN)

"""Indicator curves on a chart: overlays on the price pane, RSI in its own pane below.

Each chosen :class:`~ibkr_desktop.models.indicators.Indicator` is updated from the first changed
bar on each frame (``update``), and only the visible slice (plus a margin) of each line is handed
to its curve (``draw``), so a live tick costs O(visible), never O(bars). pyqtgraph is imported
here, so this module loads only when a chart opens.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg

from ibkr_desktop.models.indicators import Indicator, IndicatorSpec
from ibkr_desktop.models.series import BarSeries

COLOURS = ("#ffca28", "#ab47bc", "#29b6f6", "#ec407a", "#9ccc65")


class IndicatorLines:
    """The curves of a chart's indicators.

    Args:
        price: the price pane's plot (overlays).
        rsi: the RSI pane's plot (shown only while RSI is chosen).
    """

    def __init__(self, price: pg.PlotItem, rsi: pg.PlotItem) -> None:
        self._price, self._rsi = price, rsi
        self.indicators: list[Indicator] = []
        self.curves: list[dict[str, pg.PlotDataItem]] = []
        """Per indicator, its curves by line name (``sma``; ``mid``/``upper``/``lower``...),
        made when its lines are first computed."""
        self._styles: list[tuple[pg.PlotItem, object]] = []  # per indicator: its plot, its pen

    def choose(self, keys: Sequence[str], series: BarSeries) -> None:
        """Show the indicators ``keys`` (saved keys, ``"sma(20)"``...) computed over ``series``."""
        for curves in self.curves:
            for curve in curves.values():
                curve.getViewBox().removeItem(curve)
        self.indicators, self.curves, self._styles = [], [], []
        for number, key in enumerate(keys):
            indicator = Indicator(IndicatorSpec.parse(key))
            plot = self._rsi if indicator.spec.pane == "rsi" else self._price
            self._styles.append((plot, pg.mkPen(COLOURS[number % len(COLOURS)], width=1.2)))
            self.curves.append({})
            self.indicators.append(indicator)
        self.update(series, 0)

    @property
    def has_rsi(self) -> bool:
        """True while RSI is among the chosen indicators."""
        return any(i.spec.pane == "rsi" for i in self.indicators)

    def update(self, series: BarSeries, first: int) -> None:
        """Recompute every indicator from bar ``first`` on."""
        for indicator in self.indicators:
            indicator.update(series, first)

    def draw(self, first: float, stop: float) -> None:
        """Hand each curve its lines' values for bars ``[first, stop)`` (with a small margin)."""
        for indicator, curves, (plot, pen) in zip(self.indicators, self.curves, self._styles,
                                                  strict=True):
            for name, column in indicator.lines.items():
                if name not in curves:
                    curves[name] = plot.plot(pen=pen)
                lo = max(int(first) - 2, 0)
                hi = min(int(stop) + 2, len(column))
                x = np.arange(lo, hi, dtype=np.float64)
                curves[name].setData(x, column[lo:hi], connect="finite")

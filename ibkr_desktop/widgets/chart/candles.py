"""Candlesticks for the price pane: a wick (low-high line) and a body (open-close rect) per bar.

Zoomed out, each candle is a group of 2**k bars from the pyramid: first open, highest high,
lowest low, last close. See :mod:`bars_item` for what is drawn when.
"""

from __future__ import annotations

import numpy as np

from ibkr_desktop.widgets.chart.bars_item import BarsItem
from ibkr_desktop.widgets.chart.pyramid import Level


class CandleItem(BarsItem):
    """OHLC candles, x = bar index."""

    def _fill(self, groups: Level, x: np.ndarray, width: float) -> bool:
        lines = self._arrays(self._lines, len(x))
        lines[:, 0] = x
        lines[:, 1] = groups["low"]
        lines[:, 2] = x
        lines[:, 3] = groups["high"]
        rects = self._arrays(self._rects, len(x))
        rects[:, 0] = x - width / 2
        np.minimum(groups["open"], groups["close"], out=rects[:, 1])
        rects[:, 2] = width
        np.abs(groups["close"] - groups["open"], out=rects[:, 3])
        return True

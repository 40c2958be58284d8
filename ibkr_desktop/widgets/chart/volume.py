"""Volume bars for the volume pane, coloured like their candle (up: close >= open).

Zoomed out, a bar is a group of 2**k bars drawn at the group's largest volume (not the sum), so
heights stay comparable at every zoom and the y axis fits the same values. The y range of the
visible bars is ``(0, highest volume)``.
"""

from __future__ import annotations

import numpy as np

from ibkr_desktop.widgets.chart.bars_item import BarsItem
from ibkr_desktop.widgets.chart.pyramid import Level


class VolumeItem(BarsItem):
    """Volume bars from 0, x = bar index."""

    low_field = "volume"
    high_field = "volume"

    def low_high(self, first: int, stop: int) -> tuple[float, float] | None:
        span = super().low_high(first, stop)
        return None if span is None else (0.0, span[1])

    def _fill(self, groups: Level, x: np.ndarray, width: float) -> bool:
        rects = self._arrays(self._rects, len(x))
        rects[:, 0] = x - width / 2
        rects[:, 1] = 0.0
        rects[:, 2] = width
        rects[:, 3] = groups["volume"]
        return False

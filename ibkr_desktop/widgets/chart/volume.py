"""Volume bars for the volume pane, coloured like their candle (up: close >= open).

Zoomed out, a bar is a group of 2**k bars drawn at the group's largest volume (not the sum), so
heights stay comparable at every zoom and the y axis fits the same values. The y range of the
visible bars is ``(0, highest volume)``. Its axis (:class:`VolumeAxis`) reads ``250K``, ``1.5M``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg

from ibkr_desktop.protocol.fields import format_volume
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


class VolumeAxis(pg.AxisItem):  # type: ignore[misc]
    """The volume pane's y axis: share counts as IBKR abbreviates them (``850``, ``250K``,
    ``1.5M``, ``1.25B``), not pyqtgraph's ``1.5e+06``."""

    def __init__(self, orientation: str = "right") -> None:
        super().__init__(orientation)
        self.enableAutoSIPrefix(False)

    def tickStrings(self, values: Sequence[float], scale: float,  # noqa: N802
                    spacing: float) -> list[str]:
        """pyqtgraph's hook: the text of each tick value."""
        return [format_volume(value * scale) for value in values]

"""Show a range of bars: x range, y fitted to the visible bars, one eager matrix update per view.

pyqtgraph applies a new view range lazily inside the next paint, which schedules a second full
repaint; calling ``ViewBox.updateMatrix()`` right after setting the ranges makes a live update
paint once (../shared/docs/chart-calibration.md pitfall 3). The y range has hysteresis: it
changes only when the visible bars leave it or fill less than ``FILL`` of it, so the axis
pictures are not regenerated on every tick. Prices in the item's ``near`` (the working orders')
are fitted too when they lie within :data:`NEAR` times the visible bars' height of them; farther
ones would squash the candles, so they stay out of view.
"""

from __future__ import annotations

import pyqtgraph as pg

from ibkr_desktop.widgets.chart.bars_item import BarsItem

FILL = 0.6  # refit when the visible bars use less than this share of the y range
PAD = 0.05  # share of the visible bars' height added above and below
NEAR = 1.0  # a `near` price within this many bar heights of the visible bars is fitted too
AXIS_WIDTH = 64  # px, of every pane's price/volume axis, so linked panes are equally wide


def show_bars(panes: list[tuple[pg.ViewBox, BarsItem]], first: float, stop: float) -> None:
    """Show bar indices ``[first, stop)`` in every linked pane, each y fitted to its bars.

    A range equal to the current one is not set again: pyqtgraph's ``setRange`` signals a state
    change even then, which costs a second paint. Linked panes must be equally wide (give their
    y axes one fixed width, :data:`AXIS_WIDTH`): pyqtgraph links x ranges by pixels, so panes of
    different widths disagree and each refresh would set the ranges back and forth.
    """
    for view, item in panes:
        if view.viewRange()[0] != [first, stop]:
            view.setXRange(first, stop, padding=0)
        fit_y(view, item, first, stop)
        view.updateMatrix()


def fit_y(view: pg.ViewBox, item: BarsItem, first: float, stop: float) -> bool:
    """Fit ``view``'s y range to the bars in ``[first, stop)``; True when it changed."""
    span = item.low_high(int(first), int(stop) + 1)
    if span is None:
        return False
    low, high = widen(*span, item.near)
    (_, _), (y0, y1) = view.viewRange()
    height = max(high - low, abs(high) * 1e-4, 1e-9)
    inside = y0 <= low and high <= y1
    if inside and height >= FILL * (y1 - y0):
        return False
    view.setYRange(low - PAD * height, high + PAD * height, padding=0)
    return True


def widen(low: float, high: float, prices: tuple[float, ...]) -> tuple[float, float]:
    """``(low, high)`` stretched to the ``prices`` within ``NEAR`` x ``high - low`` of it."""
    reach = NEAR * (high - low)
    near = [p for p in prices if low - reach <= p <= high + reach]
    return min([low, *near]), max([high, *near])

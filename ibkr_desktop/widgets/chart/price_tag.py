"""The live last-price tag: a dashed line across the price pane, and the price in a coloured box
on the right axis at that height (green when the last trade was up from the previous close,
red when down), so it never covers the newest candles. Hidden while there is no price; the box
is hidden while the price is outside the pane's y range.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QPointF

from ibkr_desktop.widgets.chart.bars_item import BarsItem

TAG_INSET = 2.0
"""px between the axis line and the tag's left edge."""


class PriceTag(pg.InfiniteLine):  # type: ignore[misc]
    """A horizontal line at the last price in ``view``, its price boxed on ``axis``.

    Args:
        view: The price pane's view box (the line is added to it).
        axis: That pane's right axis (the box is drawn on it).
        decimals: Decimals of the price shown.
    """

    def __init__(self, view: pg.ViewBox, axis: pg.AxisItem, decimals: int = 2) -> None:
        super().__init__(angle=0, movable=False, pen=pg.mkPen(BarsItem.colour(True),
                                                              style=pg.QtCore.Qt.PenStyle.DashLine))
        self.decimals = decimals
        self._up = True
        self._view, self._axis = view, axis
        self.tag = pg.TextItem("", color="w", fill=BarsItem.colour(True), anchor=(0.0, 0.5))
        """The boxed price on the axis."""
        self.tag.setParentItem(axis)
        self.tag.setZValue(10)
        self.tag.setVisible(False)
        self.setVisible(False)
        self.setZValue(10)
        view.addItem(self, ignoreBounds=True)
        view.sigYRangeChanged.connect(self._place)
        view.sigResized.connect(self._place)

    def set_price(self, price: float | None, up: bool = True) -> None:
        """Show ``price`` (quote currency) as the last price, coloured up or down; None hides."""
        if price is None:
            self.setVisible(False)
            self.tag.setVisible(False)
            return
        if up != self._up:  # a new pen and fill only when the colour changes
            self._up = up
            colour = BarsItem.colour(up)
            self.setPen(pg.mkPen(colour, style=pg.QtCore.Qt.PenStyle.DashLine))
            self.tag.fill = pg.mkBrush(colour)
            self.tag.update()
        text = f"{price:,.{self.decimals}f}"
        if text != self.text:
            self.tag.setText(text)
        self.setValue(price)
        self.setVisible(True)
        self._place()

    def _place(self) -> None:
        """Put the box on the axis at the line's height (hidden when out of the y range)."""
        if not self.isVisible():
            return
        price = float(self.value())
        (_, _), (low, high) = self._view.viewRange()
        inside = low <= price <= high
        self.tag.setVisible(inside)
        if inside:
            scene = self._view.mapViewToScene(QPointF(0.0, price))
            self.tag.setPos(TAG_INSET, self._axis.mapFromScene(scene).y())

    @property
    def text(self) -> str:
        """The tag's text as shown."""
        return str(self.tag.toPlainText())

"""The live last-price tag: a dashed line across the price pane with the price in a coloured
box against the right axis (green when the last trade was up from the previous close, red when
down). Hidden while there is no price.
"""

from __future__ import annotations

import pyqtgraph as pg

from ibkr_desktop.widgets.chart.bars_item import BarsItem


class PriceTag(pg.InfiniteLine):  # type: ignore[misc]
    """A horizontal line at the last price, labelled at the view's right edge."""

    def __init__(self, decimals: int = 2) -> None:
        super().__init__(angle=0, movable=False, pen=pg.mkPen(BarsItem.colour(True),
                                                              style=pg.QtCore.Qt.PenStyle.DashLine))
        self.decimals = decimals
        self.tag = pg.InfLineLabel(self, text="", position=1.0, anchors=[(1, 0.5), (1, 0.5)],
                                   color="w", fill=BarsItem.colour(True))
        self.setVisible(False)
        self.setZValue(10)

    def set_price(self, price: float | None, up: bool = True) -> None:
        """Show ``price`` (quote currency) as the last price, coloured up or down; None hides."""
        if price is None:
            self.setVisible(False)
            return
        colour = BarsItem.colour(up)
        self.setPen(pg.mkPen(colour, style=pg.QtCore.Qt.PenStyle.DashLine))
        self.tag.fill = pg.mkBrush(colour)
        self.tag.setText(f"{price:,.{self.decimals}f}")
        self.setValue(price)
        self.setVisible(True)

    @property
    def text(self) -> str:
        """The tag's text as shown."""
        return str(self.tag.toPlainText())

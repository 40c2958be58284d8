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
        # pyqtgraph writes ``text.format(value=...)`` into the label whenever the line moves
        self.tag = pg.InfLineLabel(self, text=f"{{value:,.{decimals}f}}", position=1.0,
                                   anchors=[(1, 0.5), (1, 0.5)], color="w",
                                   fill=BarsItem.colour(True))
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
        self.setVisible(True)
        self.setValue(price)
        self.tag.valueChanged()  # text and place (also when the price did not change)

    @property
    def text(self) -> str:
        """The tag's text as shown."""
        return str(self.tag.toPlainText())

"""The trader's own orders, fills and average price drawn on a chart's price pane.

* Working orders: one horizontal line each at its price, labelled ``"BUY 100 LMT @ 185.00"``
  (the label follows the line while it is dragged). Limit and stop lines are movable; dropping
  one emits ``order_dragged(order_id, new_price)`` and the line goes back to the order's price
  until the order itself changes (the modification goes through the ticket's confirmation, so
  the chart never shows a price IBKR has not taken). A line is grabbed up to :data:`GRAB_PX`
  from it (a press a few pixels off would pan the chart instead).
* Fills: one marker each at (bar index, fill price); buys an upward triangle below, sells a
  downward one; hovering one shows its tip (the fill's true time, and why it sits between bars
  when it came outside the session).
* The position's average price: one dashed line labelled ``"avg 184.20"``.

Labels stay whole inside the pane: order labels end at 3/4 of its width (off the newest bars),
the average's starts at its left edge.

x is the bar index (the chart's x axis), y the price in the quote currency. pyqtgraph is imported
here, so this module loads only when a chart opens.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, Signal

from ibkr_desktop.widgets.chart.marks import FillMark, OrderLine

BUY_COLOUR = "#42a5f5"
SELL_COLOUR = "#ff7043"
AVERAGE_COLOUR = "#bdbdbd"
LEFT_ANCHORS = [(0.0, 0.0), (0.0, 1.0)]
"""Label anchors (x, y of the text box) for a label whose left edge is at the view's left edge:
above or below the line as pyqtgraph picks, never centred on an edge (half of it cut off)."""
RIGHT_ANCHORS = [(1.0, 0.0), (1.0, 1.0)]
"""The same with the label's right edge at the place given (see :data:`ORDER_LABEL_AT`)."""
ORDER_LABEL_AT = 0.75
"""Order labels end at 3/4 of the pane's width: whole in a pane a few labels wide, and off the
newest bars and the last-price tag at the right edge."""
GRAB_PX = 8
"""How far (px, either side) from an order line a press grabs it."""


def _colour(side: str) -> str:
    return BUY_COLOUR if side == "BUY" else SELL_COLOUR


class Overlays(QObject):
    """Orders, fills and the average price on one price pane.

    Signals:
        order_dragged(int, float): the user dropped an order's line at a new price.
    """

    order_dragged = Signal(int, float)

    def __init__(self, view: pg.ViewBox, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._view = view
        self.lines: dict[int, tuple[OrderLine, pg.InfiniteLine]] = {}
        """Shown working orders by order id: the order and its line."""
        self.fills = pg.ScatterPlotItem(size=11, pen=pg.mkPen(None), hoverable=True,
                                        tip=lambda x, y, data: data)
        self.fills.setZValue(20)
        view.addItem(self.fills)
        self.average = pg.InfiniteLine(angle=0, movable=False,
                                       pen=pg.mkPen(AVERAGE_COLOUR, style=Qt.PenStyle.DashLine),
                                       label="avg {value:.2f}",
                                       labelOpts={"position": 0.0, "anchors": LEFT_ANCHORS,
                                                  "color": AVERAGE_COLOUR})
        self.average.setVisible(False)
        view.addItem(self.average, ignoreBounds=True)

    def set_orders(self, orders: Sequence[OrderLine]) -> None:
        """Show exactly ``orders`` (lines of others are removed; changed ones redrawn)."""
        wanted = {order.order_id: order for order in orders}
        for order_id in [i for i in self.lines if i not in wanted]:
            self._view.removeItem(self.lines.pop(order_id)[1])
        for order_id, order in wanted.items():
            shown = self.lines.get(order_id)
            if shown is not None and shown[0] == order:
                continue
            if shown is not None:
                self._view.removeItem(shown[1])
            self.lines[order_id] = (order, self._line(order))

    def set_fills(self, marks: Sequence[FillMark]) -> None:
        """Show exactly ``marks``."""
        self.fills.setData(
            x=[m.x for m in marks], y=[m.price for m in marks],
            symbol=["t1" if m.side == "BUY" else "t" for m in marks], data=[m.tip for m in marks],
            brush=[pg.mkBrush(_colour(m.side)) for m in marks])

    def set_average(self, price: float | None) -> None:
        """Show the position's average price (None: no position, no line)."""
        self.average.setVisible(price is not None)
        if price is not None:
            self.average.setValue(price)

    def _line(self, order: OrderLine) -> pg.InfiniteLine:
        colour = _colour(order.side)
        line = pg.InfiniteLine(order.price, angle=0, movable=order.movable,
                               pen=pg.mkPen(colour, width=1.5),
                               hoverPen=pg.mkPen(colour, width=3), label=order.label,
                               labelOpts={"position": ORDER_LABEL_AT, "anchors": RIGHT_ANCHORS,
                                          "color": colour, "fill": pg.mkBrush(0, 0, 0, 160)})
        line.setZValue(30)
        # InfiniteLine's shape (what a press hits) reaches its pen's half width plus its widest
        # marker's half size: with no markers, this widens the grab without drawing anything
        line._maxMarkerSize = GRAB_PX - 1 - line.hoverPen.width() / 2
        if order.movable:
            line.setToolTip("Drag to modify the order (you confirm before it is sent)")
            line.sigPositionChangeFinished.connect(lambda _line: self._dropped(order.order_id))
        self._view.addItem(line, ignoreBounds=True)
        return line

    def _dropped(self, order_id: int) -> None:
        shown = self.lines.get(order_id)
        if shown is None:
            return
        order, line = shown
        price = float(line.value())
        line.setValue(order.price)  # back until IBKR takes the new price
        if price != order.price:
            self.order_dragged.emit(order_id, price)

"""The trader's orders, fills and average price of one contract, read off the app's tables.

The orders, fills and positions tables already hold what the chart overlays need; these
functions select one conid's rows and turn them into :mod:`~ibkr_desktop.widgets.chart.marks`.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np

from ibkr_desktop.models.bar_builder import NEW_YORK, in_session
from ibkr_desktop.models.fills import FillsModel
from ibkr_desktop.models.orders import OrdersModel
from ibkr_desktop.models.positions import PositionsModel
from ibkr_desktop.protocol.order_kinds import parse_side
from ibkr_desktop.protocol.orders import OrderType
from ibkr_desktop.protocol.ticket_form import working_order
from ibkr_desktop.widgets.chart.marks import FillMark, OrderLine

MOVABLE = (OrderType.LMT, OrderType.STP)
"""Order types whose one price a line drag can change (the limit; the stop)."""


def order_lines(orders: OrdersModel, conid: int) -> list[OrderLine]:
    """Working orders of ``conid`` that have a price, as lines (STP at its stop price)."""
    lines: list[OrderLine] = []
    for row in range(orders.rowCount()):
        if not orders.is_cancellable(row):
            continue
        order = working_order(orders.record(row))
        if order is None or order.conid != conid or order.price is None:
            continue
        lines.append(OrderLine(orders.order_id(row), str(order.side), order.quantity,
                               str(order.order_type), order.price,
                               order.order_type in MOVABLE))
    return lines


def fill_marks(fills: FillsModel, conid: int, bar_starts: np.ndarray,
               bar_ms: int) -> list[FillMark]:
    """Executions of ``conid`` at the bar holding their time (``bar_starts``: epoch ms, oldest
    first; each bar ``bar_ms`` long). One in the session after the newest bar sits where the
    next bar comes (its bar has not formed yet); one outside the session (at night, at a
    weekend) has no bar: it sits half a bar right of the bar before it, its tip saying so.
    Executions before the first bar or without a time are left out."""
    marks: list[FillMark] = []
    for row in range(fills.rowCount()):
        fill = fills.record(row)
        time_ms, price = fill.get("time_ms"), fill.get("price")
        if fill.get("conid") != conid or not isinstance(time_ms, int):
            continue
        index = int(np.searchsorted(bar_starts, time_ms, side="right")) - 1
        side = parse_side(fill.get("side"))
        if index < 0 or not isinstance(price, float | int) or side is None:
            continue
        when = datetime.fromtimestamp(time_ms / 1000, NEW_YORK)
        tip = f"{side} filled at {price:,.2f}, {when:%a %b %d %Y %H:%M:%S} New York"
        x: float = index
        if time_ms >= int(bar_starts[index]) + bar_ms:  # in no bar drawn
            if not in_session(time_ms):
                x, tip = index + 0.5, tip + "\noutside the session: no bar, shown after the " \
                    "bar before it"
            elif index == len(bar_starts) - 1:
                x = index + 1  # live: the next bar is the fill's
        marks.append(FillMark(x, float(price), str(side), tip))
    return marks


def average_price(positions: PositionsModel, conid: int) -> float | None:
    """The average cost per share of the position in ``conid``; None without a position."""
    row = positions.row_of(conid)
    if row is None:
        return None
    record = positions.record(row)
    avg, quantity = record.get("avg_cost"), record.get("quantity")
    return float(avg) if isinstance(avg, float | int) and quantity else None

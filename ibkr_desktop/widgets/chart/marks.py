"""What the chart overlays show, as plain values (no pyqtgraph: the app builds these at start).

x is the bar index of the chart, prices are in the quote currency.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class OrderLine:
    """A working order as the chart shows it.

    ``kind`` is IBKR's order type text (``"LMT"``, ``"STP"``...); ``price`` the line's price
    (the limit, or the stop of a stop order); ``movable`` whether dragging it may modify it.
    """

    order_id: int
    side: str
    quantity: float
    kind: str
    price: float
    movable: bool

    @property
    def label(self) -> str:
        """The line's label format (pyqtgraph fills ``{value}`` with the line's price)."""
        return f"{self.side} {self.quantity:g} {self.kind} @ {{value:.2f}}"


@dataclass(frozen=True, slots=True)
class FillMark:
    """One execution: bar index ``x``, ``price``, ``side`` ("BUY"/"SELL") and the text its
    marker shows when hovered (``tip``: its time, and why it sits between bars if it does)."""

    x: float
    price: float
    side: str
    tip: str = ""

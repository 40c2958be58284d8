"""The chart's "Indicators" button: a menu of checkable indicators, chosen per chart.

Offers SMA(20), EMA(50), Bollinger(20, 2), VWAP (price overlays) and RSI(14) (its own pane), by
their saved keys (``models.indicators.IndicatorSpec.key``). ``changed(keys)`` carries the checked
keys in menu order.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QMenu, QToolButton, QWidget

OFFERED: tuple[tuple[str, str], ...] = (
    ("sma(20)", "SMA 20"), ("ema(50)", "EMA 50"), ("bb(20,2)", "Bollinger 20, 2"),
    ("vwap", "VWAP"), ("rsi(14)", "RSI 14"))
"""(key, menu text) of the indicators offered."""


class IndicatorButton(QToolButton):
    """Tool button with the indicator menu.

    Signals:
        changed(list): the checked indicator keys, in menu order.
    """

    changed = Signal(list)

    def __init__(self, checked: Iterable[str] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setText("Indicators")
        self.setObjectName("chartIndicators")
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self)
        wanted = set(checked)
        for key, text in OFFERED:
            action = menu.addAction(text)
            action.setData(key)
            action.setCheckable(True)
            action.setChecked(key in wanted)
            action.toggled.connect(lambda _on: self.changed.emit(self.keys()))
        self.setMenu(menu)

    def keys(self) -> list[str]:
        """The checked keys, in menu order."""
        return [str(a.data()) for a in self.menu().actions() if a.isChecked()]

    def set_checked(self, key: str, on: bool) -> None:
        """Check or uncheck ``key`` as a click does (emits ``changed``)."""
        for action in self.menu().actions():
            if action.data() == key:
                action.setChecked(on)

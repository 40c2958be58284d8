"""Settings page: the user's own order limits, separately for demo/paper and live accounts.

Four caps (max quantity per order, max order value, max % away from the market, max orders
per minute; empty = no cap) and what a breach does (ask for an explicit override, or block).
Entries are checked here only as numbers: an entry that is not a positive number is named
under its field and nothing is saved. ``saved`` carries both :class:`Limits`; the ticket
presenter stores them (``Keys.LIMITS_PAPER``/``LIMITS_LIVE``), and every order check reads them
afresh.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ibkr_desktop.protocol.limits import Limits, OnBreach

CAPS: dict[str, str] = {
    "max_quantity": "Max quantity per order",
    "max_notional": "Max order value",
    "max_away_pct": "Max % away from the market",
    "max_orders_per_minute": "Max orders per minute",
}
MODES = ("paper", "live")


class LimitsPage(QDialog):
    """The limits table.

    Signals:
        saved(Limits, Limits): OK with valid entries: (demo/paper, live).
    """

    saved = Signal(object, object)

    def __init__(self, paper: Limits, live: Limits, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("orderLimits")
        self.setWindowTitle("Order limits")
        intro = QLabel("Your own limits, checked before an order is sent. Empty = no limit.",
                       self)
        intro.setWordWrap(True)
        grid = QGridLayout()
        for column, title in enumerate(("", "Demo and paper", "Live")):
            grid.addWidget(QLabel(f"<b>{title}</b>", self), 0, column)
        self.edits: dict[tuple[str, str], QLineEdit] = {}
        self.breach: dict[str, QComboBox] = {}
        for row, (name, label) in enumerate(CAPS.items(), start=1):
            grid.addWidget(QLabel(label, self), row, 0)
            for column, (mode, limits) in enumerate(zip(MODES, (paper, live), strict=True), 1):
                value = getattr(limits, name)
                edit = QLineEdit("" if value is None else f"{value:g}", self)
                edit.setPlaceholderText("no limit")
                grid.addWidget(edit, row, column)
                self.edits[(name, mode)] = edit
        row = len(CAPS) + 1
        grid.addWidget(QLabel("When an order breaks a limit", self), row, 0)
        for column, (mode, limits) in enumerate(zip(MODES, (paper, live), strict=True), 1):
            box = QComboBox(self)
            box.addItem("Ask me to override", str(OnBreach.ASK))
            box.addItem("Block the order", str(OnBreach.BLOCK))
            box.setCurrentIndex(box.findData(str(limits.on_breach)))
            grid.addWidget(box, row, column)
            self.breach[mode] = box
        self.error = QLabel(self)
        self.error.setStyleSheet("color: #e5534b;")
        self.error.setWordWrap(True)
        self.error.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel, self)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(grid)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def read(self) -> tuple[dict[str, Limits], list[str]]:
        """The limits entered, by mode, and a message per entry that is not a positive number."""
        problems: list[str] = []
        result: dict[str, Limits] = {}
        for mode in MODES:
            caps: dict[str, float | None] = {}
            for name, label in CAPS.items():
                text = self.edits[(name, mode)].text().strip().replace(",", "")
                value = _positive(text)
                if text and value is None:
                    problems.append(f"{label} ({'live' if mode == 'live' else 'demo and paper'})"
                                    f": {text!r} is not a positive number")
                caps[name] = value
            per_minute = caps["max_orders_per_minute"]
            result[mode] = Limits(caps["max_quantity"], caps["max_notional"],
                                  caps["max_away_pct"],
                                  math.ceil(per_minute) if per_minute is not None else None,
                                  OnBreach(str(self.breach[mode].currentData())))
        return result, problems

    def _save(self) -> None:
        limits, problems = self.read()
        self.error.setText("\n".join(problems))
        self.error.setVisible(bool(problems))
        if problems:
            return
        self.saved.emit(limits["paper"], limits["live"])
        self.accept()


def _positive(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and value > 0 else None

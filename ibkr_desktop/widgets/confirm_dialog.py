"""Before anything is transmitted: the order in words with account, mode and its preview.

:class:`ConfirmDialog` states the account, the trading mode (DEMO/PAPER/LIVE) and each order
in words ("Buy 100 AAPL limit 185.00, day"), then IBKR's what-if preview (commission, initial
and maintenance margin change, equity change). :class:`LimitsDialog` shows the user's own
limits an order breaks: it offers an explicit override when the limits ask, and only a way
back when they block. Both are shown with ``question_dialog.answer``.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from ibkr_desktop.protocol.limits import Breach
from ibkr_desktop.protocol.order_records import WhatIf

_MODE_COLOURS = {"LIVE": "#e5534b", "PAPER": "#d29922", "DEMO": "#539bf5"}


def preview_lines(preview: WhatIf | None, currency: str = "USD") -> list[str]:
    """The what-if figures in words; a line saying why when there is no preview."""
    if preview is None:
        return ["No preview from IBKR for this order."]
    def money(value: float | None) -> str:
        return "—" if value is None else f"{value:+,.2f} {currency}"
    lines = [f"Commission: {'—' if preview.commission is None else f'{preview.commission:,.2f}'}"
             f" {currency}",
             f"Initial margin change: {money(preview.initial_margin_change)}",
             f"Maintenance margin change: {money(preview.maintenance_margin_change)}",
             f"Equity change: {money(preview.equity_change)}"]
    lines += [f"IBKR warns: {text}" for text in (preview.warning, preview.error) if text]
    return lines


class ConfirmDialog(QDialog):
    """Transmit / Cancel for one order (or a bracket), stated in words."""

    def __init__(self, mode: str, account: str, orders: Sequence[str], preview: WhatIf | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("orderConfirm")
        self.setWindowTitle(f"Confirm order — {mode}")
        colour = _MODE_COLOURS.get(mode, _MODE_COLOURS["LIVE"])
        head = (f"<p><span style='color:{colour}; font-weight:bold'>{html.escape(mode)}</span>"
                f" · account <b>{html.escape(account)}</b></p>")
        body = "".join(f"<p style='font-size:14pt'><b>{html.escape(words)}</b></p>"
                       for words in orders)
        self.summary = QLabel(head + body, self)
        self.summary.setObjectName("confirmSummary")
        self.preview = QLabel("<br>".join(html.escape(line) for line in preview_lines(preview)),
                              self)
        self.preview.setObjectName("confirmPreview")
        self.buttons = QDialogButtonBox(self)
        self.transmit_button = self.buttons.addButton(
            "Transmit", QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(
            "Cancel", QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (self.summary, self.preview, self.buttons):
            layout.addWidget(widget)

    def shown_text(self) -> str:
        """What the dialog says, as plain-ish text (order words, account, mode, preview)."""
        return f"{self.summary.text()}\n{self.preview.text()}"


class LimitsDialog(QDialog):
    """The user's own limits this order breaks: override (when allowed) or go back."""

    def __init__(self, breaches: Sequence[Breach], can_override: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("limitsBreach")
        self.setWindowTitle("Order outside your limits")
        lead = ("This order breaks your own limits:" if can_override
                else "Blocked: this order breaks your own limits, which are set to block.")
        items = "".join(f"<li>{html.escape(b.message)}</li>" for b in breaches)
        self.text = QLabel(f"<p>{html.escape(lead)}</p><ul>{items}</ul>", self)
        self.text.setObjectName("limitsText")
        self.text.setWordWrap(True)
        self.buttons = QDialogButtonBox(self)
        self.override_button = None
        if can_override:
            self.override_button = self.buttons.addButton(
                "Override and continue", QDialogButtonBox.ButtonRole.AcceptRole)
        back = self.buttons.addButton("Back to the ticket",
                                      QDialogButtonBox.ButtonRole.RejectRole)
        back.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(self.buttons)

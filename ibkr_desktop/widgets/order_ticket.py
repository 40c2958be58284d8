"""The order ticket window: the contract's live quote, the fields, the estimate and Send.

"OCA: one cancels the other" adds a second order for the same contract and account (its own
:class:`TicketFields`, account and bracket hidden): both go in one request and the first to
fill cancels the other. A bracket and OCA exclude each other (each box is disabled while the
other is ticked).

A non-modal dialog (several may be open, one per contract). It shows what it is given (the
quote, marked when delayed; the estimated order value and its share of net liquidation;
problems under their fields; the outcome) and asks for what the user wants (``submit_requested``
when Send is pressed; the position held in the contract). The ticket presenter checks,
previews, confirms and places.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import replace

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ibkr_desktop.models.availability import availability_label
from ibkr_desktop.protocol.order_kinds import Side
from ibkr_desktop.protocol.orders import OrderTicket, Problem
from ibkr_desktop.protocol.ticket_form import TicketForm, parse_decimal, position_effect
from ibkr_desktop.widgets.ticket_fields import TicketFields


class OrderTicketDialog(QDialog):
    """One order ticket.

    Signals:
        submit_requested(): Send was pressed (the presenter checks before anything goes).
        closed(): the window closed (the presenter releases its quotes).
    """

    submit_requested = Signal()
    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("orderTicket")
        self.setModal(False)
        self.modify_id: int | None = None
        """The working order this window modifies; None for a new order."""
        self.modify_order: OrderTicket | None = None
        """That order as it works now (what a modification changes from)."""
        self.closing: float | None = None
        """The position this ticket closes (negative = short); None for any other ticket."""
        self._order_done = False
        self.title = QLabel(self)
        self.title.setObjectName("ticketTitle")
        self.title.setStyleSheet("font-size: 15pt; font-weight: bold;")
        self.session = QLabel(self)
        self.session.setObjectName("ticketSession")
        self.quote = QLabel("Waiting for prices…", self)
        self.quote.setObjectName("ticketQuote")
        header = QHBoxLayout()
        header.addWidget(self.title)
        header.addWidget(self.session)
        header.addStretch(1)
        header.addWidget(self.quote)
        self.fields = TicketFields(self)
        self.oca = QCheckBox("OCA: one cancels the other — add a second order "
                             "(not with a bracket)", self)
        self.oca.setObjectName("ticketOca")
        self.oca.setToolTip("Both orders are sent together; the first to fill cancels the "
                            "other. A bracket and OCA cannot be combined.")
        self.fields.bracket.setToolTip("Take-profit and stop-loss exits; not with OCA")
        self.oca_group = QGroupBox("Or this order — the first to fill cancels the other", self)
        self.oca_group.hide()
        self.oca_fields = TicketFields(self.oca_group)
        self.oca_fields.as_second_leg()
        QVBoxLayout(self.oca_group).addWidget(self.oca_fields)
        self.position = QLabel(self)
        self.position.setObjectName("ticketPosition")
        self.effect = QLabel(self)
        self.effect.setObjectName("ticketEffect")
        self.effect.setWordWrap(True)
        self.effect.hide()
        self.estimate = QLabel(self)
        self.estimate.setObjectName("ticketEstimate")
        self.problem = QLabel(self)
        self.problem.setObjectName("ticketError")
        self.problem.setStyleSheet("color: #e5534b;")
        self.problem.setWordWrap(True)
        self.problem.hide()
        self.status = QLabel(self)
        self.status.setObjectName("ticketStatus")
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox(self)
        self.send_button = QPushButton("Send…", self)
        self.send_button.setObjectName("ticketSend")
        self.send_button.setDefault(True)
        self.buttons.addButton(self.send_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        self.finished.connect(lambda _result: self.closed.emit())  # Close, Escape or the X
        self.send_button.clicked.connect(self.submit_requested)
        self.fields.side.currentIndexChanged.connect(self._side_changed)
        self.oca.toggled.connect(self._oca_toggled)
        self.fields.bracket.toggled.connect(lambda on: self.oca.setEnabled(not on))
        self.fields.edits["quantity"].textChanged.connect(self._follow_quantity)
        self.fields.edits["quantity"].textChanged.connect(self._show_effect)
        self.fields.side.currentIndexChanged.connect(self._show_effect)
        self._column = layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.fields)
        layout.addWidget(self.oca)
        layout.addWidget(self.oca_group)
        for widget in (self.position, self.effect, self.estimate, self.problem, self.status,
                       self.buttons):
            layout.addWidget(widget)

    def open_for(self, conid: int, symbol: str, side: Side) -> None:
        """Set the contract and side, then show the window with the quantity focused."""
        self.fields.set_contract(conid, symbol, side)
        self.oca_fields.set_contract(conid, symbol, side)
        self.title.setText(symbol)
        self._side_changed()
        self.show()
        self.raise_()
        self.fields.edits["quantity"].setFocus()
        self.fields.edits["quantity"].selectAll()

    def open_modify(self, order_id: int, order: OrderTicket, symbol: str) -> None:
        """Open as the edit dialog of working order ``order_id``, its fields pre-filled."""
        self.modify_id, self.modify_order = order_id, order
        self.open_for(order.conid, symbol, order.side)
        self.fields.load_order(order)
        self.oca.setEnabled(False)
        self.fields.edits["quantity"].setToolTip(
            "Total quantity of the order, the part already filled included")

    def set_closing(self, position: float) -> None:
        """Make this the ticket closing a position of ``position`` (negative = short): a line
        says what the order as typed does to it and warns when it reverses or adds to it."""
        self.closing = position
        self._show_effect()

    def _show_effect(self) -> None:
        if self.closing is None:
            return
        form = self.fields.form()
        quantity = parse_decimal(form.quantity)
        text, warn = ("", False) if quantity is None or quantity <= 0 else position_effect(
            self.closing, form.side, quantity, self.fields.symbol)
        if text:
            text += " Review the order: nothing is sent before its preview and your confirmation."
        self.effect.setText(text)
        self.effect.setStyleSheet("color: #d29922; font-weight: bold;" if warn else "")
        self.effect.setVisible(bool(text))
        self._fit()

    def show_order(self, text: str, done: bool) -> None:
        """The modified order's live status; once it is ``done`` (filled, cancelled, inactive)
        there is nothing left to modify and Modify is disabled for good."""
        self._order_done = self._order_done or done
        self.set_status(text)
        self.send_button.setEnabled(not self._order_done)

    def _oca_toggled(self, on: bool) -> None:
        self.oca_group.setVisible(on)
        self.fields.bracket.setEnabled(not on and self.modify_id is None)
        self._follow_quantity()
        self.fields.edited.emit()

    def _follow_quantity(self) -> None:
        """The second leg's quantity is the first's until the user types one of its own."""
        second = self.oca_fields.edits["quantity"]
        if not second.isModified():
            second.setText(self.fields.edits["quantity"].text())

    def oca_form(self) -> TicketForm | None:
        """The second leg as typed (on the first leg's account), or None when OCA is off."""
        if not self.oca.isChecked():
            return None
        return replace(self.oca_fields.form(), account=self.fields.form().account)

    def _side_changed(self) -> None:
        side = self.fields.form().side
        if self.modify_id is not None:
            self.send_button.setText("Modify…")
            self.setWindowTitle(f"Modify order {self.modify_id}: {side.title()} "
                                f"{self.fields.symbol}")
            return
        self.send_button.setText(f"{side.title()}…")
        self.setWindowTitle(f"{side.title()} {self.fields.symbol} — order ticket")

    def set_quote(self, quote: Mapping[str, object]) -> None:
        """Bid, ask and last; marked [D]/[F] with a tooltip when not real-time."""
        def price(name: str) -> str:
            value = quote.get(name)
            return f"{value:,.2f}" if isinstance(value, int | float) else "—"
        badge, tip = availability_label(quote)
        mark = f" <span style='color:#d29922'>[{html.escape(badge)}]</span>" if badge else ""
        self.quote.setText(f"Bid <b>{price('bid')}</b> · Ask <b>{price('ask')}</b> · "
                           f"Last {price('last')}{mark}")
        self.quote.setToolTip(tip or "Real-time quote")

    def set_session(self, text: str, tip: str) -> None:
        """The market session beside the symbol ("regular hours", "after-hours"...)."""
        self.session.setText(text)
        self.session.setToolTip(tip)

    def set_position(self, quantity: float | None) -> None:
        """What the account holds of the contract (shares or contracts; negative = short;
        None = nothing): "You hold 50 MSFT", "You are short 30 TSLA", "No MSFT position"."""
        symbol = self.fields.symbol
        if not quantity:
            self.position.setText(f"No {symbol} position")
            return
        amount = f"{abs(quantity):,.0f}" if quantity == int(quantity) else f"{abs(quantity):,g}"
        self.position.setText(f"You hold {amount} {symbol}" if quantity > 0
                              else f"You are short {amount} {symbol}")

    def set_estimate(self, text: str) -> None:
        """The order's estimated value line."""
        self.estimate.setText(text)

    def show_problems(self, problems: Sequence[Problem],
                      second: Sequence[Problem] = ()) -> None:
        """Problems under their fields (``second``: the OCA leg's, under its own fields); any
        without a field above the buttons."""
        rest = self.fields.show_problems(problems) + self.oca_fields.show_problems(second)
        self.problem.setText("\n".join(p.message for p in rest))
        self.problem.setVisible(bool(rest))
        self._fit()

    def set_status(self, text: str) -> None:
        """What happened to the last Send (sending, placed, refused...)."""
        self.status.setText(text)
        self._fit()

    def _fit(self) -> None:
        """Grow to show every line of a word-wrapped message (a wrapped label's height depends
        on its width, which the dialog's own minimum size does not follow)."""
        self._column.activate()
        needed = self._column.totalHeightForWidth(self.width())
        if needed > self.height():
            self.resize(self.width(), needed)

    def set_busy(self, busy: bool) -> None:
        """While an order is on its way, Send is disabled (one click = at most one order)."""
        self.send_button.setEnabled(not busy and not self._order_done)

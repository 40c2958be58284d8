"""The order ticket's fields: what the trader types, each with its own inline error line.

The form shows only the price fields the chosen order type needs (``FIELDS_BY_TYPE``), offers
the order types and times in force the contract's rules allow, steps prices by the contract's
price increment (Up/Down keys in a price field) and reads back as a pure
:class:`~ibkr_desktop.protocol.ticket_form.TicketForm`. It checks nothing itself: the ticket
presenter runs ``protocol.ticket_checks`` and hands the problems to :meth:`show_problems`.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ibkr_desktop.protocol.contract_rules import ContractRules
from ibkr_desktop.protocol.order_kinds import OrderType, Side, TimeInForce
from ibkr_desktop.protocol.orders import OrderTicket, Problem
from ibkr_desktop.protocol.ticket_checks import TYPE_NAMES
from ibkr_desktop.protocol.ticket_form import FIELDS_BY_TYPE, TicketForm, parse_decimal

TICKET_TYPES = (OrderType.LMT, OrderType.MKT, OrderType.STP, OrderType.STOP_LIMIT,
                OrderType.TRAIL, OrderType.TRAILLMT, OrderType.MOC, OrderType.LOC)
"""The order types the ticket offers (those the contract allows, in this order)."""
PRICE_FIELDS = ("limit", "stop", "trail", "take_profit", "stop_loss")


class TicketFields(QWidget):
    """Account, side, quantity, order type, prices, TIF, outside RTH and an optional bracket.

    Signals:
        edited(): any field changed (the presenter re-checks and updates the estimate).
    """

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.conid = 0
        self.symbol = ""
        self.rules: ContractRules | None = None
        self.account = QComboBox(self)
        self.side = QComboBox(self)
        for side in Side:
            self.side.addItem(side.title(), side)
        self.order_type = QComboBox(self)
        self.tif = QComboBox(self)
        self.outside_rth = QCheckBox("Allow outside regular trading hours", self)
        self.trail_percent = QCheckBox("%", self)
        self.trail_percent.setToolTip("Trailing amount in percent of the price")
        self.edits: dict[str, QLineEdit] = {}
        self.errors: dict[str, QLabel] = {}
        self.rows: dict[str, QWidget] = {}
        self._labels: dict[str, QWidget] = {}
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._row(form, "account", "Account", self.account)
        self._row(form, "side", "Side", self.side)
        self._row(form, "quantity", "Quantity", self._edit("quantity", "shares"))
        self._row(form, "order_type", "Order type", self.order_type)
        self._row(form, "stop", "Stop price", self._edit("stop", "stop price"))
        self._row(form, "limit", "Limit price", self._edit("limit", "limit price"))
        trail_box = QWidget(self)
        trail_line = QHBoxLayout(trail_box)
        trail_line.setContentsMargins(0, 0, 0, 0)
        trail_line.addWidget(self._edit("trail", "amount"), 1)
        trail_line.addWidget(self.trail_percent)
        self._row(form, "trail", "Trailing amount", trail_box)
        self._row(form, "tif", "Time in force", self.tif)
        self._row(form, "outside_rth", "", self.outside_rth)
        self.bracket = QCheckBox("Add a bracket: take-profit and stop-loss exits", self)
        self.bracket_group = QGroupBox("Exit orders, sent with this one", self)
        self.bracket_group.hide()
        bracket_form = QFormLayout(self.bracket_group)
        self._row(bracket_form, "take_profit", "Take profit (limit)",
                  self._edit("take_profit", "limit price"))
        self._row(bracket_form, "stop_loss", "Stop loss (stop)",
                  self._edit("stop_loss", "stop price"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(self.bracket)
        layout.addWidget(self.bracket_group)
        self.set_rules(None)
        for combo in (self.account, self.side, self.tif):
            combo.currentIndexChanged.connect(self.edited)
        self.order_type.currentIndexChanged.connect(self._type_changed)
        for box in (self.outside_rth, self.trail_percent, self.bracket):
            box.toggled.connect(self.edited)
        self.bracket.toggled.connect(self.bracket_group.setVisible)

    # -- building ---------------------------------------------------------------------------

    def _edit(self, name: str, placeholder: str) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setObjectName(f"ticket_{name}")
        edit.setPlaceholderText(placeholder)
        edit.textEdited.connect(self.edited)
        if name in PRICE_FIELDS:
            edit.installEventFilter(self)
            edit.setToolTip("Up/Down: one price increment")
        self.edits[name] = edit
        return edit

    def _row(self, form: QFormLayout, name: str, label: str, widget: QWidget) -> None:
        box = QWidget(self)
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(1)
        column.addWidget(widget)
        error = QLabel(box)
        error.setObjectName("ticketError")
        error.setWordWrap(True)
        error.setStyleSheet("color: #e5534b;")
        error.hide()
        column.addWidget(error)
        form.addRow(label, box)
        self.errors[name] = error
        self.rows[name] = box
        self._labels[name] = form.labelForField(box)

    # -- filling ----------------------------------------------------------------------------

    def set_contract(self, conid: int, symbol: str, side: Side) -> None:
        """The contract and side the ticket opens with."""
        self.conid, self.symbol = conid, symbol
        self.side.setCurrentIndex(self.side.findData(side))

    def set_accounts(self, accounts: Sequence[str], selected: str | None) -> None:
        """The accounts the order may go to; ``selected`` first chosen."""
        self.account.blockSignals(True)
        self.account.clear()
        for account in accounts:
            self.account.addItem(account, account)
        if selected in accounts:
            self.account.setCurrentIndex(accounts.index(selected))
        self.account.blockSignals(False)

    def load_order(self, order: OrderTicket) -> None:
        """Fill the fields from a working order (modify): side and bracket are locked."""
        self.order_type.setCurrentIndex(max(0, self.order_type.findData(order.order_type)))
        self.edits["quantity"].setText(f"{order.quantity:g}")
        stop = order.price if order.order_type is OrderType.STP else order.aux_price
        for name, value in (("limit", None if order.order_type is OrderType.STP
                             else order.price), ("stop", stop),
                            ("trail", order.trailing_amount)):
            if value is not None:
                self.edits[name].setText(f"{value:g}")
                self.edits[name].setModified(True)  # quotes must not overwrite it
        self.tif.setCurrentIndex(max(0, self.tif.findData(order.tif)))
        self.outside_rth.setChecked(order.outside_rth)
        for widget in (self.side, self.bracket, self.account):
            widget.setEnabled(False)

    def as_second_leg(self) -> None:
        """The OCA leg: same contract and account as the first, no bracket of its own."""
        self._show_row("account", False)
        self.bracket.hide()

    def set_rules(self, rules: ContractRules | None) -> None:
        """Offer what the contract allows (every ticket type until the rules arrive)."""
        self.rules = rules
        current = self.current_type()
        allowed = [t for t in TICKET_TYPES if rules is None or t in rules.order_types]
        self.order_type.blockSignals(True)
        self.order_type.clear()
        for kind in allowed:
            self.order_type.addItem(TYPE_NAMES[kind].capitalize(), kind)
        index = self.order_type.findData(current)
        self.order_type.setCurrentIndex(max(0, index))
        self.order_type.blockSignals(False)
        if rules is not None and not self.edits["quantity"].text():
            self.edits["quantity"].setText(f"{rules.default_size:g}")
        self._type_changed()

    def set_price(self, name: str, price: float | None) -> None:
        """Pre-fill an empty price field (snapped to the contract's increment) once: a price on
        screen never changes under the user's eyes."""
        edit = self.edits[name]
        if price is None or price <= 0 or edit.isModified() or edit.text():
            return
        edit.setText(self._price_text(price))

    def _price_text(self, price: float) -> str:
        if self.rules is None:
            return f"{price:.2f}"
        return f"{self.rules.snap(price):.{self.rules.digits_at(price)}f}"

    def _type_changed(self) -> None:
        kind = self.current_type()
        needed = FIELDS_BY_TYPE.get(kind, ())
        for name in ("limit", "stop", "trail"):
            self._show_row(name, name in needed)
        tifs = self.rules.tifs_for(kind) if self.rules else tuple(TimeInForce)
        current = self.tif.currentData() or (self.rules.default_tif if self.rules
                                             else TimeInForce.DAY)  # a str: Qt drops the enum
        self.tif.blockSignals(True)
        self.tif.clear()
        for tif in tifs:
            self.tif.addItem(str(tif), tif)
        self.tif.setCurrentIndex(max(0, self.tif.findData(current)))
        self.tif.blockSignals(False)
        self.edited.emit()

    def _show_row(self, name: str, visible: bool) -> None:
        self.rows[name].setVisible(visible)
        self._labels[name].setVisible(visible)

    # -- reading ----------------------------------------------------------------------------

    def current_type(self) -> OrderType:
        """The chosen order type (LMT until the list is filled)."""
        return OrderType(self.order_type.currentData() or OrderType.LMT)

    def form(self) -> TicketForm:
        """What the fields hold now (hidden fields and an unchecked bracket are left out)."""
        text = {name: edit.text() for name, edit in self.edits.items()}
        bracket = self.bracket.isChecked()
        return TicketForm(
            conid=self.conid, symbol=self.symbol,
            side=Side(self.side.currentData() or Side.BUY),
            order_type=self.current_type(), quantity=text["quantity"],
            tif=TimeInForce(self.tif.currentData() or TimeInForce.DAY),
            limit=text["limit"], stop=text["stop"], trail=text["trail"],
            trail_percent=self.trail_percent.isChecked(),
            outside_rth=self.outside_rth.isChecked(),
            account=self.account.currentData() or None,
            take_profit=text["take_profit"] if bracket else "",
            stop_loss=text["stop_loss"] if bracket else "")

    def show_problems(self, problems: Sequence[Problem]) -> list[Problem]:
        """Each problem under its field (in red); fields without one are cleared.

        Returns the problems that have no field here (the dialog shows them itself).
        """
        by_field = {p.field: p.message for p in problems}
        for name, label in self.errors.items():
            message = by_field.get(name, "")
            label.setText(message)
            label.setVisible(bool(message))
        return [p for p in problems if p.field not in self.errors]

    def shown_problems(self) -> dict[str, str]:
        """The error texts on screen, by field (what the trader reads)."""
        return {name: label.text() for name, label in self.errors.items()
                if label.isVisibleTo(self) and label.text()}

    # -- price stepping ---------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if (event.type() == QEvent.Type.KeyPress and isinstance(watched, QLineEdit)
                and isinstance(event, QKeyEvent)
                and event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down)):
            self._step(watched, 1 if event.key() == Qt.Key.Key_Up else -1)
            return True
        return super().eventFilter(watched, event)

    def _step(self, edit: QLineEdit, direction: int) -> None:
        price = parse_decimal(edit.text())
        if price is None:
            return
        step = self.rules.increment_at(price) if self.rules else 0.01
        edit.setText(self._price_text(max(step, price + direction * step)))
        edit.setModified(True)
        self.edited.emit()

"""Send one ticket: check, limits, preview, confirmation, then IBKR's questions, once.

The steps, each able to stop the order before anything leaves:

1. ``protocol.ticket_checks.check_form`` against the contract's rules and the market (and
   ``check_oca`` for the second leg of a one-cancels-the-other pair): any problem is shown
   under its field and nothing is sent;
2. the user's own limits (``broker.orders.check_limits``): a breach asks for an explicit
   override, or blocks, as the limits say;
3. the what-if preview and the confirmation in words (account, mode, "Buy 100 AAPL limit
   185.00, day");
4. ``broker.orders.place(tickets, confirm)`` (or ``modify`` for the edit dialog of a working
   order): each IBKR question is answered by the per-id policy (auto-confirm) or shown
   verbatim for the user to confirm or cancel.

Every dialog is shown with ``open()`` and awaited (no nested event loop) and announced on
``dialog_shown`` first, so a test can answer it like a user.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog

from ibkr_desktop.app.settings import Keys
from ibkr_desktop.client.broker import Broker
from ibkr_desktop.client.notices import Notifier
from ibkr_desktop.client.order_flow import Confirm
from ibkr_desktop.protocol.contract_rules import ContractRules
from ibkr_desktop.protocol.errors import IbkrError, describe_error
from ibkr_desktop.protocol.limits import Market, OnBreach
from ibkr_desktop.protocol.order_records import WhatIf
from ibkr_desktop.protocol.orders import OrderQuestion, Problem
from ibkr_desktop.protocol.ticket_checks import check_form, check_oca
from ibkr_desktop.protocol.ticket_form import FormTickets, describe, order_changes
from ibkr_desktop.widgets.confirm_dialog import ConfirmDialog, LimitsDialog
from ibkr_desktop.widgets.order_ticket import OrderTicketDialog
from ibkr_desktop.widgets.question_dialog import QuestionDialog, answer

FIELDS_REFUSED = "Not sent: correct the fields marked in red."
"""The ticket's status while a field is marked (cleared once they are all correct)."""


def question_policy(mode: str) -> dict[str, str]:
    """``{message id: "ask"|"confirm"}`` of the mode (LIVE has its own, default: ask)."""
    key = Keys.QUESTIONS_LIVE if mode == "LIVE" else Keys.QUESTIONS_PAPER
    return {str(k): str(v) for k, v in key.get().items()}


def auto_confirmed(mode: str) -> list[str]:
    """The message ids the user set to auto-confirm in ``mode`` (sent to IBKR's suppress)."""
    return sorted(k for k, v in question_policy(mode).items() if v == "confirm")


def check_ticket(dialog: OrderTicketDialog, rules: ContractRules | None, market: Market | None
                 ) -> tuple[FormTickets, list[Problem], list[Problem]]:
    """The window's tickets, the first leg's problems and the OCA leg's (empty when off)."""
    tickets, problems = check_form(dialog.fields.form(), rules, market)
    second = dialog.oca_form()
    if second is None:
        return tickets, problems, []
    tickets, second_problems = check_oca(tickets, second, rules, market)
    return tickets, problems, second_problems


def order_words(tickets: FormTickets, symbol: str, digits: int) -> list[str]:
    """Each order of the ticket in words, bracket exits labelled; an OCA pair is one line:
    "Buy 100 AAPL limit 180.00, day — OR — Buy 100 AAPL stop 195.00, day (one cancels the
    other)"."""
    if tickets.parent is not None and tickets.oca is not None:
        return [f"{describe(tickets.parent, symbol, digits)} — OR — "
                f"{describe(tickets.oca, symbol, digits)} (one cancels the other)"]
    labels = ("", "Take profit: ", "Stop loss: ")
    legs = (tickets.parent, tickets.take_profit, tickets.stop_loss)
    return [label + describe(leg, symbol, digits) for label, leg in zip(labels, legs, strict=True)
            if leg is not None]


def _changes(dialog: OrderTicketDialog, tickets: FormTickets, digits: int) -> str:
    """A modification's confirmation line: "Changes: limit price 188.74 → 188.85, quantity
    10 → 12" (or that nothing changes)."""
    old, new = dialog.modify_order, tickets.parent
    changes = order_changes(old, new, digits) if old is not None and new is not None else ""
    return f"Changes: {changes}" if changes else "No change from the working order"


class TicketSender(QObject):
    """Runs the steps for one ticket window.

    Signals:
        dialog_shown(QDialog): a confirmation, limits or question dialog was just opened.
    """

    dialog_shown = Signal(object)

    def __init__(self, notifier: Notifier, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._notifier = notifier

    async def send(self, broker: Broker, dialog: OrderTicketDialog, rules: ContractRules | None,
                   market: Market | None) -> bool:
        """Check and send what ``dialog`` holds; True when at least one order was placed."""
        tickets, problems, second = check_ticket(dialog, rules, market)
        dialog.show_problems(problems, second)
        if problems or second or tickets.parent is None:
            dialog.set_status(FIELDS_REFUSED)
            return False
        dialog.set_status("")  # an earlier refusal must not stand under the confirmation
        override = False
        breaches = [b for t in tickets.all for b in broker.orders.check_limits(t, market)]
        if breaches:
            can_override = broker.orders.limits.on_breach is OnBreach.ASK
            if not await self._ask(LimitsDialog(breaches, can_override, dialog)) \
                    or not can_override:
                dialog.set_status("Not sent: " + "; ".join(b.message for b in breaches) + ".")
                return False
            override = True
        symbol = dialog.fields.symbol
        digits = rules.digits_at(tickets.parent.price or 1.0) if rules else 2
        words = order_words(tickets, symbol, digits)
        modify_id = dialog.modify_id
        if modify_id is not None:
            words[0] = f"Modify order {modify_id} to: {words[0]}"
            words.append(_changes(dialog, tickets, digits))
        account = tickets.parent.account or broker.selected_account or "?"
        preview = await self._preview(broker, tickets) if modify_id is None else None
        if not await self._ask(ConfirmDialog(broker.mode, account, words, preview, dialog)):
            dialog.set_status("Not sent.")
            return False
        dialog.set_status("Sending…")
        confirm = self._confirm(broker.mode, words[0], dialog)
        if modify_id is None:
            outcome = await broker.orders.place(tickets.all, confirm, market=market,
                                                override=override)
        else:  # the order keeps its own cOID; the quantity is its new total
            changed = replace(tickets.parent, coid=None)
            outcome = await broker.orders.modify(modify_id, changed, confirm)
            if outcome.placed:
                dialog.modify_order = changed  # the next modification changes from this
        dialog.set_status(outcome.summary)
        level = "info" if outcome.placed and not outcome.refused else "warning"
        self._notifier.post(level, f"{words[0]}: {outcome.summary}")
        return outcome.placed

    async def _preview(self, broker: Broker, tickets: FormTickets) -> WhatIf | None:
        try:
            return await broker.orders.what_if(tickets.all)
        except IbkrError as exc:
            self._notifier.post("warning", f"Order preview failed: {describe_error(exc)}")
            return None

    def _confirm(self, mode: str, words: str, parent: OrderTicketDialog) -> Confirm:
        async def confirm(question: OrderQuestion) -> bool:
            policy: Mapping[str, str] = question_policy(mode)
            ids = question.message_ids
            if ids and all(policy.get(i) == "confirm" for i in ids):
                return True
            return await self._ask(QuestionDialog(question, words, parent))
        return confirm

    async def _ask(self, dialog: QDialog) -> bool:
        return await answer(dialog, shown=self.dialog_shown.emit)

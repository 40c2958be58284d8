"""IBKR's order questions, shown verbatim with their message ids; the user confirms or cancels.

IBKR answers some placements with questions ("You are submitting an order without market
data...", id ``o354``) that must be confirmed before the order goes (reference §5.3). The
dialog shows every message of one question exactly as IBKR wrote it, each with its id, and
says how to stop being asked (Orders > Order questions). :func:`answer` shows any dialog
without a nested event loop (``open()``) and awaits the user's choice, so the qasync loop
keeps running and tests can press the buttons.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from ibkr_desktop.protocol.orders import OrderQuestion


class QuestionDialog(QDialog):
    """One IBKR order question: its messages verbatim with ids, Confirm / Cancel."""

    def __init__(self, question: OrderQuestion, order_words: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("orderQuestion")
        self.setWindowTitle("IBKR asks about your order")
        self.question = question
        ids = question.message_ids
        self.order = QLabel(order_words, self)
        self.order.setObjectName("questionOrder")
        self.order.setStyleSheet("font-weight: bold;")
        self.messages: list[QLabel] = []
        for n, message in enumerate(question.messages):
            message_id = ids[n] if n < len(ids) else "?"
            label = QLabel(f"[{message_id}] {message}", self)  # verbatim: plain text, no HTML
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setObjectName("questionText")
            label.setWordWrap(True)
            label.setMinimumWidth(460)
            self.messages.append(label)
        hint = QLabel("To stop being asked a question, set it to auto-confirm in "
                      "Orders > Order questions.", self)
        hint.setWordWrap(True)
        hint.setObjectName("hint")
        self.buttons = QDialogButtonBox(self)
        self.confirm_button = self.buttons.addButton(
            "Confirm", QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(
            "Cancel order", QDialogButtonBox.ButtonRole.RejectRole)
        self.cancel_button.setDefault(True)  # Enter must not confirm by accident
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (self.order, *self.messages, hint, self.buttons):
            layout.addWidget(widget)

    def shown_text(self) -> str:
        """The question as the user reads it: each message with its id, as IBKR wrote it."""
        return "\n".join(label.text() for label in self.messages)


async def answer(dialog: QDialog, shown: Callable[[QDialog], object] | None = None) -> bool:
    """Show ``dialog`` window-modal with ``open()`` and await it: True = accepted.

    ``shown`` is called with the dialog once it is open (tests answer it from there). The
    dialog is deleted once answered.
    """
    done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

    def finished(result: int) -> None:
        if not done.done():
            done.set_result(result == QDialog.DialogCode.Accepted)

    dialog.finished.connect(finished)
    dialog.open()
    if shown is not None:
        shown(dialog)
    try:
        return await done
    finally:  # answered, or the app is closing: the dialog may already be gone with its parent
        if shiboken6.isValid(dialog):
            dialog.close()
            dialog.deleteLater()

"""Settings page: per IBKR question id, always ask or auto-confirm, separately for paper and live.

IBKR's precautionary questions have stable message ids (reference §5.3). For each known id the
user picks, for demo/paper accounts and for live accounts, "Always ask" (the question dialog)
or "Auto-confirm" (the app asks IBKR to suppress it for the session, and confirms it if it
comes anyway). Live starts at "Always ask" for every id. The page edits a copy and emits
``saved`` with both policies; the ticket presenter stores and applies them.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

KNOWN_QUESTIONS: dict[str, str] = {
    "o163": "Limit price far from the market (percentage constraint)",
    "o354": "No market data for the contract",
    "o383": "Size above the size limit",
    "o451": "Order value above the total value limit",
    "o403": "Stop order will trigger and fill at once",
    "o10153": "Mandatory cap price (market order outside regular hours)",
}
"""IBKR message ids the app knows, with what each asks about."""
ASK, CONFIRM = "ask", "confirm"


class QuestionPolicyDialog(QDialog):
    """The policy table.

    Signals:
        saved(dict, dict): OK pressed: the paper/demo policy and the live policy,
            ``{message id: "ask"|"confirm"}``.
    """

    saved = Signal(dict, dict)

    def __init__(self, paper: Mapping[str, str], live: Mapping[str, str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("questionPolicy")
        self.setWindowTitle("Order questions")
        intro = QLabel("IBKR asks these questions before some orders. Auto-confirmed questions "
                       "are not shown; IBKR is asked not to send them during the session.", self)
        intro.setWordWrap(True)
        grid = QGridLayout()
        for column, title in enumerate(("Question", "Demo and paper", "Live"), start=0):
            grid.addWidget(QLabel(f"<b>{title}</b>", self), 0, column)
        self.boxes: dict[tuple[str, str], QComboBox] = {}
        for row, (message_id, words) in enumerate(KNOWN_QUESTIONS.items(), start=1):
            grid.addWidget(QLabel(f"{message_id} — {words}", self), row, 0)
            for column, (mode, policy) in enumerate((("paper", paper), ("live", live)), start=1):
                box = QComboBox(self)
                box.addItem("Always ask", ASK)
                box.addItem("Auto-confirm", CONFIRM)
                box.setCurrentIndex(1 if policy.get(message_id) == CONFIRM else 0)
                grid.addWidget(box, row, column)
                self.boxes[(message_id, mode)] = box
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(grid)
        layout.addWidget(buttons)

    def choose(self, message_id: str, mode: str, policy: str) -> None:
        """Set one choice ("paper"/"live", "ask"/"confirm"), as the user would."""
        box = self.boxes[(message_id, mode)]
        box.setCurrentIndex(box.findData(policy))

    def policies(self) -> tuple[dict[str, str], dict[str, str]]:
        """The chosen policies: (paper/demo, live)."""
        chosen: dict[str, dict[str, str]] = {"paper": {}, "live": {}}
        for (message_id, mode), box in self.boxes.items():
            chosen[mode][message_id] = str(box.currentData())
        return chosen["paper"], chosen["live"]

    def _save(self) -> None:
        self.saved.emit(*self.policies())
        self.accept()

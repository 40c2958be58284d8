"""A search box that finds contracts as you type (secdef search) and hands back the chosen one.

Typing starts a short debounce; then one search runs through the broker (which paces it). Answers
that arrive after newer typing are dropped, so the popup always matches the text in the box.
Enter takes the highlighted match, or the exact symbol match, or the first match.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from PySide6.QtCore import QStringListModel, Qt, QTimer, Signal
from PySide6.QtWidgets import QCompleter, QLineEdit, QWidget
from qasync import asyncSlot

from ibkr_desktop.protocol.errors import IbkrError
from ibkr_desktop.protocol.events import ContractMatch

SearchFn = Callable[[str], Awaitable[Sequence[ContractMatch]]]


def describe(match: ContractMatch) -> str:
    """One popup line: ``AAPL  APPLE INC  (NASDAQ STK)``."""
    return f"{match.symbol}  {match.name}  ({match.exchange} {match.sec_type})".replace("  ()", "")


class ContractSearchBox(QLineEdit):
    """Line edit with a typeahead popup of contracts.

    Signals:
        contract_chosen(object): the :class:`ContractMatch` the user picked.
        message(str): a short status text (no match, search failed).
    """

    contract_chosen = Signal(object)
    message = Signal(str)

    def __init__(self, search: SearchFn, parent: QWidget | None = None,
                 debounce_ms: int = 220) -> None:
        super().__init__(parent)
        self._search = search
        self._matches: list[ContractMatch] = []
        self._seq = 0
        self.setPlaceholderText("Add symbol…  (type to search, Enter to add)")
        self.setClearButtonEnabled(True)
        self.setObjectName("contractSearch")
        self._lines = QStringListModel(self)
        completer = QCompleter(self._lines, self)
        completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setMaxVisibleItems(12)
        # PySide6's stubs do not model overloaded signals; [str] picks activated(QString).
        completer.activated[str].connect(self._choose_line)  # type: ignore[index]
        self.setCompleter(completer)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(debounce_ms)
        self._debounce.timeout.connect(self._run_search)
        self.textEdited.connect(self._on_edited)
        self.returnPressed.connect(self._on_return)

    @property
    def matches(self) -> list[ContractMatch]:
        """Matches currently offered in the popup."""
        return list(self._matches)

    def _on_edited(self, text: str) -> None:
        self._seq += 1
        if text.strip():
            self._debounce.start()
        else:
            self._debounce.stop()
            self._show([])

    @asyncSlot()
    async def _run_search(self) -> None:
        text = self.text().strip()
        seq = self._seq
        if not text:
            return
        try:
            found = list(await self._search(text))
        except IbkrError as exc:
            if seq == self._seq:
                self.message.emit(f"Contract search failed: {exc.message or exc}")
            return
        if seq != self._seq:
            return  # the user typed on; a newer search is coming
        self._show(found)
        if not found:
            self.message.emit(f"No contract matches “{text}”")

    def _show(self, matches: list[ContractMatch]) -> None:
        self._matches = matches
        self._lines.setStringList([describe(m) for m in matches])
        if matches and self.hasFocus():
            self.completer().complete()

    def _choose_line(self, line: str) -> None:
        for match in self._matches:
            if describe(match) == line:
                self._pick(match)
                return

    def _on_return(self) -> None:
        popup = self.completer().popup()
        if popup is not None and popup.isVisible() and popup.currentIndex().isValid():
            return  # the completer's activated signal handles it
        text = self.text().strip().upper()
        exact = [m for m in self._matches if m.symbol.upper() == text]
        if exact or self._matches:
            self._pick((exact or self._matches)[0])

    def _pick(self, match: ContractMatch) -> None:
        self._seq += 1
        self._debounce.stop()
        popup = self.completer().popup()
        if popup is not None:
            popup.hide()
        self.clear()
        self._show([])
        self.contract_chosen.emit(match)

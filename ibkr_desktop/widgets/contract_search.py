"""A search box that finds contracts as you type (secdef search) and hands back the chosen one.

Typing starts a short debounce; then one search runs through the broker (which paces it). Answers
that arrive after newer typing are dropped, so the popup always matches the text in the box.
Enter takes the highlighted match, or the exact symbol match, or the first match; pressed before
the answer for the typed text is in, it waits for that answer (a "searching…" cue shows in the
box) and then adds its best match. Escape empties the box (and closes the popup). The box is
empty after every pick: the completer is attached with ``setWidget`` (not ``setCompleter``), so
it never writes a popup line into the box.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from PySide6.QtCore import QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QCompleter, QLabel, QLineEdit, QWidget
from qasync import asyncSlot

from ibkr_desktop.protocol.errors import IbkrError
from ibkr_desktop.protocol.events import ContractMatch

SearchFn = Callable[[str], Awaitable[Sequence[ContractMatch]]]


def describe(match: ContractMatch) -> str:
    """One popup line: ``AAPL  APPLE INC  (NASDAQ STK)``."""
    return f"{match.symbol}  {match.name}  ({match.exchange} {match.sec_type})".replace("  ()", "")


def best_match(text: str, matches: Sequence[ContractMatch]) -> ContractMatch | None:
    """The match Enter adds for ``text``: the exact symbol (any case), else the first one."""
    wanted = text.strip().upper()
    exact = [m for m in matches if m.symbol.upper() == wanted]
    ranked = exact or list(matches)
    return ranked[0] if ranked else None


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
        self._seq = 0        # bumped by every edit: which text the box holds
        self._asked = -1     # the seq whose search was last started
        self._answered = -1  # the seq ``_matches`` belongs to
        self._enter_waiting = False
        self.setPlaceholderText("Add symbol…  (type to search, Enter to add)")
        self.setClearButtonEnabled(True)
        self.setObjectName("contractSearch")
        self.cue = QLabel("searching…", self)
        """Shown inside the box, right-aligned, while the typed text's search is out."""
        self.cue.setObjectName("searchCue")
        self.cue.setEnabled(False)  # the palette's dimmed text
        self.cue.hide()
        self._lines = QStringListModel(self)
        self._completer = completer = QCompleter(self._lines, self)
        completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setMaxVisibleItems(12)
        completer.setWidget(self)
        # PySide6's stubs do not model overloaded signals; [str] picks activated(QString).
        completer.activated[str].connect(self._choose_line)  # type: ignore[index]
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

    @property
    def popup(self) -> QAbstractItemView:
        """The typeahead popup (one line per match)."""
        popup = self._completer.popup()
        assert popup is not None  # QCompleter makes its list view on first use
        return popup

    @property
    def searching(self) -> bool:
        """True while the cue shows: the typed text's search is out or Enter waits for it."""
        return not self.cue.isHidden()

    def _on_edited(self, text: str) -> None:
        self._seq += 1
        self._enter_waiting = False
        if text.strip():
            self._debounce.start()
        else:
            self._debounce.stop()
            self._show([])
        self._update_cue()

    @asyncSlot()
    async def _run_search(self) -> None:
        text = self.text().strip()
        seq = self._seq
        if not text or self._asked == seq:
            return
        self._asked = seq
        self._update_cue()
        try:
            found = list(await self._search(text))
        except IbkrError as exc:
            if seq == self._seq:
                self._answered, self._enter_waiting = seq, False
                self._update_cue()
                self.message.emit(f"Contract search failed: {exc.message or exc}")
            return
        if seq != self._seq:
            return  # the user typed on (or picked); a newer search is coming
        self._answered = seq
        if self._enter_waiting:
            self._enter_waiting = False
            self._take_best(text, found)
        else:
            self._show(found)
            if not found:
                self.message.emit(f"No contract matches “{text}”")
        self._update_cue()

    def _show(self, matches: list[ContractMatch]) -> None:
        self._matches = matches
        self._lines.setStringList([describe(m) for m in matches])
        if matches and self.hasFocus():
            self._completer.complete()
        elif not matches:
            self.popup.hide()

    def _choose_line(self, line: str) -> None:
        for match in self._matches:
            if describe(match) == line:
                self._pick(match)
                return

    def _on_return(self) -> None:
        popup = self.popup
        if popup.isVisible() and popup.currentIndex().isValid():
            return  # the completer's activated signal handles it
        text = self.text().strip()
        if not text:
            return
        if self._answered == self._seq:
            self._take_best(text, self._matches)
            return
        self._enter_waiting = True  # add the best match once the answer is in
        if self._asked != self._seq:
            self._debounce.stop()
            self._run_search()
        self._update_cue()

    def _take_best(self, text: str, matches: Sequence[ContractMatch]) -> None:
        match = best_match(text, matches)
        if match is None:
            self.message.emit(f"No contract matches “{text}”")
        else:
            self._pick(match)

    def _pick(self, match: ContractMatch) -> None:
        self._forget()
        self.contract_chosen.emit(match)

    def _forget(self) -> None:
        """Empty the box and drop any search still out (its answer is ignored)."""
        self._seq += 1
        self._enter_waiting = False
        self._debounce.stop()
        self.popup.hide()
        self.clear()
        self._show([])
        self._update_cue()

    def _update_cue(self) -> None:
        pending = bool(self.text().strip()) and self._answered != self._seq
        waiting = pending and (self._enter_waiting or self._asked == self._seq)
        self.cue.setVisible(waiting)
        self.setTextMargins(0, 0, self.cue.sizeHint().width() + 6 if waiting else 0, 0)
        self._place_cue()

    def _place_cue(self) -> None:
        hint = self.cue.sizeHint()
        # left of the clear button, which takes about the box's height at the right end
        x = max(0, self.width() - hint.width() - self.height())
        self.cue.setGeometry(x, (self.height() - hint.height()) // 2, hint.width(), hint.height())

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.matches(QKeySequence.StandardKey.Cancel) and self.text():
            self._forget()
            return
        super().keyPressEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._place_cue()

"""Safe watchlist edits: undoable row removal and a name prompt that refuses a taken name.

:class:`RemoveRows` goes on the panel's ``QUndoStack`` (Ctrl+Z puts the rows back where they
were, on their own list, which is shown first). :class:`NameDialog` asks for a list name and
stays open, saying why, while the name is empty or already used by another list.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import QDialog, QInputDialog, QLineEdit, QWidget

from ibkr_desktop.models.watchlist import WatchItem

if TYPE_CHECKING:
    from ibkr_desktop.widgets.watchlist_panel import WatchlistPanel


def symbols_text(items: list[WatchItem], shown: int = 3) -> str:
    """``AAPL, MSFT, NVDA and 2 more``: the symbols of an edit, for menus and messages."""
    names = [i.symbol for i in items]
    more = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {more} more" if more > 0 else "")


class RemoveRows(QUndoCommand):
    """Removal of some rows of one list; undo re-inserts them at their old rows.

    Text: "remove AAPL, MSFT" (the undo action reads "Undo remove AAPL, MSFT").
    """

    def __init__(self, panel: WatchlistPanel, rows: list[int]) -> None:
        items = panel.model.items()
        self._panel = panel
        self._list = panel.lists.current
        self._removed = [(r, items[r]) for r in sorted(set(rows)) if 0 <= r < len(items)]
        super().__init__(f"remove {symbols_text([item for _, item in self._removed])}")

    def redo(self) -> None:
        """Remove the rows (shows their list first)."""
        if not self._show_list():
            return
        model = self._panel.model
        rows = [model.row_of(item.conid) for _, item in self._removed]
        model.remove_rows(r for r in rows if r is not None)
        first = min(r for r, _ in self._removed)
        self._panel.rows_edited([min(first, model.rowCount() - 1)] if model.rowCount() else [])

    def undo(self) -> None:
        """Put the rows back at their old positions and select them."""
        if not self._show_list():
            return
        model = self._panel.model
        for row, item in self._removed:
            model.add(item, min(row, model.rowCount()))
        rows = [model.row_of(item.conid) for _, item in self._removed]
        self._panel.rows_edited([r for r in rows if r is not None])

    def _show_list(self) -> bool:
        """Switch to this command's list; False (and the command dropped) when it is gone."""
        if self._list not in self._panel.lists.names:
            self.setObsolete(True)
            return False
        self._panel.switch_to(self._list)
        return True


class NameDialog(QInputDialog):
    """Asks for a watchlist name (window-modal, shown with ``open()``; deletes itself).

    Signals:
        chosen(str): the accepted name, stripped, never empty nor taken.
    """

    chosen = Signal(str)

    def __init__(self, parent: QWidget, title: str, text: str, taken: Callable[[str], bool],
                 note: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("watchlistName")
        self._taken = taken
        self.setWindowTitle(title)
        self.setInputMode(QInputDialog.InputMode.TextInput)
        self.setTextValue(text)
        self.setLabelText(note or "Name:")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def done(self, result: int) -> None:
        """Accepting an empty or taken name keeps the dialog open and says why."""
        name = self.textValue().strip()
        if result == QDialog.DialogCode.Accepted:
            if not name:
                self.setLabelText("A watchlist needs a name:")
                return
            if self._taken(name):
                self.setLabelText(f"“{name}” is already a watchlist. Choose another name:")
                line = self.findChild(QLineEdit)
                if line is not None:
                    line.selectAll()
                return
        super().done(result)
        if result == QDialog.DialogCode.Accepted:
            self.chosen.emit(name)

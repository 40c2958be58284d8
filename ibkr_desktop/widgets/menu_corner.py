"""A label for the right corner of a menu bar that gives way to the menus.

``QMenuBar`` lays a corner widget out at its full size hint and pushes the menus that no longer
fit into its overflow button, so a long corner text at a narrow window hides View and Help.
:class:`MenuCornerLabel` asks for no more than the width the menus leave free: its text is
elided ("Demo market: open ar…"), and below :data:`MIN_TEXT_PX` it shows nothing; the tooltip
then starts with the whole text.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QMenuBar, QToolTip, QWidget

from ibkr_desktop.widgets.elided_label import ElidedLabel

MIN_TEXT_PX = 48
"""Below this many pixels of text room (logical px) the label shows no text at all."""


class MenuCornerLabel(ElidedLabel):
    """A one-line label for ``QMenuBar.setCornerWidget`` that never covers a menu title.

    ``text()`` and ``toolTip()`` stay what the owner set; only the painting and the size hint
    are cut to the room (logical px) the menu bar's titles leave.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._room: int | None = None
        self._bar: QMenuBar | None = None

    # -- what is shown --------------------------------------------------------------------
    def shown_text(self) -> str:
        """The text as painted now: whole, elided with "…", or "" when there is no room."""
        room = self._text_room()
        if room is None:
            return self.text()
        if room < MIN_TEXT_PX:
            return ""
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, room)

    def sizeHint(self) -> QSize:  # noqa: N802
        full = super().sizeHint()
        room = self._text_room()
        if room is None or self._room is None:
            return full
        return QSize(self._room if room >= MIN_TEXT_PX else 0, full.height())

    def setText(self, text: str) -> None:  # noqa: N802
        """Set the whole text and let the menu bar lay it out again (it does not on its own)."""
        super().setText(text)
        self._relayout()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and self.shown_text() != self.text():
            assert isinstance(event, QHelpEvent)
            QToolTip.showText(event.globalPos(), "\n".join(
                part for part in (self.text(), self.toolTip()) if part), self)
            return True
        if event.type() == QEvent.Type.ParentChange:
            self._follow_parent()
        return super().event(event)

    # -- fitting ----------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        """Before the menu bar lays itself out at a new width, work out the room left."""
        if watched is self._bar and event.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            self._fit()
        return False

    def _follow_parent(self) -> None:
        if self._bar is not None:
            self._bar.removeEventFilter(self)
        parent = self.parentWidget()
        self._bar = parent if isinstance(parent, QMenuBar) else None
        if self._bar is not None:
            self._bar.installEventFilter(self)

    def _fit(self) -> None:
        bar = self._bar
        if bar is None:
            return
        # the bar's hint is its titles plus this label's current hint
        titles = bar.sizeHint().width() - self.sizeHint().width()
        self._room = bar.width() - titles
        self.updateGeometry()

    def _relayout(self) -> None:
        bar = self._bar
        if bar is not None and bar.cornerWidget(Qt.Corner.TopRightCorner) is self:
            self._fit()
            bar.setCornerWidget(self, Qt.Corner.TopRightCorner)  # re-lays out the titles
        self.update()

    def _text_room(self) -> int | None:
        """Pixels for the text when the whole label does not fit; None when it does."""
        if self._room is None or self._room >= super().sizeHint().width():
            return None
        margins = self.contentsMargins()
        return self._room - margins.left() - margins.right()

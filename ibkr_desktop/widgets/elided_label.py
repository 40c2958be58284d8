"""A plain-text label that gives way: less width than its text, it ends in "…".

Used where a narrow window (a small screen at a large scale factor) squeezes words: the status
bar's gauges, the mode banner's detail, the market session at the end of the menu bar. Without
it a ``QLabel`` is drawn over its neighbours or cut mid-word ("simulated market open around the
cloc"); the owner's tooltip can then say it all.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel


class ElidedLabel(QLabel):
    """A one-line plain-text label that needs no width: its text is cut with "…" to the width
    it is given. ``text()`` stays whole; ``shown_text()`` is what is painted."""

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        """No width needed: the text is cut with "…" to whatever width is given."""
        return QSize(0, super().minimumSizeHint().height())

    def shown_text(self) -> str:
        """The text as painted at the current width (whole, or ending in "…")."""
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight,
                                             self.contentsRect().width())

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        """Draw ``shown_text()`` in the label's colours and alignment."""
        painter = QPainter(self)
        self.style().drawItemText(painter, self.contentsRect(), int(self.alignment()),
                                  self.palette(), self.isEnabled(), self.shown_text(),
                                  self.foregroundRole())

"""Python's cyclic garbage collector, run only on the GUI thread.

The embedded demo gateway and the REST pool run Python on other threads. An automatic
collection can start on any thread that allocates, and it may then destroy a Qt object that
belongs to the GUI thread, which crashes Qt. So automatic collection is switched off and a
GUI-thread timer collects instead, as often as Python's own thresholds ask (qutebrowser's
``GarbageCollector`` does the same).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


class GuiThreadGarbageCollector(QObject):
    """While started, cyclic garbage is collected by a timer on the thread that owns this object."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = 500) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect_due)
        self._was_enabled = gc.isenabled()

    def start(self) -> None:
        """Switch automatic collection off and start collecting from the timer."""
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer.start()

    def stop(self) -> None:
        """Stop the timer and give collection back to Python (as it was before start)."""
        self._timer.stop()
        if self._was_enabled:
            gc.enable()

    def collect_due(self) -> int:
        """Collect the oldest generation whose allocation count passed its threshold."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        due = [gen for gen in range(3) if counts[gen] > thresholds[gen]]
        return gc.collect(due[-1]) if due else 0

"""The one ~30 Hz timer that turns "rows marked dirty" into repaints.

Quote batches can arrive thousands of times a second; a screen cannot show more than a few dozen
frames. Models therefore only mark rows dirty, and this clock asks each registered model to flush
its dirty spans once per frame (pyqtgraph's timer-driven redraw, applied to item models).

The rate adapts: views report what their repaints cost (:meth:`FrameClock.add_work`), and when a
frame's work (flush + paint) would take more than half the GUI thread, frames are spaced out (down
to 10/s) so input and the stream always keep the other half.
"""

from __future__ import annotations

import time
from typing import Protocol

from PySide6.QtCore import QObject, Qt, QTimer, Signal


class Flushable(Protocol):
    """Anything that can push its pending changes to the screen in one go."""

    def flush(self) -> int:
        """Emit pending changes; return how many change signals were sent."""
        ...


class FrameClock(QObject):
    """Calls ``flush()`` on every registered model at a fixed frame rate.

    Signals:
        ticked(): after each frame, once every model has flushed (status widgets refresh here).
    """

    ticked = Signal()

    def __init__(self, fps: float = 30.0, parent: QObject | None = None, *,
                 budget: float = 0.5, min_fps: float = 10.0) -> None:
        super().__init__(parent)
        self._targets: list[Flushable] = []
        self._base_ms = max(1, round(1000 / fps))
        self._max_ms = max(self._base_ms, round(1000 / min_fps))
        self._budget = budget
        self._load_s = 0.0
        self._pending_work_s = 0.0
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(self._base_ms)
        self._timer.timeout.connect(self.tick)
        self.frames = 0
        """Frames run so far (tests assert the repaint rate stays bounded)."""

    def register(self, target: Flushable) -> None:
        """Flush ``target`` on every frame from now on."""
        if target not in self._targets:
            self._targets.append(target)

    def unregister(self, target: Flushable) -> None:
        """Stop flushing ``target`` (e.g. a closed window's model)."""
        if target in self._targets:
            self._targets.remove(target)

    @property
    def interval_ms(self) -> int:
        """Milliseconds between frames."""
        return self._timer.interval()

    @property
    def running(self) -> bool:
        """True while the clock ticks."""
        return self._timer.isActive()

    def start(self) -> None:
        """Begin ticking (the app starts it once the window is built)."""
        self._timer.start()

    def stop(self) -> None:
        """Stop ticking (shutdown)."""
        self._timer.stop()

    def add_work(self, seconds: float) -> None:
        """Count GUI-thread time spent on the last frame outside ``flush`` (repaints)."""
        self._pending_work_s += seconds

    def tick(self) -> None:
        """Run one frame now: flush every model, announce the frame, adapt the rate."""
        started = time.perf_counter()
        self.frames += 1
        for target in list(self._targets):
            target.flush()
        self.ticked.emit()
        work = time.perf_counter() - started + self._pending_work_s
        self._pending_work_s = 0.0
        self._load_s = 0.8 * self._load_s + 0.2 * work
        wanted = min(self._max_ms, max(self._base_ms, round(self._load_s * 1000 / self._budget)))
        if abs(wanted - self._timer.interval()) >= 4 or wanted == self._base_ms:
            self._timer.setInterval(wanted)

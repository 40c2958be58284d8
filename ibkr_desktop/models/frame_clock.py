"""The one ~30 Hz timer that turns "rows marked dirty" into repaints.

Quote batches can arrive thousands of times a second; a screen cannot show more than a few dozen
frames. Models therefore only mark rows dirty, and this clock asks each registered model to flush
its dirty spans once per frame (pyqtgraph's timer-driven redraw, applied to item models).
"""

from __future__ import annotations

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

    def __init__(self, fps: float = 30.0, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._targets: list[Flushable] = []
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(max(1, round(1000 / fps)))
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

    def tick(self) -> None:
        """Run one frame now: flush every model, then announce the frame."""
        self.frames += 1
        for target in list(self._targets):
            target.flush()
        self.ticked.emit()

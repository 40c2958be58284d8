"""FrameClock: one timer flushes every registered model at ~30 Hz."""

from __future__ import annotations

from ibkr_desktop.models.frame_clock import FrameClock


class Counter:
    def __init__(self) -> None:
        self.flushes = 0

    def flush(self) -> int:
        self.flushes += 1
        return 0


def test_clock_flushes_registered_models(qtbot) -> None:
    """Each frame flushes each model once; the rate is capped near 30/s."""
    clock = FrameClock(fps=30)
    a, b = Counter(), Counter()
    clock.register(a)
    clock.register(b)
    clock.register(a)
    assert clock.interval_ms == 33
    clock.start()
    qtbot.waitUntil(lambda: a.flushes >= 3, timeout=2000)
    clock.stop()
    assert abs(a.flushes - b.flushes) <= 1
    clock.unregister(b)
    with qtbot.waitSignal(clock.ticked, timeout=1000):
        clock.tick()

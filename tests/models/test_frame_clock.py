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


def test_clock_spaces_frames_out_when_repaints_are_expensive(qtbot) -> None:
    """Repaints costing more than half the frame slow the clock (to >=10/s); it recovers after."""
    clock = FrameClock(fps=30)
    for _ in range(30):
        clock.add_work(0.060)  # 60 ms of painting per frame
        clock.tick()
    assert clock.interval_ms == 100
    for _ in range(60):
        clock.tick()
    assert clock.interval_ms == 33

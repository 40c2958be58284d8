"""Watchlist under load: 500 rows fed 20,000 quote updates/s, the table on screen (offscreen).

Run in its own process (it needs a QApplication with widgets) by ``run.py --only watchlist``.
It reports how much of the GUI thread applying the updates costs, how many repaints the frame
clock lets through per second (target: about 30 at most), and how late a 10 ms timer fires
(a stand-in for how late a key press or click would be handled: the responsiveness a trader
feels). Prints one JSON object.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from ibkr_desktop.app.theme import apply_theme  # noqa: E402
from ibkr_desktop.models.frame_clock import FrameClock  # noqa: E402
from ibkr_desktop.models.watchlist import WatchItem, WatchlistModel  # noqa: E402
from ibkr_desktop.widgets.table_view import DataTable  # noqa: E402

ROWS = 500
RATE = 20_000


def main(seconds: float) -> dict[str, float]:
    """Feed the model at RATE updates/s for ``seconds`` and measure the GUI thread."""
    app = QApplication.instance() or QApplication([])
    apply_theme(app, "dark")
    model = WatchlistModel()
    model.set_items(WatchItem(i, f"S{i}") for i in range(ROWS))
    table = DataTable(model, name="bench")
    table.resize(1100, 500)
    table.show()
    clock = FrameClock()
    clock.register(model)
    table.paint_meter = clock.add_work
    clock.start()
    rng = random.Random(1)
    prices = [100.0] * ROWS
    state = {"last": time.perf_counter(), "updates": 0.0, "cpu": 0.0}

    def feed() -> None:
        now = time.perf_counter()
        owed = int((now - state["last"]) * RATE)
        if owed <= 0:
            return
        state["last"] += owed / RATE
        started = time.perf_counter()
        batch: dict[int, dict[str, object]] = {}
        for _ in range(owed):
            conid = rng.randrange(ROWS)
            prices[conid] += rng.choice((-0.01, 0.01))
            batch.setdefault(conid, {}).update(
                last=prices[conid], bid=prices[conid] - 0.01, ask=prices[conid] + 0.01,
                bid_size=100.0, volume_long=1e6)
        model.apply(batch)
        state["updates"] += owed
        state["cpu"] += time.perf_counter() - started

    feeder = QTimer()
    feeder.setInterval(2)
    feeder.timeout.connect(feed)
    feeder.start()
    lateness: list[float] = []
    previous = [time.perf_counter()]

    def probe() -> None:
        now = time.perf_counter()
        lateness.append(max(0.0, (now - previous[0]) * 1000 - 10))
        previous[0] = now

    prober = QTimer()
    prober.setInterval(10)
    prober.timeout.connect(probe)
    prober.start()
    started = time.perf_counter()
    QTimer.singleShot(int(seconds * 1000), app.quit)
    app.exec()
    elapsed = time.perf_counter() - started
    lateness.sort()
    return {
        "watchlist.updates_per_s": state["updates"] / elapsed,
        "watchlist.apply_cpu_pct": state["cpu"] / elapsed * 100,
        "watchlist.repaints_per_s": model.flush_count / elapsed,
        "watchlist.input_lag_p50_ms": lateness[len(lateness) // 2],
        "watchlist.input_lag_p99_ms": lateness[int(len(lateness) * 0.99)],
    }


if __name__ == "__main__":
    print(json.dumps(main(float(sys.argv[1]) if len(sys.argv) > 1 else 5.0)))

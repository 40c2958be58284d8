"""Charts under load (offscreen): panning 1M bars, and 5 live charts taking 1,000 ticks/s each.

Run in its own process (it needs a widget QApplication) by ``run.py --only chart``; prints one
JSON object. The chart is the window's layout: an 800x500 ``PlotWidget`` whose layout holds a
price pane (3/4) over a volume pane (1/4), X linked, right axes, auto-range off, x = bar index.

- ``chart.pan_fps`` / ``chart.pan_out_fps``: frames/s while panning 1M bars with 300 bars
  visible (3 bars per frame), and with all bars visible (N/500 per frame). A frame is
  ``show_bars`` (x range, y fitted to the visible bars, eager ``updateMatrix``), then
  ``processEvents``, which paints it; the figure counts the viewport's paint events (one per
  frame), so a frame that painted twice or not at all would show. ``chart.pan_cpu_ms`` and
  ``chart.pan_out_cpu_ms``: process CPU ms per frame (what the frame costs, whatever the load).
- ``chart.live_fps``: refreshes per second per chart that reached the screen, with 5 charts of
  10k bars (300 visible) in one window. Ticks come from a 5 ms timer caught up to wall time, each
  folded into the chart's ``BarSeries`` (every 60th tick opens a bar); a 33 ms timer (the frame
  clock's rate) hands each changed chart its first changed index, scrolls in 30-bar jumps and
  moves the last-price tag (line in the pane, box on the axis), as a chart window does.
  ``chart.live_paints_per_s`` counts every paint (a second paint per refresh would show here).
- ``chart.live_cpu_pct``: process CPU time over wall time; the GUI thread is one core, so 100%
  means saturated.
"""

from __future__ import annotations

import json
import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pyqtgraph as pg  # noqa: E402
from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QGridLayout, QWidget  # noqa: E402

from ibkr_desktop.models.series import BarSeries  # noqa: E402
from ibkr_desktop.protocol.bars import Bar  # noqa: E402
from ibkr_desktop.widgets.chart.bars_item import BarsItem  # noqa: E402
from ibkr_desktop.widgets.chart.candles import CandleItem  # noqa: E402
from ibkr_desktop.widgets.chart.price_tag import PriceTag  # noqa: E402
from ibkr_desktop.widgets.chart.ranges import AXIS_WIDTH, show_bars  # noqa: E402
from ibkr_desktop.widgets.chart.volume import VolumeAxis, VolumeItem  # noqa: E402

Panes = list[tuple[pg.ViewBox, BarsItem]]
VISIBLE = 300
TICKS_PER_S = 1000
TICKS_PER_BAR = 60
JUMP = 30


def walk(n: int, seed: int = 1) -> BarSeries:
    """A random-walk series of n one-minute bars."""
    rng = np.random.default_rng(seed)
    close = 100 + np.cumsum(rng.normal(0, 0.2, n))
    open_ = np.concatenate(([100.0], close[:-1]))
    high = np.maximum(open_, close) + rng.random(n) * 0.2
    low = np.minimum(open_, close) - rng.random(n) * 0.2
    volume = rng.random(n) * 1e4
    series = BarSeries(capacity=2 * n)
    series.append_arrays(60_000 * np.arange(n, dtype=np.int64), open_, high, low, close, volume)
    return series


def chart(series: BarSeries) -> tuple[pg.GraphicsLayoutWidget, Panes]:
    """The two-pane chart of ``series``."""
    widget = pg.GraphicsLayoutWidget()
    price = widget.addPlot(row=0, col=0)
    volume = widget.addPlot(row=1, col=0, axisItems={"right": VolumeAxis()})
    widget.ci.layout.setRowStretchFactor(0, 3)
    widget.ci.layout.setRowStretchFactor(1, 1)
    volume.setXLink(price)
    panes: Panes = []
    for plot, item in ((price, CandleItem()), (volume, VolumeItem())):
        plot.showAxis("right")
        plot.getAxis("right").setWidth(AXIS_WIDTH)
        plot.hideAxis("left")
        plot.disableAutoRange()
        item.show_series(series)
        plot.addItem(item)
        panes.append((plot.getViewBox(), item))
    price.hideAxis("bottom")
    widget.resize(800, 500)
    return widget, panes


def pan(app: QApplication, bars: int, visible: int, step: int, seconds: float,
        name: str) -> dict[str, float]:
    """Frames/s panning ``bars`` bars, ``visible`` in view, ``step`` per frame, and the CPU ms
    a frame costs (``chart.<name>_fps``, ``chart.<name>_cpu_ms``; the second does not drop when
    other processes share the cores)."""
    widget, panes = chart(walk(bars))
    counter = PaintCounter()
    widget.viewport().installEventFilter(counter)
    widget.show()
    first, frames = 0, 0
    span = max(bars - visible, 50 * step)  # zoomed out, the view slides over a tenth of N
    started, cpu = time.perf_counter(), time.process_time()
    while frames < 3 or (frames < 120 and time.perf_counter() - started < seconds):
        show_bars(panes, first, first + visible)
        app.processEvents()  # delivers the one update request: the frame is painted here
        frames += 1
        first = (first + step) % span
        if frames == 1:  # the first frame shows the window; count from the second on
            started, cpu, counter.paints = time.perf_counter(), time.process_time(), 0
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    widget.hide()
    return {f"chart.{name}_fps": counter.paints / wall,
            f"chart.{name}_cpu_ms": cpu * 1000 / max(1, counter.paints)}


class PaintCounter(QObject):
    """Counts paint events of a viewport, and those that showed a refresh not yet on screen."""

    def __init__(self) -> None:
        super().__init__()
        self.paints = self.redraws = 0
        self.pending = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if event.type() == QEvent.Type.Paint:
            self.paints += 1
            self.redraws += self.pending
            self.pending = False
        return False


class LiveChart:
    """One live chart: its series, ticks folded into the last bar, a refresh per frame."""

    def __init__(self, seed: int) -> None:
        self.series = walk(10_000, seed)
        self.widget, self.panes = chart(self.series)
        self.counter = PaintCounter()
        self.widget.viewport().installEventFilter(self.counter)
        self.ticks = 0
        self.dirty = -1
        self.right = len(self.series)
        self.rng = np.random.default_rng(seed)
        view = self.panes[0][0]
        self.tag = PriceTag(view, self.widget.ci.getItem(0, 0).getAxis("right"))
        show_bars(self.panes, self.right - VISIBLE, self.right)

    def tick(self, count: int) -> None:
        """Fold ``count`` trades into the newest bar (a new bar every TICKS_PER_BAR)."""
        moves = self.rng.normal(0, 0.02, count)
        for move in moves:
            last = self.series.bar(-1)
            price = last.close + move
            if self.ticks % TICKS_PER_BAR == 0:
                bar = Bar(last.t_ms + 60_000, price, price, price, price, 0.0)
            else:
                bar = Bar(last.t_ms, last.open, max(last.high, price), min(last.low, price),
                          price, last.volume + 100)
            index = self.series.update_last(bar)
            self.dirty = index if self.dirty < 0 else min(self.dirty, index)
            self.ticks += 1

    def refresh(self) -> None:
        """Hand the items the changed bars; scroll in JUMP-bar steps when the newest leaves view."""
        if self.dirty < 0:
            return
        for _, item in self.panes:
            item.show_series(self.series, self.dirty)
        self.dirty = -1
        count = len(self.series)
        if count > self.right:
            self.right = count + JUMP
        show_bars(self.panes, self.right - VISIBLE, self.right)
        self.tag.set_price(float(self.series.close[-1]))  # the window's last-price tag
        self.counter.pending = True


def run_for(seconds: float) -> None:
    """Run the event loop for ``seconds`` (a local loop: ``app.quit`` would close the windows)."""
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def live( seconds: float, warmup: float = 1.0) -> dict[str, float]:
    """Five live charts in one window for ``seconds`` after ``warmup``."""
    window = QWidget()
    grid = QGridLayout(window)
    charts = [LiveChart(seed) for seed in range(5)]
    for i, one in enumerate(charts):
        grid.addWidget(one.widget, i // 3, i % 3)
    window.resize(2400, 1000)
    window.show()
    clock = {"last": time.perf_counter()}

    def feed() -> None:
        now = time.perf_counter()
        owed = int((now - clock["last"]) * TICKS_PER_S)
        if owed > 0:
            clock["last"] += owed / TICKS_PER_S
            for one in charts:
                one.tick(owed)

    def frame() -> None:
        for one in charts:
            one.refresh()

    timers = []
    for interval, slot in ((5, feed), (33, frame)):
        timer = QTimer()
        timer.setInterval(interval)
        timer.timeout.connect(slot)
        timer.start()
        timers.append(timer)
    run_for(warmup)
    for one in charts:
        one.counter.paints = one.counter.redraws = 0
    wall, cpu = time.perf_counter(), time.process_time()
    run_for(seconds)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    for timer in timers:
        timer.stop()
    window.hide()
    return {
        "chart.live_fps": sum(one.counter.redraws for one in charts) / len(charts) / wall,
        "chart.live_paints_per_s": sum(one.counter.paints for one in charts) / len(charts) / wall,
        "chart.live_cpu_pct": cpu / wall * 100,
    }


def main(seconds: float) -> dict[str, float]:
    """All chart figures; ``seconds`` bounds each measurement."""
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    bars = 1_000_000
    results = pan(app, bars, VISIBLE, 3, seconds, "pan")
    results.update(pan(app, bars, bars, bars // 500, seconds, "pan_out"))
    results.update(live(seconds))
    return results


if __name__ == "__main__":
    print(json.dumps(main(float(sys.argv[1]) if len(sys.argv) > 1 else 4.0)))

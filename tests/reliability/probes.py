"""What the reliability run measures inside the app's process: RSS over time, the largest
event-loop stall, unhandled exceptions and ERROR log lines, and WebSocket frames decoded."""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from types import TracebackType
from typing import Any

from PySide6.QtCore import QObject, QTimer

from ibkr_desktop.client.broker import Broker

_PAGE_KB = 4  # /proc/self/statm counts pages; 4 KiB on every Linux this runs on


def rss_kb() -> int:
    """This process's resident set size in KiB (Linux ``/proc/self/statm``)."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * _PAGE_KB


def growth_pct(samples: list[tuple[float, int]]) -> float:
    """RSS trend over the second half of ``samples`` ((seconds, KiB) pairs): the least-squares
    slope times the half's duration, as % of its mean RSS (0.0 with fewer than 4 samples)."""
    half = samples[len(samples) // 2:]
    if len(half) < 4:
        return 0.0
    n = len(half)
    mean_t = sum(t for t, _ in half) / n
    mean_r = sum(r for _, r in half) / n
    var = sum((t - mean_t) ** 2 for t, _ in half)
    if var == 0:
        return 0.0
    slope = sum((t - mean_t) * (r - mean_r) for t, r in half) / var
    return round(100.0 * slope * (half[-1][0] - half[0][0]) / mean_r, 2)


class Meter(QObject):
    """A QTimer heartbeat that measures how late the event loop runs it (the largest stall),
    and samples RSS every ``rss_every_s`` seconds."""

    def __init__(self, tick_ms: int = 50, rss_every_s: float = 5.0,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tick_ms = tick_ms
        self.rss_every_s = rss_every_s
        self.max_stall_ms = 0.0
        self.samples: list[tuple[float, int]] = []
        self._started = self._last = self._next_rss = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(tick_ms)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        """Begin measuring (stalls from now on, one RSS sample at once)."""
        self._started = self._last = time.monotonic()
        self._next_rss = self._started
        self._timer.start()
        self._tick()

    def reset_stall(self) -> None:
        """Forget the largest stall so far (start-up is not part of the soak)."""
        self.max_stall_ms = 0.0

    def stop(self) -> None:
        """Stop measuring."""
        self._timer.stop()

    def _tick(self) -> None:
        now = time.monotonic()
        self.max_stall_ms = max(self.max_stall_ms, (now - self._last) * 1000 - self.tick_ms)
        self._last = now
        if now >= self._next_rss:
            self._next_rss = now + self.rss_every_s
            self.samples.append((now - self._started, rss_kb()))


class Errors(logging.Handler):
    """Counts unhandled exceptions (``sys.excepthook``, the asyncio loop's exception handler)
    and ERROR log records (as tests/logfail.py does); keeps the first few texts."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.unhandled = 0
        self.error_lines = 0
        self.texts: list[str] = []
        self._old_hook = sys.excepthook

    def install(self, loop: asyncio.AbstractEventLoop) -> None:
        """Hook the root logger, ``sys.excepthook`` and ``loop``'s exception handler."""
        logging.getLogger().addHandler(self)
        sys.excepthook = self._excepthook
        loop.set_exception_handler(self._loop_exception)

    def uninstall(self) -> None:
        """Undo :meth:`install` (the loop handler goes with the loop)."""
        logging.getLogger().removeHandler(self)
        sys.excepthook = self._old_hook

    def emit(self, record: logging.LogRecord) -> None:
        self.error_lines += 1
        self._keep(f"{record.levelname} {record.name}: {record.getMessage()}")

    def _excepthook(self, kind: type[BaseException], exc: BaseException,
                    tb: TracebackType | None) -> None:
        self.unhandled += 1
        self._keep(f"unhandled {kind.__name__}: {exc}")
        self._old_hook(kind, exc, tb)

    def _loop_exception(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        self.unhandled += 1
        self._keep(f"loop: {context.get('message')} {context.get('exception')!r}")
        loop.default_exception_handler(context)

    def _keep(self, text: str) -> None:
        if len(self.texts) < 20:
            self.texts.append(text[:300])


class FrameCount:
    """Counts the WebSocket frames the broker's stream hands to its decoder (the batcher)."""

    def __init__(self) -> None:
        self.frames = 0

    def attach(self, broker: Broker) -> None:
        """Wrap the stream's batcher of ``broker`` (one per broker, kept across reconnects)."""
        batcher = broker.stream._batcher  # noqa: SLF001 -- a probe: counting at the decoder
        feed = batcher.feed

        def counting_feed(data: str | bytes) -> Any:
            self.frames += 1
            return feed(data)

        batcher.feed = counting_feed  # type: ignore[method-assign]

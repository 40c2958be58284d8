"""Logging set-up: named loggers, a rotating file in the user log dir, secret redaction and
summaries of repeated lines.

Every record passes the protocol's ``RedactingFilter`` on the handlers, so session ids, cookies
and tokens never reach the log file or the console, whichever module logged them. In front of
the handlers, :class:`RepeatSummary` lets the first of a run of alike lines through and turns
the rest of that minute into one line ("… 40 more like this in the last minute"), so an outage
that fails 3 times a second does not flood the log.
"""

from __future__ import annotations

import logging
import logging.handlers
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_log_dir

from ibkr_desktop.protocol.redaction import RedactingFilter

APP_NAME = "ibkr-desktop"
LOG_FILE = "ibkr-desktop.log"
REPEAT_WINDOW_S = 60.0
"""How long alike lines after the first are only counted, then summarised in one line."""


def log_dir() -> Path:
    """The per-user log directory (created on demand)."""
    path = Path(user_log_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def setup_logging(level: int = logging.INFO, *, console: bool = True) -> Path:
    """Attach a rotating file handler (5 x 2 MB) and a console handler to the root logger,
    both behind one :class:`RepeatSummary`.

    Returns the log file path (the crash dialog shows it).
    """
    path = log_dir() / LOG_FILE
    root = logging.getLogger()
    root.setLevel(level)
    fmt = logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    handlers: list[logging.Handler] = [
        logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=5,
                                             encoding="utf-8")]
    if console:
        handlers.append(logging.StreamHandler())
    for handler in handlers:
        handler.setFormatter(fmt)
        handler.addFilter(RedactingFilter())  # summaries quote a message: redacted here too
    root.addHandler(RepeatSummary(handlers))
    return path


@dataclass(slots=True)
class _Run:
    """Alike lines since ``started`` (clock seconds): how many were held back, and the last."""

    started: float
    held: int = 0
    last: logging.LogRecord | None = None


class RepeatSummary(logging.Handler):
    """Forwards records to ``targets``, summarising runs of alike lines.

    Lines are alike when logger, level and message template (the format string before its
    arguments) match. The first line of a run passes; the alike lines in the next
    ``window_s`` seconds are held back and counted. The first record of any kind logged after
    the window (or :meth:`flush`/:meth:`close`) writes one summary line at the run's logger
    and level: ``… 40 more like this in the last minute (last: <message>)``, then a new run
    begins. ``clock`` is monotonic seconds (tests inject one).
    """

    def __init__(self, targets: Iterable[logging.Handler], *, window_s: float = REPEAT_WINDOW_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.targets = list(targets)
        self.window_s = window_s
        self._clock = clock
        self._runs: dict[tuple[str, int, str], _Run] = {}

    def emit(self, record: logging.LogRecord) -> None:
        """Pass the record on, or count it as a repeat (summaries of ended runs go first)."""
        now = self._clock()
        self._summarise(now)
        key = (record.name, record.levelno, str(record.msg))
        run = self._runs.get(key)
        if run is None:
            self._runs[key] = _Run(now)
            self._forward(record)
        else:
            run.held += 1
            run.last = record

    def flush(self) -> None:
        """Write the summaries of every run, ended or not (shutdown), then flush the targets."""
        self.acquire()
        try:
            self._summarise(None)
        finally:
            self.release()
        for target in self.targets:
            target.flush()

    def close(self) -> None:
        """Flush, then close the targets."""
        self.flush()
        for target in self.targets:
            target.close()
        super().close()

    def _summarise(self, now: float | None) -> None:
        """End the runs older than the window (all when ``now`` is None), one line each."""
        ended = [key for key, run in self._runs.items()
                 if now is None or now - run.started >= self.window_s]
        for key in ended:
            run = self._runs.pop(key)
            if run.last is not None:
                self._forward(self._summary(run))

    def _summary(self, run: _Run) -> logging.LogRecord:
        last = run.last
        assert last is not None
        span = "minute" if self.window_s == 60 else f"{self.window_s:g} s"
        text = (f"… {run.held} more like this in the last {span} "
                f"(last: {last.getMessage()})")
        return logging.makeLogRecord({"name": last.name, "levelno": last.levelno,
                                      "levelname": last.levelname, "msg": text,
                                      "created": last.created, "msecs": last.msecs})

    def _forward(self, record: logging.LogRecord) -> None:
        for target in self.targets:
            if record.levelno >= target.level:
                target.handle(record)


def get(name: str) -> logging.Logger:
    """A named app logger (``app``, ``app.crash``, ``ui``...)."""
    return logging.getLogger(f"ibkr_desktop.{name}")

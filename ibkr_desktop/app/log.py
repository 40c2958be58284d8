"""Logging set-up: named loggers, a rotating file in the user log dir, and secret redaction.

Every record passes the protocol's ``RedactingFilter`` on the handlers, so session ids, cookies
and tokens never reach the log file or the console, whichever module logged them.
"""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from platformdirs import user_log_dir

from ibkr_desktop.protocol.redaction import RedactingFilter

APP_NAME = "ibkr-desktop"
LOG_FILE = "ibkr-desktop.log"

def log_dir() -> Path:
    """The per-user log directory (created on demand)."""
    path = Path(user_log_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def setup_logging(level: int = logging.INFO, *, console: bool = True) -> Path:
    """Attach a rotating file handler (5 x 2 MB) and a console handler to the root logger.

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
        handler.addFilter(RedactingFilter())
        root.addHandler(handler)
    return path


def get(name: str) -> logging.Logger:
    """A named app logger (``app``, ``app.crash``, ``ui``...)."""
    return logging.getLogger(f"ibkr_desktop.{name}")

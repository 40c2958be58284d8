"""Logging set-up: named loggers, a rotating file in the user log dir, and secret redaction.

Every record passes :class:`RedactFilter` on the handlers, so session ids, cookies and tokens
never reach the log file or the console, whichever module logged them.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
from pathlib import Path

from platformdirs import user_log_dir

APP_NAME = "ibkr-desktop"
LOG_FILE = "ibkr-desktop.log"

# a secret-looking value: 16+ token characters including a digit (session ids, cookie values)
_SECRET = r"(?=[A-Za-z0-9._~+/%-]*\d)[A-Za-z0-9._~+/%-]{16,}"
_PATTERNS = (
    # cookie headers: "Cookie: api=abc...", "Set-Cookie: x-sess-uuid=..."
    re.compile(r"(?i)\b((?:set-)?cookie\s*[:=]\s*)[^\s,;]+"),
    re.compile(r"(?i)\b((?:api|x-sess-uuid|jsessionid|session|sessionid|session_id|sid|token|"
               r"access_token|oauth_token)\s*[=:]\s*['\"]?)" + _SECRET),
    re.compile(r"(?i)(\"(?:session|sessionId|session_id|cookie|token)\"\s*:\s*\")[^\"]+"),
    re.compile(r"(?i)\b(tic\+|session\s+)" + _SECRET),
)


def redact(text: str) -> str:
    """``text`` with session ids, cookies and tokens replaced by ``***``."""
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + "***", text)
    return text


class RedactFilter(logging.Filter):
    """Rewrites each record's final message through :func:`redact`."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


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
        handler.addFilter(RedactFilter())
        root.addHandler(handler)
    return path


def get(name: str) -> logging.Logger:
    """A named app logger (``app``, ``app.crash``, ``ui``...)."""
    return logging.getLogger(f"ibkr_desktop.{name}")

"""Secret redaction: session ids, cookies and tokens never reach a log line or an error dialog,
and account numbers appear only masked (``DU***567``).

One set of rules serves the client's loggers, the app's log handlers and the crash reporter,
so a pattern added here protects every path text can take out of the process.
"""

from __future__ import annotations

import logging
import re

# A secret-looking value: 16+ token characters including a digit (session ids, cookie values).
_SECRET = r"(?=[A-Za-z0-9._~+/%-]*\d)[A-Za-z0-9._~+/%-]{16,}"
_PATTERNS = (
    # cookie headers: "Cookie: api=abc...", "Set-Cookie: x-sess-uuid=..."
    re.compile(r"(?i)\b((?:set-)?cookie['\"]?\s*[:=]\s*['\"]?)[^'\"\s,;]+"),
    re.compile(r"(?i)\b((?:api|x-sess-uuid|jsessionid|session|sessionid|session_id|sid|token|"
               r"access_token|oauth_token)\s*[=:]\s*['\"]?)" + _SECRET),
    re.compile(r"(?i)(\"(?:session|sessionId|session_id|cookie|token)\"\s*:\s*\")[^\"]+"),
    re.compile(r"(?i)\b(tic\+|session\s+)" + _SECRET),
    # a bare 32-hex-digit tickle session id anywhere
    re.compile(r"()\b[0-9a-f]{32}\b"),
)


_ACCOUNT = re.compile(r"\b(D?[UFI])\d{2,6}(\d{3})\b")
"""An IBKR account id (``U1234567``, paper ``DU1234567``, advisor ``F…``/``DF…``): prefix,
then at least five digits, of which the last three stay readable."""


def mask_accounts(text: str) -> str:
    """``text`` with every IBKR account id masked: ``DU1234567`` -> ``DU***567``."""
    return _ACCOUNT.sub(r"\1***\2", text)


def redact(text: str) -> str:
    """``text`` with session ids, cookies and tokens replaced by ``***`` and account ids
    masked (:func:`mask_accounts`)."""
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + "***", text)
    return mask_accounts(text)


class RedactingFilter(logging.Filter):
    """Logging filter that scrubs secrets from each record's message and traceback text."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Render the message once, redacted, and drop the args (so nobody re-renders them)."""
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True

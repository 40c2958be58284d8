"""Fail a test in which an error is logged, unless the test says it expects errors.

A handler on the root logger records every ERROR (or worse) from any thread while a test runs.
That also catches asyncio's "Task exception was never retrieved" and "Exception in callback",
which the loop's default exception handler logs (plain asyncio and qasync alike). A test that
expects errors marks itself ``@pytest.mark.expect_errors`` or asks for the ``expected_errors``
fixture (the recorder, to assert on what was logged). Modelled on qutebrowser's
``tests/helpers/logfail.py``.
"""

from __future__ import annotations

import gc
import logging
import threading


class ErrorRecorder(logging.Handler):
    """Keeps every record at ERROR or above that reaches the root logger (thread-safe)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []
        self._records_lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        with self._records_lock:
            self.records.append(record)

    def messages(self) -> list[str]:
        """``"logger: message"`` of each recorded error, in order."""
        with self._records_lock:
            return [f"{r.name}: {r.getMessage()}" for r in self.records]

    def install(self) -> None:
        """Start recording (root logger)."""
        logging.getLogger().addHandler(self)

    def uninstall(self) -> None:
        """Stop recording. Collects the young generations first, so a failed task nobody awaited
        that only the cycle collector frees reports itself in this test, not a later one (a full
        collection would cost seconds per test once the suite's heap has grown)."""
        gc.collect(1)
        logging.getLogger().removeHandler(self)

    def report(self) -> str:
        """Failure text: every recorded error with its exception, if any."""
        lines = ["errors were logged (mark the test expect_errors if they are expected):"]
        with self._records_lock:
            records = list(self.records)
        for record in records:
            lines.append(f"  {record.levelname} {record.name}: {record.getMessage()}")
            if record.exc_info and record.exc_info[1] is not None:
                lines.append(f"    {type(record.exc_info[1]).__name__}: {record.exc_info[1]}")
        return "\n".join(lines)

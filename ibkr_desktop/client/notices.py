"""The one path for user-facing messages (style §2.6, §7).

Everything the user should read — a refused order, a rate limit, an IBKR bulletin, an
untrusted certificate, a fill, an export result — becomes one :class:`Notice`. Inside the
client a :class:`NoticeBoard` turns client events into notices (the Broker re-emits them); the
app has one :class:`Notifier` that the broker's notices, the quote feed, the presenters and the
widgets' ``message`` signals all feed, and that the status bar, dialogs and tray subscribe to.
Every notice is logged once, by the board that made it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal, Slot

from ibkr_desktop.client.http import client_logger
from ibkr_desktop.client.rest_queue import RestFailure
from ibkr_desktop.protocol.errors import (
    Failure,
    IbkrError,
    RateLimited,
    classify_failure,
    describe_error,
)
from ibkr_desktop.protocol.events import Bulletin, MalformedFrame, Notification, StreamError

log = client_logger("ibkr_desktop.client.notices")


@dataclass(frozen=True, slots=True)
class Notice:
    """A message for the user (status bar, tray).

    Attributes:
        level: "info", "warning" or "error".
        text: Plain-language text.
        title: A short headline for a desktop pop-up (e.g. "Order filled"); "" = no pop-up.
        needs_user: The user must read and acknowledge it (an error dialog, not just the
            status bar).
    """

    level: str
    text: str
    title: str = ""
    needs_user: bool = False


LEVELS = ("info", "warning", "error")

_TOPIC_WORDS = {"sor": "an order update", "str": "an execution", "smd": "a quote",
                "spl": "a P&L update", "ssd": "an account summary", "sld": "a ledger update",
                "unknown": "a message"}
"""Trader words for the stream topics whose frames can be skipped (reference §6)."""


class NoticeBoard(QObject):
    """Turns client events into notices.

    Signals:
        notice (Notice): a message for the user.
    """

    notice = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._skipped_topics: set[str] = set()

    def post(self, level: str, text: str, *, title: str = "", needs_user: bool = False) -> None:
        """Log and emit one notice (``level`` one of :data:`LEVELS`)."""
        self.publish(Notice(level, text, title, needs_user))

    @Slot(object)
    def publish(self, notice: Notice) -> None:
        """Log and emit a notice made elsewhere (the quote feed's, for example)."""
        log_at = logging.INFO if notice.level == "info" else logging.WARNING
        log.log(log_at, "notice (%s): %s", notice.level, notice.text)
        self.notice.emit(notice)

    @Slot(object)
    def on_stream_message(self,
                          message: Notification | Bulletin | StreamError | MalformedFrame) -> None:
        """IBKR notifications, bulletins, stream errors and frames the app could not read.

        A skipped frame is told once per topic for the life of this board (a broker), so a
        gateway that keeps sending an unreadable kind cannot flood the user; each one is
        still logged by the stream worker.
        """
        if isinstance(message, MalformedFrame):
            topic = (message.topic or "unknown").split("+", 1)[0]
            if topic not in self._skipped_topics:
                self._skipped_topics.add(topic)
                what = _TOPIC_WORDS.get(topic, f"a '{topic}' message")
                self.post("warning", f"Could not read {what} from the stream (/v1/api/ws): "
                          f"{message.reason}. It was skipped; check the Orders and Executions "
                          "views, which are re-read from the gateway.")
        elif isinstance(message, StreamError):
            self.post("warning", f"The stream reported an error: {message.message}")
        elif isinstance(message, Notification):
            self.post("info", f"{message.title}: {message.text}")
        else:
            self.post("info", message.message)

    @Slot(object)
    def on_request_failed(self, failure: RestFailure) -> None:
        """A request given up after 429s: the user should know the app is backing off."""
        if isinstance(failure.error, RateLimited):
            self.post("warning", "The gateway is rate-limiting requests; the app is backing "
                      f"off ({failure.request.describe()} was not completed).")

    @Slot(object)
    def on_refresh_failed(self, error: IbkrError) -> None:
        """A background refresh failed for a reason the session state does not already show."""
        if classify_failure(error) is Failure.FATAL:
            self.post("warning", f"A refresh failed: {describe_error(error)}")


class Notifier(NoticeBoard):
    """The app-wide message path: one per app, outliving every broker.

    Feed it with :meth:`post`/:meth:`publish` (logs, then emits) or, for notices a broker's
    board already logged, :meth:`relay` (emits only). Subscribe to ``notice``.
    """

    @Slot(object)
    def relay(self, notice: Notice) -> None:
        """Pass on a notice that was logged where it was made (``Broker.notice``)."""
        self.notice.emit(notice)

"""The one path for user-facing messages from the client (style §2.6).

Everything the user should read — a refused order, a rate limit, an IBKR bulletin, an
untrusted certificate — becomes one :class:`Notice` on :attr:`NoticeBoard.notice`, which the
Broker re-emits for the status bar and the tray. Every notice is logged as well.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal, Slot

from ibkr_desktop.client.http import client_logger
from ibkr_desktop.client.rest_queue import SESSION_PROBLEMS, RestFailure
from ibkr_desktop.protocol.errors import IbkrError, RateLimited
from ibkr_desktop.protocol.events import Bulletin, Notification, StreamError

log = client_logger("ibkr_desktop.client.notices")


@dataclass(frozen=True, slots=True)
class Notice:
    """A message for the user (status bar, tray).

    Attributes:
        level: "info", "warning" or "error".
        text: Plain-language text.
    """

    level: str
    text: str


class NoticeBoard(QObject):
    """Turns client events into notices.

    Signals:
        notice (Notice): a message for the user.
    """

    notice = Signal(object)

    def post(self, level: str, text: str) -> None:
        """Log and emit one notice."""
        log.info("notice (%s): %s", level, text)
        self.notice.emit(Notice(level, text))

    @Slot(object)
    def on_stream_message(self, message: Notification | Bulletin | StreamError) -> None:
        """IBKR notifications, bulletins and stream errors."""
        if isinstance(message, StreamError):
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
        if not isinstance(error, SESSION_PROBLEMS + (RateLimited,)):
            self.post("warning", f"A refresh failed: {error.message}")

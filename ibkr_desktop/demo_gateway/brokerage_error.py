"""The one exception the paper brokerage raises for a request it refuses."""

from __future__ import annotations


class BrokerageError(Exception):
    """A request the brokerage refuses, rendered as IBKR's ``{"error": ...}`` body.

    Args:
        message: The IBKR-style error text the client shows.
        status: HTTP status: 200 for order rejections (IBKR's third placement shape),
            400 for malformed requests and unknown reply ids, 500 where IBKR fails on input
            it cannot read (``confirmed: "Yes"``, camelCase live-order filters), 503 for
            unknown orders / expired replies.
        status_code: Whether the body also carries ``"statusCode"``; by default it does for
            every status but 200 (IBKR's "reply id not found" body does not).
    """

    def __init__(self, message: str, status: int = 200, *,
                 status_code: bool | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.status_code = status != 200 if status_code is None else status_code

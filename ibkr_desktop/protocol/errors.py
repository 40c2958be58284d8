"""One exception tree for everything the gateway can answer, and the rules that classify it.

The client turns HTTP status + body into one of these (``classify``) and decides whether to retry
(``is_retryable``); the demo gateway builds its error bodies with ``error_body`` so both sides
agree on the IBKR shapes of reference §1.8.
"""

from __future__ import annotations

from collections.abc import Mapping

_RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})


class IbkrError(Exception):
    """Base of every gateway/API failure.

    Attributes:
        status: HTTP status when one was received, else None.
        message: Plain-language text fit for the user (or the gateway's own error text).
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class GatewayUnreachable(IbkrError):
    """The gateway process could not be reached (connection refused, DNS, TLS)."""


class RequestTimedOut(IbkrError):
    """The gateway accepted the connection but did not answer in time."""


class NotAuthenticated(IbkrError):
    """No (brokerage) session: 401, or an ``{"error": "no session"}`` body. The user must log in."""


class NoBridge(IbkrError):
    """``/iserver`` answered "no bridge": the brokerage session is not initialised (ssodh/init)."""


class AccountsNotQueried(IbkrError):
    """"Please query /accounts first": call ``GET /iserver/accounts`` and try again."""


class RateLimited(IbkrError):
    """429 Too Many Requests: the pacing rules were broken; back off (penalty box risk)."""


class ServiceUnavailable(IbkrError):
    """503, or a 500 during IBKR restarts/maintenance: transient, retry later."""


class ApiError(IbkrError):
    """Any other error answer; ``status`` and the gateway's ``message`` are kept verbatim.

    Note the argument order ``ApiError(status, message)``, unlike the other classes.
    """

    def __init__(self, status: int | None, message: str) -> None:
        super().__init__(message, status)


def error_text(body: object) -> str:
    """The error/message text of an IBKR error body (``{"error": ...}``, plain text, or empty)."""
    if isinstance(body, Mapping):
        for key in ("error", "message", "msg"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
        return ""
    if isinstance(body, bytes):
        return body.decode("utf-8", "replace").strip()
    return body.strip() if isinstance(body, str) else ""


def classify(status: int, body: object) -> IbkrError | None:
    """Turn an HTTP answer into the matching error, or None when it is not an error.

    A 2xx answer is an error only when its body names a session problem ("no session",
    "no bridge", "Please query /accounts first"); other 2xx ``{"error": ...}`` bodies (an order
    rejection, for example) are left to the endpoint's own parser.
    """
    text = error_text(body)
    lowered = text.lower()
    if "query /accounts first" in lowered:
        return AccountsNotQueried(text, status)
    if "no bridge" in lowered:
        return NoBridge(text, status)
    if "no session" in lowered or status == 401:
        return NotAuthenticated(text or "Not logged in to the gateway", status)
    if 200 <= status < 400:
        return None
    if status == 429:
        return RateLimited(text or "Too many requests", status)
    if status in (502, 503, 504):
        return ServiceUnavailable(text or "Service temporarily unavailable", status)
    restarting = not text or "internal server error" in lowered or "maintenance" in lowered
    if status == 500 and restarting:
        return ServiceUnavailable(text or "Internal Server Error", status)
    return ApiError(status, text or f"HTTP {status}")


def is_retryable(err: BaseException | int) -> bool:
    """True when the same request may succeed later without user action.

    Accepts an exception or an HTTP status. Session problems (401, no bridge, accounts not
    queried) are not "retryable": the caller must repair the session first. Callers must still
    never blindly re-send an order placement.
    """
    if isinstance(err, int):
        return err in _RETRYABLE_STATUSES
    return isinstance(err, GatewayUnreachable | RequestTimedOut | RateLimited | ServiceUnavailable)


def error_body(message: str, status: int | None = None) -> dict[str, object]:
    """An IBKR-shaped error body: ``{"error": message}`` plus ``statusCode`` when given."""
    body: dict[str, object] = {"error": message}
    if status is not None:
        body["statusCode"] = status
    return body

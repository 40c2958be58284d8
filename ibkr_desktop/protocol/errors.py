"""One exception tree for everything the gateway can answer, and the one rule that classifies it.

The client turns an HTTP status + body into one of these (``classify``); a WebSocket handshake
answer goes through the same ``classify``. Then :func:`classify_failure` alone decides what a
failure means, for the REST scheduler, the REST queue's session reports and the stream alike:

* ``Failure.RETRY``: transient; the same request or connection may work later without the
  caller doing anything (retry-safe requests are re-sent with back-off, the stream reconnects).
* ``Failure.SESSION``: the brokerage session is broken (logged out, expired, no bridge); the
  session keeper is told at once and repairs it (``ssodh/init``) or asks the user to log in.
  Nothing is re-sent meanwhile: the keeper's own calls must fail fast.
* ``Failure.FATAL``: waiting will not help (a bad request or address, a refused order or
  handshake); nothing is retried and the user reads the message.

The tree, with each class's classification::

    Exception
    ├── OSError (incl. TimeoutError)   RETRY    a socket failure before any answer
    ├── IbkrError (status, message)
    │   ├── GatewayUnreachable          RETRY    refused, reset, DNS, TLS (client.tls adds the
    │   │                                        certificate subclasses)
    │   ├── RequestTimedOut             RETRY    connected, but no answer in time
    │   ├── RateLimited                 RETRY    429 (the scheduler also holds every lane)
    │   ├── ServiceUnavailable          RETRY    502/503/504, a bare 500 while IBKR restarts
    │   ├── AccountsNotQueried          RETRY    "Please query /accounts first": the session
    │   │                                        works; the keeper, told of every RETRY but a
    │   │                                        429, queries the accounts again
    │   ├── NotAuthenticated            SESSION  401, or a "no session" body
    │   ├── NoBridge                    SESSION  "no bridge": the brokerage session is not up
    │   ├── InvalidAddress              FATAL    the configured URL cannot be used at all
    │   ├── ApiError                    FATAL    any other error answer (4xx, 500 with a reason)
    │   └── (order answers' errors)     FATAL    e.g. ``placement_answers.OrderRejectedError``
    └── anything else                   FATAL    a bug or an unforeseen failure

The demo gateway builds its error bodies with ``error_body`` so both sides agree on the IBKR
shapes of reference §1.8.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Mapping
from enum import Enum


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


class InvalidAddress(IbkrError):
    """The configured gateway address cannot be used (not a ``ws://``/``wss://`` or HTTP URL)."""


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


class Failure(Enum):
    """What a failure means for whoever sent the request or opened the connection."""

    RETRY = "retry"
    """Transient: try again later with back-off."""
    SESSION = "session"
    """The session keeper must repair the brokerage session; tell it at once."""
    FATAL = "fatal"
    """Waiting will not help: stop and show the message."""


_SESSION_ERRORS = (NotAuthenticated, NoBridge)
_TRANSIENT_ERRORS = (GatewayUnreachable, RequestTimedOut, RateLimited, ServiceUnavailable,
                     AccountsNotQueried, OSError)


def classify_failure(err: BaseException | int) -> Failure:
    """The one rule: RETRY, SESSION or FATAL for an exception or a failed HTTP status.

    Args:
        err: An exception (an ``IbkrError``, or an ``OSError`` from a socket before any answer),
            or the HTTP status of a failed answer or refused WebSocket handshake. A status is
            read as ``classify(status, None)``; a status that is no error at all (a 200 or a
            redirect where a handshake was expected) is FATAL.

    Returns:
        The classification of the module docstring's tree. Callers must still never blindly
        re-send an order placement: RETRY says the failure is transient, not that the request
        is safe to repeat.
    """
    if isinstance(err, int):
        error = classify(err, None)
        return Failure.FATAL if error is None else classify_failure(error)
    if isinstance(err, _SESSION_ERRORS):
        return Failure.SESSION
    if isinstance(err, _TRANSIENT_ERRORS):
        return Failure.RETRY
    return Failure.FATAL


def error_body(message: str, status: int | None = None) -> dict[str, object]:
    """An IBKR-shaped error body: ``{"error": message}`` plus ``statusCode`` when given."""
    body: dict[str, object] = {"error": message}
    if status is not None:
        body["statusCode"] = status
    return body


def os_error_text(exc: BaseException) -> str:
    """The socket error at the root of ``exc``, with its code: "Connection refused (errno 111
    ECONNREFUSED)"; "" when no ``OSError`` with an errno is in its chain.

    Follows ``__cause__``/``__context__``, a ``reason`` attribute and exception ``args`` (how
    requests and urllib3 wrap the socket's error).
    """
    stack: list[BaseException] = [exc]
    seen: set[int] = set()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno is not None:
            name = errno.errorcode.get(current.errno, "")
            return f"{os.strerror(current.errno)} (errno {current.errno} {name})".replace(" )", ")")
        links = (current.__cause__, current.__context__, getattr(current, "reason", None),
                 *current.args)
        stack.extend(link for link in links if isinstance(link, BaseException))
    return ""


def describe_error(error: BaseException) -> str:
    """One line for a log or a notice that carries the error's code.

    An ``IbkrError`` with an HTTP error status (>= 400): its message, then "(HTTP 401)" unless
    the message already says it; another exception: its type and text, plus the socket error
    code when one is in its chain (:func:`os_error_text`).
    """
    if isinstance(error, IbkrError):
        if (error.status is None or error.status < 400
                or f"HTTP {error.status}" in error.message):
            return error.message
        return f"{error.message} (HTTP {error.status})"
    code = os_error_text(error)
    if code and isinstance(error, OSError) and error.errno is not None:
        return f"{type(error).__name__}: {code}"
    text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return f"{text} [{code}]" if code else text

"""Opening the gateway WebSocket: the stream's timings and status, one attempt, and its failure.

:func:`open_stream` makes one connection attempt with the options the worker always uses, and
turns whatever goes wrong into an ``IbkrError`` that ``protocol.errors.classify_failure`` judges
(RETRY / SESSION / FATAL), like every REST failure. :func:`backoff` is the reconnect delay.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidHandshake, InvalidStatus, InvalidURI

from ibkr_desktop.client.tls import pinned_connection_class, websocket_ssl
from ibkr_desktop.protocol.errors import (
    ApiError,
    GatewayUnreachable,
    IbkrError,
    InvalidAddress,
    classify,
    os_error_text,
)


@dataclass(frozen=True, slots=True)
class StreamStatus:
    """What the connection indicator shows.

    Attributes:
        connected: A socket is open and attached to the session.
        reconnects: Connections opened after the first one.
        last_heartbeat_ms: Server time of the last ``system`` heartbeat (epoch ms).
        reason: Plain-language state ("Streaming", "Reconnecting in 2 s: …").
        fatal: The worker gave up (see ``reason``): the address or the gateway refuses the
            stream, and it does not retry until ``StreamWorker.start`` is called again.
    """

    connected: bool
    reconnects: int
    last_heartbeat_ms: int | None
    reason: str
    fatal: bool = False


@dataclass(frozen=True, slots=True)
class StreamTimings:
    """Stream intervals in seconds; tests shrink them."""

    tic_s: float = 50.0
    """``tic`` keep-alive period (IBKR: at least once a minute; the watchdog adds <= 9 s)."""
    stall_s: float = 35.0
    """No heartbeat (sent every ~10 s) and no data for this long means the socket is dead."""
    smd_refresh_s: float = 540.0
    """Re-request each ``smd`` this long after its last request (streams end after 10-15 min)."""
    backoff_base_s: float = 0.5
    backoff_cap_s: float = 30.0
    open_timeout_s: float = 10.0


async def open_stream(url: str, session_id: str | None, tls_pin: str | None,
                      timings: StreamTimings) -> ClientConnection:
    """One connection attempt to ``url`` with the session cookie and the pinned certificate.

    Raises:
        IbkrError: the attempt failed, as :func:`connect_error` reads it.
    """
    headers = {"Cookie": f"api={session_id}"} if session_id else None
    factory = pinned_connection_class(tls_pin) if tls_pin else None
    try:
        return await connect(
            url, additional_headers=headers, ssl=websocket_ssl(url, tls_pin),
            create_connection=factory, open_timeout=timings.open_timeout_s,
            ping_interval=None, close_timeout=2.0, compression=None, max_size=2**24,
            max_queue=256,
        )
    except (OSError, InvalidHandshake, InvalidURI) as exc:
        raise connect_error(exc, url) from exc


def connect_error(exc: Exception, url: str) -> IbkrError:
    """A failed connection attempt as an ``IbkrError``, for ``classify_failure``.

    A handshake answered with an HTTP status is read like a REST answer (401 ->
    NotAuthenticated, 503 -> ServiceUnavailable, another 4xx -> ApiError) and its message says
    "stream handshake refused at <url>: HTTP 401 Unauthorized"; an unusable URL is
    InvalidAddress; a socket or protocol failure before any answer is GatewayUnreachable,
    naming the socket error and its errno. The messages name the URL (never the session) and
    end without a full stop.
    """
    if isinstance(exc, IbkrError):
        return exc
    if isinstance(exc, InvalidURI):
        return InvalidAddress(f"{url} is not a WebSocket address (ws://host:port/v1/api/ws)")
    if isinstance(exc, InvalidStatus):
        status = exc.response.status_code
        refused = (f"stream handshake refused at {url}: HTTP {status} "
                   f"{exc.response.reason_phrase}")
        error = classify(status, exc.response.body or b"")
        if error is None or type(error) is ApiError:
            return ApiError(status, refused)
        return type(error)(f"{refused} ({error.message})", status)
    cause = os_error_text(exc) or f"{type(exc).__name__}: {exc}"
    return GatewayUnreachable(f"the gateway's WebSocket at {url} is not reachable ({cause})")


def backoff(timings: StreamTimings, failures: int) -> float:
    """Capped exponential back-off with jitter (the first retry after a good run is quick)."""
    delay = min(timings.backoff_cap_s, timings.backoff_base_s * 2.0 ** max(0, failures - 1))
    return delay * random.uniform(0.5, 1.0)

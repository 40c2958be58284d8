"""The blocking HTTP transport: one ``requests.Session`` bound to a gateway, plus log redaction.

Used only from the REST thread (``rest_queue``). It knows the gateway's base URL, applies the
(connect, read) timeouts to every call, mounts the TLS pin when there is one (``tls``), and turns
every way a call can go wrong into a ``protocol.errors`` exception, so the queue above it deals
in one vocabulary. Nothing here logs a session id or cookie: the protocol's
:class:`~ibkr_desktop.protocol.redaction.RedactingFilter` is installed on the client loggers.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from ibkr_desktop.client.tls import (
    CertificateChanged,
    CertificateUntrusted,
    PinnedAdapter,
    is_local,
)
from ibkr_desktop.protocol.errors import (
    GatewayUnreachable,
    IbkrError,
    RequestTimedOut,
    classify,
    os_error_text,
)
from ibkr_desktop.protocol.redaction import RedactingFilter, redact

API_PREFIX = "/v1/api"

def client_logger(name: str) -> logging.Logger:
    """A client logger with the redacting filter attached (records only; handlers are the app's)."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, RedactingFilter) for f in logger.filters):
        logger.addFilter(RedactingFilter())
    return logger


log = client_logger("ibkr_desktop.client.http")


@dataclass(frozen=True, slots=True)
class Timeouts:
    """(connect, read) timeouts in seconds; the gateway itself gives up on IBKR after ~10 s."""

    connect: float = 3.05
    read: float = 15.0


TIMEOUTS = Timeouts()

@dataclass(frozen=True, slots=True)
class HttpAnswer:
    """A completed HTTP exchange: status, decoded body, the ``Retry-After`` hint and duration."""

    status: int
    body: object
    retry_after: float | None
    elapsed_s: float


def split_gateway_url(url: str) -> tuple[str, str]:
    """``(origin, api_url)`` for a gateway given as its origin or as its ``/v1/api`` URL."""
    origin = url.rstrip("/")
    if origin.endswith(API_PREFIX):
        origin = origin[: -len(API_PREFIX)]
    return origin, origin + API_PREFIX


def make_session(origin: str, tls_pin: str | None = None) -> requests.Session:
    """A ``requests.Session`` for the gateway at ``origin``.

    Verification stays on. With ``tls_pin`` (only for a gateway on this machine) the origin is
    served by a :class:`PinnedAdapter` that accepts exactly that certificate.
    """
    session = requests.Session()
    session.headers.update({"Accept": "application/json", "User-Agent": "ibkr-desktop"})
    session.trust_env = False  # a local gateway must never go through a proxy
    if tls_pin is not None and origin.startswith("https://"):
        if not is_local(urlsplit(origin).hostname):
            raise ValueError("certificate pinning is only for a gateway on this machine")
        session.mount(origin + "/", PinnedAdapter(tls_pin))
    return session


class HttpTransport:
    """Blocking calls to one gateway with timeouts and error classification.

    Thread-safe in the way ``requests`` is: the connection pool and cookie jar lock
    internally, so the REST thread's small worker pool may share one transport.
    """

    def __init__(self, url: str, *, tls_pin: str | None = None,
                 timeouts: Timeouts = TIMEOUTS) -> None:
        self.origin, self.api_url = split_gateway_url(url)
        self.timeouts = timeouts
        self.session = make_session(self.origin, tls_pin)

    def request(self, method: str, path: str, *, params: Any = None,
                json: Any = None) -> HttpAnswer:
        """Send one request and return the answer, whatever its status.

        Raises:
            GatewayUnreachable: connection refused/reset, DNS, or a TLS failure
                (:class:`CertificateChanged`/:class:`CertificateUntrusted` for trust problems).
            RequestTimedOut: connected, but no answer within the read timeout.
        """
        url = self.api_url + "/" + path.lstrip("/")
        started = time.monotonic()
        try:
            response = self.session.request(
                method, url, params=params, json=json,
                timeout=(self.timeouts.connect, self.timeouts.read),
            )
        except requests.exceptions.SSLError as exc:
            raise _tls_error(self.origin, exc) from exc
        except requests.exceptions.ConnectTimeout as exc:
            raise GatewayUnreachable(f"The gateway at {self.origin} did not accept the "
                                     f"connection within {self.timeouts.connect:g} s.") from exc
        except requests.exceptions.Timeout as exc:
            raise RequestTimedOut(f"The gateway did not answer {method} {path} within "
                                  f"{self.timeouts.read:g} s.") from exc
        except requests.exceptions.RequestException as exc:
            cause = os_error_text(exc) or type(exc).__name__
            raise GatewayUnreachable(f"The gateway at {self.origin} is not reachable: "
                                     f"{cause}.") from exc
        elapsed = time.monotonic() - started
        body = _decode(response)
        log.debug("%s %s -> %s in %.0f ms", method, path, response.status_code, elapsed * 1000)
        return HttpAnswer(response.status_code, body, _retry_after(response), elapsed)

    def close(self) -> None:
        """Close pooled connections."""
        self.session.close()


def raise_for_answer(answer: HttpAnswer) -> object:
    """The body of a successful answer, or the classified ``IbkrError``."""
    error = classify(answer.status, answer.body)
    if error is not None:
        raise error
    return answer.body


def _decode(response: requests.Response) -> object:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return response.text


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _tls_error(origin: str, exc: requests.exceptions.SSLError) -> IbkrError:
    text = str(exc)
    if "Fingerprints did not match" in text:
        return CertificateChanged(
            "The gateway's certificate has changed, so the connection was refused and nothing "
            "was sent. If you replaced the gateway's certificate yourself, trust the new one "
            "in the connection settings."
        )
    if "CERTIFICATE_VERIFY_FAILED" in text and is_local(urlsplit(origin).hostname):
        return CertificateUntrusted(
            f"The gateway at {origin} uses a certificate this computer does not trust "
            "(normally its own self-signed one). Check its fingerprint and accept it to connect."
        )
    return GatewayUnreachable(f"A secure connection to {origin} failed: {redact(text)}")

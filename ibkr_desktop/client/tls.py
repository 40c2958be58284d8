"""Trust in the gateway's TLS certificate: normal verification, or a pinned fingerprint.

The Client Portal Gateway ships a self-signed certificate, and most clients answer that with
``verify=False``. We never do. A remote host is verified against the system trust store as
usual. A gateway on this machine (``localhost``/``127.0.0.1``/``::1``) may use a self-signed
certificate: the app fetches it (:func:`fetch_certificate`), shows the user its SHA-256
fingerprint, and once the user accepts it the fingerprint is pinned (trust on first use,
kept in a :class:`TlsPolicy` the app persists). From then on that certificate, and only that
one, is accepted; any other certificate is refused with :class:`CertificateChanged`.

Pinning is checked after the TLS handshake and *before* a single byte of HTTP is sent, so
the session cookie never reaches an impostor: for REST by urllib3's ``assert_fingerprint``
(:class:`PinnedAdapter`), for the WebSocket by :func:`pinned_connection_class`.
"""

from __future__ import annotations

import hashlib
import hmac
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from requests import PreparedRequest, Response
from requests.adapters import HTTPAdapter
from websockets.asyncio.client import ClientConnection

from ibkr_desktop.protocol.errors import GatewayUnreachable

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


class CertificateChanged(GatewayUnreachable):
    """The local gateway presented a certificate other than the pinned one; nothing was sent."""


class CertificateUntrusted(GatewayUnreachable):
    """The gateway's certificate is not trusted yet (self-signed, not pinned); nothing was sent."""


@dataclass(frozen=True, slots=True)
class CertificateInfo:
    """A gateway certificate as shown to the user before pinning it.

    Attributes:
        host: Host name the certificate was fetched from.
        port: TCP port.
        fingerprint: SHA-256 of the DER bytes, upper-case hex pairs joined by colons.
        pem: The certificate itself, for a details view.
    """

    host: str
    port: int
    fingerprint: str
    pem: str


def is_local(host: str | None) -> bool:
    """Whether ``host`` names this machine (the only place a self-signed gateway may be pinned)."""
    return (host or "").strip("[]").lower() in LOCAL_HOSTS


def fingerprint_of(der: bytes) -> str:
    """SHA-256 fingerprint of a DER certificate in the display form ``AB:CD:...``."""
    return display_fingerprint(hashlib.sha256(der).hexdigest())


def display_fingerprint(fingerprint: str) -> str:
    """Any accepted spelling of a fingerprint in the display form ``AB:CD:...``."""
    value = normalize_fingerprint(fingerprint).upper()
    return ":".join(value[i : i + 2] for i in range(0, len(value), 2))


def normalize_fingerprint(text: str) -> str:
    """Canonical lower-case hex without separators; raises ``ValueError`` if not a SHA-256."""
    value = text.replace(":", "").replace(" ", "").lower()
    if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        raise ValueError("a SHA-256 fingerprint has 64 hex digits")
    return value


def fingerprints_match(der: bytes, pin: str) -> bool:
    """Constant-time comparison of a peer certificate with a pin."""
    return hmac.compare_digest(hashlib.sha256(der).hexdigest(), normalize_fingerprint(pin))


def fetch_certificate(url: str, timeout: float = 5.0) -> CertificateInfo:
    """Fetch (without trusting) the certificate a gateway presents, for the user to accept.

    Blocking: call it from an executor or the REST thread, never from the GUI thread.

    Raises:
        GatewayUnreachable: nothing answers TLS at that address.
    """
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    port = parts.port or 443
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # inspection only; the result is shown, not trusted
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw:
            with context.wrap_socket(raw, server_hostname=host) as tls:
                der = tls.getpeercert(binary_form=True)
    except OSError as exc:
        raise GatewayUnreachable(f"No TLS gateway answers at {host}:{port} ({exc}).") from exc
    if not der:
        raise GatewayUnreachable(f"The gateway at {host}:{port} presented no certificate.")
    return CertificateInfo(host, port, fingerprint_of(der), ssl.DER_cert_to_PEM_cert(der))


class TlsPolicy:
    """Pinned certificate fingerprints per ``host:port``; the app persists :meth:`to_dict`.

    Only local hosts can be pinned: a remote gateway must present a certificate the system
    trusts.
    """

    def __init__(self, pins: Mapping[str, str] | None = None) -> None:
        self._pins: dict[str, str] = {}
        for key, pin in (pins or {}).items():
            self._pins[key] = normalize_fingerprint(pin)

    @staticmethod
    def key_for(url: str) -> str:
        """The pin-store key of a gateway URL (``host:port``)."""
        parts = urlsplit(url)
        return f"{(parts.hostname or '').lower()}:{parts.port or 443}"

    def pin_for(self, url: str) -> str | None:
        """The pinned fingerprint for the gateway at ``url``, if the user accepted one."""
        return self._pins.get(self.key_for(url))

    def accept(self, info: CertificateInfo) -> None:
        """Pin ``info`` (the user said yes); raises ``ValueError`` for a remote host."""
        if not is_local(info.host):
            raise ValueError("only a gateway on this machine can be trusted by fingerprint")
        self._pins[f"{info.host.lower()}:{info.port}"] = normalize_fingerprint(info.fingerprint)

    def forget(self, url: str) -> None:
        """Drop the pin for ``url`` (the user replaced the gateway's certificate on purpose)."""
        self._pins.pop(self.key_for(url), None)

    def to_dict(self) -> dict[str, str]:
        """Plain mapping for QSettings/JSON."""
        return dict(self._pins)


class PinnedAdapter(HTTPAdapter):
    """A requests adapter that accepts exactly one certificate, identified by fingerprint.

    Chain verification is replaced (not dropped) by urllib3's ``assert_fingerprint``, which
    runs right after the handshake and before the request is written.
    """

    def __init__(self, fingerprint: str, **kwargs: Any) -> None:
        self._fingerprint = normalize_fingerprint(fingerprint)
        super().__init__(**kwargs)

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False,
                         **pool_kwargs: Any) -> None:
        """Every pool of this adapter checks the pinned fingerprint after the handshake."""
        pool_kwargs["assert_fingerprint"] = self._fingerprint
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)

    def send(self, request: PreparedRequest, stream: bool = False, timeout: Any = None,
             verify: Any = True, cert: Any = None, proxies: Any = None) -> Response:
        """Send with the CA-chain check replaced by the pin (``assert_fingerprint``)."""
        return super().send(request, stream, timeout, False, cert, proxies)


class PinnedClientConnection(ClientConnection):
    """WebSocket connection that checks the peer certificate before the upgrade request.

    Subclassed per pin by :func:`pinned_connection_class`, because websockets takes a class.
    """

    pin: str = ""

    async def handshake(self, *args: Any, **kwargs: Any) -> None:
        """Refuse the connection before the session cookie is sent if the certificate differs."""
        ssl_object = self.transport.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
        if not der or not fingerprints_match(der, self.pin):
            self.transport.abort()
            raise CertificateChanged(certificate_changed_message(self.pin, der))
        await super().handshake(*args, **kwargs)


def pinned_connection_class(pin: str) -> type[ClientConnection]:
    """A :class:`ClientConnection` subclass bound to ``pin`` (``connect(create_connection=)``)."""
    return type("PinnedClientConnection", (PinnedClientConnection,), {"pin": pin})


def websocket_ssl(url: str, pin: str | None) -> ssl.SSLContext | None:
    """The ``ssl`` argument for a WebSocket URL: None for ``ws://``, verified or pin-checked."""
    if not url.startswith("wss://"):
        return None
    context = ssl.create_default_context()
    if pin is not None:
        # The chain check is replaced by PinnedClientConnection's fingerprint check.
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def certificate_changed_message(pin: str, der: bytes | None) -> str:
    """The plain-language refusal shown when a pinned gateway presents another certificate."""
    seen = fingerprint_of(der) if der else "none"
    expected = display_fingerprint(pin)
    return (
        "The gateway's certificate has changed, so the connection was refused and nothing was "
        f"sent. Trusted SHA-256: {expected}; presented: {seen}. If you replaced the gateway's "
        "certificate yourself, trust the new one in the connection settings."
    )

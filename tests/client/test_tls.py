"""TLS trust: a self-signed local gateway is pinned on first use; a changed one is refused."""

from __future__ import annotations

import logging
import ssl

import pytest

from ibkr_desktop.client.broker import Broker
from ibkr_desktop.client.http import client_logger
from ibkr_desktop.client.stream import StreamWorker
from ibkr_desktop.client.tls import CertificateInfo, TlsPolicy, fingerprint_of
from ibkr_desktop.demo_gateway.server import DemoGateway
from ibkr_desktop.protocol.events import SessionKind
from ibkr_desktop.protocol.redaction import redact
from tests.client.conftest import FAST, Recorder, fast_config
from tests.helpers import wait_until

WRONG_PIN = "AB" * 32


@pytest.fixture
def gateway_config():  # type: ignore[no-untyped-def]
    """The gateway of these tests serves HTTPS/WSS with a fresh self-signed certificate."""
    return fast_config(tls=True)


def _fingerprint(gateway: DemoGateway) -> str:
    assert gateway.certificate_pem is not None
    return fingerprint_of(ssl.PEM_cert_to_DER_cert(gateway.certificate_pem))


async def test_self_signed_gateway_is_trusted_on_first_use(gateway: DemoGateway) -> None:
    """Unpinned: the user is shown the fingerprint; once trusted, REST and WSS both work."""
    broker = Broker(gateway.base_url, demo=True, timings=FAST)
    seen = Recorder(broker, "certificate_untrusted", "notice")
    await broker.start()
    try:
        await wait_until(lambda: seen["certificate_untrusted"])
        info: CertificateInfo = seen["certificate_untrusted"][0]
        assert info.fingerprint == _fingerprint(gateway)
        assert broker.session_state.kind == SessionKind.GATEWAY_UNREACHABLE
        assert "certificate" in broker.session_state.reason
        policy = TlsPolicy()
        policy.accept(info)
        pin = policy.pin_for(gateway.base_url)
        assert pin is not None and TlsPolicy(policy.to_dict()).pin_for(gateway.base_url) == pin
        broker.trust_certificate(pin)
        await wait_until(lambda: broker.session_state.kind == SessionKind.AUTHENTICATED
                         and broker.stream.status.connected)
    finally:
        await broker.stop()


async def test_changed_certificate_is_refused_with_a_clear_message(gateway: DemoGateway) -> None:
    """A pin that does not match: no session, a plain refusal, an error notice, no stream."""
    broker = Broker(gateway.base_url, demo=True, timings=FAST, tls_pin=WRONG_PIN)
    seen = Recorder(broker, "notice")
    await broker.start()
    try:
        await wait_until(lambda: "certificate has changed" in broker.session_state.reason)
        assert broker.session_state.kind == SessionKind.GATEWAY_UNREACHABLE
        await wait_until(lambda: any(n.level == "error" and "certificate" in n.text
                                     for n in seen["notice"]))
        assert not broker.stream.status.connected
    finally:
        await broker.stop()


async def test_stream_checks_the_pin_before_sending_the_session(gateway: DemoGateway) -> None:
    """WSS: the right pin connects; a wrong pin is refused before the upgrade request."""
    good = StreamWorker(gateway.ws_url, tls_pin=_fingerprint(gateway), timings=FAST.stream)
    bad = StreamWorker(gateway.ws_url, tls_pin=WRONG_PIN, timings=FAST.stream)
    good.start(gateway.session.session_id)
    bad.start(gateway.session.session_id)
    try:
        await wait_until(lambda: good.status.connected)
        await wait_until(lambda: "certificate has changed" in bad.status.reason)
        assert not bad.status.connected
    finally:
        await good.stop()
        await bad.stop()


def test_only_local_gateways_can_be_pinned() -> None:
    """A remote host must be verified normally; pinning it is refused."""
    policy = TlsPolicy()
    with pytest.raises(ValueError):
        policy.accept(CertificateInfo("example.com", 5000, "AB:" * 31 + "AB", ""))
    policy.accept(CertificateInfo("localhost", 5000, "ab" * 32, ""))
    assert policy.pin_for("https://localhost:5000/v1/api") == "ab" * 32
    policy.forget("https://localhost:5000")
    assert policy.pin_for("https://localhost:5000") is None


def test_session_ids_and_cookies_never_reach_the_log(caplog: pytest.LogCaptureFixture) -> None:
    """Client loggers redact session ids and cookie values."""
    secret = "bb665d0f55b6289d70bc7380089fc96f"
    log = client_logger("ibkr_desktop.client.test")
    with caplog.at_level(logging.INFO, logger="ibkr_desktop.client.test"):
        log.info("tickle answered %s", {"session": secret})
        log.info("Cookie: api=%s", secret)
    assert secret not in caplog.text
    assert redact(f'{{"session": "{secret}"}}') == '{"session": "***"}'

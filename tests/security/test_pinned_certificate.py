"""A changed pinned certificate, as the user meets it: the whole app, a pin saved in the
settings, a gateway presenting another certificate. The app refuses (no session, no stream,
no trust prompt that would let it through) and says why and what to do, in plain words."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from ibkr_desktop.app.presenters.session import Endpoint
from ibkr_desktop.app.settings import Keys
from ibkr_desktop.app.startup import build
from ibkr_desktop.demo_gateway.server import DemoGateway
from ibkr_desktop.protocol.events import SessionKind
from tests.app.conftest import dispose, shows
from tests.client.conftest import FAST, fast_config
from tests.helpers import wait_until

OLD_PIN = "AB" * 32
"""The fingerprint the user trusted before the gateway's certificate changed."""


@pytest.fixture
def gateway_config():  # type: ignore[no-untyped-def]
    """A TLS gateway with a fresh self-signed certificate (not the pinned one)."""
    return fast_config(tls=True)


async def test_changed_certificate_is_refused_and_said_so(  # type: ignore[no-untyped-def]
        qapp, gateway: DemoGateway, monkeypatch: pytest.MonkeyPatch) -> None:
    """The doctor says the gateway is not reachable, the message line says the certificate
    changed and how to trust a new one; the app never asks to trust it behind the pin's back
    and never opens a session or a stream."""
    asked: list[object] = []

    def question(*args: object, **kwargs: object) -> QMessageBox.StandardButton:
        asked.append(args)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", question)  # the trust prompt's dialog
    Keys.TLS_PIN.set(OLD_PIN)
    app = build(qapp, client_timings=FAST)
    app.window.show()
    try:
        await app.connect_to(Endpoint(demo=False, url=gateway.base_url))
        assert app.broker is not None
        broker = app.broker
        await wait_until(lambda: "certificate has changed" in broker.session_state.reason)
        text = await shows(app, "certificate has changed")
        assert "nothing was sent" in text and "trust the new one" in text
        assert app.window.doctor.headline() == "Gateway not reachable"
        assert broker.session_state.kind == SessionKind.GATEWAY_UNREACHABLE
        assert not broker.stream.status.connected
        assert asked == [] and Keys.TLS_PIN.get() == OLD_PIN
        assert gateway.faults.requests.total() == 0  # nothing reached the gateway's API
    finally:
        await dispose(app)

"""Recovery as the user sees it: the whole app on its demo gateway, one gateway fault each.

Each test reads the connection doctor (headline, the words beside it, the button) and the
message line, clicks what the user would click, and waits on the app's own signals.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

from ibkr_desktop.app.startup import App
from ibkr_desktop.client.session import SessionTimings
from ibkr_desktop.protocol.events import SessionKind
from tests.app import conftest
from tests.app.conftest import fault, running_app, shows
from tests.helpers import wait_until


def _watch_doctor(app: App) -> list[tuple[str, str]]:
    """(headline, words beside it) the doctor shows after every session or stream change."""
    assert app.broker is not None
    shown: list[tuple[str, str]] = []
    doctor = app.window.doctor

    def record(_: object) -> None:
        shown.append((doctor.headline(), doctor.detail()))

    app.broker.session_state_changed.connect(record)  # after the presenter's own slot
    app.broker.stream_state_changed.connect(record)
    return shown


async def test_lost_bridge_is_set_up_again_and_said_so(qapp) -> None:  # type: ignore[no-untyped-def]
    """"no bridge" on every /iserver call: the doctor says the brokerage session is being set
    up (no button: the app does it), then Connected, and the orders answer again."""
    async with running_app(qapp) as app:
        assert app.broker is not None
        shown = _watch_doctor(app)
        fault(app, "drop_bridge")
        await app.broker.refresh_orders()  # answered "no bridge"
        await wait_until(lambda: ("Connecting…", "Setting up the trading session with IBKR…")
                         in shown)
        await wait_until(lambda: app.window.doctor.headline() == "Connected")
        assert not fault(app, "check_bridge", "/iserver/accounts")  # the bridge is up again
        assert not app.window.doctor.fix_button.isVisibleTo(app.window.doctor)


@pytest.mark.parametrize("action", ["log_out", "expire_session"])
async def test_logged_out_gateway_says_how_to_log_in_and_opens_the_page(
        qapp, monkeypatch: pytest.MonkeyPatch, action: str) -> None:  # type: ignore[no-untyped-def]
    """Logged out or expired: "Not logged in to the gateway", the instructions with the
    address written out, and "Open login page" opens it; after the login: Connected."""
    opened: list[str] = []

    def open_url(url: QUrl) -> bool:
        opened.append(url.toString())
        return True

    monkeypatch.setattr(QDesktopServices, "openUrl", open_url)
    async with running_app(qapp) as app:
        doctor, url = app.window.doctor, app.presenters.session.base_url
        fault(app, action)
        await wait_until(lambda: doctor.headline() == "Not logged in to the gateway")
        assert doctor.detail() == (f"Log in to the gateway: open {url} in a browser and log "
                                   "in; the app reconnects by itself.")
        assert doctor.detail_label.isVisible() and doctor.fix_button.isVisible()
        assert doctor.fix_button.text() == "Open login page"
        await shows(app, "Not logged in to the gateway: see “Open login page” on the right")
        assert app.window.message_line.level == "warning"
        doctor.fix_button.click()
        assert opened == [url]
        await shows(app, f"Log in on the gateway's page ({url}) in your browser")
        fault(app, "log_in")
        await wait_until(lambda: doctor.headline() == "Connected")
        assert not doctor.fix_button.isVisible() and doctor.detail() == ""


async def test_open_login_page_makes_the_app_check_again_at_once(
        qapp, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """The next check is 10 minutes away; the user logs in and clicks "Open login page" (the
    back-off starts over): the app is Connected again without waiting."""
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: True)
    monkeypatch.setattr(conftest, "FAST", replace(conftest.FAST, session=SessionTimings(
        tickle_s=600.0, poll_s=600.0, retry_max_s=600.0)))
    async with running_app(qapp) as app:
        doctor = app.window.doctor
        fault(app, "log_out")  # the gateway closes the stream; its 401s tell the keeper
        await wait_until(lambda: doctor.fix_button.text() == "Open login page")
        fault(app, "log_in")
        doctor.fix_button.click()
        await wait_until(lambda: doctor.headline() == "Connected")


async def test_login_page_that_cannot_open_says_so(qapp, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """No browser: the message line says so and gives the address to open by hand."""
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: False)
    async with running_app(qapp) as app:
        doctor, url = app.window.doctor, app.presenters.session.base_url
        fault(app, "log_out")
        await wait_until(lambda: doctor.fix_button.text() == "Open login page")
        doctor.fix_button.click()
        text = await shows(app, "Could not open a browser")
        assert f"Open {url} yourself and log in" in text
        assert app.window.message_line.level == "warning"


async def test_reauthenticate_that_cannot_work_fails_visibly(qapp) -> None:  # type: ignore[no-untyped-def]
    """Reauthenticate asked for while the gateway is logged out (a click that raced the state
    change) says on screen why it cannot help and what to do instead."""
    async with running_app(qapp) as app:
        doctor = app.window.doctor
        fault(app, "log_out")
        await wait_until(lambda: doctor.headline() == "Not logged in to the gateway")
        doctor.action_requested.emit("reauthenticate")
        text = await shows(app, "Re-authentication failed: the gateway is logged out.")
        assert "Log in to the gateway: open" in text


async def test_gateway_restart_is_noticed_through_the_stream_and_recovered(
        qapp, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """After a gateway restart the doctor leaves "Connected" at once (the keep-alive tickle is
    10 minutes away: only the stream can tell), the session is opened again and quotes flow."""
    slow_tickle = replace(conftest.FAST, session=SessionTimings(tickle_s=600.0, poll_s=0.1,
                                                                 retry_max_s=0.4))
    monkeypatch.setattr(conftest, "FAST", slow_tickle)
    async with running_app(qapp) as app:
        assert app.broker is not None
        doctor, keeper = app.window.doctor, app.broker.keeper
        shown = _watch_doctor(app)
        session_before = keeper.session_id
        fault(app, "restart")
        await wait_until(lambda: keeper.session_id != session_before
                         and doctor.headline() == "Connected" and shown, timeout=10)
        headlines = [headline for headline, _ in shown]
        assert any(h not in ("Connected",) for h in headlines)
        assert "Connecting…" in headlines  # the session was opened again, not just the stream
        batches = app.feed.batches
        await wait_until(lambda: app.feed.batches > batches)
        await wait_until(lambda: app.broker.session_state.kind is SessionKind.AUTHENTICATED)

"""The session keeper against the demo gateway: start-up, keep-alive, expiry, competing logins,
"no bridge", back-off while waiting for the user."""

from __future__ import annotations

import logging
import socket
from dataclasses import replace

import pytest

from ibkr_desktop.client.broker import Broker
from ibkr_desktop.client.session import SessionTimings
from ibkr_desktop.demo_gateway.faults import Faults
from ibkr_desktop.demo_gateway.server import DemoGateway, GatewayConfig
from ibkr_desktop.protocol.events import SessionKind
from ibkr_desktop.protocol.frames import parse_frame
from tests.client.conftest import FAST, Recorder, fast_config, start_broker
from tests.helpers import ManualClock, wait_until

ACCESS_LOG = "ibkr_desktop.demo_gateway.access"
INIT = ("POST", "/v1/api/iserver/auth/ssodh/init")
TICKLE = ("POST", "/v1/api/tickle")
ACCOUNTS = ("GET", "/v1/api/iserver/accounts")


@pytest.fixture
def gateway_config() -> GatewayConfig:
    """The tests' gateway, logging every request it receives (read back with `received`)."""
    return fast_config(verbose=True)


def received(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str]]:
    """(method, path) of every API request the gateway received, in order."""
    return [(str(r.args[0]), str(r.args[1])) for r in caplog.records  # type: ignore[index]
            if r.name == ACCESS_LOG and str(r.args[1]).startswith("/v1/api/")]  # type: ignore[index]


class StubbornBridge:
    """The "no bridge" fault, but the first ``refusals`` ``ssodh/init`` calls do not repair it
    (they are answered; the bridge stays down), as when IBKR's side is slow to come up."""

    def __init__(self, faults: Faults, refusals: int) -> None:
        self._check = faults.check_bridge
        self.refusals = refusals

    def __call__(self, path: str) -> None:
        if path == "/iserver/auth/ssodh/init" and self.refusals > 0:
            self.refusals -= 1
            return
        self._check(path)


def _failed_orders(recorder: Recorder) -> int:
    return sum(f.request.path == "/iserver/account/orders" for f in recorder["request_failed"])


def _kinds(recorder: Recorder) -> list[SessionKind]:
    return [state.kind for state in recorder["session_state_changed"]]


async def test_start_up_sequence_reaches_authenticated_with_accounts(gateway: DemoGateway) -> None:
    """Start-up: authenticating, then authenticated, accounts known, /iserver calls work."""
    broker = Broker(gateway.base_url, demo=True, timings=FAST)
    seen = Recorder(broker, "session_state_changed", "accounts_changed", "notice")
    await broker.start()
    try:
        await wait_until(lambda: broker.session_state.kind == SessionKind.AUTHENTICATED)
        assert _kinds(seen)[:2] == [SessionKind.AUTHENTICATING, SessionKind.AUTHENTICATED]
        assert broker.accounts == ("DU1234567",)
        assert broker.selected_account == "DU1234567"
        assert seen["accounts_changed"][-1].selected == "DU1234567"
        assert broker.mode == "DEMO"
        await broker.refresh_orders()  # needs /iserver/accounts to have been queried
        assert seen["notice"] == []
    finally:
        await broker.stop()


async def test_keep_alive_tickles_before_the_idle_timeout() -> None:
    """The broker's keep-alive holds a session with a 1.5 s idle timeout for 4 s of gateway time.

    The gateway's clock moves only here, 1 s at a time (less than the timeout); after each step
    the test waits for the broker's next request to restart the idle timer.
    """
    clock = ManualClock()
    gateway = DemoGateway(fast_config(session_idle_timeout_s=1.5), monotonic=clock)
    await gateway.start()
    broker = await start_broker(gateway.base_url)
    seen = Recorder(broker, "session_state_changed")
    try:
        for _ in range(4):
            clock.advance(1.0)
            await wait_until(lambda: gateway.session.sso_expires_ms() == 1500)
        assert gateway.session.logged_in
        assert seen["session_state_changed"] == []
        assert broker.session_state.kind == SessionKind.AUTHENTICATED
    finally:
        await broker.stop()
        await gateway.stop()


async def test_expired_session_recovers_after_a_new_login(broker: Broker,
                                                          gateway: DemoGateway) -> None:
    """401 after a session: the user reads that the login ended and where to log in again
    (reauthenticate cannot help); after the login: accounts, stream, quotes."""
    seen = Recorder(broker, "session_state_changed", "accounts_changed", "quotes_updated")
    broker.subscribe_quotes([265598])
    await wait_until(lambda: seen["quotes_updated"])
    gateway.faults.expire_session()
    await wait_until(lambda: broker.session_state.kind == SessionKind.NOT_LOGGED_IN)
    assert broker.session_state.reason == (
        f"Log in to the gateway: open {gateway.base_url} in a browser and log in; the app "
        "reconnects by itself.")
    reconnects = broker.stream.status.reconnects
    seen["accounts_changed"].clear()
    gateway.faults.log_in()
    await wait_until(lambda: broker.session_state.kind == SessionKind.AUTHENTICATED
                     and broker.stream.status.connected
                     and broker.stream.status.reconnects > reconnects)
    assert seen["accounts_changed"]  # /iserver/accounts asked again for the new session
    seen["quotes_updated"].clear()
    gateway.market.set_price(265598, 150.0)
    await wait_until(lambda: any(265598 in batch for batch in seen["quotes_updated"]))


async def test_competing_session_is_reported_and_can_be_taken_over(
        broker: Broker, gateway: DemoGateway) -> None:
    """A competing login shows COMPETING; take_over() restores the session and the quotes."""
    seen = Recorder(broker, "quotes_updated")
    broker.subscribe_quotes([265598])
    gateway.faults.set_competing(True)
    await wait_until(lambda: broker.session_state.kind == SessionKind.COMPETING)
    assert "take over" in broker.session_state.reason.lower()
    await broker.take_over()
    await wait_until(lambda: broker.session_state.kind == SessionKind.AUTHENTICATED)
    seen["quotes_updated"].clear()
    gateway.market.set_price(265598, 151.0)
    await wait_until(lambda: any(batch.get(265598, {}).get("last") == 151.0
                                 for batch in seen["quotes_updated"]))


async def test_unreachable_gateway_is_reported_then_joined_when_it_starts() -> None:
    """No gateway yet: GATEWAY_UNREACHABLE naming the address; it connects once one listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    broker = Broker(f"http://127.0.0.1:{port}", demo=True, timings=FAST)
    await broker.start()
    gateway = DemoGateway(fast_config(port=port))
    try:
        await wait_until(lambda: broker.session_state.kind == SessionKind.GATEWAY_UNREACHABLE)
        assert f"127.0.0.1:{port}" in broker.session_state.reason
        await gateway.start()
        await wait_until(lambda: broker.session_state.kind == SessionKind.AUTHENTICATED)
    finally:
        await broker.stop()
        await gateway.stop()


async def test_logged_out_gateway_asks_the_user_to_log_in(gateway: DemoGateway) -> None:
    """Nobody logged in: NOT_LOGGED_IN with the login address; a login is picked up."""
    gateway.faults.log_out()
    broker = Broker(gateway.base_url, demo=True, timings=FAST)
    await broker.start()
    try:
        await wait_until(lambda: broker.session_state.kind == SessionKind.NOT_LOGGED_IN)
        assert gateway.base_url in broker.session_state.reason
        gateway.faults.log_in()
        await wait_until(lambda: broker.session_state.kind == SessionKind.AUTHENTICATED)
    finally:
        await broker.stop()


async def test_question_suppression_is_applied_to_every_new_session(
        gateway: DemoGateway) -> None:
    """The user's suppressed question ids reach the gateway again after a new session."""
    broker = await start_broker(gateway.base_url, suppress_message_ids=("o163", "o354"))
    try:
        assert gateway.brokerage.replies.suppressed >= {"o163", "o354"}
        gateway.faults.set_competing(True)
        await wait_until(lambda: broker.session_state.kind == SessionKind.COMPETING)
        await broker.take_over()  # a new brokerage session: the gateway forgot suppressions
        await wait_until(lambda: gateway.brokerage.replies.suppressed >= {"o163", "o354"})
    finally:
        await broker.stop()


async def test_a_question_taken_back_is_asked_again_in_the_same_session(
        gateway: DemoGateway) -> None:
    """Setting a suppressed question back to "always ask" resets IBKR's set at once."""
    broker = await start_broker(gateway.base_url, suppress_message_ids=("o163", "o354"))
    try:
        assert gateway.brokerage.replies.suppressed >= {"o163", "o354"}
        broker.set_suppressed_questions(["o354"])
        await wait_until(lambda: "o163" not in gateway.brokerage.replies.suppressed)
        await wait_until(lambda: "o354" in gateway.brokerage.replies.suppressed)
    finally:
        await broker.stop()


async def test_maintenance_503s_are_reported_and_recovered(gateway: DemoGateway) -> None:
    """A run of 503s from every call shows MAINTENANCE, then AUTHENTICATED when they stop."""
    timings = replace(FAST, session=SessionTimings(tickle_s=0.2, poll_s=0.1, retry_max_s=0.2))
    broker = await start_broker(gateway.base_url, timings)
    try:
        gateway.faults.fail_next(25, 503)
        await wait_until(lambda: broker.session_state.kind == SessionKind.MAINTENANCE)
        assert "maintenance" in broker.session_state.reason.lower()
        await wait_until(lambda: broker.session_state.kind == SessionKind.AUTHENTICATED,
                         timeout=10)
    finally:
        await broker.stop()


async def test_accounts_are_queried_again_when_iserver_asks_for_it(
        broker: Broker, gateway: DemoGateway) -> None:
    """"Please query /accounts first" after an unnoticed new session: repaired, call succeeds."""
    seen = Recorder(broker, "notice", "orders_updated")
    gateway.session.init_brokerage(compete=True)  # new brokerage session, accounts forgotten
    assert not gateway.session.accounts_queried
    await broker.refresh_orders()
    assert gateway.session.accounts_queried
    assert seen["notice"] == []


async def test_lost_bridge_is_reported_to_the_keeper(broker: Broker,
                                                     gateway: DemoGateway) -> None:
    """A "no bridge" answer makes the keeper look at the session at once."""
    gateway.faults.set_competing(True)
    await broker.refresh_orders()  # answered "no bridge"; never raised into the caller
    await wait_until(lambda: broker.session_state.kind == SessionKind.COMPETING)


async def test_no_bridge_is_repaired_with_ssodh_init(
        gateway: DemoGateway, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """/tickle says authenticated while /iserver answers "no bridge": the keeper sends
    ssodh/init, says the trading session is being set up, and queries the accounts again (at
    once: the bridge is often up right away). Failing background requests wake it once, not
    once each: with a back-off of 600 s the second round below is the one the test asks for,
    and the gateway receives exactly tickle, accounts, ssodh/init, accounts per round."""
    slow = replace(FAST, session=SessionTimings(tickle_s=600.0, poll_s=600.0, retry_max_s=600.0))
    broker = await start_broker(gateway.base_url, slow)
    seen = Recorder(broker.keeper, "checked", "state_changed")
    failed = Recorder(broker.rest, "request_failed")
    try:
        await wait_until(lambda: not broker.sync._tasks)  # start-up re-sync over
        caplog.set_level(logging.INFO, logger=ACCESS_LOG)
        monkeypatch.setattr(gateway.faults, "check_bridge", StubbornBridge(gateway.faults, 1))
        gateway.faults.drop_bridge()
        await broker.refresh_orders()  # "no bridge": the keeper checks at once
        await wait_until(lambda: len(seen["checked"]) == 1)
        assert broker.session_state.kind == SessionKind.AUTHENTICATING
        assert broker.session_state.reason == "Setting up the trading session with IBKR…"
        for _ in range(5):  # the same problem again and again: the back-off stands
            await broker.refresh_orders()
        await wait_until(lambda: _failed_orders(failed) == 6)  # each told the keeper
        assert len(seen["checked"]) == 1
        broker.keeper.wake()  # round 2: ssodh/init repairs the bridge this time
        await wait_until(lambda: broker.session_state.kind == SessionKind.AUTHENTICATED)
        session = [r for r in received(caplog) if r in (TICKLE, ACCOUNTS, INIT)]
        assert session == [TICKLE, ACCOUNTS, INIT, ACCOUNTS] * 2
        assert not gateway.faults.no_bridge
        await broker.refresh_orders()
        assert _failed_orders(failed) == 6  # works again
    finally:
        await broker.stop()


async def test_waiting_for_the_login_backs_off_and_a_user_action_restarts_it(
        gateway: DemoGateway, caplog: pytest.LogCaptureFixture) -> None:
    """Logged out: one tickle per round, rounds 1, 2, 4, 8 x poll_s apart up to the cap, and
    repeated 401s from background requests add no rounds; the user's action (the login page
    opened) starts the back-off over; the login is picked up."""
    timings = replace(FAST, session=SessionTimings(tickle_s=600.0, poll_s=0.05,
                                                   retry_max_s=0.4))
    broker = await start_broker(gateway.base_url, timings)
    seen = Recorder(broker.keeper, "checked")
    try:
        await wait_until(lambda: not broker.sync._tasks)
        caplog.set_level(logging.INFO, logger=ACCESS_LOG)
        gateway.faults.log_out()
        await broker.refresh_orders()  # 401: the keeper checks at once
        await wait_until(lambda: len(seen["checked"]) >= 6)
        await broker.refresh_orders()  # the same problem: no extra round
        broker.keeper.wake()
        await wait_until(lambda: len(seen["checked"]) >= 9)
        delays = seen["checked"][:9]
        assert delays[:6] == [0.05, 0.1, 0.2, 0.4, 0.4, 0.4]
        assert delays[-2:] == [0.05, 0.1] or delays[-3:] == [0.05, 0.1, 0.2]
        assert broker.session_state.kind == SessionKind.NOT_LOGGED_IN
        tickles = received(caplog).count(TICKLE)
        assert tickles == len(seen["checked"])  # one request per round, nothing else
        gateway.faults.log_in()
        await wait_until(lambda: broker.session_state.kind == SessionKind.AUTHENTICATED)
    finally:
        await broker.stop()


async def test_reauthenticate_when_logged_out_says_why_it_cannot_help(
        gateway: DemoGateway) -> None:
    """Reauthenticate on a logged-out gateway fails visibly, with the real fix in the words.

    The broker is stopped inside the test: its stream retries while logged out, and a fixture
    teardown would run that outside the loop."""
    broker = await start_broker(gateway.base_url)
    seen = Recorder(broker, "notice")
    try:
        gateway.faults.log_out()
        await wait_until(lambda: broker.session_state.kind == SessionKind.NOT_LOGGED_IN)
        await broker.reauthenticate()
        [notice] = [n for n in seen["notice"] if n.text.startswith("Re-authentication")]
        assert notice.level == "warning"
        assert notice.text == (
            "Re-authentication failed: the gateway is logged out. Log in to the gateway: open "
            f"{gateway.base_url} in a browser and log in; the app reconnects by itself. "
            "(HTTP 401)")
    finally:
        await broker.stop()


async def test_a_login_announced_on_the_stream_is_picked_up_at_once(
        gateway: DemoGateway) -> None:
    """Logged out with the next check 10 minutes away: an sts "authenticated" (a real gateway
    can send one on a socket that outlived the login; the demo closes its sockets, so the
    frame is handed to the stream's signal here) wakes the keeper, which opens the session."""
    slow = replace(FAST, session=SessionTimings(tickle_s=600.0, poll_s=600.0, retry_max_s=600.0))
    broker = await start_broker(gateway.base_url, slow)
    try:
        gateway.faults.log_out()
        await broker.refresh_orders()  # 401: the keeper checks once, then waits 600 s
        await wait_until(lambda: broker.session_state.kind == SessionKind.NOT_LOGGED_IN)
        gateway.faults.log_in()
        [sts] = parse_frame('{"topic": "sts", "args": {"authenticated": true}}')
        broker.stream.auth_status_received.emit(sts)
        await wait_until(lambda: broker.session_state.kind == SessionKind.AUTHENTICATED)
    finally:
        await broker.stop()


async def test_a_stream_that_cannot_reconnect_wakes_the_keeper() -> None:
    """The gateway goes away while no REST call is due (tickle 10 minutes away): the stream's
    failed reconnects make the keeper look now, and the user reads that it is unreachable."""
    gateway = DemoGateway(fast_config())
    await gateway.start()
    slow = replace(FAST, session=replace(FAST.session, tickle_s=600.0))
    broker = await start_broker(gateway.base_url, slow)
    try:
        await wait_until(lambda: not broker.sync._tasks)  # no REST call left to tell the keeper
        await gateway.stop()
        await wait_until(lambda: broker.session_state.kind == SessionKind.GATEWAY_UNREACHABLE)
        assert gateway.base_url in broker.session_state.reason
    finally:
        await broker.stop()


async def test_reauthenticate_that_does_not_bring_the_session_back_says_so(
        gateway: DemoGateway) -> None:
    """Reauthenticate answered "triggered" but the session stays away (another login holds
    it): after action_wait_s the user reads that it did not come back, and what to do."""
    timings = replace(FAST, session=replace(FAST.session, action_wait_s=1.0))
    broker = await start_broker(gateway.base_url, timings)
    seen = Recorder(broker, "notice")
    try:
        gateway.faults.set_competing(True)
        await wait_until(lambda: broker.session_state.kind == SessionKind.COMPETING)
        await broker.reauthenticate()  # without force: the competing login keeps it
        [notice] = [n for n in seen["notice"] if n.text.startswith("Re-authentication")]
        assert notice.text == (
            "Re-authentication failed: the trading session did not come back within 1 s. Log "
            f"in to the gateway: open {gateway.base_url} in a browser and log in; the app "
            "reconnects by itself.")
        assert broker.session_state.kind == SessionKind.COMPETING
    finally:
        await broker.stop()

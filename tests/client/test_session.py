"""The session keeper against the demo gateway: start-up, keep-alive, expiry, competing logins."""

from __future__ import annotations

import socket
from dataclasses import replace

from ibkr_desktop.client.broker import Broker
from ibkr_desktop.client.session import SessionTimings
from ibkr_desktop.demo_gateway.server import DemoGateway
from ibkr_desktop.protocol.events import SessionKind
from tests.client.conftest import FAST, Recorder, fast_config, start_broker
from tests.helpers import ManualClock, wait_until


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
    """401 -> EXPIRED with a reason; after the user logs in again: accounts, stream, quotes."""
    seen = Recorder(broker, "session_state_changed", "accounts_changed", "quotes_updated")
    broker.subscribe_quotes([265598])
    await wait_until(lambda: seen["quotes_updated"])
    gateway.faults.expire_session()
    await wait_until(lambda: broker.session_state.kind == SessionKind.EXPIRED)
    assert "log in" in broker.session_state.reason.lower()
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

"""The stream worker against the demo gateway: subscriptions, batching, reconnects, stalls."""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from http import HTTPStatus
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.http11 import Request, Response

from ibkr_desktop.client.broker import Broker
from ibkr_desktop.client.notices import NoticeBoard
from ibkr_desktop.client.stream import StreamWorker
from ibkr_desktop.demo_gateway.server import DemoGateway
from ibkr_desktop.protocol.errors import NotAuthenticated
from ibkr_desktop.protocol.events import Fill, LedgerUpdate, PnlUpdate, Position, SessionKind
from ibkr_desktop.protocol.orders import OrderTicket, OrderType, Side
from tests.client.conftest import FAST, Recorder, fast_config, start_broker
from tests.helpers import wait_until


@contextlib.asynccontextmanager
async def worker_on(handler: Callable[[ServerConnection], Awaitable[None]],
                    **serve_options: Any) -> AsyncIterator[StreamWorker]:
    """A StreamWorker (not started) pointed at a loopback WebSocket server running ``handler``
    (``serve_options`` go to websockets' ``serve``, e.g. ``process_request``)."""
    async with serve(handler, "127.0.0.1", 0, **serve_options) as server:
        port = server.sockets[0].getsockname()[1]
        yield StreamWorker(f"ws://127.0.0.1:{port}/v1/api/ws", timings=FAST.stream)

AAPL, IBM, SPY, MSFT = 265598, 8314, 756733, 272093

STREAM_LOG = "ibkr_desktop.client.stream"


def _held(positions: tuple[Position, ...]) -> float:
    return sum(p.quantity for p in positions if p.conid == AAPL)


def _sent(caplog: pytest.LogCaptureFixture, prefix: str) -> list[str]:
    """Messages the worker wrote to the socket that start with ``prefix`` (debug log)."""
    pattern = re.compile(r"stream send (\S+)")
    return [m.group(1) for r in caplog.records if r.name == STREAM_LOG
            for m in [pattern.match(r.getMessage())] if m and m.group(1).startswith(prefix)]


async def test_quotes_arrive_in_batches_of_several_conids(broker: Broker) -> None:
    """One quotes_updated emission carries several conids, with parsed trader names."""
    seen = Recorder(broker, "quotes_updated")
    broker.subscribe_quotes([AAPL, IBM, SPY, MSFT])
    await wait_until(lambda: {AAPL, IBM, SPY, MSFT} <= {c for b in seen["quotes_updated"]
                                                         for c in b})
    assert max(len(batch) for batch in seen["quotes_updated"]) > 1
    first = next(b for b in seen["quotes_updated"] if AAPL in b)[AAPL]
    assert isinstance(first["last"], float) and "bid" in first and "symbol" in first


async def test_every_subscription_kind_delivers(gateway: DemoGateway) -> None:
    """smd, sor, str, spl, ssd and sld each reach their signal."""
    worker = StreamWorker(gateway.ws_url, timings=FAST.stream)
    seen = Recorder(worker, "quotes_updated", "orders_updated", "fills_received", "pnl_updated",
                    "account_summary_updated", "ledger_updated")
    account = gateway.config.accounts[0]
    worker.subscribe_quotes([AAPL], ["31", "84", "86"])
    worker.subscribe_orders()
    worker.subscribe_trades()
    worker.subscribe_pnl()
    worker.subscribe_account_summary(account)
    worker.subscribe_ledger(account)
    worker.start(gateway.session.session_id)
    try:
        await wait_until(lambda: seen["quotes_updated"] and seen["pnl_updated"]
                         and seen["account_summary_updated"] and seen["ledger_updated"])
        gateway.brokerage.desk.place(account, {"orders": [
            {"conid": AAPL, "side": "BUY", "quantity": 5, "orderType": "MKT", "tif": "DAY"}]})
        await wait_until(lambda: seen["orders_updated"] and seen["fills_received"])
        assert isinstance(seen["fills_received"][0][0], Fill)
        assert isinstance(seen["pnl_updated"][0][0], PnlUpdate)
        assert isinstance(seen["ledger_updated"][0][0], LedgerUpdate)
        assert seen["account_summary_updated"][0].account == account
        assert worker.wanted == {f"smd+{AAPL}", "sor", "str", "spl", f"ssd+{account}",
                                 f"sld+{account}"}
    finally:
        await worker.stop()


async def test_reconnect_restores_every_subscription_once(
        gateway: DemoGateway, caplog: pytest.LogCaptureFixture) -> None:
    """After the socket drops: reconnected, each wanted topic sent exactly once, quotes flow."""
    caplog.set_level(logging.DEBUG, logger=STREAM_LOG)
    broker = await start_broker(gateway.base_url)
    seen = Recorder(broker, "quotes_updated", "stream_state_changed")
    try:
        broker.subscribe_quotes([AAPL, IBM])
        await wait_until(lambda: len(_sent(caplog, "smd+")) == 2)
        caplog.clear()
        assert gateway.faults.drop_sockets() == 1
        await wait_until(lambda: broker.stream.status.connected
                         and broker.stream.status.reconnects == 1)
        await wait_until(lambda: len(_sent(caplog, "")) >= 6)
        # two keep-alive tics later, anything queued with the re-subscriptions has gone out
        await wait_until(lambda: _sent(caplog, "").count("tic") >= 2)
        sent = _sent(caplog, "")
        subscriptions = [m for m in sent if m != "tic"]
        assert len(subscriptions) == len(set(subscriptions)) == 6  # smd x2, sor, str, spl, ssd
        assert any(not s.connected for s in seen["stream_state_changed"])
        seen["quotes_updated"].clear()
        gateway.market.set_price(IBM, 99.0)
        await wait_until(lambda: any(b.get(IBM, {}).get("last") == 99.0
                                     for b in seen["quotes_updated"]))
    finally:
        await broker.stop()


async def test_silent_stall_is_detected_and_reconnected(gateway: DemoGateway) -> None:
    """No heartbeat and no data for stall_s: the worker reconnects by itself."""
    worker = StreamWorker(gateway.ws_url, timings=replace(FAST.stream, stall_s=0.6, tic_s=30))
    seen = Recorder(worker, "state_changed")
    worker.start(gateway.session.session_id)
    try:
        await wait_until(lambda: worker.status.connected)
        gateway.faults.stop_heartbeats()
        await wait_until(lambda: worker.status.reconnects >= 1)
        assert any(not s.connected for s in seen["state_changed"])
        gateway.faults.stop_heartbeats(False)
        await wait_until(lambda: worker.status.connected and worker.status.last_heartbeat_ms)
    finally:
        await worker.stop()


async def test_smd_is_requested_again_before_the_server_expires_it(
        caplog: pytest.LogCaptureFixture) -> None:
    """With a 1 s server lifetime, quotes still flow after several lifetimes thanks to
    re-requests (waits on the worker's own re-requests, not on a sleep)."""
    caplog.set_level(logging.DEBUG, logger=STREAM_LOG)
    gateway = DemoGateway(fast_config(smd_lifetime_s=1.0))
    await gateway.start()
    worker = StreamWorker(gateway.ws_url, timings=replace(FAST.stream, smd_refresh_s=0.4))
    seen = Recorder(worker, "quotes_updated")
    worker.subscribe_quotes([AAPL], ["31"])
    worker.start(gateway.session.session_id)
    try:
        await wait_until(lambda: seen["quotes_updated"])
        # six requests 0.4 s apart span 2 s: twice the server's lifetime of one request
        await wait_until(lambda: len(_sent(caplog, "smd+")) >= 6, timeout=30)
        gateway.market.set_price(AAPL, 123.45)
        await wait_until(lambda: any(b.get(AAPL, {}).get("last") == 123.45
                                     for b in seen["quotes_updated"]))
    finally:
        await worker.stop()
        await gateway.stop()


async def test_tic_is_sent_periodically(gateway: DemoGateway,
                                        caplog: pytest.LogCaptureFixture) -> None:
    """The worker pings the session with ``tic`` every tic_s."""
    caplog.set_level(logging.DEBUG, logger=STREAM_LOG)
    worker = StreamWorker(gateway.ws_url, timings=FAST.stream)
    worker.start(gateway.session.session_id)
    try:
        await wait_until(lambda: len(_sent(caplog, "tic")) >= 2)
    finally:
        await worker.stop()


async def test_fills_made_while_disconnected_are_reported_once_after_reconnect(
        gateway: DemoGateway) -> None:
    """A fill during a socket outage arrives after the reconnect, exactly once."""
    timings = replace(FAST, stream=replace(FAST.stream, backoff_base_s=1.5))
    broker = await start_broker(gateway.base_url, timings)
    seen = Recorder(broker, "fills_received", "positions_updated")
    try:
        await broker.refresh_positions()
        held = _held(seen["positions_updated"][-1])
        gateway.faults.drop_sockets()
        await wait_until(lambda: not broker.stream.status.connected)
        ticket = OrderTicket(conid=AAPL, side=Side.BUY, quantity=7, order_type=OrderType.MKT)
        answer = await broker.place_order(ticket)
        assert answer and not broker.stream.status.connected
        await wait_until(lambda: broker.stream.status.connected)
        await wait_until(lambda: any(f.size == 7 for b in seen["fills_received"] for f in b))
        await broker.refresh_trades()  # one more REST report of the same fill: still once
        fills = [f for batch in seen["fills_received"] for f in batch if f.conid == AAPL]
        assert len(fills) == len({f.execution_id for f in fills}) == 1
        await wait_until(lambda: _held(seen["positions_updated"][-1]) == held + 7)
    finally:
        await broker.stop()


async def test_malformed_frames_are_ignored_with_one_log_line(
        caplog: pytest.LogCaptureFixture) -> None:
    """Garbage between good frames: each logged once, the good ones delivered, no reconnect."""
    async def handler(ws: ServerConnection) -> None:
        await ws.send('{"topic":"smd+1","conid":1,"31":"10.5"}')
        await ws.send("this is not json{")
        await ws.send("[1, 2, 3]")
        await ws.send('{"topic":"smd+1","conid":1,"31":"11.5"}')
        await ws.wait_closed()

    async with worker_on(handler) as worker:
        seen = Recorder(worker, "quotes_updated")
        with caplog.at_level(logging.WARNING, logger=STREAM_LOG):
            worker.start("0" * 32)
            try:
                await wait_until(lambda: any(b.get(1, {}).get("last") == 11.5
                                             for b in seen["quotes_updated"]))
                assert worker.status.reconnects == 0
            finally:
                await worker.stop()
        warnings = [r for r in caplog.records if r.name == STREAM_LOG
                    and r.levelno == logging.WARNING]
        assert len(warnings) == 2
        assert all("malformed" in r.getMessage() for r in warnings)


async def test_unreadable_orders_and_executions_are_told_to_the_user_once_per_kind(
        caplog: pytest.LogCaptureFixture) -> None:
    """An order update or execution the app cannot read becomes one visible warning per kind
    naming the stream endpoint; repeats are only logged, and good frames still arrive."""
    async def handler(ws: ServerConnection) -> None:
        for _ in range(2):
            await ws.send('{"topic":"sor","args":[{"ticker":"SPY"}]}')
            await ws.send('{"topic":"str","args":[{"symbol":"SPY"}]}')
        await ws.send('{"topic":"smd+1","conid":1,"31":"11.5"}')
        await ws.wait_closed()

    async with worker_on(handler) as worker:
        board = NoticeBoard()
        worker.message_received.connect(board.on_stream_message)
        notices = Recorder(board, "notice")
        seen = Recorder(worker, "quotes_updated")
        with caplog.at_level(logging.WARNING, logger=STREAM_LOG):
            worker.start("0" * 32)
            try:
                await wait_until(lambda: any(b.get(1, {}).get("last") == 11.5
                                             for b in seen["quotes_updated"]))
            finally:
                await worker.stop()
    texts = [(n.level, n.text) for n in notices["notice"]]
    assert [level for level, _ in texts] == ["warning", "warning"]
    assert texts[0][1].startswith("Could not read an order update from the stream (/v1/api/ws)")
    assert texts[1][1].startswith("Could not read an execution from the stream (/v1/api/ws)")
    assert "order without an order id" in texts[0][1]


async def test_first_frame_session_fallback_when_the_cookie_is_not_taken() -> None:
    """A server that says "waiting for session" gets the session frame, then the topics."""
    received: list[str] = []

    async def handler(ws: ServerConnection) -> None:
        await ws.send('{"message":"waiting for session"}')
        async for message in ws:
            received.append(str(message))
            if str(message).startswith("smd+"):
                await ws.send('{"topic":"smd+1","conid":1,"31":"10.5"}')

    async with worker_on(handler) as worker:
        seen = Recorder(worker, "quotes_updated")
        worker.subscribe_quotes([1], ["31"])
        worker.start("0123456789abcdef0123456789abcdef")
        try:
            await wait_until(lambda: seen["quotes_updated"])
        finally:
            await worker.stop()
    assert '{"session":"0123456789abcdef0123456789abcdef"}' in received
    assert received.index('{"session":"0123456789abcdef0123456789abcdef"}') < max(
        i for i, m in enumerate(received) if m.startswith("smd+"))


class _RefusingServer:
    """A WebSocket server that answers every handshake with ``status``; counts the attempts."""

    def __init__(self, status: HTTPStatus) -> None:
        self.status = status
        self.attempts = 0

    def refuse(self, connection: ServerConnection, request: Request) -> Response:
        self.attempts += 1
        return connection.respond(self.status, "refused by the test\n")

    async def handler(self, ws: ServerConnection) -> None:  # never reached
        await ws.close()


async def test_handshake_refused_with_4xx_is_fatal_without_a_retry_loop() -> None:
    """A 403 handshake: one attempt, then a fatal state with a plain message; no retry loop."""
    server = _RefusingServer(HTTPStatus.FORBIDDEN)
    async with worker_on(server.handler, process_request=server.refuse) as worker:
        seen = Recorder(worker, "state_changed", "session_problem")
        worker.start("0" * 32)
        try:
            await wait_until(lambda: not worker.running)  # the loop ended: nothing retries
        finally:
            await worker.stop()
    assert server.attempts == 1
    fatal = [s for s in seen["state_changed"] if s.fatal]
    assert len(fatal) == 1 and not fatal[0].connected
    assert "refused" in fatal[0].reason and "HTTP 403" in fatal[0].reason
    assert "retrying" not in fatal[0].reason
    assert seen["session_problem"] == []


async def test_handshake_401_tells_the_session_keeper_and_keeps_retrying() -> None:
    """A 401 handshake is a session problem: reported at once, and the worker keeps trying."""
    server = _RefusingServer(HTTPStatus.UNAUTHORIZED)
    async with worker_on(server.handler, process_request=server.refuse) as worker:
        seen = Recorder(worker, "session_problem")
        worker.start("0" * 32)
        try:
            await wait_until(lambda: server.attempts >= 3 and len(seen["session_problem"]) >= 3)
            assert worker.running and not worker.status.fatal
            assert "retrying" in worker.status.reason
        finally:
            await worker.stop()
    assert all(isinstance(e, NotAuthenticated) for e in seen["session_problem"])


async def test_an_invalid_stream_url_is_fatal_with_a_plain_message() -> None:
    """An http:// address where ws:// belongs: fatal at once, and the message names the URL."""
    worker = StreamWorker("http://127.0.0.1:5000/v1/api/ws", timings=FAST.stream)
    worker.start("0" * 32)
    try:
        await wait_until(lambda: not worker.running)
        assert worker.status.fatal and not worker.status.connected
        assert "http://127.0.0.1:5000/v1/api/ws is not a WebSocket address" in worker.status.reason
    finally:
        await worker.stop()


async def test_a_401_handshake_wakes_the_session_keeper_at_once(gateway: DemoGateway) -> None:
    """Logged out while the socket is down: the reconnect's 401 makes the keeper check now,
    long before its next periodic tickle, and the user reads that they must log in again."""
    timings = replace(FAST, session=replace(FAST.session, tickle_s=600.0))
    broker = await start_broker(gateway.base_url, timings)
    seen = Recorder(broker.stream, "session_problem")
    try:
        await wait_until(lambda: not broker.sync._tasks)  # no REST call left to tell the keeper
        gateway.faults.drop_sockets()
        gateway.faults.log_out()  # no sts can reach the dropped socket
        await wait_until(lambda: broker.session_state.kind == SessionKind.NOT_LOGGED_IN)
        assert seen["session_problem"] and isinstance(seen["session_problem"][0],
                                                      NotAuthenticated)
    finally:
        await broker.stop()

"""The paced REST queue against the demo gateway: lanes, coalescing, pacing, 429s, failures."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator

import pytest

from ibkr_desktop.client.http import Timeouts
from ibkr_desktop.client.rest_queue import RestQueue
from ibkr_desktop.client.scheduler import Lane, RestRequest, RetryPolicy
from ibkr_desktop.demo_gateway.server import DemoGateway
from ibkr_desktop.protocol.errors import (
    GatewayUnreachable,
    RateLimited,
    RequestTimedOut,
    ServiceUnavailable,
)
from ibkr_desktop.protocol.pacing import Pacer
from tests.client.conftest import FAST, Recorder, fast_config
from tests.helpers import wait_until

QUICK_RETRY = RetryPolicy(max_retries=3, rate_limit_base_s=0.1, rate_limit_cap_s=0.5,
                          unavailable_base_s=0.05)


@pytest.fixture
async def queue(gateway: DemoGateway) -> AsyncIterator[RestQueue]:
    """A running queue on the `gateway` fixture with per-endpoint limits off."""
    rest = RestQueue(gateway.base_url, retry=QUICK_RETRY, timeouts=FAST.http,
                     pacer=Pacer(limits=()))
    rest.start()
    try:
        yield rest
    finally:
        rest.stop()


async def test_results_arrive_awaited_and_as_signals(queue: RestQueue) -> None:
    """await call() returns the JSON body, and request_finished carries the same result."""
    seen = Recorder(queue, "request_finished")
    body = await queue.call("POST", "/tickle", json={})
    assert isinstance(body, dict) and body["iserver"]["authStatus"]["authenticated"] is True
    await wait_until(lambda: seen["request_finished"])
    assert seen["request_finished"][0].request.path == "/tickle"
    assert seen["request_finished"][0].body == body


async def test_identical_waiting_gets_are_sent_once(queue: RestQueue) -> None:
    """Three identical GETs queued together share one request (and one answer object)."""
    for i in range(3):  # fill the spacing slot so the next GETs wait together
        queue.submit(RestRequest("GET", f"/iserver/secdef/search?n={i}"), Lane.BACKGROUND)
    request = RestRequest("GET", "/iserver/accounts")
    futures = [queue.submit(request, Lane.USER) for _ in range(3)]
    bodies = await asyncio.gather(*(asyncio.wrap_future(f) for f in futures))
    assert bodies[0] is bodies[1] is bodies[2]


async def test_order_lane_overtakes_queued_background_requests(queue: RestQueue) -> None:
    """With 12 background GETs queued, an ORDER request is answered before most of them."""
    done: list[str] = []

    async def tracked(name: str, lane: Lane) -> None:
        await asyncio.wrap_future(queue.submit(RestRequest("GET", f"/tickle?{name}"), lane))
        done.append(name)

    background = [asyncio.ensure_future(tracked(f"bg{i}", Lane.BACKGROUND)) for i in range(12)]
    await asyncio.sleep(0)  # one loop turn: every background GET is submitted, none waited on
    await tracked("order", Lane.ORDER)
    assert done.index("order") <= 2
    await asyncio.gather(*background)


async def test_paced_burst_never_trips_the_gateway_limit() -> None:
    """25 requests at once against a pacing gateway: all succeed, no 429, about 10/s."""
    gateway = DemoGateway(fast_config(pacing=True))
    await gateway.start()
    rest = RestQueue(gateway.base_url, retry=QUICK_RETRY)
    seen = Recorder(rest, "throttling_changed", "pacing_changed")
    rest.start()
    try:
        started = time.monotonic()
        await asyncio.gather(*(rest.call("GET", "/iserver/secdef/search",
                                         params={"symbol": f"A{i}"}) for i in range(25)))
        elapsed = time.monotonic() - started
        assert elapsed > 2.2  # paced to <= 10/s; how fast it goes is bench_pacer's business
        assert rest.stats.rate_limited == 0
        assert True in seen["throttling_changed"]
        assert max(s.requests_per_s for s in seen["pacing_changed"]) <= 10
    finally:
        rest.stop()
        await gateway.stop()


async def test_429_storm_backs_off_and_retries_gets(queue: RestQueue,
                                                    gateway: DemoGateway) -> None:
    """Three 429s in a row: the GET is retried after back-off and succeeds; 429s counted."""
    seen = Recorder(queue, "request_failed", "pacing_changed")
    gateway.faults.fail_next(3, 429)
    body = await queue.call("GET", "/iserver/accounts")
    assert isinstance(body, dict) and body["accounts"]
    assert seen["request_failed"] == []
    await wait_until(lambda: queue.stats.rate_limited == 3)


async def test_order_post_is_not_resent_after_a_429(queue: RestQueue,
                                                    gateway: DemoGateway) -> None:
    """A POST that meets a 429 fails with RateLimited and is not sent again."""
    await queue.call("GET", "/iserver/accounts")
    gateway.faults.fail_next(1, 429)
    with pytest.raises(RateLimited):
        await queue.call("POST", "/iserver/account/DU1234567/orders", lane=Lane.ORDER, json={
            "orders": [{"conid": 265598, "side": "BUY", "quantity": 1, "orderType": "MKT",
                        "tif": "DAY", "cOID": "test-429"}]})
    await queue.call("GET", "/iserver/accounts")  # a queued re-send would go out before this
    assert not gateway.brokerage.book.coid_taken("test-429")


async def test_503s_are_retried_for_gets(queue: RestQueue, gateway: DemoGateway) -> None:
    """Two 503s, then success: the caller only sees the answer."""
    gateway.faults.fail_next(2, 503)
    body = await queue.call("GET", "/iserver/accounts")
    assert isinstance(body, dict) and body["accounts"]


async def test_persistent_503_reaches_the_caller_and_the_session_keeper(
        queue: RestQueue, gateway: DemoGateway) -> None:
    """503s beyond the retries: ServiceUnavailable for the caller, session_problem signalled."""
    seen = Recorder(queue, "session_problem")
    gateway.faults.fail_next(10, 503)
    with pytest.raises(ServiceUnavailable):
        await queue.call("GET", "/iserver/accounts")
    await wait_until(lambda: seen["session_problem"])
    assert isinstance(seen["session_problem"][0], ServiceUnavailable)


async def test_slow_answers_time_out_and_are_classified(gateway: DemoGateway) -> None:
    """An answer slower than the read timeout: RequestTimedOut, reported as a session problem."""
    rest = RestQueue(gateway.base_url, timeouts=Timeouts(connect=1.0, read=0.3))
    seen = Recorder(rest, "session_problem")
    rest.start()
    try:
        gateway.faults.set_delay(1.0)
        with pytest.raises(RequestTimedOut):
            await rest.call("POST", "/tickle", json={})
        await wait_until(lambda: seen["session_problem"])
    finally:
        gateway.faults.set_delay(0)
        rest.stop()


async def test_refused_connection_is_gateway_unreachable() -> None:
    """Nothing listening: GatewayUnreachable naming the address, and a session_problem."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    rest = RestQueue(f"http://127.0.0.1:{port}")
    seen = Recorder(rest, "session_problem")
    rest.start()
    try:
        with pytest.raises(GatewayUnreachable, match=f"127.0.0.1:{port}"):
            await rest.call("POST", "/tickle", json={})
        await wait_until(lambda: seen["session_problem"])
    finally:
        rest.stop()

"""Every injected fault, through the Python API and through POST /demo/admin/fault."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from tests.helpers import wait_until

from .conftest import Api
from .test_websocket import attached, frames_until, recv_until, topic


@pytest.fixture
async def ws_http():  # type: ignore[no-untyped-def]
    """A cookie-less client session for sockets."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
        yield session


async def admin(api: Api, **body: object) -> tuple[int, object]:
    """POST /demo/admin/fault with ``body``."""
    return await api.post("/demo/admin/fault", base=api.gateway.base_url, json_body=body)


async def test_fail_next_answers_status_then_recovers(api: Api) -> None:
    """fail_next(2, 503) fails exactly the next two API calls with IBKR-shaped 503s."""
    assert await admin(api, action="fail_next", count=2, status=503) == (
        200, {"ok": True, "action": "fail_next"})
    for _ in range(2):
        status, body = await api.post("/tickle")
        assert (status, body) == (503, {"error": "Service Unavailable", "statusCode": 503})
    assert (await api.post("/tickle"))[0] == 200
    api.gateway.faults.fail_next(1, 500)
    assert await api.get("/sso/validate") == (500, {"error": "Internal Server Error",
                                                     "statusCode": 500})


async def test_set_delay_slows_answers(api: Api) -> None:
    """set_delay holds every API answer back by that long."""
    await admin(api, action="set_delay", seconds=0.3)
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert (await api.post("/tickle"))[0] == 200
    assert loop.time() - started >= 0.25  # Qt timers are coarse
    api.gateway.faults.set_delay(0)


async def test_expire_session_gives_401_and_sts(api: Api, ws_http) -> None:  # type: ignore[no-untyped-def]
    """expire_session: sockets hear sts authenticated:false and close; REST answers 401."""
    gw = api.gateway
    async with await attached(ws_http, gw) as ws:
        await admin(api, action="expire_session")
        sts = await recv_until(ws, topic("sts"))
        assert sts["args"]["authenticated"] is False
        message = await asyncio.wait_for(ws.receive(), 3)
        assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    assert (await api.post("/tickle"))[0] == 401
    await admin(api, action="log_in")
    assert (await api.post("/tickle"))[0] == 200


async def test_competing_pushes_sts_and_stops_market_data(api: Api, ws_http) -> None:  # type: ignore[no-untyped-def]
    """set_competing: sts competing:true, smd subscriptions dropped, auth status competing."""
    gw = api.gateway
    async with await attached(ws_http, gw) as ws:
        await ws.send_str('smd+265598+{"fields":["31"]}')
        await recv_until(ws, topic("smd+265598"))
        await admin(api, action="set_competing", competing=True)
        sts = await recv_until(ws, topic("sts"))
        assert sts["args"]["competing"] is True and sts["args"]["authenticated"] is False
        await ws.send_str('smd+265598+{"fields":["31"]}')
        assert await recv_until(ws, lambda f: "error" in f) == {"error": "not authenticated",
                                                                 "code": 1}
    assert (await api.get("/iserver/auth/status"))[1]["competing"] is True


async def test_log_out_fault(api: Api, ws_http) -> None:  # type: ignore[no-untyped-def]
    """log_out behaves like POST /logout: sts not authenticated, then 401 everywhere."""
    async with await attached(ws_http, api.gateway) as ws:
        await admin(api, action="log_out")
        assert (await recv_until(ws, topic("sts")))["args"]["authenticated"] is False
    assert (await api.get("/iserver/auth/status"))[0] == 401


async def test_stop_heartbeats(make_gateway, http, ws_http) -> None:  # type: ignore[no-untyped-def]
    """stop_heartbeats silences system hb frames; resuming brings them back."""
    gw = await make_gateway(heartbeat_s=0.1)
    api = Api(http, gw)
    async with await attached(ws_http, gw) as ws:
        await recv_until(ws, lambda f: "hb" in f)
        await admin(api, action="stop_heartbeats")
        await ws.send_str("tic")  # frames are sent in order: this drains any hb sent before
        await recv_until(ws, topic("tic"))
        conn = next(iter(gw.hub._conns))
        silent_from = conn.next_heartbeat
        await wait_until(lambda: conn.next_heartbeat > silent_from)  # a heartbeat fell due
        await ws.send_str("tic")
        assert not [f for f in await frames_until(ws, topic("tic")) if "hb" in f]
        await admin(api, action="stop_heartbeats", stopped=False)
        await recv_until(ws, lambda f: "hb" in f)


async def test_drop_sockets(api: Api, ws_http) -> None:  # type: ignore[no-untyped-def]
    """drop_sockets aborts every socket without a close handshake."""
    gw = api.gateway
    async with await attached(ws_http, gw) as ws:
        await admin(api, action="drop_sockets")
        message = await asyncio.wait_for(ws.receive(), 3)
        assert message.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR,
                                aiohttp.WSMsgType.CLOSE)
    await wait_until(lambda: gw.hub.connections == 0)


async def test_restart_keeps_port_and_starts_new_session(api: Api, ws_http) -> None:  # type: ignore[no-untyped-def]
    """restart drops connections, listens on the same port again, with a new session id."""
    gw = api.gateway
    port, old = gw.port, await api.session_id()
    async with await attached(ws_http, gw) as ws:
        assert await admin(api, action="restart") == (200, {"ok": True, "action": "restart"})
        message = await asyncio.wait_for(ws.receive(), 3)
        assert message.type != aiohttp.WSMsgType.TEXT or "topic" in message.json()

    async def answered() -> bool:
        try:
            return (await api.post("/tickle"))[0] == 200
        except aiohttp.ClientError:
            return False

    for _ in range(100):
        if await answered():
            break
        await asyncio.sleep(0.05)
    assert gw.port == port and await api.session_id() != old


async def test_set_price_admin_and_bad_actions(api: Api) -> None:
    """set_price moves a market; unknown actions, conids and bad numbers are 400s."""
    assert (await admin(api, action="set_price", conid=8314, price=123.45))[0] == 200
    assert api.gateway.market.quote(8314).last == 123.45
    for body in ({"action": "explode"}, {"action": "set_price", "conid": 1, "price": 5},
                 {"action": "fail_next", "count": "x"}, {}):
        status, answer = await admin(api, **body)
        assert status == 400 and "error" in answer, body

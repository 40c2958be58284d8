"""The /v1/api/ws stream (§6): authentication variants, unsolicited frames and every topic."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest

from ibkr_desktop.demo_gateway.server import DemoGateway
from ibkr_desktop.protocol.frames import (
    account_summary_subscribe,
    history_subscribe,
    ledger_subscribe,
    market_data_subscribe,
)
from tests.helpers import wait_until

from .conftest import Api, GatewayFactory

Frame = dict[str, Any]


@pytest.fixture
async def ws_http() -> AsyncIterator[aiohttp.ClientSession]:
    """A client session that never stores cookies (each test chooses its own)."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
        yield session


async def recv(ws: aiohttp.ClientWebSocketResponse, timeout: float = 3.0) -> Frame:
    """The next JSON frame."""
    message = await asyncio.wait_for(ws.receive(), timeout)
    assert message.type == aiohttp.WSMsgType.TEXT, message
    return json.loads(message.data)


async def frames_until(ws: aiohttp.ClientWebSocketResponse, match: Callable[[Frame], bool],
                       timeout: float = 3.0) -> list[Frame]:
    """Every frame up to and including the first one that matches."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    frames: list[Frame] = []
    while not frames or not match(frames[-1]):
        frames.append(await recv(ws, max(0.05, deadline - loop.time())))
    return frames


async def recv_until(ws: aiohttp.ClientWebSocketResponse, match: Callable[[Frame], bool],
                     timeout: float = 3.0) -> Frame:
    """Skip frames (heartbeats, quotes) until one matches."""
    return (await frames_until(ws, match, timeout))[-1]


def topic(name: str) -> Callable[[Frame], bool]:
    """Matcher for frames whose topic is ``name``."""
    return lambda frame: frame.get("topic") == name


async def connect(http: aiohttp.ClientSession, gw: DemoGateway, cookie: str | None = None,
                  ) -> aiohttp.ClientWebSocketResponse:
    """Open the gateway socket with an optional Cookie header."""
    headers = {"Cookie": cookie} if cookie is not None else {}
    return await http.ws_connect(gw.ws_url, headers=headers)


async def attached(http: aiohttp.ClientSession, gw: DemoGateway,
                   ) -> aiohttp.ClientWebSocketResponse:
    """A socket authenticated by the api cookie, past its system/act/sts frames."""
    ws = await connect(http, gw, f"api={gw.session.session_id}")
    assert [(await recv(ws))["topic"] for _ in range(3)] == ["system", "act", "sts"]
    return ws


@pytest.mark.parametrize("style", ["plain", "json", "json-encoded", "x-sess-uuid"])
async def test_cookie_auth_variants_send_system_act_sts(gw, ws_http, style) -> None:  # type: ignore[no-untyped-def]
    """Every cookie form attaches at once: system (username), act (accounts), sts (auth)."""
    session = gw.session.session_id
    cookie = {
        "plain": f"api={session}",
        "json": 'api={"session": "' + session + '"}',
        "json-encoded": "api=%7B%22session%22%3A%22" + session + "%22%7D",
        "x-sess-uuid": f"x-sess-uuid={gw.session.sess_uuid}",
    }[style]
    async with await connect(ws_http, gw, cookie) as ws:
        system, act, sts = await recv(ws), await recv(ws), await recv(ws)
    assert system == {"topic": "system", "success": "demo_user", "isFT": False, "isPaper": True}
    assert act["topic"] == "act" and act["args"]["accounts"] == ["DU1234567"]
    assert act["args"]["selectedAccount"] == "DU1234567"
    assert sts["topic"] == "sts" and sts["args"]["authenticated"] is True


async def test_first_frame_session_auth(gw, ws_http) -> None:  # type: ignore[no-untyped-def]
    """Without a cookie the server waits for {"session": ...} and then attaches."""
    async with await connect(ws_http, gw) as ws:
        assert await recv(ws) == {"message": "waiting for session"}
        await ws.send_str(json.dumps({"session": gw.session.session_id}))
        assert [(await recv(ws))["topic"] for _ in range(3)] == ["system", "act", "sts"]


async def test_cookieless_socket_attaches_after_grace(gw, ws_http) -> None:  # type: ignore[no-untyped-def]
    """A silent cookie-less local socket is attached anyway (some gateway builds do this)."""
    async with await connect(ws_http, gw) as ws:
        assert (await recv(ws))["message"] == "waiting for session"
        assert (await recv(ws))["topic"] == "system"


async def test_wrong_session_is_refused(gw, ws_http) -> None:  # type: ignore[no-untyped-def]
    """A cookie naming another session gets a 401 upgrade refusal; a bad frame an error."""
    with pytest.raises(aiohttp.WSServerHandshakeError) as info:
        await connect(ws_http, gw, "api=0123456789abcdef0123456789abcdef")
    assert info.value.status == 401
    async with await connect(ws_http, gw) as ws:
        await recv(ws)
        await ws.send_str('{"session": "nope"}')
        assert await recv(ws) == {"error": "invalid session", "code": 1}


async def test_stale_sess_uuid_cookie_is_ignored(gw, ws_http) -> None:  # type: ignore[no-untyped-def]
    """An old x-sess-uuid cookie (from before a restart, say) just means "waiting for session"."""
    stale = "x-sess-uuid=00000000-0000-4000-8000-000000000000"
    async with await connect(ws_http, gw, stale) as ws:
        assert await recv(ws) == {"message": "waiting for session"}


async def test_logged_out_gateway_refuses_sockets(gw, ws_http) -> None:  # type: ignore[no-untyped-def]
    """With no session at all the upgrade is a 401."""
    gw.faults.log_out()
    with pytest.raises(aiohttp.WSServerHandshakeError) as info:
        await connect(ws_http, gw)
    assert info.value.status == 401


async def test_heartbeat_and_tic(make_gateway: GatewayFactory, ws_http) -> None:  # type: ignore[no-untyped-def]
    """system hb frames arrive every heartbeat_s; tic answers with a growing lastAccessed."""
    gw = await make_gateway(heartbeat_s=0.2)
    async with await attached(ws_http, gw) as ws:
        first = await recv_until(ws, lambda f: "hb" in f)
        second = await recv_until(ws, lambda f: "hb" in f)
        assert second["hb"] >= first["hb"] and first["topic"] == "system"
        await ws.send_str("tic")
        one = await recv_until(ws, topic("tic"))
        await ws.send_str("tic")
        two = await recv_until(ws, topic("tic"))
    assert one["alive"] is True and one["id"] == gw.session.session_id
    assert two["lastAccessed"] > one["lastAccessed"]


async def test_smd_full_frame_then_only_changes(gw, ws_http) -> None:  # type: ignore[no-untyped-def]
    """smd answers a full frame at once, then frames with only changed fields (+conid,_updated)."""
    async with await attached(ws_http, gw) as ws:
        await ws.send_str(market_data_subscribe(265598, ["31", "84", "86", "55"]))
        full = await recv_until(ws, topic("smd+265598"))
        assert {"31", "84", "86", "55", "6509", "conid", "_updated"} <= set(full)
        assert full["conid"] == 265598 and full["55"] == "AAPL"
        gw.market.set_price(265598, 250.00)
        update = await recv_until(ws, topic("smd+265598"))
    assert update["31"] == "250.00" and "55" not in update
    assert "conid" in update and "_updated" in update
    assert set(update) - {"conid", "conidEx", "_updated", "server_id", "topic"} <= {
        "31", "84", "86"}


async def test_smd_spaces_variant_and_resubscribe_adds_fields(gw, ws_http) -> None:  # type: ignore[no-untyped-def]
    """JSON with spaces is accepted; resubscribing adds fields; umd stops the stream silently."""
    async with await attached(ws_http, gw) as ws:
        await ws.send_str('smd+8314+{"fields": ["31"]}')
        await recv_until(ws, topic("smd+8314"))
        await ws.send_str('smd+8314+{"fields": ["7295", "55"]}')
        frame = await recv_until(ws, topic("smd+8314"))
        assert {"31", "55"} <= set(frame)
        await ws.send_str("umd+8314+{}")
        await ws.send_str("tic")
        await recv_until(ws, topic("tic"))
        gw.market.set_price(8314, 190.0)
        await ws.send_str("tic")
        frame = await recv_until(ws, lambda f: f.get("topic") in ("tic", "smd+8314"))
    assert frame["topic"] == "tic"


async def test_smd_expires_after_lifetime(make_gateway: GatewayFactory, ws_http) -> None:  # type: ignore[no-untyped-def]
    """smd streams stop after smd_lifetime_s (IBKR: 15 minutes)."""
    gw = await make_gateway(smd_lifetime_s=0.3)
    async with await attached(ws_http, gw) as ws:
        await ws.send_str(market_data_subscribe(756733, ["31"]))
        await recv_until(ws, topic("smd+756733"))
        conn = next(iter(gw.hub._conns))
        await wait_until(lambda: conn.md == {})
        await ws.send_str("tic")  # frames go out in order: this drains quotes sent before expiry
        await recv_until(ws, topic("tic"))
        gw.market.set_price(756733, 400.0)
        await ws.send_str("tic")  # the answer comes after any quote sent for the new price
        frames = await frames_until(ws, topic("tic"))
    assert not [f for f in frames if f.get("topic") == "smd+756733"]


async def test_smd_errors(gw, ws_http) -> None:  # type: ignore[no-untyped-def]
    """Unknown conids, unknown topics and malformed text get {"error":..., "code": 1}."""
    async with await attached(ws_http, gw) as ws:
        for text in ('smd+999+{"fields":["31"]}', "sxx+1+{}", "smd+265598+{not json",
                     "hello world"):
            await ws.send_str(text)
            frame = await recv_until(ws, lambda f: "error" in f)
            assert frame["code"] == 1, text


async def test_smh_history_and_umh(gw, ws_http) -> None:  # type: ignore[no-untyped-def]
    """smh sends bars with serverId; umh+serverId answers "Unsubscribed <id>"."""
    async with await attached(ws_http, gw) as ws:
        await ws.send_str(history_subscribe(265598, "1d", "5min", fmt="%o/%c/%h/%l"))
        frame = await recv_until(ws, topic("smh+265598"))
        assert frame["serverId"] and frame["data"] and frame["symbol"] == "AAPL"
        assert set(frame["data"][0]) == {"o", "c", "h", "l", "t"}
        gw.market.set_price(265598, 300.0)
        update = await recv_until(ws, topic("smh+265598"))
        assert update["data"][-1]["c"] == 300.0
        await ws.send_str(f"umh+{frame['serverId']}")
        reply = await recv_until(ws, lambda f: "message" in f)
    assert reply == {"message": f"Unsubscribed {frame['serverId']}"}


async def test_smh_limits_and_validation(gw, ws_http) -> None:  # type: ignore[no-untyped-def]
    """An invalid period/bar and a sixth concurrent smh stream are refused."""
    async with await attached(ws_http, gw) as ws:
        await ws.send_str(history_subscribe(265598, "1d", "1w"))
        assert "error" in await recv_until(ws, lambda f: "error" in f)
        for _ in range(5):
            await ws.send_str(history_subscribe(8314, "1d", "1h"))
            await recv_until(ws, topic("smh+8314"))
        await ws.send_str(history_subscribe(8314, "1d", "1h"))
        assert (await recv_until(ws, lambda f: "error" in f))["code"] == 429


async def test_sbd_ladder(gw, ws_http) -> None:  # type: ignore[no-untyped-def]
    """sbd sends a price ladder around the touch; ubd stops it."""
    async with await attached(ws_http, gw) as ws:
        await ws.send_str("sbd+DU1234567+265598")
        frame = await recv_until(ws, topic("sbd+DU1234567+265598"))
    rows = frame["data"]
    assert [row["row"] for row in rows] == list(range(len(rows)))
    assert sum(row["focus"] for row in rows) == 1 and "@" in rows[5]["price"]
    assert "ask" in rows[0] and "bid" in rows[-1]


async def test_brokerage_topics_confirm_at_once(gw, ws_http) -> None:  # type: ignore[no-untyped-def]
    """sor, str, spl (every spelling) answer an initial frame with their topic."""
    async with await attached(ws_http, gw) as ws:
        for text, name in (("sor+{}", "sor"), ("str+{}", "str"), ("spl+{}", "spl"),
                           ("sor", "sor"), ('str+{"realtimeUpdatesOnly":true,"days":1}', "str"),
                           ("spl", "spl")):
            await ws.send_str(text)
            frame = await recv_until(ws, topic(name))
            assert "args" in frame, text
        assert "DU1234567.Core" in frame["args"]
        for text in ("uor+{}", "utr", "upl+{}"):
            await ws.send_str(text)


async def test_order_updates_are_pushed_to_sor(gw, ws_http, http) -> None:  # type: ignore[no-untyped-def]
    """An order placed over REST shows up on the sor stream (brokerage push)."""
    api = Api(http, gw)
    await api.ready()
    async with await attached(ws_http, gw) as ws:
        await ws.send_str("sor+{}")
        await recv_until(ws, topic("sor"))
        quote = gw.market.quote(8314)
        status, body = await api.post("/iserver/account/DU1234567/orders", json_body={"orders": [{
            "conid": 8314, "orderType": "LMT", "side": "BUY", "quantity": 1,
            "price": round(quote.bid * 0.99, 2), "tif": "DAY"}]})
        while status == 200 and "message" in body[0]:  # confirm any order questions
            status, body = await api.post(f"/iserver/reply/{body[0]['id']}",
                                          json_body={"confirmed": True})
        assert status == 200 and "order_id" in body[0], body
        frame = await recv_until(ws, lambda f: f.get("topic") == "sor" and bool(f["args"]))
    assert any(item.get("conid") == 8314 or "orderId" in item for item in frame["args"])


async def test_account_summary_and_ledger(make_gateway: GatewayFactory, ws_http) -> None:  # type: ignore[no-untyped-def]
    """ssd/sld answer rows (AccountCode / acctCode present), push periodically, unsubscribe."""
    gw = await make_gateway(summary_interval_s=0.2)
    async with await attached(ws_http, gw) as ws:
        await ws.send_str(account_summary_subscribe("DU1234567"))
        ssd = await recv_until(ws, topic("ssd+DU1234567"))
        assert any(row.get("key") == "AccountCode" for row in ssd["result"])
        await ws.send_str(ledger_subscribe("DU1234567"))
        sld = await recv_until(ws, topic("sld+DU1234567"))
        assert any("acctCode" in row for row in sld["result"])
        again = await recv_until(ws, topic("sld+DU1234567"))
        assert again["result"], "ledger is re-published every interval"
        await ws.send_str("usd+DU1234567+{}")
        assert await recv_until(ws, lambda f: "result" in f and "topic" not in f) == {
            "result": "unsubscribed from summary"}
        await ws.send_str("uld+DU1234567")
        assert await recv_until(ws, lambda f: "result" in f and "topic" not in f) == {
            "result": "unsubscribed from ledger"}
        await ws.send_str(account_summary_subscribe("U999"))
        assert (await recv_until(ws, lambda f: "error" in f))["code"] == 1


async def test_summary_keys_filter(gw, ws_http) -> None:  # type: ignore[no-untyped-def]
    """ssd keys limit the rows sent."""
    async with await attached(ws_http, gw) as ws:
        await ws.send_str(account_summary_subscribe("DU1234567", keys=["AccountCode"]))
        frame = await recv_until(ws, topic("ssd+DU1234567"))
    assert [row["key"] for row in frame["result"]] == ["AccountCode"]

"""Malformed requests and frames get IBKR-shaped errors and never take the gateway down."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from .conftest import Api
from .test_websocket import attached, recv_until, topic

JUNK_REQUESTS: tuple[tuple[str, str, dict[str, str] | None, bytes | None], ...] = (
    ("GET", "/iserver/marketdata/snapshot", {"conids": "99999999999999999999999"}, None),
    ("GET", "/iserver/marketdata/snapshot", {"conids": ",,,"}, None),
    ("GET", "/iserver/marketdata/snapshot", {"conids": "-5"}, None),
    ("GET", "/iserver/marketdata/history", {"conid": "265598", "period": "0d", "bar": "1d"},
     None),
    ("GET", "/iserver/marketdata/history", {"conid": "265598", "period": "d", "bar": ""}, None),
    ("GET", "/iserver/marketdata/history", {"conid": "x"}, None),
    ("POST", "/iserver/marketdata/unsubscribe", None, b"[1, 2, 3]"),
    ("POST", "/iserver/marketdata/unsubscribe", None, b'{"conid": "abc"}'),
    ("POST", "/iserver/secdef/search", None, b'"just a string"'),
    ("POST", "/iserver/secdef/search", None, b"\xff\xfe\x00"),
    ("GET", "/trsrv/stocks", {"symbols": ""}, None),
    ("GET", "/trsrv/secdef", None, None),
    ("GET", "/iserver/contract/%00/info", None, None),
    ("POST", "/iserver/auth/ssodh/init", None, b'{"publish": "maybe"}'),
    ("POST", "/iserver/auth/ssodh/init", None, b"null"),
    ("PUT", "/tickle", None, b"{}"),
    ("POST", "/demo/admin/fault", None, b'{"action": ["list"]}'),
)


async def test_junk_requests_get_json_errors_and_gateway_survives(api: Api) -> None:
    """Every junk request answers JSON (no 5xx crash page); the gateway still works after."""
    await api.ready()
    for method, path, params, body in JUNK_REQUESTS:
        base = api.gateway.base_url if path.startswith("/demo") else None
        status, answer = await api.call(method, path, params=params, data=body, base=base)
        assert api.last_content_type == "application/json", (path, answer)
        assert status < 500 or "error" in answer, (path, status, answer)
    assert (await api.post("/tickle"))[0] == 200


@pytest.fixture
async def ws_http():  # type: ignore[no-untyped-def]
    """A cookie-less client session for sockets."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
        yield session


async def test_junk_frames_get_errors_and_socket_keeps_working(gw, ws_http) -> None:  # type: ignore[no-untyped-def]
    """Odd frames get error frames or are ignored; the same socket still streams afterwards."""
    async with await attached(ws_http, gw) as ws:
        for text in ('smd+265598+{"fields": "31"}', 'smd+265598+{"fields": [{}]}',
                     'smh+265598+{"period": 5, "bar": null}', "sbd+DU1234567",
                     'ssd+DU1234567+{"keys": "x"}', 'str+{"days": "3"}', "umh", "umd+abc+{}",
                     "s", "+++", '{"session": 5}', "x" * 10_000, "ech+hb"):
            await ws.send_str(text)
        await ws.send_bytes(b"\xff\xfe")
        await ws.send_bytes(b"tic")
        await recv_until(ws, topic("tic"))
        await ws.send_str('smd+8314+{"fields":["31"]}')
        frame = await recv_until(ws, topic("smd+8314"))
    assert frame["conid"] == 8314


async def test_a_client_leaving_during_the_websocket_handshake_is_no_error(api: Api) -> None:
    """An upgrade request whose client hangs up at once ends quietly (no ERROR is logged)."""
    for _ in range(5):
        reader, writer = await asyncio.open_connection("127.0.0.1", api.gateway.port)
        writer.write(b"GET /v1/api/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                     b"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                     b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
        writer.close()
        await writer.wait_closed()
    assert (await api.post("/tickle"))[0] == 200

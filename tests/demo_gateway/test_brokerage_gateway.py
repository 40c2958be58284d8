"""The brokerage inside the full demo gateway: REST, WebSocket topics and session resets."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import date
from typing import Any

import aiohttp
import pytest

from ibkr_desktop.demo_gateway.server import DemoGateway, GatewayConfig
from ibkr_desktop.demo_gateway.simtime import et_ms

from .brokerage_fakes import AAPL, ACCOUNT, ticket

REGULAR_HOURS = et_ms(date(2024, 6, 4), 10 * 60 + 30)
"""A Tuesday, 10:30 New York time: the market is open."""


@pytest.fixture
def gateway_config() -> GatewayConfig:
    """The shared gateway fixture, started in regular hours, without pacing waits."""
    return GatewayConfig(seed=7, tls=False, pacing=False, start_ms=REGULAR_HOURS,
                         opening_positions=())


async def _json(response: aiohttp.ClientResponse, status: int = 200) -> Any:
    assert response.status == status, await response.text()
    return await response.json()


async def _place_confirmed(http: aiohttp.ClientSession, api: str, body: Any) -> list[Any]:
    """Place an order and confirm every question of its reply chain."""
    answer = await _json(await http.post(f"{api}/iserver/account/{ACCOUNT}/orders", json=body))
    while "id" in answer[0]:
        answer = await _json(await http.post(f"{api}/iserver/reply/{answer[0]['id']}",
                                             json={"confirmed": True}))
    return answer


async def _frames_until(
    ws: aiohttp.ClientWebSocketResponse, done: Callable[[list[dict[str, Any]]], bool]
) -> list[dict[str, Any]]:
    """Collect WebSocket frames until ``done(frames)`` holds (5 s at most)."""
    frames: list[dict[str, Any]] = []

    async def collect() -> None:
        while not done(frames):
            frames.append(json.loads(await ws.receive_str()))

    await asyncio.wait_for(collect(), 5.0)
    return frames


def _topic(frames: list[dict[str, Any]], topic: str) -> list[Any]:
    return [item for f in frames if f.get("topic") == topic for item in
            (f["args"] if isinstance(f["args"], list) else [f["args"]])]


async def test_a_fill_reaches_rest_and_the_order_trade_and_pnl_topics(
    gateway: DemoGateway,
) -> None:
    """A confirmed limit fills when the market moves through it; sor/str/spl report it."""
    api = gateway.api_url
    async with aiohttp.ClientSession() as http:
        tickle = await _json(await http.post(f"{api}/tickle"))
        await _json(await http.get(f"{api}/iserver/accounts"))
        async with http.ws_connect(gateway.ws_url,
                                   headers={"Cookie": f"api={tickle['session']}"}) as ws:
            for message in ("sor+{}", "str+{}", "spl+{}"):
                await ws.send_str(message)
            last = gateway.market.quote(AAPL).last
            limit = round(last * 0.95, 2)
            [accepted] = await _place_confirmed(
                http, api, {"orders": [ticket("BUY", 100, "LMT", price=limit, tif="GTC")]})
            order_id = int(accepted["order_id"])
            gateway.market.set_price(AAPL, round(last * 0.94, 2))

            def filled(frames: list[dict[str, Any]]) -> bool:
                return any(u.get("orderId") == order_id and u.get("status") == "Filled"
                           for u in _topic(frames, "sor")) and bool(_topic(frames, "str"))

            frames = await _frames_until(ws, filled)
        [execution] = _topic(frames, "str")
        assert execution["size"] == 100 and float(execution["price"]) <= limit
        assert f"{ACCOUNT}.Core" in _topic(frames, "spl")[-1]
        status = await _json(await http.get(f"{api}/iserver/account/order/status/{order_id}"))
        assert status["order_status"] == "Filled"
        await _json(await http.get(f"{api}/portfolio/accounts"))
        [position] = await _json(await http.get(f"{api}/portfolio/{ACCOUNT}/positions/0"))
        assert position["conid"] == AAPL and position["position"] == 100


async def test_a_new_brokerage_session_resets_priming_and_suppression(
    gateway: DemoGateway,
) -> None:
    """After ssodh/init the live orders are primed again and suppressed questions return."""
    api = gateway.api_url
    far = [ticket("BUY", 1, "LMT", price=round(gateway.market.quote(AAPL).last * 0.8, 2))]
    async with aiohttp.ClientSession() as http:
        await _json(await http.get(f"{api}/iserver/accounts"))
        await _json(await http.post(f"{api}/iserver/questions/suppress",
                                    json={"messageIds": ["o163"]}))
        await _json(await http.get(f"{api}/iserver/account/orders"))
        primed = await _json(await http.get(f"{api}/iserver/account/orders"))
        assert primed["snapshot"] is True
        await _json(await http.post(f"{api}/iserver/auth/ssodh/init",
                                    json={"publish": True, "compete": True}))
        await _json(await http.get(f"{api}/iserver/accounts"))
        again = await _json(await http.get(f"{api}/iserver/account/orders"))
        assert again == {"orders": [], "snapshot": False}
        [question] = await _json(await http.post(f"{api}/iserver/account/{ACCOUNT}/orders",
                                                 json=far))
        assert question["messageIds"] == ["o163"]


async def test_a_new_demo_account_holds_positions_valued_at_the_market() -> None:
    """By default the demo account opens with positions whose market value follows the market."""
    gateway = DemoGateway(GatewayConfig(seed=7, pacing=False, start_ms=REGULAR_HOURS))
    await gateway.start()
    try:
        api = gateway.api_url
        async with aiohttp.ClientSession() as http:
            await _json(await http.get(f"{api}/iserver/accounts"))
            await _json(await http.get(f"{api}/portfolio/accounts"))
            positions = await _json(await http.get(f"{api}/portfolio/{ACCOUNT}/positions/0"))
            by_conid = {p["conid"]: p for p in positions}
            assert by_conid[AAPL]["position"] == 100 and len(positions) == 5
            last = gateway.market.quote(AAPL).last
            assert by_conid[AAPL]["mktValue"] == pytest.approx(100 * last, rel=0.01)
    finally:
        await gateway.stop()

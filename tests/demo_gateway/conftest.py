"""Fixtures for the demo-gateway tests: gateways with test timings and a small JSON client."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest

from ibkr_desktop.demo_gateway.server import DemoGateway, GatewayConfig


class Api:
    """A tiny JSON client for one gateway: ``await api.get("/tickle")`` -> (status, body)."""

    def __init__(self, http: aiohttp.ClientSession, gateway: DemoGateway) -> None:
        self.http = http
        self.gateway = gateway

    async def call(
        self, method: str, path: str, *, json_body: object = None, data: str | bytes | None = None,
        params: dict[str, str] | None = None, headers: dict[str, str] | None = None,
        base: str | None = None,
    ) -> tuple[int, Any]:
        """Send a request (path relative to /v1/api unless ``base`` is given)."""
        url = (base if base is not None else self.gateway.api_url) + path
        kwargs: dict[str, Any] = {"params": params, "headers": headers, "ssl": False}
        if json_body is not None:
            kwargs["json"] = json_body
        elif data is not None:
            kwargs["data"] = data
        async with self.http.request(method, url, **kwargs) as response:
            text = await response.text()
            self.last_headers = response.headers
            self.last_content_type = response.content_type
            try:
                return response.status, json.loads(text)
            except ValueError:
                return response.status, text

    async def get(self, path: str, **kwargs: Any) -> tuple[int, Any]:
        """GET."""
        return await self.call("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> tuple[int, Any]:
        """POST."""
        return await self.call("POST", path, **kwargs)

    async def ready(self) -> None:
        """Do the §1.7 start-up: query /iserver/accounts so /iserver calls are allowed."""
        status, _ = await self.get("/iserver/accounts")
        assert status == 200

    async def session_id(self) -> str:
        """The session id from /tickle."""
        status, body = await self.post("/tickle")
        assert status == 200, body
        return str(body["session"])


GatewayFactory = Callable[..., Awaitable[DemoGateway]]
THURSDAY_11_ET = 1717081200000
"""2024-05-30 11:00 US/Eastern: regular trading hours."""


@pytest.fixture
async def make_gateway() -> AsyncIterator[GatewayFactory]:
    """Start gateways with config overrides and an optional ``monotonic`` clock; stop them after.

    Defaults differ from the shared fixture: pacing off (tests send bursts) and the simulated
    clock starting on a Thursday at 11:00 ET, so results do not depend on when the suite runs.
    """
    started: list[DemoGateway] = []

    async def make(
        *, monotonic: Callable[[], float] = time.monotonic, **overrides: Any
    ) -> DemoGateway:
        overrides.setdefault("pacing", False)
        overrides.setdefault("start_ms", THURSDAY_11_ET)
        config = dataclasses.replace(GatewayConfig(seed=7, tls=False), **overrides)
        gateway = DemoGateway(config, monotonic=monotonic)
        await gateway.start()
        started.append(gateway)
        return gateway

    yield make
    for gateway in started:
        await gateway.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """An aiohttp client session on the test loop."""
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def gw(make_gateway: GatewayFactory) -> DemoGateway:
    """A gateway without pacing (most tests send bursts of requests)."""
    return await make_gateway()


@pytest.fixture
def api(http: aiohttp.ClientSession, gw: DemoGateway) -> Api:
    """JSON client bound to `gw`."""
    return Api(http, gw)

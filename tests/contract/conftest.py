"""Contract-test harness: a replay server that serves fixtures to the real client, the demo
gateway (open market, no pacing) with a small JSON client, and the client parts under test."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from ibkr_desktop.client.notices import Notice, NoticeBoard
from ibkr_desktop.client.orders import OrderDesk
from ibkr_desktop.client.rest_queue import RestQueue
from ibkr_desktop.client.sync import AccountSync
from ibkr_desktop.demo_gateway.server import DemoGateway, GatewayConfig
from ibkr_desktop.protocol.orders import new_coid
from ibkr_desktop.protocol.pacing import Pacer
from tests.client.conftest import FAST, fast_config
from tests.demo_gateway.conftest import Api

ACCOUNT = "DU1234567"
"""The demo gateway's paper account (and the fixtures' placeholder paper account)."""


class Replay:
    """A loopback HTTP server answering recorded bodies: ``answer("GET", path, body)``.

    Requests nobody recorded get 404 ``{"error": "not recorded"}``; ``requests`` lists what
    the client sent, as (method, path, JSON body or None).
    """

    def __init__(self) -> None:
        self.answers: dict[tuple[str, str], tuple[int, Any]] = {}
        self.requests: list[tuple[str, str, Any]] = []
        self.url = ""
        self._runner: web.AppRunner | None = None

    def answer(self, method: str, path: str, body: Any, status: int = 200) -> None:
        """Serve ``body`` for ``method`` on ``/v1/api`` + ``path``."""
        self.answers[(method, path)] = (status, body)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        path = request.path.removeprefix("/v1/api")
        body = await request.json() if request.can_read_body else None
        self.requests.append((request.method, path, body))
        status, body = self.answers.get((request.method, path), (404, {"error": "not recorded"}))
        return web.json_response(body, status=status)


@pytest.fixture(autouse=True)
def collect_on_gui_thread() -> Iterator[None]:
    """No automatic garbage collection while the REST threads run: a collection started on
    one of them could free Qt objects of the GUI thread (like ``threaded_gateway`` and the
    app's ``gc_guard``); garbage is collected on this thread before and after the test."""
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
        gc.collect()


@pytest.fixture
async def replay() -> AsyncIterator[Replay]:
    """A started replay server."""
    server = Replay()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def rest(replay: Replay) -> AsyncIterator[RestQueue]:
    """The client's real REST queue, pointed at the replay server."""
    queue = RestQueue(replay.url, retry=FAST.retry, timeouts=FAST.http, pacer=Pacer(limits=()))
    queue.start()
    try:
        yield queue
    finally:
        queue.stop()


class Seen:
    """Notices the user is shown (through a real NoticeBoard)."""

    def __init__(self) -> None:
        self.board = NoticeBoard()
        self.notices: list[Notice] = []
        self.board.notice.connect(self.notices.append)

    def texts(self, level: str) -> list[str]:
        return [n.text for n in self.notices if n.level == level]


@pytest.fixture
def seen() -> Seen:
    return Seen()


@pytest.fixture
def sync(rest: RestQueue, seen: Seen) -> AccountSync:
    """The client's account re-sync on the replay server; its notices reach ``seen``."""
    account_sync = AccountSync(rest, positions_delay_s=60.0)
    account_sync.account = ACCOUNT
    account_sync.notice.connect(seen.board.post)
    account_sync.failed.connect(seen.board.on_refresh_failed)
    return account_sync


@pytest.fixture
def desk(rest: RestQueue, seen: Seen) -> OrderDesk:
    """The client's order desk on the replay server; its notices reach ``seen``."""
    order_desk = OrderDesk(rest, lambda: ACCOUNT)
    order_desk.notice.connect(seen.board.post)
    return order_desk


@pytest.fixture
def gateway_config() -> GatewayConfig:
    """The demo gateway of these tests: open market (orders fill), no pacing."""
    return fast_config()


@pytest.fixture
async def api(gateway: DemoGateway) -> AsyncIterator[Api]:
    """A JSON client of the demo gateway that has done the start-up (/iserver/accounts)."""
    async with aiohttp.ClientSession() as http:
        client = Api(http, gateway)
        await client.ready()
        yield client


async def place(api: Api, *orders: dict[str, Any]) -> list[Any]:
    """Place ``orders`` at the demo gateway, confirming every question; the final answer."""
    status, body = await api.post(f"/iserver/account/{ACCOUNT}/orders",
                                  json_body={"orders": list(orders)})
    for _ in range(10):
        questions = [row for row in body if isinstance(row, dict) and "message" in row] \
            if isinstance(body, list) else []
        if not questions:
            break
        status, body = await api.post(f"/iserver/reply/{questions[0]['id']}",
                                      json_body={"confirmed": True})
    assert status == 200, body
    return body  # type: ignore[no-any-return]


async def live_orders(api: Api) -> dict[str, Any]:
    """``/iserver/account/orders`` once it is primed (``snapshot: true``)."""
    for _ in range(5):
        status, body = await api.get("/iserver/account/orders")
        assert status == 200, body
        if body.get("snapshot") is not False:
            return body  # type: ignore[no-any-return]
    raise AssertionError("live orders never primed")


async def poll(fetch: Callable[[], Awaitable[tuple[int, Any]]], timeout: float = 30.0) -> Any:
    """Call ``fetch`` until it answers 200 with a non-empty body; that body (or fail)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        status, body = await fetch()
        if status == 200 and body:
            return body
        await asyncio.sleep(0.05)
    raise AssertionError(f"no answer within {timeout} s")


async def trades_after_fill(api: Api) -> list[Any]:
    """Place a market order and return ``/iserver/account/trades`` once it lists the fill."""
    await place(api, {"conid": 265598, "orderType": "MKT", "side": "BUY", "quantity": 1,
                      "tif": "DAY", "cOID": new_coid()})
    return await poll(lambda: api.get("/iserver/account/trades"))  # type: ignore[no-any-return]


__all__ = ["ACCOUNT", "Replay", "Seen", "live_orders", "place", "poll", "trades_after_fill"]

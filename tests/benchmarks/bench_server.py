"""A tiny IBKR-shaped blaster for the stream benchmarks, run as its own process.

It answers just enough REST for ibind (``/tickle``, ``/iserver/auth/status``) and serves
``/v1/api/ws``: it greets like a gateway (``system``, ``act``, ``sts``), confirms each ``smd``
subscription with a first frame and, once every conid is subscribed, sends ``n`` ``smd``
frames, cycling the conids. The first blast frame carries symbol ``BEGIN`` and the last
symbol ``END`` on the first conid, so every client can time the same span.

Query parameters of the WebSocket URL: ``n`` frames, ``conids`` to wait for, ``rate``
frames/s (0 = as fast as the client reads). With a rate, each frame's ``open`` field (7295)
holds the server's ``time.time()`` at send, for latency.

Run: ``python bench_server.py`` prints ``PORT <n>`` and serves until stdin closes.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from aiohttp import WSMsgType, web

SESSION = "0123456789abcdef0123456789abcdef"
AUTH = {"authenticated": True, "competing": False, "connected": True, "message": ""}


def smd_frame(conid: int, i: int, symbol: str | None = None, stamp: float | None = None) -> str:
    """An IBKR-shaped ``smd`` update with a handful of changed fields."""
    price = 100.0 + (i % 700) / 100
    frame: dict[str, object] = {
        "31": f"{price:.2f}", "84": f"{price - 0.01:.2f}", "86": f"{price + 0.01:.2f}",
        "88": str(100 + i % 900), "85": str(200 + i % 800), "7059": str(1 + i % 50),
        "6119": "q2", "6509": "RpB", "_updated": 1712596911593 + i, "conid": conid,
        "conidEx": str(conid), "server_id": "q2", "topic": f"smd+{conid}",
    }
    if symbol is not None:
        frame["55"] = symbol
    if stamp is not None:
        frame["7295"] = f"{stamp:.6f}"
    return json.dumps(frame)


async def tickle(request: web.Request) -> web.Response:
    return web.json_response({"session": SESSION, "iserver": {"authStatus": AUTH}})


async def auth_status(request: web.Request) -> web.Response:
    return web.json_response(AUTH)


async def websocket(request: web.Request) -> web.WebSocketResponse:
    n = int(request.query.get("n", "20000"))
    want = int(request.query.get("conids", "100"))
    rate = float(request.query.get("rate", "0"))
    ws = web.WebSocketResponse(compress=False, max_msg_size=0)
    await ws.prepare(request)
    await ws.send_str(json.dumps({"topic": "system", "success": "bench", "isPaper": True}))
    await ws.send_str(json.dumps({"topic": "act", "args": {"accounts": ["DU1"],
                                                           "selectedAccount": "DU1"}}))
    await ws.send_str(json.dumps({"topic": "sts", "args": AUTH}))
    subscribed: list[int] = []
    blaster: asyncio.Task[None] | None = None
    async for msg in ws:
        if msg.type != WSMsgType.TEXT or not msg.data.startswith("smd+"):
            continue
        conid = int(msg.data.split("+")[1])
        if conid not in subscribed:
            subscribed.append(conid)
            await ws.send_str(smd_frame(conid, 0))
        if len(subscribed) == want and blaster is None:
            blaster = asyncio.create_task(blast(ws, subscribed, n, rate))
    if blaster is not None:
        blaster.cancel()
    return ws


async def blast(ws: web.WebSocketResponse, conids: list[int], n: int, rate: float) -> None:
    first = conids[0]
    if rate <= 0:
        frames = [smd_frame(conids[i % len(conids)], i) for i in range(n)]
        frames[0] = smd_frame(first, 0, "BEGIN")
        frames[-1] = smd_frame(first, n, "END")
        for frame in frames:
            await ws.send_str(frame)
        return
    start = time.perf_counter()
    for i in range(n):
        delay = start + i / rate - time.perf_counter()
        if delay > 0.0005:
            await asyncio.sleep(delay)
        symbol = "BEGIN" if i == 0 else "END" if i == n - 1 else None
        conid = first if symbol else conids[i % len(conids)]
        await ws.send_str(smd_frame(conid, i, symbol, time.time()))


async def main() -> None:
    app = web.Application()
    for path, handler in (("/v1/api/tickle", tickle), ("/v1/api/iserver/auth/status",
                                                        auth_status)):
        app.router.add_route("*", path, handler)
    app.router.add_get("/v1/api/ws", websocket)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(f"PORT {port}", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main())

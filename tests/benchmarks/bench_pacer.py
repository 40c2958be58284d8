"""Pacer benchmarks: the REST queue against a fast local HTTP server, on the real clock.

The server (a threaded ``http.server`` with keep-alive, in this process so both sides share
``time.monotonic``) answers at once and stamps every request on arrival. Three figures:

* sustained req/s with 60 background GETs queued at once (first to last arrival);
* the most requests the server saw in any 1-second window (the gateway's limit is 10);
* how long an ORDER-lane POST waits, from submit to arrival, behind 100 queued background
  GETs (median of five, each submitted at a random moment of a saturated second).
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import random
import statistics
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ibkr_desktop.client.rest_queue import RestQueue
from ibkr_desktop.client.scheduler import Lane, RestRequest


class _Arrivals:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: list[tuple[float, str, str]] = []

    def add(self, method: str, path: str) -> None:
        with self.lock:
            self.times.append((time.monotonic(), method, path))


def _handler(arrivals: _Arrivals) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self) -> None:
            arrivals.add(self.command, self.path)
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            body = b'{"ok":true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    return Handler


@contextlib.contextmanager
def http_server() -> Iterator[tuple[str, _Arrivals]]:
    """A keep-alive HTTP server on 127.0.0.1:0 in a thread; yields (url, arrivals)."""
    arrivals = _Arrivals()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(arrivals))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", arrivals
    finally:
        server.shutdown()
        server.server_close()


def max_in_window(times: list[float], window: float = 1.0) -> int:
    """Most arrivals in any half-open window of ``window`` seconds."""
    times = sorted(times)
    return max((bisect.bisect_left(times, t + window) - i for i, t in enumerate(times)),
               default=0)


async def saturation(queue: RestQueue, arrivals: _Arrivals, count: int) -> tuple[float, int]:
    """Queue ``count`` distinct background GETs at once; (req/s, most in any 1 s window)."""
    start = len(arrivals.times)
    futures = [queue.submit(RestRequest("GET", f"/bench/sat/{i}"), Lane.BACKGROUND)
               for i in range(count)]
    await asyncio.gather(*(asyncio.wrap_future(f) for f in futures))
    stamps = [t for t, _, _ in arrivals.times[start:]]
    return (len(stamps) - 1) / (stamps[-1] - stamps[0]), max_in_window(stamps)


async def order_wait(queue: RestQueue, arrivals: _Arrivals, rounds: int) -> list[float]:
    """Submit-to-arrival ms of an ORDER POST with 100 background GETs queued, per round."""
    waits = []
    for r in range(rounds):
        background = [queue.submit(RestRequest("GET", f"/bench/bg/{r}/{i}"), Lane.BACKGROUND)
                      for i in range(100)]
        await asyncio.sleep(1.0 + random.random() * 0.2)  # the window is saturated by now
        path = f"/bench/order/{r}"
        submitted = time.monotonic()
        await queue.call("POST", path, json={"orders": []}, lane=Lane.ORDER)
        arrived = next(t for t, m, p in arrivals.times if p == "/v1/api" + path)
        waits.append((arrived - submitted) * 1000)
        for future in background:
            future.cancel()
        await asyncio.sleep(1.1)  # let cancelled work drain and the window empty
    return waits


def run(loop: asyncio.AbstractEventLoop, *, quick: bool = False) -> dict[str, float]:
    """Run the pacer benchmarks; returns the figures by JSON key."""
    with http_server() as (url, arrivals):
        queue = RestQueue(url)
        queue.start()
        try:
            rps, most = loop.run_until_complete(saturation(queue, arrivals, 30 if quick else 60))
            waits = loop.run_until_complete(order_wait(queue, arrivals, 3 if quick else 5))
            overall = max_in_window([t for t, _, _ in arrivals.times])
        finally:
            queue.stop()
    return {"pacer.rps": rps, "pacer.max_in_window": float(max(most, overall)),
            "pacer.order_wait_ms": statistics.median(waits),
            "pacer.order_wait_max_ms": max(waits)}

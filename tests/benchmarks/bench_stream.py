"""Stream benchmarks: ingest rate and latency of our StreamWorker, beside a raw client and ibind.

One blaster process (``bench_server.py``) serves all three clients in the same run:

* ours: :class:`~ibkr_desktop.client.stream.StreamWorker` on a qasync loop, frames parsed by
  ``protocol.frames`` and delivered as coalesced ``quotes_updated`` signals to a trivial slot;
* raw: ``websockets`` + ``json.loads`` on the same qasync loop, doing nothing else (the ceiling
  ``stream.ours_vs_raw`` is measured against); since our worker decodes with orjson, the same
  bare client with ``orjson.loads`` is measured too (``stream.raw_orjson_fps``), for the fair
  like-for-like ratio ``stream.ours_vs_raw_orjson``;
* ibind: ``IbkrWsClient`` 0.2.2 (websocket-client thread) into a ``CallbackSink``, measured in
  its fastest mode (``synchronous_output_events=True``, reported as ``stream.ibind_fps``) and
  in its default mode (an ``AsyncSink`` queue and thread in front, ``stream.ibind_default_fps``).

Every client times the span from the blast's ``BEGIN`` frame to its ``END`` frame. Each
client runs twice and keeps its best run, so a scheduling hiccup favours nobody.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
from websockets.asyncio.client import connect

from ibkr_desktop.client.stream import StreamTimings, StreamWorker
from ibkr_desktop.protocol.quotes import QuoteBatch

CONIDS = tuple(range(100001, 100101))
FIRST = CONIDS[0]
FIELDS = ("31", "84", "86", "88", "85", "7059")
SESSION = "0123456789abcdef0123456789abcdef"
SUBSCRIBE = '+{"fields":["31","84","86","88","85","7059"]}'


@contextlib.contextmanager
def blast_server() -> Iterator[int]:
    """Start ``bench_server.py`` in its own process; yields its port."""
    script = Path(__file__).with_name("bench_server.py")
    proc = subprocess.Popen([sys.executable, str(script)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        yield int(line.split()[1])
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=10)


def _url(port: int, n: int, rate: float = 0) -> str:
    return f"ws://127.0.0.1:{port}/v1/api/ws?n={n}&conids={len(CONIDS)}&rate={rate:g}"


async def ours_fps(port: int, n: int) -> float:
    """Frames/s through StreamWorker.quotes_updated to a slot that only looks for END."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()
    marks: dict[str, float] = {}

    def consume(batch: QuoteBatch) -> None:
        values = batch.get(FIRST)
        if values is not None:
            symbol = values.get("symbol")
            if symbol == "BEGIN":
                marks["begin"] = time.perf_counter()
            elif symbol == "END" and not done.done():
                marks["end"] = time.perf_counter()
                done.set_result(None)

    worker = StreamWorker(_url(port, n), timings=StreamTimings(stall_s=60))
    worker.quotes_updated.connect(consume)
    worker.subscribe_quotes(CONIDS, FIELDS)
    worker.start(SESSION)
    try:
        await asyncio.wait_for(done, 120)
    finally:
        await worker.stop()
    return n / (marks["end"] - marks["begin"])


async def raw_fps(port: int, n: int,
                  loads: Callable[[str | bytes], Any] = json.loads) -> float:
    """Frames/s of a bare websockets + ``loads`` client (same loop, same connection options)."""
    marks: dict[str, float] = {}
    async with connect(_url(port, n), compression=None, max_queue=256,
                       ping_interval=None) as ws:
        for conid in CONIDS:
            await ws.send(f"smd+{conid}{SUBSCRIBE}")
        async for message in ws:
            frame = loads(message)
            if frame.get("conid") == FIRST:
                symbol = frame.get("55")
                if symbol == "BEGIN":
                    marks["begin"] = time.perf_counter()
                elif symbol == "END":
                    marks["end"] = time.perf_counter()
                    break
    return n / (marks["end"] - marks["begin"])


async def ours_latency(port: int, rate: float, seconds: float) -> tuple[float, float]:
    """p50/p99 ms from the server's send stamp to our quotes_updated slot at ``rate`` frames/s."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()
    samples: list[float] = []

    def consume(batch: QuoteBatch) -> None:
        now = time.time()
        for values in batch.values():
            sent = values.get("open")
            if isinstance(sent, float):
                samples.append(now - sent)
            if values.get("symbol") == "END" and not done.done():
                done.set_result(None)

    n = int(rate * seconds)
    worker = StreamWorker(_url(port, n, rate), timings=StreamTimings(stall_s=60))
    worker.quotes_updated.connect(consume)
    worker.subscribe_quotes(CONIDS, FIELDS)
    worker.start(SESSION)
    try:
        await asyncio.wait_for(done, seconds + 60)
    finally:
        await worker.stop()
    steady = sorted(samples[len(samples) // 5:])  # skip the first fifth (warm-up)
    p50 = statistics.median(steady) * 1000
    p99 = steady[min(len(steady) - 1, int(len(steady) * 0.99))] * 1000
    return p50, p99


def ibind_fps(port: int, n: int, synchronous: bool = True) -> float:
    """Frames/s of ibind's IbkrWsClient into a callback sink.

    ``synchronous=True`` calls the sink on ibind's socket thread (its fastest mode);
    ``False`` is ibind's default, an ``AsyncSink`` queue and thread in front of the sink.
    """
    from ibind import CallbackSink, IbkrClient, IbkrWsClient
    from ibind.events import MarketData
    from ibind.subscriptions import MarketDataSubscription

    logging.getLogger("ibind").setLevel(logging.CRITICAL)
    done = threading.Event()
    marks: dict[str, float] = {}
    first = str(FIRST)

    def consume(event: MarketData) -> None:
        if str(event.conid) == first:
            symbol = event.data.get("symbol")  # ibind renames field ids ("55" -> "symbol")
            if symbol == "BEGIN":
                marks["begin"] = time.perf_counter()
            elif symbol == "END":
                marks["end"] = time.perf_counter()
                done.set()

    sink = CallbackSink()
    sink.on(MarketData, consume)
    rest = IbkrClient(url=f"http://127.0.0.1:{port}/v1/api/", cacert=False,
                      auto_register_shutdown=False)
    client = IbkrWsClient(url=_url(port, n), ibkr_client=rest, cacert=False, sink=sink,
                          synchronous_output_events=synchronous, account_id="DU1")
    client.start()
    try:
        for conid in CONIDS:
            client.subscribe(MarketDataSubscription(conid=str(conid), fields=list(FIELDS)))
        if not done.wait(180):
            raise TimeoutError("ibind did not see the END frame")
    finally:
        client.shutdown()
    return n / (marks["end"] - marks["begin"])


def run(loop: asyncio.AbstractEventLoop, *, quick: bool = False) -> dict[str, float]:
    """Run every stream benchmark against one blaster; returns the figures by JSON key."""
    n_fast, n_ibind = (10_000, 3_000) if quick else (40_000, 10_000)
    with blast_server() as port:
        ours = loop.run_until_complete(ours_fps(port, n_fast))
        raw = loop.run_until_complete(raw_fps(port, n_fast))
        ours = max(ours, loop.run_until_complete(ours_fps(port, n_fast)))
        raw = max(raw, loop.run_until_complete(raw_fps(port, n_fast)))
        raw_orjson = max(loop.run_until_complete(raw_fps(port, n_fast, orjson.loads))
                         for _ in range(2))
        p50, p99 = loop.run_until_complete(ours_latency(port, 5000, 2 if quick else 4))
        # ibind's rate swings with thread scheduling: keep its best of two runs
        ibind = max(ibind_fps(port, n_ibind), ibind_fps(port, n_ibind))
        ibind_default = ibind_fps(port, n_ibind, synchronous=False)
    return {"stream.ours_fps": ours, "stream.raw_fps": raw, "stream.raw_orjson_fps": raw_orjson,
            "stream.ours_vs_raw_orjson": ours / raw_orjson, "stream.ibind_fps": ibind,
            "stream.ibind_default_fps": ibind_default, "stream.ours_p50_ms": p50,
            "stream.ours_p99_ms": p99}


"""The soak: the app under 2,000 quote frames/s over 200 symbols with 4 charts open, an order
placed and cancelled every few seconds and a market order filling every so often.

Measures RSS over time (trend over the second half), the largest event-loop stall, and the
frames the gateway wrote against the frames the client decoded (no fault runs meanwhile, so
the two must match once the client has caught up).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from ibkr_desktop.protocol.order_kinds import Side
from tests.helpers import wait_until
from tests.reliability.harness import Harness
from tests.reliability.probes import growth_pct

CHARTS = 4


async def soak(h: Harness, seconds: float, order_every_s: float = 3.0,
               fill_every_s: float = 60.0) -> dict[str, Any]:
    """Run the soak for ``seconds``; the figures (see the module docstring)."""
    for instrument in h.universe[:CHARTS]:
        h.app.presenters.charts.open_chart(instrument.conid, instrument.symbol)
    await h.recovered()
    loop = asyncio.get_running_loop()
    start_counters = await h.gateway.ask("counters")
    reconnects = h.broker.stream.status.reconnects
    h.meter.reset_stall()
    h.meter.samples.clear()
    started = time.monotonic()
    deadline = loop.time() + seconds
    next_fill = loop.time() + min(fill_every_s, seconds / 2)
    turn = 0
    side = Side.BUY
    while loop.time() < deadline:
        conid = h.universe[turn % len(h.universe)].conid
        turn += 1
        order_id = await h.place_resting(conid)
        await h.cancel(order_id)
        if loop.time() >= next_fill:
            next_fill += fill_every_s
            await h.place_marketable(h.universe[0].conid, side)
            side = Side.SELL if side is Side.BUY else Side.BUY
        await asyncio.sleep(order_every_s)  # the load's pace, not a wait for an outcome
    elapsed = time.monotonic() - started
    counters = await h.gateway.ask("counters")
    sent = counters["frames_sent"]
    try:
        await wait_until(lambda: h.frames.frames >= sent, timeout=30)
    except AssertionError:
        pass  # the difference is reported as dropped frames
    quote_frames = sent - start_counters["frames_sent"]
    return {
        "soak_s": round(elapsed, 1),
        "frames_sent": sent,
        "frames_decoded": h.frames.frames,
        "frames_dropped": max(0, sent - h.frames.frames),
        "frames_per_s": round(quote_frames / elapsed, 1),
        "soak_reconnects": h.broker.stream.status.reconnects - reconnects,
        "max_stall_ms": round(h.meter.max_stall_ms, 1),
        "rss_growth_pct": growth_pct(h.meter.samples),
        "rss_start_mb": round(h.meter.samples[0][1] / 1024, 1),
        "rss_end_mb": round(h.meter.samples[-1][1] / 1024, 1),
        "rss_samples": len(h.meter.samples),
        "soak_orders": turn,
        "charts_open": len(h.app.presenters.charts.windows),
    }

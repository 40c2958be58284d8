"""The fault storm: each fault a real gateway produces, one after the other, on the running
app; after each, the app must be back by itself (Connected, quotes flowing, orders read
again), or show the exact state and the one button that fixes it (which the run clicks).

Every fault returns a record ``{"fault", "recovered", "detail"}``; a fault whose recovery is
not seen within its (generous) bound is recorded as not recovered with what was missing.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from ibkr_desktop.protocol.order_kinds import Side
from tests.helpers import WAIT_SCALE, wait_until
from tests.reliability.harness import READ_TIMEOUT_S, Harness

ORDERS_READ = "GET /iserver/account/orders"
SOCKET_DROPS = 20


async def _gateway_until(h: Harness, predicate: Callable[[dict[str, Any]], bool],
                         what: str, timeout: float = 20) -> None:
    """Poll the gateway's counters until ``predicate(counters)`` holds.

    Raises:
        AssertionError: ``what`` did not happen within ``timeout`` (stretched as
            ``wait_until`` stretches it).
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout * WAIT_SCALE
    while not predicate(await h.gateway.ask("counters")):
        if loop.time() > deadline:
            raise AssertionError(f"{what} did not happen")
        await asyncio.sleep(0.2)


async def _orders_read_again(h: Harness, before: dict[str, Any]) -> None:
    """Wait until the gateway saw the live orders read again since ``before`` (its counters)."""
    floor = h.requests(before, ORDERS_READ)
    await _gateway_until(h, lambda c: h.requests(c, ORDERS_READ) > floor,
                         "a new read of the live orders")


async def _burst(h: Harness, status: int, count: int = 6) -> str:
    """``count`` answers with ``status``; the client's own requests use them up; afterwards
    the app is Connected and an order goes through."""
    await h.gateway.ask("fail_next", count=count, status=status)
    await _gateway_until(h, lambda c: c["failures_left"] == 0, f"the {status} burst's end")
    await h.recovered()
    order_id = await h.place_resting(h.universe[1].conid)
    await h.cancel(order_id)
    return f"orders work after {count} x {status}"


def _reconnected(h: Harness, before: int) -> Callable[[], bool]:
    """A predicate: the stream connected again since it had ``before`` reconnects."""
    return lambda: bool(h.broker.stream.status.reconnects > before)


async def socket_drops(h: Harness) -> str:
    """The socket dropped (no close frame) 20 times; each time the stream comes back."""
    for _ in range(SOCKET_DROPS):
        reconnected = _reconnected(h, h.broker.stream.status.reconnects)
        await h.gateway.ask("drop_sockets")
        await wait_until(reconnected, 20)
        await h.recovered()
    return f"{SOCKET_DROPS} drops, {SOCKET_DROPS} reconnects"


async def heartbeats_stopped(h: Harness, batches: int = 100) -> str:
    """No heartbeats while ``batches`` quote batches arrive (several heartbeat periods):
    quotes count as life, so the stream stays up without a reconnect; then they resume."""
    stream = h.broker.stream
    await h.gateway.ask("stop_heartbeats")
    try:
        await h.quotes_flow()  # a heartbeat already on its way may still arrive
        last_heartbeat, reconnects = stream.status.last_heartbeat_ms, stream.status.reconnects
        seen = h.app.feed.batches
        await wait_until(lambda: h.app.feed.batches >= seen + batches, 30)
        assert stream.status.last_heartbeat_ms == last_heartbeat, "heartbeats did not stop"
        assert stream.status.connected and stream.status.reconnects == reconnects
    finally:
        await h.gateway.ask("resume_heartbeats")
    await wait_until(lambda: stream.status.last_heartbeat_ms != last_heartbeat, 20)
    await h.recovered()
    return f"{batches} quote batches without a heartbeat, no reconnect; heartbeats back"


async def unauthorized(h: Harness) -> str:
    """A burst of 401s on the REST side; the keeper checks the session again."""
    await h.gateway.ask("fail_next", count=4, status=401)
    await h.broker.refresh_orders()
    await h.recovered()
    return "back to Connected after 4 x 401"


async def competing(h: Harness) -> str:
    """Another login took the session: the doctor says so and offers "Take over here"; the run
    clicks it (the one action) and the app is Connected again."""
    doctor = h.app.window.doctor
    await h.gateway.ask("set_competing", competing=True)
    await wait_until(lambda: doctor.fix_button.isVisible()
                     and doctor.fix_button.text() == "Take over here", 20)
    shown = doctor.headline()
    doctor.fix_button.click()
    await h.recovered()
    return f"showed {shown!r} + 'Take over here'; clicked; Connected"


async def expired(h: Harness) -> str:
    """The session timed out at the gateway: the doctor says to log in and offers the login
    page; the user logs in (the gateway's login page); the app is back by itself."""
    doctor = h.app.window.doctor
    await h.gateway.ask("expire_session")
    await wait_until(lambda: doctor.fix_button.isVisible(), 20)
    shown = (doctor.headline(), doctor.fix_button.text())
    await h.gateway.ask("log_in")
    await h.recovered()
    return f"showed {shown}; logged in; Connected"


async def no_bridge(h: Harness) -> str:
    """"no bridge" on every /iserver call: the app sets the brokerage session up again."""
    await h.gateway.ask("no_bridge")
    before = await h.gateway.ask("counters")
    await h.broker.refresh_orders()
    await _gateway_until(h, lambda c: not c["no_bridge"], "the bridge's repair")
    await h.recovered()
    await _orders_read_again(h, before)
    return "bridge set up again, orders read again"


async def rate_limited(h: Harness) -> str:
    """A burst of 429s: the client backs off and retries."""
    return await _burst(h, 429)


async def unavailable(h: Harness) -> str:
    """A burst of 503s."""
    return await _burst(h, 503)


async def slow(h: Harness) -> str:
    """Every answer 1.5 s late (under the client's read timeout): orders still work."""
    await h.gateway.ask("set_delay", seconds=1.5)
    try:
        order_id = await h.place_resting(h.universe[3].conid)
        await h.cancel(order_id)
    finally:
        await h.gateway.ask("set_delay", seconds=0)
    await h.recovered()
    return "place + cancel through 1.5 s answers"


async def lost_answer(h: Harness) -> str:
    """IBKR placed the order but its answer was lost: the placement's own answer (an order
    2% under the bid: no question; as an empty 503, a connection reset, and an answer later
    than the client waits), and the answer to a confirmed question (10% under: ``o163``).
    The app finds the order by its cOID in live orders and never sends it again; the run
    then cancels it."""
    outcomes = []
    for way in ("503", "reset", "late"):
        await h.gateway.ask("lose_next_order_answer", way=way, late_s=READ_TIMEOUT_S + 2)
        outcomes.append(await _found(h, way, await h.place_resting(h.universe[4].conid, 0.02)))
    h.before_reply = lambda: h.gateway.ask("lose_next_order_answer", way="503")
    outcomes.append(await _found(h, "reply 503", await h.place_resting(h.universe[5].conid)))
    return "; ".join(outcomes)


async def _found(h: Harness, way: str, order_id: str) -> str:
    outcome = h.last_outcome
    assert outcome is not None and outcome.found_after_doubt, (
        f"{way}: the answer was not lost, or not looked up: {outcome}")
    await h.cancel(order_id)
    return f"{way}: found by cOID as {order_id}"


async def gateway_restart(h: Harness) -> str:
    """The gateway process killed (SIGKILL) and started again on the same port with the same
    account file: the app says the gateway is unreachable, then is back by itself, and reads
    the orders again; a market order fills afterwards."""
    doctor = h.app.window.doctor
    h.gateway.kill()
    await wait_until(lambda: doctor.headline() != "Connected", 30)
    shown = doctor.headline()
    await h.gateway.restart()
    await h.recovered(timeout=60)
    await _orders_read_again(h, {"requests": []})
    await h.place_marketable(h.universe[0].conid, Side.BUY)
    return f"showed {shown!r}; back by itself on restart"


FAULTS: tuple[tuple[str, Callable[[Harness], Awaitable[str]]], ...] = (
    ("socket_dropped_x20", socket_drops),
    ("heartbeats_stopped", heartbeats_stopped),
    ("401_burst", unauthorized),
    ("competing_session", competing),
    ("session_expired", expired),
    ("no_bridge", no_bridge),
    ("429_burst", rate_limited),
    ("503_burst", unavailable),
    ("slow_responses", slow),
    ("order_answer_lost", lost_answer),
    ("gateway_killed_restarted", gateway_restart),
)


async def storm(h: Harness) -> list[dict[str, Any]]:
    """Every fault once, in order; one record each."""
    records = []
    for name, fault in FAULTS:
        started = time.monotonic()
        try:
            detail, recovered = await fault(h), True
        except Exception as exc:  # noqa: BLE001 -- a finding, recorded; the storm goes on
            detail, recovered = f"{type(exc).__name__}: {exc}"[:300], False
            await _settle(h)
        records.append({"fault": name, "recovered": recovered, "detail": detail,
                        "s": round(time.monotonic() - started, 1)})
    return records


async def _settle(h: Harness) -> None:
    """After a failed recovery: undo the switches and give the app a chance to come back."""
    for action, body in (("resume_heartbeats", {}), ("set_delay", {"seconds": 0}),
                         ("set_competing", {"competing": False}), ("log_in", {})):
        try:
            await h.gateway.ask(action, **body)
        except Exception:  # noqa: BLE001,S110 -- the gateway may be down: nothing to undo
            pass
    try:
        await h.recovered(timeout=30)
    except AssertionError:
        pass

"""The gateway's periodic work survives a qasync loop that runs callbacks while stopped.

Between test phases pytest-qt processes Qt events while no asyncio loop runs; a qasync loop then
still fires its due timers. A periodic task that sleeps in a loop died there ("no running event
loop" from ``asyncio.sleep``) and the gateway silently lost idle expiry and heartbeats.
"""

from __future__ import annotations

import asyncio

import qasync

from ibkr_desktop.demo_gateway.server import DemoGateway, GatewayConfig


def test_housekeeping_runs_on_while_a_qasync_loop_is_stopped(qapp, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Housekeeping keeps running when Qt events are processed outside ``run_until_complete``."""
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    gateway = DemoGateway(GatewayConfig(seed=7))
    runs: list[bool] = []
    check_idle = gateway.session.check_idle

    def counting_check_idle() -> bool:
        runs.append(True)
        return check_idle()

    gateway.session.check_idle = counting_check_idle  # type: ignore[method-assign]
    try:
        loop.run_until_complete(gateway.start())
        started = len(runs)
        qtbot.waitUntil(lambda: len(runs) >= started + 3)  # the loop is stopped here
    finally:
        loop.run_until_complete(gateway.stop())
        loop.close()
        asyncio.set_event_loop(None)

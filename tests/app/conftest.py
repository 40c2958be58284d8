"""Fixtures of the app tests: the whole app (controller + window) on the embedded demo gateway."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import shiboken6

from ibkr_desktop.app.controller import AppController, Connection
from ibkr_desktop.demo_gateway.server import GatewayConfig
from ibkr_desktop.protocol.events import SessionKind
from tests.client.conftest import FAST, fast_config
from tests.helpers import wait_until


def fault(controller: AppController, name: str, *args: Any) -> Any:
    """Trigger a demo-gateway fault (``drop_sockets``, ``expire_session``...) on its own loop."""
    threaded = controller.gateway
    assert threaded is not None
    return threaded.call(lambda: getattr(threaded.gateway.faults, name)(*args))


async def start_app(qapp: Any, config: GatewayConfig | None = None) -> AppController:
    """The app connected to its embedded demo gateway, authenticated, quotes flowing."""
    controller = AppController(qapp, gateway_config=config or fast_config(), client_timings=FAST)
    controller.window.show()
    await controller.connect_to(Connection(demo=True))
    await wait_until(lambda: controller.broker is not None
                     and controller.broker.session_state.kind == SessionKind.AUTHENTICATED,
                     timeout=10)
    return controller


async def dispose(controller: AppController) -> None:
    """Shut the app down and destroy its Qt objects now, on the GUI thread.

    Left to the garbage collector, the window's timers could be destroyed from whichever thread
    happens to run a collection (Qt warns: "Timers cannot be stopped from another thread").
    """
    await controller.shutdown()
    controller.window.close()
    shiboken6.delete(controller.window)
    shiboken6.delete(controller)
    gc.collect()


@asynccontextmanager
async def running_app(qapp: Any, config: GatewayConfig | None = None
                      ) -> AsyncIterator[AppController]:
    """The app on its demo gateway for the body of a test.

    Used inside the test rather than as an async fixture: pytest-qt processes Qt events between
    fixture set-up and the test, outside the asyncio loop, and the start-up's pending socket
    callbacks must not run there.
    """
    controller = await start_app(qapp, config)
    try:
        yield controller
    finally:
        await dispose(controller)

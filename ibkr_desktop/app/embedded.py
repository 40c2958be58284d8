"""The embedded demo gateway, started on its own thread as early as possible.

Importing and starting the demo gateway (aiohttp, cryptography) takes most of a second. Begun on
a plain thread before the window is built, it overlaps with Qt's start-up, which is what keeps
the first quotes under two seconds from launch.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ibkr_desktop.demo_gateway.server import GatewayConfig, ThreadedGateway


def default_config() -> GatewayConfig:
    """The app's demo gateway: loopback, free port, plain HTTP, IBKR pacing, seed 7."""
    from ibkr_desktop.demo_gateway.server import GatewayConfig

    return GatewayConfig(host="127.0.0.1", port=0, seed=7, tls=False, pacing=True)


def start_demo_gateway(config: GatewayConfig | None = None) -> Future[ThreadedGateway]:
    """Import and start a ThreadedGateway on a background thread; the future gives it back."""
    future: Future[ThreadedGateway] = Future()

    def run() -> None:
        try:
            from ibkr_desktop.demo_gateway.server import ThreadedGateway

            gateway = ThreadedGateway(config or default_config())
            gateway.start()
        except BaseException as exc:  # noqa: BLE001 -- handed to the awaiting GUI code
            future.set_exception(exc)
        else:
            future.set_result(gateway)

    threading.Thread(target=run, name="demo-gateway-start", daemon=True).start()
    return future


def stop_quietly(gateway: Any) -> None:
    """Stop a ThreadedGateway (blocking: call from an executor thread)."""
    gateway.stop()

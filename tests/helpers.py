"""Awaitable helpers for tests that run on the qasync loop."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from typing import Any

WAIT_SCALE = float(os.environ.get("IBKR_TEST_WAIT_SCALE", "3"))
"""How much longer than their nominal timeout :func:`wait_until` and :func:`wait_signal`
wait for an outcome."""


async def wait_signal(signal: Any, timeout: float = 5.0) -> tuple[Any, ...]:
    """Wait for one emission of a Qt signal from inside a coroutine and return its arguments."""
    fut: asyncio.Future[tuple[Any, ...]] = asyncio.get_running_loop().create_future()

    def _cb(*args: Any) -> None:
        if not fut.done():
            fut.set_result(args)

    signal.connect(_cb)
    try:
        return await asyncio.wait_for(fut, timeout * WAIT_SCALE)
    finally:
        signal.disconnect(_cb)


async def wait_until(predicate: Callable[[], Any], timeout: float = 5.0, step: float = 0.02) -> Any:
    """Poll ``predicate`` on the running loop until it returns a truthy value, or fail.

    ``timeout`` is an upper bound for an outcome, never a measurement: it is stretched by
    :data:`WAIT_SCALE` so a machine with both cores busy still passes (a passing test never
    waits longer for it; only a failing one does).
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout * WAIT_SCALE
    while True:
        value = predicate()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(
                f"condition not met within {timeout * WAIT_SCALE} s: {predicate}")
        await asyncio.sleep(step)


class ManualClock:
    """A monotonic clock (seconds) that moves only when the test calls :meth:`advance`.

    Pass it where code takes a ``monotonic`` callable (e.g. ``DemoGateway(monotonic=clock)``) so
    timeouts expire exactly when the test says, however busy the machine is.
    """

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds``."""
        self.now += seconds

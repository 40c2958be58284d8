"""Fixtures of the client tests: a fast demo gateway, fast client timings, a running Broker."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest

from ibkr_desktop.client.broker import Broker, ClientTimings
from ibkr_desktop.client.http import Timeouts
from ibkr_desktop.client.scheduler import RetryPolicy
from ibkr_desktop.client.session import SessionTimings
from ibkr_desktop.client.stream import StreamTimings
from ibkr_desktop.demo_gateway.server import DemoGateway, GatewayConfig
from ibkr_desktop.protocol.events import SessionKind
from tests.helpers import wait_until

RTH_START_MS = 1749049200000
"""Wednesday 2025-06-04 11:00 New York: the simulated market is open, so orders fill."""

FAST = ClientTimings(
    session=SessionTimings(tickle_s=0.5, poll_s=0.1, retry_max_s=0.4),
    stream=StreamTimings(tic_s=0.3, stall_s=1.0, smd_refresh_s=30.0, backoff_base_s=0.05,
                         backoff_cap_s=0.3, open_timeout_s=2.0),
    retry=RetryPolicy(max_retries=3, rate_limit_base_s=0.1, rate_limit_cap_s=0.5,
                      unavailable_base_s=0.05),
    http=Timeouts(connect=1.0, read=3.0),
    endpoint_limits=(),
    positions_delay_s=0.05,
)
"""Client timings for tests: every interval shrunk, per-endpoint limits off (gateway pacing
is off too, except in the pacing tests, which restore both)."""


def fast_config(**changes: Any) -> GatewayConfig:
    """The tests' gateway: quick heartbeats and pushes, no pacing, an open market."""
    base = GatewayConfig(seed=7, pacing=False, heartbeat_s=0.2, summary_interval_s=0.5,
                         reauth_delay_s=0.1, start_ms=RTH_START_MS)
    return replace(base, **changes)


@pytest.fixture
def gateway_config() -> GatewayConfig:
    """Overrides the shared fixture: the `gateway` fixture serves `fast_config()`."""
    return fast_config()


async def start_broker(url: str, timings: ClientTimings = FAST, **kwargs: Any) -> Broker:
    """A started Broker that has reached AUTHENTICATED with its stream connected."""
    broker = Broker(url, demo=True, timings=timings, **kwargs)
    await broker.start()
    await wait_until(lambda: broker.session_state.kind == SessionKind.AUTHENTICATED
                     and broker.stream.status.connected, timeout=10)
    return broker


@pytest.fixture
async def broker(gateway: DemoGateway) -> AsyncIterator[Broker]:
    """A Broker connected to the `gateway` fixture."""
    started = await start_broker(gateway.base_url)
    try:
        yield started
    finally:
        await started.stop()


class Recorder:
    """Every emission of the named signals of an object, by signal name."""

    def __init__(self, source: Any, *names: str) -> None:
        self.seen: dict[str, list[Any]] = defaultdict(list)
        for name in names:
            getattr(source, name).connect(lambda *args, n=name: self.seen[n].append(
                args[0] if len(args) == 1 else args))

    def __getitem__(self, name: str) -> list[Any]:
        return self.seen[name]

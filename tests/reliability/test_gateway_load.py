"""What the reliability run needs from the demo gateway: made-up symbols, a set market step, the
``counters`` admin action (frames written, orders by cOID, executions) and the CLI flags."""

from __future__ import annotations

import json

import aiohttp
import pytest

from ibkr_desktop.demo_gateway.cli import parse_args
from ibkr_desktop.demo_gateway.server import DemoGateway
from ibkr_desktop.demo_gateway.universe import (
    SYNTHETIC_CONID_BASE,
    default_instruments,
    with_synthetic,
)
from ibkr_desktop.protocol.order_kinds import OrderType, Side
from ibkr_desktop.protocol.orders import OrderQuestion, OrderTicket
from tests.client.conftest import fast_config, start_broker
from tests.helpers import wait_until
from tests.reliability.run import GATEWAY_OPTIONS


@pytest.fixture
def gateway_config():  # type: ignore[no-untyped-def]
    """200 instruments, stepped every 0.05 s."""
    return fast_config(symbols=200, market_step_s=0.05)


def test_made_up_symbols_fill_the_list_up() -> None:
    """The built-in instruments first, then SYN001... with distinct conids; never fewer."""
    built_in = default_instruments()
    filled = with_synthetic(built_in, 200)
    assert len(filled) == 200 and filled[:len(built_in)] == built_in
    assert filled[len(built_in)].symbol == "SYN001"
    assert filled[len(built_in)].conid == SYNTHETIC_CONID_BASE
    assert len({i.conid for i in filled}) == 200
    assert with_synthetic(built_in, 10) == built_in


async def admin(gateway: DemoGateway, action: str) -> dict[str, object]:
    async with aiohttp.ClientSession() as http, http.post(
            f"{gateway.base_url}/demo/admin/fault", json={"action": action}) as answer:
        assert answer.status == 200
        body: dict[str, object] = await answer.json()
        return body


async def test_counters_count_frames_orders_and_executions(gateway: DemoGateway) -> None:
    """A client watching made-up symbols: the gateway counts the frames it wrote (the client
    received at least as many before it asked), each order with its cOID, and each fill."""
    assert gateway.universe.get(SYNTHETIC_CONID_BASE + 100) is not None
    broker = await start_broker(gateway.base_url)
    received: list[object] = []
    broker.stream.quotes_updated.connect(received.append)
    try:
        broker.subscribe_quotes([SYNTHETIC_CONID_BASE + i for i in range(20)])
        await wait_until(lambda: len(received) >= 5)
        counters = await admin(gateway, "counters")
        assert isinstance(counters["frames_sent"], int) and counters["frames_sent"] > 20
        assert counters["orders"] == [] and counters["executions"] == []
        assert counters["failures_left"] == 0 and counters["no_bridge"] is False
        assert ["GET /iserver/accounts", 1] in counters["requests"]  # type: ignore[operator]
    finally:
        await broker.stop()


def test_cli_flags_reach_the_config() -> None:
    """--symbols, --market-step, --heartbeat and --start-ms (the run's own options parse)."""
    args = parse_args(["--no-tls", "--port", "0", *GATEWAY_OPTIONS])
    assert (args.symbols, args.market_step, args.heartbeat) == (200, 0.075, 1.0)
    assert args.start_ms > 0
    with pytest.raises(SystemExit):
        parse_args(["--heartbeat", "0"])


async def test_orders_are_on_disk_before_the_answer(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A placed order and its cancel are in the account file when the client has the answer
    (the reliability run found a SIGKILL losing the last second: an order, a cancel, and the
    order id given again to the next order)."""
    path = tmp_path / "account.json"
    gateway = DemoGateway(fast_config(account_file=str(path)))
    await gateway.start()
    broker = await start_broker(gateway.base_url)

    def saved() -> dict[int, str]:
        orders = json.loads(path.read_text(encoding="utf-8"))["orders"]
        return {o["order_id"]: o["status"] for o in orders}

    async def confirm(question: OrderQuestion) -> bool:
        return True

    try:
        outcome = await broker.orders.place(
            OrderTicket(265598, Side.BUY, 1, OrderType.LMT, price=100.0), confirm)
        order_id = outcome.accepted[0].order_id
        assert order_id is not None and order_id in saved()
        await broker.cancel_order(order_id)
        assert saved()[order_id] == "Cancelled"
    finally:
        await broker.stop()
        await gateway.stop()

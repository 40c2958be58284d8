"""The Broker facade against the demo gateway: orders, questions, re-sync, data calls."""

from __future__ import annotations

import asyncio

import pytest

from ibkr_desktop.client.broker import Broker
from ibkr_desktop.demo_gateway.server import DemoGateway
from ibkr_desktop.protocol.errors import RateLimited
from ibkr_desktop.protocol.events import Position
from ibkr_desktop.protocol.orders import (
    OrderAccepted,
    OrderQuestion,
    OrderStatus,
    OrderTicket,
    OrderType,
    Side,
)
from tests.client.conftest import Recorder, fast_config, start_broker
from tests.helpers import wait_until

AAPL = 265598


def _held(positions: tuple[Position, ...]) -> float:
    return sum(p.quantity for p in positions if p.conid == AAPL)


def _limit(price: float, quantity: float = 10) -> OrderTicket:
    return OrderTicket(conid=AAPL, side=Side.BUY, quantity=quantity, order_type=OrderType.LMT,
                       price=price)


async def test_order_is_placed_once_with_a_client_order_id(broker: Broker,
                                                           gateway: DemoGateway) -> None:
    """A market order: accepted with our cOID, one order at the gateway, one fill reported."""
    seen = Recorder(broker, "fills_received", "orders_updated", "positions_updated")
    await broker.refresh_positions()
    held = _held(seen["positions_updated"][-1])
    answer = await broker.place_order(OrderTicket(conid=AAPL, side=Side.BUY, quantity=3,
                                                  order_type=OrderType.MKT))
    assert len(answer) == 1 and isinstance(answer[0], OrderAccepted)
    coid = answer[0].coid
    assert coid and gateway.brokerage.book.coid_taken(coid)
    await wait_until(lambda: seen["fills_received"])
    await broker.refresh_trades()  # the REST re-sync reports the same execution again
    fills = [f for batch in seen["fills_received"] for f in batch]
    assert len(fills) == 1 and fills[0].size == 3
    assert any(u.status == OrderStatus.FILLED for b in seen["orders_updated"] for u in b)
    await wait_until(lambda: _held(seen["positions_updated"][-1]) == held + 3)


async def test_questions_are_returned_and_confirmed(broker: Broker,
                                                    gateway: DemoGateway) -> None:
    """A limit far from the market returns a question; confirming it places the order."""
    far = round(gateway.market.quote(AAPL).bid * 0.8, 2)
    answer = await broker.place_order(_limit(far))
    assert len(answer) == 1 and isinstance(answer[0], OrderQuestion)
    question = answer[0]
    assert question.messages and question.message_ids
    answer = await broker.reply(question.reply_id, True)
    while answer and isinstance(answer[0], OrderQuestion):
        answer = await broker.reply(answer[0].reply_id, True)
    assert isinstance(answer[0], OrderAccepted)


async def test_declined_question_places_nothing(broker: Broker, gateway: DemoGateway) -> None:
    """Declining a question returns no order and the cOID never reaches the book."""
    far = round(gateway.market.quote(AAPL).bid * 0.8, 2)
    ticket = _limit(far)
    answer = await broker.place_order(ticket)
    assert isinstance(answer[0], OrderQuestion)
    assert await broker.reply(answer[0].reply_id, False) == []


async def test_working_order_can_be_modified_and_cancelled(broker: Broker,
                                                           gateway: DemoGateway) -> None:
    """A resting limit order: modify changes its price, cancel ends it (seen as updates)."""
    seen = Recorder(broker, "orders_updated")
    price = round(gateway.market.quote(AAPL).bid * 0.99, 2)
    answer = await broker.place_order(_limit(price))
    assert isinstance(answer[0], OrderAccepted)
    order_id = answer[0].order_id
    new_price = round(price - 0.5, 2)
    modified = await broker.modify_order(order_id, _limit(new_price))
    assert modified
    await wait_until(lambda: any(u.order_id == int(order_id) and u.price == new_price
                                 for b in seen["orders_updated"] for u in b))
    await broker.cancel_order(order_id)
    await wait_until(lambda: any(u.order_id == int(order_id)
                                 and u.status == OrderStatus.CANCELLED
                                 for b in seen["orders_updated"] for u in b))


async def test_live_orders_are_primed_until_the_snapshot_is_complete(
        gateway: DemoGateway) -> None:
    """A broker started later lists an earlier working order (first call answers snapshot:false)."""
    first = await start_broker(gateway.base_url)
    price = round(gateway.market.quote(AAPL).bid * 0.99, 2)
    answer = await first.place_order(_limit(price))
    await first.stop()
    order_id = int(answer[0].order_id)  # type: ignore[union-attr]
    second = await start_broker(gateway.base_url)
    seen = Recorder(second, "orders_updated")
    try:
        await second.refresh_orders()
        assert any(u.order_id == order_id for b in seen["orders_updated"] for u in b)
    finally:
        await second.stop()


async def test_order_rejected_by_rate_limit_is_surfaced_not_resent(
        broker: Broker, gateway: DemoGateway) -> None:
    """A 429 on placement raises with a plain message and an error notice; nothing is sent."""
    seen = Recorder(broker, "notice")
    gateway.faults.fail_next(1, 429)
    ticket = OrderTicket(conid=AAPL, side=Side.BUY, quantity=1, order_type=OrderType.MKT,
                         coid="rate-limited-order")
    with pytest.raises(RateLimited, match="not sent"):
        await broker.place_order(ticket)
    assert any(n.level == "error" for n in seen["notice"])
    await broker.refresh_orders()  # a later round trip: a re-send would have reached the gateway
    assert not gateway.brokerage.book.coid_taken("rate-limited-order")


async def test_search_snapshot_and_history(broker: Broker) -> None:
    """Contract search, a quote snapshot and chart history return parsed values."""
    matches = await broker.search_contracts("AAPL")
    assert any(m.conid == AAPL and m.symbol == "AAPL" for m in matches)
    quotes = await broker.snapshot([AAPL])
    assert isinstance(quotes[AAPL]["last"], float)
    bars = await broker.history(AAPL, "1d", "5min")
    assert len(bars) > 10 and bars[0].t_ms < bars[-1].t_ms


async def test_invalid_history_request_becomes_a_notice(broker: Broker) -> None:
    """A period/bar pair IBKR refuses: [] and a warning notice, no exception."""
    seen = Recorder(broker, "notice")
    assert await broker.history(AAPL, "1d", "1w") == []
    assert seen["notice"] and seen["notice"][0].level == "warning"


async def test_pacing_stats_reach_the_gui(broker: Broker) -> None:
    """The pacing meter gets requests/s and queue depth from the REST queue."""
    seen = Recorder(broker, "pacing_changed")
    await asyncio.gather(*(broker.search_contracts(s) for s in ("A", "B", "C", "D")))
    await wait_until(lambda: any(s.requests_per_s >= 1 for s in seen["pacing_changed"]))


async def test_selecting_another_account_moves_summary_and_positions() -> None:
    """select_account: accounts_changed names it, its summary and positions arrive."""
    gateway = DemoGateway(fast_config(accounts=("DU1234567", "DU7654321")))
    await gateway.start()
    broker = await start_broker(gateway.base_url)
    seen = Recorder(broker, "accounts_changed", "account_summary_updated", "positions_updated")
    try:
        assert broker.accounts == ("DU1234567", "DU7654321")
        broker.select_account("DU7654321")
        assert broker.selected_account == "DU7654321"
        assert seen["accounts_changed"][-1].selected == "DU7654321"
        await wait_until(lambda: any(s.account == "DU7654321"
                                     for s in seen["account_summary_updated"]))
        await wait_until(lambda: seen["positions_updated"])
        assert "ssd+DU7654321" in broker.stream.wanted
        assert "ssd+DU1234567" not in broker.stream.wanted
    finally:
        await broker.stop()
        await gateway.stop()

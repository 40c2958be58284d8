"""OrderFlow against the demo gateway: the question loop, records, fills, exactly-once placement
under lost answers, limits, modify/cancel/cancel-all, what-if."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ibkr_desktop.client.broker import Broker
from ibkr_desktop.client.http import Timeouts
from ibkr_desktop.demo_gateway.server import DemoGateway
from ibkr_desktop.protocol.orders import (
    OrderQuestion,
    OrderStatus,
    OrderTicket,
    OrderType,
    Side,
)
from tests.client.conftest import FAST, start_broker
from tests.helpers import wait_until

AAPL = 265598


class Asker:
    """A ``confirm`` callback that answers every question with ``answer`` and keeps them."""

    def __init__(self, answer: bool = True) -> None:
        self.answer = answer
        self.questions: list[OrderQuestion] = []

    async def __call__(self, question: OrderQuestion) -> bool:
        self.questions.append(question)
        return self.answer


def _limit(price: float, quantity: float = 10, side: Side = Side.BUY) -> OrderTicket:
    return OrderTicket(conid=AAPL, side=side, quantity=quantity, order_type=OrderType.LMT,
                       price=price)


async def test_market_order_is_placed_and_its_fill_joins_the_record(
        broker: Broker, gateway: DemoGateway) -> None:
    fills: list[object] = []
    broker.orders.fill_received.connect(lambda record, fill: fills.append((record, fill)))
    outcome = await broker.orders.place(
        OrderTicket(conid=AAPL, side=Side.BUY, quantity=3, order_type=OrderType.MKT), Asker())
    [record] = outcome.accepted
    assert record.coid and gateway.brokerage.book.coid_taken(record.coid)
    assert broker.orders.record(coid=record.coid) is broker.orders.record(record.order_id)
    await wait_until(lambda: fills)
    done = broker.orders.record(coid=record.coid)
    assert done is not None and [f.size for f in done.fills] == [3]
    await wait_until(lambda: (r := broker.orders.record(coid=record.coid)) is not None
                     and r.status is OrderStatus.FILLED)
    assert outcome.summary.startswith(f"Placed order {record.order_id}")


def _orders_with(gateway: DemoGateway, coid: str) -> int:
    return sum(1 for o in gateway.brokerage.book.orders() if o.coid == coid)


def _posts(gateway: DemoGateway, account: str) -> int:
    return gateway.faults.requests[("POST", f"/iserver/account/{account}/orders")]


async def test_questions_are_asked_verbatim_then_the_order_is_placed(
        broker: Broker, gateway: DemoGateway) -> None:
    far = round(gateway.market.quote(AAPL).bid * 0.8, 2)
    asker = Asker()
    outcome = await broker.orders.place(_limit(far), asker)
    assert asker.questions and all(q.messages and q.message_ids for q in asker.questions)
    [record] = outcome.accepted
    order = gateway.brokerage.book.find_coid(str(record.coid))
    assert order is not None and order.limit_price == far and order.active
    kinds = [step.kind for step in record.history]
    assert kinds[0] == "intent" and "response" in kinds


async def test_declined_question_sends_nothing_more(broker: Broker,
                                                    gateway: DemoGateway) -> None:
    far = round(gateway.market.quote(AAPL).bid * 0.8, 2)
    ticket = _limit(far)
    outcome = await broker.orders.place(ticket, Asker(answer=False))
    assert outcome.declined is not None and not outcome.placed
    assert gateway.brokerage.book.orders() == []
    assert outcome.summary == "Not sent: you declined IBKR's question."


@pytest.mark.parametrize("way", ["503", "reset"])
async def test_lost_answer_is_resolved_by_coid_never_a_second_post(
        broker: Broker, gateway: DemoGateway, way: str) -> None:
    """The gateway places the order and loses the answer: one order, found by its cOID."""
    account = str(broker.selected_account)
    gateway.faults.lose_next_order_answer(way=way)
    ticket = OrderTicket(conid=AAPL, side=Side.BUY, quantity=2, order_type=OrderType.MKT,
                         coid=f"lost-{way}")
    outcome = await broker.orders.place(ticket, Asker())
    assert outcome.found_after_doubt and len(outcome.accepted) == 1
    placed = gateway.brokerage.book.find_coid(f"lost-{way}")
    assert placed is not None and outcome.accepted[0].order_id == placed.order_id
    assert _orders_with(gateway, f"lost-{way}") == 1 and _posts(gateway, account) == 1
    assert "found by its client order id" in outcome.summary
    again = await broker.orders.place(
        OrderTicket(conid=AAPL, side=Side.BUY, quantity=1, order_type=OrderType.MKT), Asker())
    assert again.placed and _posts(gateway, account) == 2  # the doubt is settled


async def test_timed_out_placement_is_found_by_coid(gateway: DemoGateway) -> None:
    """A placement answered after the client's timeout: placed once, shown as placed."""
    timings = replace(FAST, http=Timeouts(connect=1.0, read=1.0))
    broker = await start_broker(gateway.base_url, timings)
    try:
        account = str(broker.selected_account)
        gateway.faults.lose_next_order_answer(way="late", late_s=2.0)
        ticket = OrderTicket(conid=AAPL, side=Side.BUY, quantity=1, order_type=OrderType.MKT,
                             coid="late-answer")
        outcome = await broker.orders.place(ticket, Asker())
        assert outcome.found_after_doubt and outcome.placed
        assert _orders_with(gateway, "late-answer") == 1 and _posts(gateway, account) == 1
    finally:
        await broker.stop()


async def test_lost_reply_answer_is_resolved_by_coid(broker: Broker,
                                                     gateway: DemoGateway) -> None:
    """The answer to the question's reply is lost: the order is found, the reply not re-sent."""
    far = round(gateway.market.quote(AAPL).bid * 0.8, 2)
    gateway.faults.requests.clear()

    async def lose_then_confirm(question: OrderQuestion) -> bool:
        gateway.faults.lose_next_order_answer(way="503")
        return True

    outcome = await broker.orders.place(_limit(far, quantity=5), lose_then_confirm)
    assert outcome.found_after_doubt and len(outcome.accepted) == 1
    replies = sum(n for (method, path), n in gateway.faults.requests.items()
                  if method == "POST" and path.startswith("/iserver/reply/"))
    assert replies == 1 and len(gateway.brokerage.book.orders()) == 1

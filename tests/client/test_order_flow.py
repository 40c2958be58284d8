"""OrderFlow against the demo gateway: the question loop, records, fills, exactly-once placement
under lost answers, limits, modify/cancel/cancel-all, what-if."""

from __future__ import annotations

from ibkr_desktop.client.broker import Broker
from ibkr_desktop.demo_gateway.server import DemoGateway
from ibkr_desktop.protocol.orders import (
    OrderQuestion,
    OrderStatus,
    OrderTicket,
    OrderType,
    Side,
)
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

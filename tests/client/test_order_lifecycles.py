"""Life cycle of every order type and of a bracket through ``broker.orders`` against the demo
gateway: placed (questions confirmed), working or filled as IBKR would have it, cancelled; a
partly filled order is modified with its total quantity (§11)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ibkr_desktop.client.broker import Broker
from ibkr_desktop.demo_gateway.server import DemoGateway
from ibkr_desktop.protocol.orders import (
    OrderStatus,
    OrderTicket,
    OrderType,
    Side,
    TimeInForce,
)
from tests.client.test_order_flow import AAPL, Asker
from tests.helpers import wait_until


def _resting(order_type: OrderType, bid: float) -> OrderTicket:
    """A ticket of ``order_type`` that rests (does not fill) in the open market."""
    far_below = round(bid * 0.95, 2)
    sell = OrderTicket(conid=AAPL, side=Side.SELL, quantity=1, order_type=order_type)
    buy = replace(sell, side=Side.BUY)
    return {
        OrderType.LMT: replace(buy, price=far_below),
        OrderType.STP: replace(sell, price=far_below),
        OrderType.STOP_LIMIT: replace(sell, price=round(bid * 0.94, 2), aux_price=far_below),
        OrderType.TRAIL: replace(sell, trailing_amount=round(bid * 0.05, 2),
                                 trailing_type="amt"),
        OrderType.TRAILLMT: replace(sell, price=round(bid * 0.9, 2),
                                    trailing_amount=round(bid * 0.05, 2), trailing_type="amt"),
        OrderType.MOC: buy,
        OrderType.LOC: replace(buy, price=far_below),
    }[order_type]


async def _status(broker: Broker, order_id: int, status: OrderStatus) -> None:
    await wait_until(lambda: (r := broker.orders.record(order_id)) is not None
                     and r.status is status)


@pytest.mark.parametrize("order_type", [OrderType.LMT, OrderType.STP, OrderType.STOP_LIMIT,
                                        OrderType.TRAIL, OrderType.TRAILLMT, OrderType.MOC,
                                        OrderType.LOC])
async def test_resting_order_type_works_then_cancels(broker: Broker, gateway: DemoGateway,
                                                    order_type: OrderType) -> None:
    ticket = _resting(order_type, gateway.market.quote(AAPL).bid)
    outcome = await broker.orders.place(ticket, Asker())
    [record] = outcome.accepted
    assert record.order_id is not None and not record.done, outcome.summary
    order = gateway.brokerage.book.get(record.order_id)
    assert order is not None and order.order_type == str(order_type) and order.active
    await broker.orders.cancel(record.order_id)
    await _status(broker, record.order_id, OrderStatus.CANCELLED)


async def test_market_order_fills(broker: Broker) -> None:
    outcome = await broker.orders.place(
        OrderTicket(conid=AAPL, side=Side.BUY, quantity=2, order_type=OrderType.MKT,
                    tif=TimeInForce.IOC), Asker())
    [record] = outcome.accepted
    assert record.order_id is not None
    await _status(broker, record.order_id, OrderStatus.FILLED)
    await wait_until(lambda: sum(f.size for f in broker.orders.record(  # type: ignore[union-attr]
        record.order_id).fills) == 2)


async def test_bracket_is_placed_as_three_records_and_cancels_together(
        broker: Broker, gateway: DemoGateway) -> None:
    bid, ask = gateway.market.quote(AAPL).bid, gateway.market.quote(AAPL).ask
    parent = OrderTicket(conid=AAPL, side=Side.BUY, quantity=3, order_type=OrderType.LMT,
                         price=round(bid * 0.97, 2), coid="bracket-parent")
    take_profit = OrderTicket(conid=AAPL, side=Side.SELL, quantity=3, order_type=OrderType.LMT,
                              price=round(ask * 1.05, 2), parent_id="bracket-parent")
    stop_loss = OrderTicket(conid=AAPL, side=Side.SELL, quantity=3, order_type=OrderType.STP,
                            price=round(bid * 0.9, 2), parent_id="bracket-parent")
    outcome = await broker.orders.place([parent, take_profit, stop_loss], Asker())
    assert len(outcome.accepted) == 3, outcome.summary
    ids = [r.order_id for r in outcome.accepted]
    orders = [gateway.brokerage.book.get(i) for i in ids if i is not None]
    assert [o.parent_id for o in orders] == [None, ids[0], ids[0]]
    assert outcome.accepted[0].coid == "bracket-parent"
    assert ids[0] is not None
    await broker.orders.cancel(ids[0])
    for order_id in ids:
        assert order_id is not None
        await _status(broker, order_id, OrderStatus.CANCELLED)


async def test_partly_filled_order_is_modified_with_its_total_quantity(
        broker: Broker, gateway: DemoGateway) -> None:
    """A limit at the ask for more than the ask size fills in part; the change keeps the total
    (IBKR would read a smaller number as the new total, §11)."""
    quote = gateway.market.quote(AAPL)
    total = float(max(100, int((quote.ask_size or 100) * 5)))
    outcome = await broker.orders.place(
        OrderTicket(conid=AAPL, side=Side.BUY, quantity=total, order_type=OrderType.LMT,
                    price=quote.ask), Asker())
    [record] = outcome.accepted
    order_id = record.order_id
    assert order_id is not None
    await wait_until(lambda: (r := broker.orders.record(order_id)) is not None and r.filled)
    current = broker.orders.record(order_id)
    assert current is not None and current.filled is not None and current.filled < total
    lower = round(quote.bid * 0.9, 2)
    changed = await broker.orders.modify(
        order_id, OrderTicket(conid=AAPL, side=Side.BUY, quantity=total,
                              order_type=OrderType.LMT, price=lower), Asker())
    assert changed.placed, changed.summary
    order = gateway.brokerage.book.get(order_id)
    assert order is not None and (order.quantity, order.limit_price) == (total, lower)
    await broker.orders.cancel(order_id)
    await _status(broker, order_id, OrderStatus.CANCELLED)

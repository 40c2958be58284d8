"""OrderFlow against the demo gateway: the question loop, records, fills, exactly-once placement
under lost answers, limits, modify/cancel/cancel-all, what-if."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from ibkr_desktop.client.broker import Broker
from ibkr_desktop.client.http import Timeouts
from ibkr_desktop.client.journal import Journal
from ibkr_desktop.client.record_book import RecordBook
from ibkr_desktop.demo_gateway.server import DemoGateway
from ibkr_desktop.protocol.events import OrderUpdate
from ibkr_desktop.protocol.limits import Limits, OnBreach
from ibkr_desktop.protocol.orders import (
    OrderAccepted,
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


async def test_unresolved_doubt_is_checked_before_the_next_send(broker: Broker,
                                                              gateway: DemoGateway) -> None:
    """Answer lost and live orders unreadable: the outcome says so; the next place() first
    finds the earlier order, then sends; never a second POST of the first order."""
    account = str(broker.selected_account)
    resting = round(gateway.market.quote(AAPL).bid * 0.99, 2)  # accepted without a question
    gateway.faults.lose_next_order_answer(way="503", fail_orders_reads=1000)
    outcome = await broker.orders.place(replace(_limit(resting), coid="in-doubt"), Asker())
    assert not outcome.placed and outcome.error and "Nothing new is sent" in outcome.error
    changed: list[object] = []
    broker.orders.record_changed.connect(changed.append)
    gateway.faults.fail_orders_reads = 0  # live orders can be read again
    second = await broker.orders.place(_limit(round(resting * 0.99, 2)), Asker())
    assert second.placed and _posts(gateway, account) == 2
    assert _orders_with(gateway, "in-doubt") == 1
    found = broker.orders.record(coid="in-doubt")
    assert found is not None and found.order_id is not None and found in changed


async def test_limit_breach_blocks_unless_overridden(broker: Broker,
                                                     gateway: DemoGateway) -> None:
    account = str(broker.selected_account)
    broker.orders.limits = Limits(max_quantity=5)
    big = _limit(round(gateway.market.quote(AAPL).bid * 0.99, 2), quantity=6)
    blocked = await broker.orders.place(big, Asker())
    assert [b.limit for b in blocked.blocked] == ["max_quantity"] and not blocked.placed
    assert blocked.summary == "Not sent: quantity 6 is above your limit of 5."
    assert _posts(gateway, account) == 0
    assert (await broker.orders.place(big, Asker(), override=True)).placed
    assert _posts(gateway, account) == 1
    broker.orders.limits = Limits(max_quantity=5, on_breach=OnBreach.BLOCK)
    assert (await broker.orders.place(big, Asker(), override=True)).blocked
    assert _posts(gateway, account) == 1


async def test_concurrent_placements_are_serialised(broker: Broker,
                                                    gateway: DemoGateway) -> None:
    """Two tickets at once, both with questions: each question is answered for its own order
    (reply ids never cross) and both are placed at their own prices."""
    bid = gateway.market.quote(AAPL).bid
    prices = (round(bid * 0.8, 2), round(bid * 0.81, 2))
    asked: list[str] = []

    async def confirm(question: OrderQuestion) -> bool:
        asked.append(question.reply_id)
        await asyncio.sleep(0)  # let the other placement try to interleave
        return True

    outcomes = await asyncio.gather(*(broker.orders.place(_limit(p), confirm) for p in prices))
    placed = [gateway.brokerage.book.find_coid(str(o.accepted[0].coid)) for o in outcomes]
    assert [o.limit_price for o in placed if o] == list(prices)
    assert len(set(asked)) == len(asked) >= 2


async def test_modify_cancel_and_cancel_all(broker: Broker, gateway: DemoGateway) -> None:
    bid = gateway.market.quote(AAPL).bid
    one = await broker.orders.place(_limit(round(bid * 0.97, 2)), Asker())
    two = await broker.orders.place(_limit(round(bid * 0.96, 2)), Asker())
    order_id = one.accepted[0].order_id
    assert order_id is not None
    new_price = round(bid * 0.95, 2)
    modified = await broker.orders.modify(order_id, _limit(new_price), Asker())
    assert modified.placed and gateway.brokerage.book.get(order_id).limit_price == new_price  # type: ignore[union-attr]
    assert await broker.orders.cancel_all() == 2
    await wait_until(lambda: all(
        (r := broker.orders.record(o.accepted[0].order_id)) is not None
        and r.status is OrderStatus.CANCELLED for o in (one, two)))
    record = broker.orders.record(order_id)
    assert record is not None and record.status_text == "cancelled"
    assert await broker.orders.cancel_all() == 0


async def test_modify_below_the_filled_quantity_is_refused_locally(
        broker: Broker, gateway: DemoGateway) -> None:
    outcome = await broker.orders.place(
        OrderTicket(conid=AAPL, side=Side.BUY, quantity=4, order_type=OrderType.MKT), Asker())
    order_id = outcome.accepted[0].order_id
    assert order_id is not None
    await wait_until(lambda: (r := broker.orders.record(order_id)) is not None and r.filled)
    posts = sum(n for (m, p), n in gateway.faults.requests.items() if m == "POST")
    refused = await broker.orders.modify(order_id, _limit(1.0, quantity=3), Asker())
    assert refused.error == "The new quantity 3 is below the 4 already filled"
    assert sum(n for (m, p), n in gateway.faults.requests.items() if m == "POST") == posts


async def test_what_if_reads_the_preview(broker: Broker, gateway: DemoGateway) -> None:
    account = str(broker.selected_account)
    preview = await broker.orders.what_if(_limit(round(gateway.market.quote(AAPL).ask, 2)))
    assert preview.commission is not None and preview.commission > 0
    assert preview.initial_margin_change is not None and preview.initial_margin_change > 0
    assert preview.equity_change == -round(preview.commission)
    assert _posts(gateway, account) == 0


async def test_journal_holds_every_step(gateway: DemoGateway) -> None:
    """Intent, question, the user's answer, server response, status change, cancel and fill,
    in the order they arrived (a fill may stream in before the placement's answer is read)."""
    journal = Journal(":memory:")
    broker = await start_broker(gateway.base_url, journal=journal)
    try:
        far = round(gateway.market.quote(AAPL).bid * 0.8, 2)
        resting = await broker.orders.place(
            OrderTicket(conid=AAPL, side=Side.BUY, quantity=2, order_type=OrderType.LMT,
                        price=far, coid="journalled"), Asker())
        order_id = resting.accepted[0].order_id
        assert order_id is not None
        await broker.orders.cancel(order_id)
        await wait_until(lambda: any("Cancelled" in e.text for e in journal.entries()))
        kinds = [e.kind for e in journal.entries(coid="journalled")]
        assert kinds[:3] == ["intent", "question", "answer"]
        assert kinds.index("response") < kinds.index("cancel") < len(kinds) - 1
        assert kinds[-1] == "status"
        assert journal.entries(coid="journalled")[0].text == f"BUY 2 conid {AAPL} LMT {far:g} DAY"
        filled = await broker.orders.place(
            OrderTicket(conid=AAPL, side=Side.SELL, quantity=1, order_type=OrderType.MKT,
                        coid="journalled-fill"), Asker())
        await wait_until(lambda: any(e.kind == "fill" for e in journal.entries()))
        [fill] = [e for e in journal.entries(coid="journalled-fill") if e.kind == "fill"]
        assert fill.order_id == filled.accepted[0].order_id and fill.text.startswith("SELL 1 AAPL")
    finally:
        await broker.stop()


async def test_lost_modify_answer_is_not_resent(broker: Broker, gateway: DemoGateway) -> None:
    """The change went through but its answer was lost: said so, sent once, the view re-read."""
    bid = gateway.market.quote(AAPL).bid
    placed = await broker.orders.place(_limit(round(bid * 0.97, 2)), Asker())
    order_id = placed.accepted[0].order_id
    assert order_id is not None
    new_price = round(bid * 0.96, 2)

    async def lose_then_confirm(question: OrderQuestion) -> bool:
        gateway.faults.lose_next_order_answer(way="503")  # the answer to the last reply
        return True

    outcome = await broker.orders.modify(order_id, _limit(new_price), lose_then_confirm)
    assert outcome.error and "did not confirm the change" in outcome.error
    account = str(broker.selected_account)
    assert gateway.faults.requests[("POST", f"/iserver/account/{account}/order/{order_id}")] == 1
    replies = [n for (m, p), n in gateway.faults.requests.items() if p.startswith("/iserver/reply")]
    assert sum(replies) == 2  # the placement's question and the change's, each answered once
    order = gateway.brokerage.book.get(order_id)
    assert order is not None and order.limit_price == new_price


async def test_fill_of_an_order_placed_elsewhere_gets_a_record(broker: Broker) -> None:
    """An execution naming a cOID the flow never placed (an earlier run): record + signal."""
    fills: list[object] = []
    broker.orders.fill_received.connect(lambda record, fill: fills.append(record))
    await broker.place_order(OrderTicket(conid=AAPL, side=Side.BUY, quantity=1,
                                         order_type=OrderType.MKT, coid="earlier-run"))
    await wait_until(lambda: fills)
    record = broker.orders.record(coid="earlier-run")
    assert record is not None and [f.size for f in record.fills] == [1] and fills == [record]


async def test_orders_first_seen_in_a_resync_are_not_journalled_as_changes(
        gateway: DemoGateway) -> None:
    """A new session lists an earlier working order: a record, no journal row; its cancel is."""
    first = await start_broker(gateway.base_url)
    placed = await first.orders.place(_limit(round(gateway.market.quote(AAPL).bid * 0.97, 2)),
                                      Asker())
    await first.stop()
    order_id = placed.accepted[0].order_id
    assert order_id is not None
    journal = Journal(":memory:")
    second = await start_broker(gateway.base_url, journal=journal)
    try:
        await second.refresh_orders()
        await wait_until(lambda: second.orders.record(order_id) is not None)
        assert journal.entries() == []
        await second.orders.cancel(order_id)
        await wait_until(lambda: any("Cancelled" in e.text for e in journal.entries()))
        assert [e.kind for e in journal.entries(order_id=order_id)] == ["cancel", "status"]
    finally:
        await second.stop()


def test_only_status_changes_are_status_steps() -> None:
    """A fill-quantity update of a working order changes the record, not its status history."""
    book = RecordBook()
    book.intend(replace(_limit(1.0), coid="c-1"), 1, "intent")
    updates = [OrderUpdate(7, status=OrderStatus.SUBMITTED, order_ref="c-1"),
               OrderUpdate(7, filled=5.0, remaining=5.0),
               OrderUpdate(7, status=OrderStatus.FILLED, filled=10.0, remaining=0.0)]
    steps = [[step.text if step else None for _, step in book.apply([u], 2)] for u in updates]
    assert steps == [["Submitted (working at the exchange)"], [None], ["Filled (filled)"]]
    record = book.find(coid="c-1")
    assert record is not None and record is book.find(7) and record.filled == 10.0
    assert [h.kind for h in record.history] == ["intent", "status", "status"]


def test_stream_before_the_answer_joins_one_record() -> None:
    """``sor`` names the order (without its cOID) and fills it before the POST answer is read:
    one record, by id and by cOID, Filled stays Filled."""
    book = RecordBook()
    book.intend(replace(_limit(1.0), coid="c-2"), 1, "intent")
    book.apply([OrderUpdate(9, status=OrderStatus.FILLED, filled=10.0, remaining=0.0)], 2)
    record = book.accept("c-2", OrderAccepted("9", OrderStatus.SUBMITTED, "c-2"), 3)
    assert book.find(9) is book.find(coid="c-2") is record
    assert (record.status, record.filled, record.coid) == (OrderStatus.FILLED, 10.0, "c-2")
    assert [r.coid for r in book.all()] == ["c-2"]

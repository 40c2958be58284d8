"""The paper brokerage's matching engine and books, driven tick by tick without HTTP."""

from __future__ import annotations

import random

import pytest

from ibkr_desktop.demo_gateway.accounts import commission_for
from ibkr_desktop.demo_gateway.brokerage import Brokerage
from ibkr_desktop.demo_gateway.brokerage_error import BrokerageError
from ibkr_desktop.demo_gateway.orders import Order
from ibkr_desktop.protocol.orders import parse_live_order, parse_order_status, parse_trade
from ibkr_desktop.protocol.portfolio import (
    parse_pnl_partitioned,
    parse_positions,
    parse_summary,
)

from .brokerage_fakes import AAPL, ACCOUNT, MSFT, Desk, make_desk, ticket


def test_market_order_fills_at_the_ask_and_books_cash_position_and_commission() -> None:
    """A market buy fills at the ask; cash pays value plus the $1 minimum commission."""
    desk = make_desk()
    [accepted] = desk.place(ticket("BUY", 100))
    order = desk.order(accepted["order_id"])
    assert order.status == "Filled" and order.avg_price == pytest.approx(100.01)
    account = desk.brokerage.portfolio.accounts[ACCOUNT]
    assert account.cash == pytest.approx(1_000_000 - 10_001 - 1.0)
    assert account.position(AAPL) == 100
    assert account.holdings[AAPL].avg_cost == pytest.approx(100.02)
    [fill] = desk.published("str")
    assert fill["side"] == "B" and fill["price"] == "100.01" and fill["commission"] == "1.00"


def test_limit_order_fills_in_parts_sized_by_the_quote() -> None:
    """A large limit order fills 300 shares per tick once the ask reaches the limit."""
    desk = make_desk()
    [accepted] = desk.place(ticket("BUY", 1000, "LMT", price=99.0, tif="GTC"))
    order = desk.order(accepted["order_id"])
    desk.tick(AAPL, 99.5)
    assert order.filled == 0 and order.status == "Submitted"
    desk.tick(AAPL, 98.9)
    assert order.filled == 300 and order.status == "Submitted"
    for _ in range(3):
        desk.tick(AAPL, 98.9)
    assert order.filled == 1000 and order.status == "Filled"
    assert [f["size"] for f in desk.published("str")] == [300, 300, 300, 100]
    assert order.commission == pytest.approx(5.0)


def test_order_updates_carry_only_changed_fields() -> None:
    """After the first full ``sor`` item, updates hold the changed fields plus orderId/acct."""
    desk = make_desk()
    [accepted] = desk.place(ticket("BUY", 600, "LMT", price=99.0))
    desk.tick(AAPL, 98.9)
    first, update = desk.published("sor")
    assert first["status"] == "Submitted" and "ticker" in first
    assert update["orderId"] == int(accepted["order_id"]) and update["acct"] == ACCOUNT
    assert update["filledQuantity"] == 300 and update["remainingQuantity"] == 300
    assert "ticker" not in update and "status" not in update


def test_selling_realizes_pnl_and_can_go_short() -> None:
    """Selling more than held realizes P&L on the long shares and leaves a short position."""
    desk = make_desk()
    desk.place(ticket("BUY", 100))
    desk.tick(AAPL, 110.0)
    desk.place(ticket("SELL", 150))
    account = desk.brokerage.portfolio.accounts[ACCOUNT]
    assert account.position(AAPL) == -50
    sell_commission = 1.0 * 100 / 150
    expected = (109.99 - 100.02) * 100 - sell_commission
    assert account.realized_pnl == pytest.approx(expected)
    assert account.holdings[AAPL].avg_price == pytest.approx(109.99)


def test_pnl_and_account_values_follow_the_market() -> None:
    """Daily and unrealized P&L, net liquidation and excess liquidity move with the price."""
    desk = make_desk()
    desk.place(ticket("BUY", 100))
    before = desk.brokerage.pnl_payload()[f"{ACCOUNT}.Core"]
    desk.tick(AAPL, 105.0)
    after = desk.brokerage.pnl_payload()[f"{ACCOUNT}.Core"]
    assert after["upl"] - before["upl"] == pytest.approx(500.0)
    assert after["dpl"] == pytest.approx(100 * 105.0 - 10_001 - 1.0)
    assert after["nl"] > before["nl"] and after["uel"] > before["uel"]
    rows = {r["key"]: r for r in desk.brokerage.summary_rows(ACCOUNT)}
    assert rows["AccountCode"]["value"] == ACCOUNT
    assert rows["NetLiquidation"]["monetaryValue"] == pytest.approx(after["nl"])
    assert rows["BuyingPower"]["monetaryValue"] == pytest.approx(
        4 * rows["AvailableFunds-S"]["monetaryValue"])
    ledger = {r["key"]: r for r in desk.brokerage.ledger_rows(ACCOUNT)}
    assert ledger["LedgerListUSD"]["acctCode"] == ACCOUNT
    assert ledger["LedgerListBASE"]["cashbalance"] == pytest.approx(1_000_000 - 10_002)


def test_stop_order_waits_then_triggers_when_the_market_trades_through() -> None:
    """A sell stop stays PreSubmitted above its stop and fills at the bid once elected."""
    desk = make_desk()
    [accepted] = desk.place(ticket("SELL", 100, "STP", price=95.0, tif="GTC"))
    order = desk.order(accepted["order_id"])
    desk.tick(AAPL, 96.0)
    assert order.status == "PreSubmitted" and order.filled == 0
    desk.tick(AAPL, 94.9)
    assert order.status == "Filled" and order.avg_price == pytest.approx(94.89)


def test_stop_limit_becomes_a_limit_and_respects_it() -> None:
    """A stop-limit that gaps through its limit is elected but does not fill above the limit."""
    desk = make_desk()
    [accepted] = desk.place(ticket("BUY", 100, "STOP_LIMIT", price=106.0, auxPrice=105.0))
    order = desk.order(accepted["order_id"])
    desk.tick(AAPL, 107.0)
    assert order.triggered and order.filled == 0 and order.status == "Submitted"
    desk.tick(AAPL, 105.9)
    assert order.status == "Filled" and order.avg_price == pytest.approx(105.91)


def test_trailing_stop_amount_ratchets_up_and_triggers_on_the_pullback() -> None:
    """A sell trail by $2 follows the price up, never down, and fires 2 below the high."""
    desk = make_desk()
    [accepted] = desk.place(ticket("SELL", 100, "TRAIL", trailingAmt=2.0, trailingType="amt"))
    order = desk.order(accepted["order_id"])
    desk.tick(AAPL, 100.0)
    assert order.stop_price == pytest.approx(98.0)
    desk.tick(AAPL, 105.0)
    desk.tick(AAPL, 104.0)
    assert order.stop_price == pytest.approx(103.0) and order.filled == 0
    desk.tick(AAPL, 102.9)
    assert order.status == "Filled" and order.avg_price == pytest.approx(102.89)
    stops = [u["price"] for u in desk.published("sor") if "price" in u]
    assert 103.0 in stops  # a trailing stop lists its current stop in ``price`` (§11)
    assert not any("auxPrice" in u for u in desk.published("sor"))


def test_trailing_stop_percent_for_a_buy() -> None:
    """A buy trail by 5% follows the price down and fires 5% above the low."""
    desk = make_desk()
    [accepted] = desk.place(ticket("BUY", 10, "TRAIL", trailingAmt=5, trailingType="%"))
    order = desk.order(accepted["order_id"])
    desk.tick(AAPL, 90.0)
    assert order.stop_price == pytest.approx(94.5)
    desk.tick(AAPL, 94.0)
    assert order.filled == 0
    desk.tick(AAPL, 94.6)
    assert order.status == "Filled"


def test_ioc_fills_what_it_can_and_cancels_the_rest() -> None:
    """An IOC order takes the displayed size at once and its remainder is cancelled."""
    desk = make_desk()
    [accepted] = desk.place(ticket("BUY", 1000, "LMT", price=101.0, tif="IOC"))
    order = desk.order(accepted["order_id"])
    assert order.filled == 300 and order.status == "Cancelled"
    [away] = desk.place(ticket("BUY", 10, "LMT", price=99.0, tif="IOC"))
    assert desk.order(away["order_id"]).status == "Cancelled"
    assert desk.order(away["order_id"]).filled == 0


def _place_bracket(desk: Desk) -> list[Order]:
    """Parent buy limit 99 with a 110 take-profit and a 95 stop-loss, all GTC."""
    accepted = desk.place(
        ticket("BUY", 100, "LMT", price=99.0, cOID="parent-1", tif="GTC"),
        ticket("SELL", 100, "LMT", price=110.0, parentId="parent-1", tif="GTC"),
        ticket("SELL", 100, "STP", price=95.0, parentId="parent-1", tif="GTC"),
    )
    return [desk.order(a["order_id"]) for a in accepted]


def test_bracket_children_wait_for_the_parent_then_cancel_each_other() -> None:
    """Children hold until the parent fills; the take-profit fill cancels the stop-loss."""
    desk = make_desk()
    parent, take_profit, stop_loss = _place_bracket(desk)
    assert take_profit.parent_id == parent.order_id
    desk.tick(AAPL, 111.0)
    assert take_profit.filled == 0 and take_profit.status == "PreSubmitted"
    desk.tick(AAPL, 98.5, size=1000)
    assert parent.status == "Filled"
    assert not take_profit.held and not stop_loss.held
    desk.tick(AAPL, 110.5, size=1000)
    assert take_profit.status == "Filled" and stop_loss.status == "Cancelled"
    assert desk.brokerage.portfolio.accounts[ACCOUNT].position(AAPL) == 0


def test_bracket_partial_child_fill_shrinks_the_sibling() -> None:
    """A partial take-profit fill reduces the stop-loss to the shares still held."""
    desk = make_desk()
    parent, take_profit, stop_loss = _place_bracket(desk)
    desk.tick(AAPL, 98.5, size=1000)
    desk.tick(AAPL, 110.5, size=40)
    assert take_profit.filled == 40 and stop_loss.quantity == 60 and stop_loss.active


def test_cancelling_a_bracket_parent_cancels_its_children() -> None:
    """Cancelling an unfilled parent cancels both children."""
    desk = make_desk()
    orders = _place_bracket(desk)
    desk.brokerage.desk.cancel(ACCOUNT, orders[0].order_id)
    assert [o.status for o in orders] == ["Cancelled"] * 3


def test_cancelling_a_bracket_child_cancels_its_sibling() -> None:
    """Cancelling the take-profit of a filled bracket also cancels the stop-loss."""
    desk = make_desk()
    parent, take_profit, stop_loss = _place_bracket(desk)
    desk.tick(AAPL, 98.5, size=1000)
    desk.brokerage.desk.cancel(ACCOUNT, take_profit.order_id)
    assert parent.status == "Filled" and stop_loss.status == "Cancelled"


def test_single_group_oca_cancels_the_others_on_the_first_fill() -> None:
    """With isSingleGroup, the first order to fill cancels the rest of the group."""
    desk = make_desk()
    accepted = desk.place(ticket("BUY", 10, "LMT", price=99.0, isSingleGroup=True),
                          ticket("BUY", 5, "LMT", price=390.0, conid=MSFT, isSingleGroup=True))
    aapl, msft = (desk.order(a["order_id"]) for a in accepted)
    desk.tick(AAPL, 98.0)
    assert aapl.status == "Filled" and msft.status == "Cancelled"


def test_day_orders_expire_when_regular_hours_end() -> None:
    """DAY orders are cancelled at the session end; GTC orders keep working."""
    desk = make_desk()
    [day] = desk.place(ticket("BUY", 10, "LMT", price=99.0))
    [gtc] = desk.place(ticket("BUY", 10, "LMT", price=99.0, tif="GTC"))
    desk.tick(AAPL, 100.0)
    desk.market.rth = False
    desk.tick(AAPL, 100.0)
    assert desk.order(day["order_id"]).status == "Cancelled"
    assert desk.order(gtc["order_id"]).status == "PreSubmitted"


def test_day_orders_can_be_expired_on_demand() -> None:
    """expire_day_orders() ends every working DAY order and publishes the cancellation."""
    desk = make_desk()
    [day] = desk.place(ticket("BUY", 10, "LMT", price=99.0))
    desk.brokerage.expire_day_orders()
    assert desk.order(day["order_id"]).status == "Cancelled"
    assert desk.published("sor")[-1]["status"] == "Cancelled"


def test_outside_rth_orders_fill_only_when_allowed() -> None:
    """Outside regular hours a marketable limit fills only with outsideRTH set."""
    desk = make_desk(rth=False)
    [held] = desk.place(ticket("BUY", 10, "LMT", price=101.0))
    [allowed] = desk.place(ticket("BUY", 10, "LMT", price=101.0, outsideRTH=True))
    assert desk.order(held["order_id"]).status == "PreSubmitted"
    assert desk.order(allowed["order_id"]).status == "Filled"
    desk.market.rth = True
    desk.tick(AAPL, 100.0)
    assert desk.order(held["order_id"]).status == "Filled"


def test_questions_come_one_at_a_time_until_the_order_is_accepted() -> None:
    """A far, large, valuable limit asks o163, then o383, then o451, then is accepted."""
    desk = make_desk()
    answer = desk.brokerage.desk.place(ACCOUNT, [ticket("BUY", 6000, "LMT", price=150.0)])
    asked = []
    while "id" in answer[0]:
        asked += answer[0]["messageIds"]
        answer = desk.brokerage.desk.reply(answer[0]["id"], True)
    assert asked == ["o163", "o383", "o451"]
    assert answer[0]["order_status"] == "Submitted"


@pytest.mark.parametrize(
    ("body", "question"),
    [
        (ticket("SELL", 10, "STP", price=101.0), "o403"),
        (ticket("BUY", 10, "LMT", price=10.0, conid=MSFT), "o163"),
        (ticket("BUY", 10, "LMT", price=100.0, conid=8314), "o354"),
    ],
)
def test_risky_orders_raise_the_matching_question(body: dict, question: str) -> None:
    """Stops through the market, far limits and orders without market data are questioned."""
    answer = make_desk().brokerage.desk.place(ACCOUNT, [body])
    assert answer[0]["messageIds"] == [question]


def test_market_order_outside_rth_asks_for_the_cap_price_and_respects_it() -> None:
    """o10153 is asked for market orders outside RTH; the order then honours its cap."""
    desk = make_desk(rth=False)
    answer = desk.brokerage.desk.place(ACCOUNT, [ticket("BUY", 10, outsideRTH=True)])
    assert answer[0]["messageIds"] == ["o10153"]
    assert "Confirm Mandatory Cap Price" in answer[0]["message"][0]
    [accepted] = desk.brokerage.desk.reply(answer[0]["id"], True)
    order = desk.order(accepted["order_id"])
    assert order.status == "Filled" and order.cap_price == pytest.approx(103.0)


def test_orders_beyond_the_available_funds_are_rejected() -> None:
    """An order needing more initial margin than available funds is refused with IBKR text."""
    desk = make_desk()
    with pytest.raises(BrokerageError, match="Initial Margin"):
        desk.brokerage.desk.place(ACCOUNT, [ticket("BUY", 50_000, "LMT", price=100.0)])


@pytest.mark.parametrize(
    ("shares", "value", "fee"),
    [(100, 10_000, 1.0), (1000, 100_000, 5.0), (10, 50.0, 0.5), (10_000, 1_000.0, 10.0)],
)
def test_commission_is_per_share_with_a_minimum_and_a_cap(
    shares: float, value: float, fee: float
) -> None:
    """$0.005/share, at least $1, never above 1% of the trade value."""
    assert commission_for(shares, value) == pytest.approx(fee)


def test_every_answer_reads_back_through_the_protocol_parsers() -> None:
    """Live orders, sor updates, status, trades, positions and P&L parse as the client will."""
    desk = make_desk()
    [accepted] = desk.place(ticket("BUY", 100, "LMT", price=99.0, cOID="round-1", tif="GTC"))
    desk.tick(AAPL, 98.5)
    brokerage = desk.brokerage
    [live] = [parse_live_order(item) for item in brokerage.orders_snapshot(ACCOUNT)]
    assert (live.status, live.order_type, live.filled, live.order_ref) == (
        "Filled", "LMT", 100, "round-1")
    updates = [parse_live_order(item) for item in desk.published("sor")]
    assert [u.status for u in updates] == ["Submitted", "Filled"]
    status = parse_order_status(brokerage.desk.order_status(int(accepted["order_id"])))
    assert status.avg_price == pytest.approx(98.51) and status.side == "BUY"
    [fill] = [parse_trade(item) for item in brokerage.trades_snapshot(ACCOUNT)]
    assert (fill.side, fill.size, fill.commission) == ("BUY", 100, 1.0)
    [position] = parse_positions(brokerage.portfolio.positions(ACCOUNT, 0))
    assert position.quantity == 100 and position.avg_cost == pytest.approx(98.52)
    [pnl] = parse_pnl_partitioned({"upnl": brokerage.portfolio.pnl("el")})
    assert pnl.unrealized_pnl == pytest.approx(-2.0)
    summary = parse_summary(ACCOUNT, brokerage.portfolio.summary(ACCOUNT))
    assert summary.values["netliquidation"] == pytest.approx(pnl.net_liquidity)


def test_opening_positions_follow_the_market() -> None:
    """A demo account can start the day with positions whose value moves with the market."""
    from ibkr_desktop.demo_gateway.market import MarketSimulator
    from ibkr_desktop.demo_gateway.universe import Universe

    universe = Universe()
    market = MarketSimulator(universe, seed=3, start_ms=1_764_000_000_000)
    brokerage = Brokerage(market, universe, rng=random.Random(3), opening_positions={265598: 100})
    account = brokerage.portfolio.account(brokerage.portfolio.selected)
    holding = account.holdings[265598]
    assert holding.quantity == 100 and holding.avg_cost > 0
    before = account.metrics(lambda conid: 100.0).market_value
    after = account.metrics(lambda conid: 110.0).market_value
    assert (before, after) == (10_000.0, 11_000.0)
    assert account.metrics(brokerage.mark).net_liquidation > 0

"""The demo gateway answers as IBKR does (reference §11), over real HTTP on loopback.

Each test is one observed IBKR behaviour a client must survive: strict inputs, refused legs,
the shapes IBKR lists orders and statuses in, closing-auction orders, trades without times,
the "no bridge" state and the stale positions cache.
"""

from __future__ import annotations

from typing import Any

from ibkr_desktop.demo_gateway.server import DemoGateway

from .brokerage_fakes import AAPL, ACCOUNT, SPY, make_desk, ticket
from .conftest import Api

ORDERS = f"/iserver/account/{ACCOUNT}/orders"
IBM = 8314


async def place(api: Api, *tickets: dict[str, Any]) -> list[dict[str, Any]]:
    """Place ``tickets`` and confirm every question; return the answer rows."""
    status, answer = await api.post(ORDERS, json_body={"orders": list(tickets)})
    while status == 200 and isinstance(answer, list) and "message" in answer[0]:
        status, answer = await api.post(f"/iserver/reply/{answer[0]['id']}",
                                        json_body={"confirmed": True})
    assert status == 200, answer
    return list(answer)


async def listed(api: Api) -> dict[int, dict[str, Any]]:
    """Live orders by ``orderId`` (primed first, as IBKR needs, §5.4)."""
    await api.get("/iserver/account/orders")
    status, body = await api.get("/iserver/account/orders")
    assert status == 200 and body["snapshot"] is True
    return {item["orderId"]: item for item in body["orders"]}


def last(gw: DemoGateway, conid: int = AAPL) -> float:
    price = gw.market.quote(conid).last
    assert price is not None
    return price


def far_buy(gw: DemoGateway, **extra: Any) -> dict[str, Any]:
    """A GTC buy limit 10 % under the market: it works and does not fill."""
    return ticket("BUY", 10, "LMT", price=round(last(gw) * 0.9, 2), tif="GTC", **extra)


async def fault(api: Api, action: str) -> None:
    status, _ = await api.post("/demo/admin/fault", base=api.gateway.base_url,
                               json_body={"action": action})
    assert status == 200


async def test_live_order_filters_take_snake_case_words_only(api: Api, gw: DemoGateway) -> None:
    """``Submitted,PreSubmitted`` gets HTTP 500 as on IBKR; the snake_case words filter."""
    await api.ready()
    [placed] = await place(api, far_buy(gw))
    await listed(api)
    status, body = await api.get("/iserver/account/orders",
                                 params={"filters": "Submitted,PreSubmitted"})
    assert status == 500 and "error" in body
    for word in ("submitted", "pre_submitted", "pending_cancel", "filled", "cancelled",
                 "inactive"):
        status, body = await api.get("/iserver/account/orders", params={"filters": word})
        assert status == 200, (word, body)
        ids = {item["orderId"] for item in body["orders"]}
        assert (int(placed["order_id"]) in ids) is (word == "submitted")


async def test_a_reply_superseded_by_a_later_order_is_not_found(api: Api,
                                                                 gw: DemoGateway) -> None:
    """Answering a question a later order replaced: 400 ``reply id not found: '<id>'``."""
    await api.ready()
    _, [first] = await api.post(ORDERS, json_body={"orders": [far_buy(gw)]})
    _, [second] = await api.post(ORDERS, json_body={"orders": [far_buy(gw, cOID="later")]})
    status, body = await api.post(f"/iserver/reply/{first['id']}", json_body={"confirmed": True})
    assert status == 400 and body == {"error": f"reply id not found: '{first['id']}'"}
    status, [accepted] = await api.post(f"/iserver/reply/{second['id']}",
                                        json_body={"confirmed": True})
    assert status == 200 and accepted["local_order_id"] == "later"


async def test_confirming_with_a_string_is_500_and_places_nothing(api: Api,
                                                                  gw: DemoGateway) -> None:
    """``{"confirmed": "Yes"}`` answers HTTP 500; no order appears."""
    await api.ready()
    _, [question] = await api.post(ORDERS, json_body={"orders": [far_buy(gw)]})
    status, body = await api.post(f"/iserver/reply/{question['id']}",
                                  json_body={"confirmed": "Yes"})
    assert status == 500 and "error" in body
    assert await listed(api) == {}


async def test_moc_and_loc_are_accepted_and_listed_as_ibkr_lists_them(api: Api,
                                                                      gw: DemoGateway) -> None:
    """MOC/LOC with tif DAY work until the close: ``MARKETONCLOSE``/``LIMITONCLOSE``, CLOSE."""
    await api.ready()
    limit = round(last(gw) * 1.01, 2)
    [moc] = await place(api, ticket("BUY", 3, "MOC"))
    [loc] = await place(api, ticket("SELL", 2, "LOC", price=limit))
    orders = await listed(api)
    moc_item, loc_item = orders[int(moc["order_id"])], orders[int(loc["order_id"])]
    assert (moc_item["orderType"], moc_item["timeInForce"]) == ("MARKETONCLOSE", "CLOSE")
    assert (loc_item["orderType"], loc_item["timeInForce"]) == ("LIMITONCLOSE", "CLOSE")
    assert loc_item["price"] == f"{limit:.2f}"  # REST lists prices as text
    assert moc_item["status"] == loc_item["status"] == "PreSubmitted"
    assert moc_item["filledQuantity"] == 0
    status, body = await api.post(ORDERS, json_body={"orders": [ticket("BUY", 3, "MOC",
                                                                       tif="GTC")]})
    assert status == 400 and "tif DAY" in body["error"]


def test_on_close_orders_fill_in_the_closing_auction_only() -> None:
    """At the end of regular hours MOC fills at the close; LOC only within its limit."""
    desk = make_desk()
    [moc] = desk.place(ticket("BUY", 10, "MOC"))
    [loc_in] = desk.place(ticket("BUY", 5, "LOC", price=101.0))
    [loc_out] = desk.place(ticket("BUY", 5, "LOC", price=99.5))
    desk.tick(AAPL, 98.0)
    assert all(desk.order(o["order_id"]).filled == 0 for o in (moc, loc_in, loc_out))
    desk.market.rth = False
    desk.tick(AAPL, 100.0)
    assert desk.order(moc["order_id"]).status == "Filled"
    assert desk.order(moc["order_id"]).avg_price == 100.0
    assert desk.order(loc_in["order_id"]).status == "Filled"
    assert desk.order(loc_out["order_id"]).status == "Cancelled"
    assert sum(t["size"] for t in desk.published("str")) == 15


async def test_live_orders_list_stops_as_ibkr_does(api: Api, gw: DemoGateway) -> None:
    """STP: stop in ``price`` (text), no ``auxPrice``; STOP_LIMIT: limit + auxPrice; int
    parentId."""
    await api.ready()
    stop = round(last(gw, SPY) * 0.9, 2)
    [stp] = await place(api, ticket("SELL", 1, "STP", conid=SPY, price=stop, tif="GTC"))
    [stop_limit] = await place(api, ticket("SELL", 1, "STOP_LIMIT", conid=SPY,
                                           price=round(stop - 1, 2), auxPrice=stop))
    high = round(last(gw) * 1.1, 2)
    parent, take_profit, stop_loss = await place(
        api, far_buy(gw, cOID="bracket-1"),
        ticket("SELL", 10, "LMT", price=high, parentId="bracket-1", tif="GTC"),
        ticket("SELL", 10, "STP", price=round(last(gw) * 0.8, 2), parentId="bracket-1",
               tif="GTC"))
    orders = await listed(api)
    item = orders[int(stp["order_id"])]
    assert item["orderType"] == "Stop" and item["price"] == f"{stop:.2f}"
    assert "auxPrice" not in item
    assert item["orderDesc"] == f"Sell 1 SPY Stop {stop:.2f}, GTC"
    item = orders[int(stop_limit["order_id"])]
    assert (item["price"], item["auxPrice"]) == (f"{stop - 1:.2f}", f"{stop:.2f}")
    for child in (take_profit, stop_loss):
        assert orders[int(child["order_id"])]["parentId"] == int(parent["order_id"])
    status, body = await api.post(ORDERS, json_body={"orders": [
        ticket("SELL", 1, "STP", conid=SPY, auxPrice=stop)]})
    assert status == 400 and body["error"] == "invalid order price fields"


async def test_order_status_uses_the_recorded_spellings(api: Api, gw: DemoGateway) -> None:
    """``size`` is the order's size; fills as filled/remaining_quantity and avg_fill_price."""
    await api.ready()
    [filled] = await place(api, ticket("BUY", 5, "MKT"))
    status, body = await api.get(f"/iserver/account/order/status/{filled['order_id']}")
    assert status == 200 and body["order_status"] == "Filled"
    assert (body["size"], body["total_size"]) == ("5.0", "5.0")
    assert (body["filled_quantity"], body["remaining_quantity"]) == ("5.0", "0.0")
    assert float(body["avg_fill_price"]) > 0 and body["order_clearing_account"] == ACCOUNT
    [working] = await place(api, far_buy(gw))
    _, body = await api.get(f"/iserver/account/order/status/{working['order_id']}")
    assert (body["size"], body["filled_quantity"], body["remaining_quantity"]) == (
        "10.0", "0.0", "10.0")


async def test_refused_legs_are_failed_rows_and_untransmitted_orders_inactive(
    api: Api, gw: DemoGateway
) -> None:
    """HTTP 200 with ``order_id "-1"``/``Failed`` and the reason; ``transmit: false`` Inactive."""
    await api.ready()
    status, [row] = await api.post(ORDERS, json_body={"orders": [ticket("BUY", 0.00005)]})
    assert status == 200 and row["order_id"] == "-1" and row["order_status"] == "Failed"
    assert "minimum size increment" in row["text"] and row["warning_message"] == row["text"]
    parent, child = await place(api, far_buy(gw, cOID="wrong-side"),
                                ticket("BUY", 10, "LMT", price=round(last(gw) * 0.8, 2),
                                       parentId="wrong-side"))
    assert parent["order_status"] == "Submitted"
    assert child["order_id"] == "-1" and "opposite side" in child["text"]
    [held] = await place(api, far_buy(gw, transmit=False))
    assert held["order_status"] == "Inactive"
    gw.market.set_price(AAPL, round(last(gw) * 0.85, 2))  # through its limit: still nothing
    item = (await listed(api))[int(held["order_id"])]
    assert item["status"] == "Inactive" and item["filledQuantity"] == 0


async def test_trades_can_come_without_trade_times(api: Api) -> None:
    """The ``trim_trade_times`` fault drops ``trade_time``/``trade_time_r`` from executions."""
    await api.ready()
    await fault(api, "trim_trade_times")
    [filled] = await place(api, ticket("BUY", 2, "MKT", cOID="no-times"))
    status, trades = await api.get("/iserver/account/trades")
    [mine] = [t for t in trades if t["order_ref"] == "no-times"]
    assert status == 200 and mine["size"] == 2
    assert "trade_time" not in mine and "trade_time_r" not in mine


async def test_no_bridge_until_ssodh_init(api: Api) -> None:
    """``/iserver`` answers 400 no bridge while tickle says authenticated; ssodh/init repairs."""
    await api.ready()
    await fault(api, "no_bridge")
    no_bridge = {"error": "Bad Request: no bridge", "statusCode": 400}
    _, tickle = await api.post("/tickle")
    assert tickle["iserver"]["authStatus"]["authenticated"] is True
    for _ in range(2):  # retrying changes nothing
        assert await api.get("/iserver/accounts") == (400, no_bridge)
        assert await api.post(ORDERS, json_body={"orders": [ticket("BUY", 1)]}) == (400,
                                                                                  no_bridge)
    status, _ = await api.post("/iserver/auth/ssodh/init",
                               json_body={"publish": True, "compete": True})
    assert status == 200
    status, body = await api.get("/iserver/account/orders")
    assert status == 500 and body["error"] == "Please query /accounts first"
    await api.ready()
    assert (await api.get("/iserver/account/orders"))[0] == 200


async def test_positions_page_is_a_stale_cache_until_invalidated(api: Api) -> None:
    """A new holding is missing from the cached page; portfolio2 has it; invalidate fixes it."""
    await api.ready()
    page = f"/portfolio/{ACCOUNT}/positions/0"
    _, before = await api.get(page)
    assert IBM not in {p["conid"] for p in before}
    await place(api, ticket("BUY", 10, "MKT", conid=IBM))
    _, cached = await api.get(page)
    assert {p["conid"] for p in cached} == {p["conid"] for p in before}
    _, live = await api.get(f"/portfolio2/{ACCOUNT}/positions")
    [ibm] = [p for p in live if p["conid"] == str(IBM)]
    assert ibm["description"] == "IBM" and ibm["position"] == 10
    assert {"marketPrice", "marketValue"} <= set(ibm) and "acctId" not in ibm
    status, _ = await api.post(f"/portfolio/{ACCOUNT}/positions/invalidate")
    assert status == 200
    _, fresh = await api.get(page)
    assert [p["position"] for p in fresh if p["conid"] == IBM] == [10]


def test_positions_cache_rebuilds_itself_after_its_interval() -> None:
    """Without invalidate, the cached list catches up once it is a minute old (manual clock)."""
    desk = make_desk()
    portfolio = desk.brokerage.portfolio
    assert portfolio.positions(ACCOUNT, 0) == []
    desk.place(ticket("BUY", 10))
    desk.clock.advance(59_999)
    assert portfolio.positions(ACCOUNT, 0) == []
    desk.clock.advance(1)
    assert [p["position"] for p in portfolio.positions(ACCOUNT, 0)] == [10]

"""Order endpoints: IBKR's answers (fixtures) as the user sees them, and the demo gateway's
answers in the same shapes (placement, reply, modify, cancel, live orders, order status)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from ibkr_desktop.client.orders import OrderDesk
from ibkr_desktop.client.sync import AccountSync
from ibkr_desktop.demo_gateway.server import DemoGateway
from ibkr_desktop.models.orders import OrdersModel
from ibkr_desktop.protocol.orders import (
    OrderAccepted,
    OrderNotTransmitted,
    OrderQuestion,
    OrderRefused,
    OrderRejectedError,
    OrderStatus,
    OrderTicket,
    OrderType,
    Side,
    TimeInForce,
    parse_live_order,
)
from tests.contract.conftest import ACCOUNT, Replay, Seen, live_orders, place, trades_after_fill
from tests.contract.shapes import assert_same_shape, load, shape_mismatches
from tests.demo_gateway.conftest import Api

AAPL = 265598
PLACE = f"/iserver/account/{ACCOUNT}/orders"
STOP_TICKET = OrderTicket(conid=756733, side=Side.SELL, quantity=1, order_type=OrderType.STP,
                          aux_price=0.5, tif=TimeInForce.GTC)


def cell(model: OrdersModel, order_id: int, key: str) -> str:
    """The text the orders table shows for one order and column."""
    row = next(r for r in range(model.rowCount()) if model.order_id(r) == order_id)
    return model.data(model.index(row, model.column_index(key)), Qt.ItemDataRole.DisplayRole)


# ---------------------------------------------------------------- the client reads IBKR


async def test_accepted_placement_reads_as_accepted(replay: Replay, desk: OrderDesk,
                                                    seen: Seen) -> None:
    replay.answer("POST", PLACE, load("place_accepted"))
    answers = await desk.place(STOP_TICKET)
    assert answers == [OrderAccepted("1234567890", OrderStatus.PRE_SUBMITTED, None)]
    assert seen.notices == []


async def test_stop_placement_body_carries_the_stop_in_price(replay: Replay,
                                                             desk: OrderDesk) -> None:
    """§11: the STP body sent over the wire has the stop in price, none in auxPrice."""
    replay.answer("POST", PLACE, load("place_accepted"))
    await desk.place(STOP_TICKET)
    [(_, _, body)] = replay.requests
    [sent] = body["orders"]
    assert (sent["orderType"], sent["price"], "auxPrice" in sent) == ("STP", 0.5, False)


async def test_question_reads_as_question(replay: Replay, desk: OrderDesk) -> None:
    replay.answer("POST", PLACE, load("place_question"))
    [question] = await desk.place(STOP_TICKET)
    assert isinstance(question, OrderQuestion)
    assert question.message_ids == ("o163",)
    assert "Percentage constraint of 3%" in question.messages[0]


async def test_refused_leg_and_inactive_order_are_not_accepted(replay: Replay,
                                                               desk: OrderDesk) -> None:
    """§11 case: one rejection with IBKR's reason plus one untransmitted order; the user is
    told both, and no "accepted order -1" exists anywhere in the answer."""
    replay.answer("POST", PLACE, load("place_refused_leg"))
    with pytest.raises(OrderRejectedError) as info:
        await desk.place(STOP_TICKET)
    assert info.value.answers == (
        OrderRefused("The size, 1, does not conform to the minimum variation of 100 "
                     "(Order rejected by the exchange.)"),
        OrderNotTransmitted("1760268467", "Inactive"),
    )
    assert info.value.message == (
        "IBKR refused the order: The size, 1, does not conform to the minimum variation of 100 "
        "(Order rejected by the exchange.); Order 1760268467 was not transmitted "
        "(status Inactive)")


async def test_bracket_with_a_refused_leg_reports_it(replay: Replay, desk: OrderDesk,
                                                     seen: Seen) -> None:
    """A placed parent with a refused child: the parent is returned, the refusal shown."""
    replay.answer("POST", PLACE, load("place_accepted") + load("place_refused_leg")[:1])
    answers = await desk.place(STOP_TICKET)
    assert isinstance(answers[0], OrderAccepted) and isinstance(answers[1], OrderRefused)
    assert seen.texts("error") == [
        "IBKR refused the order: The size, 1, does not conform to the minimum variation of 100 "
        "(Order rejected by the exchange.)"]


async def test_accepted_without_status_asks_for_a_refresh(replay: Replay,
                                                          desk: OrderDesk) -> None:
    """An id without a status may be working: accepted, and the Orders view is refreshed."""
    replay.answer("POST", PLACE, [{"order_id": "58"}])
    doubts: list[None] = []
    desk.orders_uncertain.connect(lambda: doubts.append(None))
    assert await desk.place(STOP_TICKET) == [OrderAccepted("58", None, None)]
    assert doubts == [None]


async def test_reply_reads_as_accepted(replay: Replay, desk: OrderDesk) -> None:
    replay.answer("POST", "/iserver/reply/r-1", load("reply_accepted"))
    assert await desk.reply("r-1", True) == [
        OrderAccepted("1234567891", OrderStatus.SUBMITTED, None)]


async def test_modify_reads_as_accepted(replay: Replay, desk: OrderDesk) -> None:
    replay.answer("POST", f"/iserver/account/{ACCOUNT}/order/1234567890", load("modify"))
    assert await desk.modify(1234567890, STOP_TICKET) == [
        OrderAccepted("1234567890", OrderStatus.PRE_SUBMITTED, None)]


async def test_cancel_acknowledgement_is_not_an_error(replay: Replay, desk: OrderDesk) -> None:
    replay.answer("DELETE", f"/iserver/account/{ACCOUNT}/order/987654", load("cancel"))
    await desk.cancel(987654)
    assert replay.requests[-1][:2] == ("DELETE", f"/iserver/account/{ACCOUNT}/order/987654")


async def _orders_shown(replay: Replay, sync: AccountSync, fixture: str) -> OrdersModel:
    replay.answer("GET", "/iserver/account/orders", load(fixture))
    model = OrdersModel()
    sync.orders_updated.connect(model.apply)
    await sync.orders()
    return model


async def test_live_orders_read_into_the_table(replay: Replay, sync: AccountSync) -> None:
    model = await _orders_shown(replay, sync, "live_orders")
    assert [cell(model, 1234568790, k) for k in
            ("symbol", "side", "order_type", "quantity", "status", "filled", "avg_price",
             "price", "aux_price", "tif")] == [
        "AAPL", "SELL", "MKT", "5", "Filled", "5", "192.26", "", "", "GTC"]


async def test_live_stop_order_shows_stop_not_limit(replay: Replay, sync: AccountSync) -> None:
    """§11 (2026): orderType Stop with the stop in price: Stop 0.50, Limit empty."""
    model = await _orders_shown(replay, sync, "live_orders_stop")
    assert (cell(model, 46184815, "aux_price"), cell(model, 46184815, "price")) == ("0.5000", "")
    assert (cell(model, 46184815, "order_type"), cell(model, 46184815, "status")) == (
        "STP", "PreSubmitted")


async def test_live_limit_on_close_order(replay: Replay, sync: AccountSync) -> None:
    """§11: LOC is listed as LIMITONCLOSE with tif CLOSE; its price is the limit."""
    model = await _orders_shown(replay, sync, "live_orders_on_close")
    assert [cell(model, 46184900, k) for k in ("order_type", "tif", "price", "aux_price")] == [
        "LOC", "CLOSE", "640.00", ""]


async def test_order_status_recorded_spellings(replay: Replay, sync: AccountSync) -> None:
    """§11 recorded status: filled 1, remaining 0, average 647.09, account U1234567."""
    replay.answer("GET", "/iserver/account/order/status/473740665", load("order_status"))
    model = OrdersModel()
    sync.orders_updated.connect(model.apply)
    await sync.order_status(473740665)
    assert [cell(model, 473740665, k) for k in
            ("filled", "remaining", "avg_price", "account", "price", "status")] == [
        "1", "0", "647.09", "U1234567", "", "Filled"]


async def test_unreadable_live_order_is_a_visible_warning(replay: Replay, sync: AccountSync,
                                                          seen: Seen) -> None:
    """An order item without an order id is reported to the user, naming the endpoint."""
    body = load("live_orders")
    body["orders"].append({"status": "Submitted", "ticker": "MSFT"})
    replay.answer("GET", "/iserver/account/orders", body)
    model = OrdersModel()
    sync.orders_updated.connect(model.apply)
    await sync.orders()
    assert model.rowCount() == 1 and cell(model, 1234568790, "symbol") == "AAPL"
    [warning] = seen.texts("warning")
    assert warning.startswith("Could not read 1 order from /iserver/account/orders: ")


# ---------------------------------------------------------------- the gateway answers alike


async def test_gateway_accepted_placement_shape(api: Api) -> None:
    answer = await place(api, {"conid": AAPL, "orderType": "MKT", "side": "BUY", "quantity": 1,
                               "tif": "DAY"})
    assert_same_shape("place_accepted", answer)


async def test_gateway_question_shape(api: Api, gateway: DemoGateway) -> None:
    far = round(gateway.market.quote(AAPL).bid * 0.8, 2)
    status, answer = await api.post(PLACE, json_body={"orders": [
        {"conid": AAPL, "orderType": "LMT", "side": "BUY", "quantity": 1, "price": far,
         "tif": "DAY"}]})
    assert status == 200
    assert_same_shape("place_question", answer)
    status, reply = await api.post(f"/iserver/reply/{answer[0]['id']}",
                                   json_body={"confirmed": True})
    while status == 200 and isinstance(reply, list) and "message" in reply[0]:
        status, reply = await api.post(f"/iserver/reply/{reply[0]['id']}",
                                       json_body={"confirmed": True})
    assert_same_shape("reply_accepted", reply)


async def test_gateway_refused_leg_shape(api: Api) -> None:
    """A size off the minimum increment is refused per leg; transmit false stays Inactive."""
    status, answer = await api.post(PLACE, json_body={"orders": [
        {"conid": AAPL, "orderType": "MKT", "side": "BUY", "quantity": 0.00001, "tif": "DAY"},
        {"conid": AAPL, "orderType": "MKT", "side": "BUY", "quantity": 1, "tif": "DAY",
         "transmit": False}]})
    assert status == 200
    assert [row.get("order_status") for row in answer] == ["Failed", "Inactive"]
    for want, got in zip(load("place_refused_leg"), answer, strict=True):
        assert shape_mismatches(want, got) == []


async def test_gateway_modify_and_cancel_shapes(api: Api, gateway: DemoGateway) -> None:
    price = round(gateway.market.quote(AAPL).bid * 0.99, 2)
    [accepted] = await place(api, {"conid": AAPL, "orderType": "LMT", "side": "BUY",
                                   "quantity": 1, "price": price, "tif": "GTC"})
    order_id = accepted["order_id"]
    status, modified = await api.post(
        f"/iserver/account/{ACCOUNT}/order/{order_id}",
        json_body={"conid": AAPL, "orderType": "LMT", "side": "BUY", "quantity": 2,
                   "price": price, "tif": "GTC"})
    while status == 200 and isinstance(modified, list) and "message" in modified[0]:
        status, modified = await api.post(f"/iserver/reply/{modified[0]['id']}",
                                          json_body={"confirmed": True})
    assert_same_shape("modify", modified)
    status, cancelled = await api.call("DELETE", f"/iserver/account/{ACCOUNT}/order/{order_id}")
    assert status == 200
    assert_same_shape("cancel", cancelled)


async def test_gateway_live_orders_shape(api: Api) -> None:
    await trades_after_fill(api)
    body = await live_orders(api)
    market = [o for o in body["orders"] if o.get("orderType") == "Market"]
    assert_same_shape("live_orders", {**body, "orders": market})


async def test_gateway_live_stop_order_shape(api: Api, gateway: DemoGateway) -> None:
    """The stop child of a bracket is listed like the 2026 recording: the stop in price,
    an integer parentId, and the client shows it in the Stop column."""
    bid = gateway.market.quote(AAPL).bid
    stop = round(bid * 0.9, 2)
    await place(api,
                {"conid": AAPL, "orderType": "LMT", "side": "BUY", "quantity": 1,
                 "price": round(bid * 0.99, 2), "tif": "GTC", "cOID": "contract-parent"},
                {"conid": AAPL, "orderType": "STP", "side": "SELL", "quantity": 1,
                 "price": stop, "tif": "GTC", "parentId": "contract-parent"})
    body = await live_orders(api)
    stops = [o for o in body["orders"] if o.get("orderType") == "Stop"]
    assert_same_shape("live_orders_stop", {**body, "orders": stops})
    assert float(stops[0]["price"]) == stop
    model = OrdersModel()
    model.apply([parse_live_order(stops[0])])
    assert (cell(model, stops[0]["orderId"], "aux_price"),
            cell(model, stops[0]["orderId"], "price")) == (f"{stop:,.2f}", "")


async def test_gateway_limit_on_close_shape(api: Api, gateway: DemoGateway) -> None:
    price = round(gateway.market.quote(AAPL).bid, 2)
    await place(api, {"conid": AAPL, "orderType": "LOC", "side": "BUY", "quantity": 1,
                      "price": price, "tif": "DAY"})
    body = await live_orders(api)
    on_close = [o for o in body["orders"] if o.get("orderType") == "LIMITONCLOSE"]
    assert on_close and on_close[0]["timeInForce"] == "CLOSE"
    assert_same_shape("live_orders_on_close", {**body, "orders": on_close})


async def test_gateway_order_status_shape(api: Api) -> None:
    await trades_after_fill(api)
    body = await live_orders(api)
    order_id = body["orders"][0]["orderId"]
    status, answer = await api.get(f"/iserver/account/order/status/{order_id}")
    assert status == 200
    assert_same_shape("order_status", answer)

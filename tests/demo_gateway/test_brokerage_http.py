"""The brokerage HTTP surface over real rest HTTP, with IBKR's shapes and quirks."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from ibkr_desktop.demo_gateway.routes_brokerage import register
from ibkr_desktop.demo_gateway.sessions import GatewaySession, SessionSettings

from .brokerage_fakes import AAPL, ACCOUNT, Desk, make_desk, ticket

ORDERS = f"/v1/api/iserver/account/{ACCOUNT}/orders"


@dataclass
class LoopbackApi:
    """A rest client of a brokerage-only aiohttp app, plus the desk behind it."""

    client: TestClient
    desk: Desk
    session: GatewaySession

    async def call(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        """Send a request and return the decoded JSON answer, checking the HTTP status."""
        response = await self.client.request(method, path, json=body)
        assert response.status == status, await response.text()
        return await response.json()

    async def confirm_all(self, answer: Any) -> list[dict[str, Any]]:
        """Answer every question of a reply chain with yes; return the accepted array."""
        while isinstance(answer, list) and "id" in answer[0]:
            answer = await self.call("POST", f"/v1/api/iserver/reply/{answer[0]['id']}",
                                     {"confirmed": True})
        return answer


@pytest.fixture
async def rest() -> AsyncIterator[LoopbackApi]:
    """Brokerage routes behind the real session guards, accounts already queried."""
    desk = make_desk()
    session = GatewaySession(SessionSettings(), random.Random(7), desk.clock)
    app = web.Application()
    register(app.router, desk.brokerage, session)
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    ready = LoopbackApi(client, desk, session)
    try:
        await ready.call("GET", "/v1/api/iserver/accounts")
        yield ready
    finally:
        await client.close()
        session.close()


async def test_full_order_life_cycle(rest: LoopbackApi) -> None:
    """Question, confirmation, working order, partial then full fills, books and trades."""
    far = ticket("BUY", 500, "LMT", price=95.0, cOID="life-1", tif="GTC")
    [question] = await rest.call("POST", ORDERS, {"orders": [far]})
    assert question["messageIds"] == ["o163"] and question["isSuppressed"] is False
    assert question["messageOptions"] == ["Yes", "No"]
    assert str(uuid.UUID(question["id"])) == question["id"]
    text = question["message"][0].replace("\n", "")
    assert "price exceeds the Percentage constraint of 3%" in text
    [accepted] = await rest.confirm_all([question])
    assert accepted["order_status"] == "Submitted" and accepted["order_id"].isdigit()
    order_id = int(accepted["order_id"])

    rest.desk.tick(AAPL, 94.9)
    status = await rest.call("GET", f"/v1/api/iserver/account/order/status/{order_id}")
    assert status["order_status"] == "Submitted" and status["filled_quantity"] == "300.0"
    assert status["side"] == "B" and status["limit_price"] == "95.00"
    rest.desk.tick(AAPL, 94.9)
    status = await rest.call("GET", f"/v1/api/iserver/account/order/status/{order_id}")
    assert status["order_status"] == "Filled" and status["avg_fill_price"] == "94.91"

    trades = await rest.call("GET", "/v1/api/iserver/account/trades/")
    assert [t["size"] for t in trades] == [200, 300]
    assert {t["order_ref"] for t in trades} == {"life-1"}
    await rest.call("GET", "/v1/api/portfolio/accounts")
    [position] = await rest.call("GET", f"/v1/api/portfolio/{ACCOUNT}/positions/0")
    assert position["position"] == 500 and position["avgPrice"] == pytest.approx(94.91)
    ledger = await rest.call("GET", f"/v1/api/portfolio/{ACCOUNT}/ledger")
    assert ledger["USD"]["cashbalance"] == pytest.approx(1_000_000 - 500 * 94.91 - 2.5)
    pnl = await rest.call("GET", "/v1/api/iserver/account/pnl/partitioned")
    row = pnl["upnl"][f"{ACCOUNT}.Core"]
    assert set(row) == {"rowType", "dpl", "nl", "upl", "el", "mv"}
    assert row["mv"] == pytest.approx(500 * 94.9)
    summary = await rest.call("GET", f"/v1/api/portfolio/{ACCOUNT}/summary")
    assert summary["accountcode"]["value"] == ACCOUNT
    assert summary["netliquidation"]["amount"] == pytest.approx(row["nl"])


async def test_iserver_requests_need_the_accounts_query_first(rest: LoopbackApi) -> None:
    """Without GET /iserver/accounts in this brokerage session, orders answer IBKR's 500."""
    rest.session.init_brokerage(compete=True)
    body = await rest.call("POST", ORDERS, [ticket("BUY", 1)], status=500)
    assert body == {"error": "Please query /accounts first"}
    accounts = await rest.call("GET", "/v1/portal/iserver/accounts/")
    assert accounts["accounts"] == [ACCOUNT] and accounts["isPaper"] is True
    assert accounts["selectedAccount"] == ACCOUNT
    await rest.call("POST", ORDERS, [ticket("BUY", 1)])


async def test_reply_ids_die_when_declined_superseded_or_unknown(rest: LoopbackApi) -> None:
    """Declining answers 400; a superseded, used or unknown reply id is "not found" (400)."""
    [first] = await rest.call("POST", ORDERS, [ticket("BUY", 10, "LMT", price=50.0)])
    declined = await rest.call("POST", f"/v1/api/iserver/reply/{first['id']}",
                              {"confirmed": False}, status=400)
    assert declined["error"] == "order not confirmed"
    used = await rest.call("POST", f"/v1/api/iserver/reply/{first['id']}", {"confirmed": True},
                           status=400)
    assert used == {"error": f"reply id not found: '{first['id']}'"}
    unknown = await rest.call("POST", "/v1/api/iserver/reply/not-a-reply", {"confirmed": True},
                              status=400)
    assert unknown == {"error": "reply id not found: 'not-a-reply'"}


async def test_duplicate_client_order_id_is_rejected(rest: LoopbackApi) -> None:
    """A reused cOID gets IBKR's "Local order ID=... is already registered." rejection."""
    await rest.call("POST", ORDERS, [ticket("BUY", 1, cOID="dup-1")])
    body = await rest.call("POST", ORDERS, [ticket("BUY", 1, cOID="dup-1")])
    assert body == {"error": "Order couldn't be submitted: Local order ID=dup-1 is already "
                             "registered."}


async def test_suppressed_questions_are_skipped_until_reset(rest: LoopbackApi) -> None:
    """Suppressed ids are not asked; suppress/reset and a new session bring them back."""
    far = [ticket("BUY", 1, "LMT", price=50.0)]
    done = await rest.call("POST", "/v1/api/iserver/questions/suppress", {"messageIds": ["o163"]})
    assert done == {"status": "submitted"}
    [accepted] = await rest.call("POST", ORDERS, far)
    assert "order_id" in accepted
    await rest.call("POST", "/v1/api/iserver/questions/suppress/reset")
    [question] = await rest.call("POST", ORDERS, far)
    assert question["messageIds"] == ["o163"]
    await rest.call("POST", "/v1/api/iserver/questions/suppress", {"messageIds": ["o163"]})
    rest.desk.brokerage.reset_session()
    [question] = await rest.call("POST", ORDERS, far)
    assert question["messageIds"] == ["o163"]


async def test_live_orders_are_primed_and_filterable(rest: LoopbackApi) -> None:
    """First call and force=true give an empty non-snapshot; later calls list and filter."""
    [working] = await rest.call("POST", ORDERS, [ticket("BUY", 1, "LMT", price=99.5)])
    [filled] = await rest.call("POST", ORDERS, [ticket("BUY", 1)])
    path = "/v1/api/iserver/account/orders"
    assert await rest.call("GET", path) == {"orders": [], "snapshot": False}
    assert (await rest.call("GET", path + "?force=True"))["orders"] == []
    full = await rest.call("GET", path)
    assert full["snapshot"] is True
    assert {o["orderId"]: o["status"] for o in full["orders"]} == {
        int(working["order_id"]): "Submitted", int(filled["order_id"]): "Filled"}
    only_filled = await rest.call("GET", path + "?filters=filled")
    assert [o["orderId"] for o in only_filled["orders"]] == [int(filled["order_id"])]
    rest.desk.brokerage.reset_session()
    assert (await rest.call("GET", path))["snapshot"] is False


async def test_modify_asks_questions_and_changes_the_working_order(rest: LoopbackApi) -> None:
    """A modification answers like placement; the confirmed change shows in live orders."""
    [accepted] = await rest.call("POST", ORDERS, [ticket("BUY", 10, "LMT", price=99.5)])
    path = f"/v1/api/iserver/account/{ACCOUNT}/order/{accepted['order_id']}"
    change = ticket("BUY", 20, "LMT", price=80.0)
    [question] = await rest.call("POST", path, change)
    assert question["messageIds"] == ["o163"]
    [modified] = await rest.confirm_all([question])
    assert modified["order_id"] == accepted["order_id"]
    status = await rest.call("GET", f"/v1/api/iserver/account/order/status/{accepted['order_id']}")
    assert status["total_size"] == "20.0" and status["limit_price"] == "80.00"
    wrong_side = await rest.call("POST", path, ticket("SELL", 20, "LMT", price=99.0), status=400)
    assert "cannot be modified" in wrong_side["error"]


async def test_cancel_one_all_and_unknown_orders(rest: LoopbackApi) -> None:
    """Cancel acknowledges, -1 cancels every open order, an unknown id names itself."""
    ids = [(await rest.call("POST", ORDERS, [ticket("BUY", 1, "LMT", price=99.5)]))[0]["order_id"]
           for _ in range(3)]
    base = f"/v1/api/iserver/account/{ACCOUNT}/order"
    ack = await rest.call("DELETE", f"{base}/{ids[0]}")
    assert ack == {"msg": "Request was submitted", "order_id": int(ids[0]), "conid": AAPL,
                   "account": ACCOUNT}
    await rest.call("DELETE", f"{base}/-1")
    statuses = [rest.desk.order(i).status for i in ids]
    assert statuses == ["Cancelled"] * 3
    assert await rest.call("DELETE", f"{base}/1") == {"error": "OrderID 1 doesn't exist"}
    cancelled = [u for u in rest.desk.published("sor") if u.get("status") == "Cancelled"]
    assert len(cancelled) == 3


async def test_unknown_order_status_is_503(rest: LoopbackApi) -> None:
    """Status of an order the gateway never saw answers 503, as IBKR does."""
    body = await rest.call("GET", "/v1/api/iserver/account/order/status/42", status=503)
    assert body["statusCode"] == 503


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"orders": []}, "body must be"),
        ([ticket("BUY", 1, "LMT")], "invalid order price fields"),
        ([ticket("BUY", -5)], "'quantity' must be positive"),
        ([ticket("HOLD", 1)], "side must be BUY or SELL"),
        ([{"conid": AAPL, "side": "BUY", "orderType": "MKT", "quantity": 1}], "'tif' is required"),
        ([ticket("BUY", 1, acctId="U999")], "does not match"),
        ([ticket("BUY", 1, conid=999999)], "contract 999999 not found"),
    ],
)
async def test_malformed_orders_get_ibkr_shaped_400s(
    rest: LoopbackApi, body: Any, fragment: str
) -> None:
    """Bad bodies and tickets answer 400 {"error": ..., "statusCode": 400} saying why."""
    answer = await rest.call("POST", ORDERS, body, status=400)
    assert fragment in answer["error"] and answer["statusCode"] == 400


async def test_invalid_json_and_bad_replies_are_400(rest: LoopbackApi) -> None:
    """Non-JSON bodies, replies without ``confirmed`` and bad suppress lists answer 400."""
    response = await rest.client.post(ORDERS, data=b"{not json", headers={
        "Content-Type": "application/json"})
    assert response.status == 400 and "error" in await response.json()
    await rest.call("POST", "/v1/api/iserver/reply/x", {}, status=400)
    await rest.call("POST", "/v1/api/iserver/questions/suppress", {"messageIds": "o163"},
                   status=400)


async def test_positions_are_cached_until_invalidated(rest: LoopbackApi) -> None:
    """Page 0 keeps its prices until invalidate; portfolio2 and position/{conid} are live."""
    await rest.call("POST", ORDERS, [ticket("BUY", 100)])
    page = f"/v1/api/portfolio/{ACCOUNT}/positions/0"
    [cached] = await rest.call("GET", page)
    rest.desk.tick(AAPL, 104.0)
    assert (await rest.call("GET", page))[0]["mktPrice"] == cached["mktPrice"]
    [live] = await rest.call("GET", f"/v1/api/portfolio2/{ACCOUNT}/positions")
    assert live["marketPrice"] == 104.0
    [single] = await rest.call("GET", f"/v1/api/portfolio/{ACCOUNT}/position/{AAPL}")
    assert single["mktPrice"] == 104.0
    by_account = await rest.call("GET", f"/v1/api/portfolio/positions/{AAPL}")
    assert by_account[ACCOUNT][0]["position"] == 100
    await rest.call("POST", f"/v1/api/portfolio/{ACCOUNT}/positions/invalidate")
    [fresh] = await rest.call("GET", page)
    assert fresh["mktPrice"] == 104.0 and fresh["unrealizedPnl"] == pytest.approx(398.0)
    assert await rest.call("GET", f"/v1/api/portfolio/{ACCOUNT}/positions/1") == []


async def test_account_endpoints_and_switching(rest: LoopbackApi) -> None:
    """Portfolio accounts/meta describe the paper account; switching answers IBKR's forms."""
    [account] = await rest.call("GET", "/v1/api/portfolio/accounts")
    assert account["id"] == ACCOUNT and account["currency"] == "USD"
    assert (await rest.call("GET", f"/v1/api/portfolio/{ACCOUNT}/meta"))["accountId"] == ACCOUNT
    same = await rest.call("POST", "/v1/api/iserver/account", {"acctId": ACCOUNT})
    assert same == {"success": "Account already set"}
    await rest.call("POST", "/v1/api/iserver/account", {"acctId": "U000"}, status=400)
    await rest.call("GET", "/v1/api/portfolio/U000/summary", status=400)


async def test_whatif_reports_the_order_impact(rest: LoopbackApi) -> None:
    """What-if gives amount, commission, margin and position changes; no data -> warning."""
    answer = await rest.call("POST", f"{ORDERS}/whatif", {"orders": [ticket("BUY", 10)]})
    assert answer["amount"]["commission"] == "1 USD"
    assert answer["position"] == {"current": "0", "change": "10", "after": "10"}
    assert answer["warn"] is None and answer["error"] is None
    blind = await rest.call("POST", f"{ORDERS}/whatif", [ticket("BUY", 10, "LMT", price=140.0,
                                                               conid=8314)])
    assert blind["warn"].startswith("21/")


async def test_notification_reply_answers_success(rest: LoopbackApi) -> None:
    """Answering an ``ntf`` prompt returns the plain text ``Success``."""
    response = await rest.client.post("/v1/api/iserver/notification",
                                     json={"orderId": 1, "reqId": "1", "text": "Yes"})
    assert response.status == 200 and await response.text() == "Success"

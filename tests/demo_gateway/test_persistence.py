"""The demo paper account survives a restart (cash, positions, orders, fills) and can be reset,
as a client sees it over HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ibkr_desktop.demo_gateway.server import DemoGateway
from tests.demo_gateway.conftest import Api, GatewayFactory

AAPL = 265598


async def market_buy(api: Api, quantity: int, coid: str) -> int:
    """A market buy with every question confirmed; returns its order id."""
    account = api.gateway.brokerage.portfolio.selected
    status, answer = await api.post(f"/iserver/account/{account}/orders", json_body={
        "orders": [{"conid": AAPL, "side": "BUY", "orderType": "MKT", "quantity": quantity,
                    "tif": "DAY", "cOID": coid}]})
    while status == 200 and isinstance(answer, list) and "message" in answer[0]:
        status, answer = await api.post(f"/iserver/reply/{answer[0]['id']}",
                                        json_body={"confirmed": True})
    assert status == 200, answer
    return int(answer[0]["order_id"])


async def _seen(api: Api) -> dict[str, Any]:
    """What a client reads: AAPL position, cash, order refs, execution ids."""
    await api.ready()
    account = api.gateway.brokerage.portfolio.selected
    await api.post(f"/portfolio/{account}/positions/invalidate")
    _, positions = await api.get(f"/portfolio/{account}/positions/0")
    _, ledger = await api.get(f"/portfolio/{account}/ledger")
    await api.get("/iserver/account/orders")
    _, orders = await api.get("/iserver/account/orders")
    _, trades = await api.get("/iserver/account/trades")
    return {
        "aapl": sum(p["position"] for p in positions if p["conid"] == AAPL),
        "cash": round(ledger["BASE"]["cashbalance"], 2),
        "orders": sorted(o.get("order_ref") or "" for o in orders["orders"]),
        "executions": sorted(t["execution_id"] for t in trades),
    }


async def test_account_survives_a_restart_and_resets(make_gateway: GatewayFactory, http: Any,
                                                     tmp_path: Path) -> None:
    path = tmp_path / "demo" / "account.json"
    first = await make_gateway(account_file=str(path))
    api = Api(http, first)
    await api.ready()
    fresh = await _seen(api)
    order_id = await market_buy(api, 7, "kept-order")
    after_fill = await _seen(api)
    assert after_fill["aapl"] == fresh["aapl"] + 7 and len(after_fill["executions"]) == 1
    await first.stop()
    assert path.exists()

    second = await make_gateway(account_file=str(path))
    api = Api(http, second)
    assert await _seen(api) == after_fill
    assert await market_buy(api, 1, "next-order") > order_id  # ids go on; no id is reused
    status, answer = await api.post(
        f"/iserver/account/{second.brokerage.portfolio.selected}/orders",
        json_body={"orders": [{"conid": AAPL, "side": "BUY", "orderType": "MKT",
                               "quantity": 1, "tif": "DAY", "cOID": "kept-order"}]})
    assert "already registered" in str(answer)  # the cOID is remembered across the restart

    second.reset_account()
    assert await _seen(api) == fresh
    await second.stop()
    third = await make_gateway(account_file=str(path))
    assert await _seen(Api(http, third)) == fresh


async def test_unreadable_account_file_starts_afresh(make_gateway: GatewayFactory, http: Any,
                                                     tmp_path: Path) -> None:
    path = tmp_path / "account.json"
    path.write_text("{not json", encoding="utf-8")
    plain: DemoGateway = await make_gateway()
    kept = await make_gateway(account_file=str(path))
    assert await _seen(Api(http, kept)) == await _seen(Api(http, plain))


def test_the_apps_demo_is_open_around_the_clock_and_resets(tmp_path: Path) -> None:
    """The embedded gateway's config, and "Reset demo account" through a running gateway:
    the account and the demo journal start afresh (the user data dir is the test's tmp)."""
    from dataclasses import replace

    from ibkr_desktop.app.embedded import default_config, open_journal, reset_demo_account
    from ibkr_desktop.demo_gateway.server import ThreadedGateway
    from ibkr_desktop.widgets.mode_banner import MODES

    config = default_config()
    assert config.market_hours == "always"
    assert str(config.account_file).startswith(str(tmp_path))
    assert "open around the clock" in MODES["DEMO"].detail
    gateway = ThreadedGateway(replace(config, pacing=False))
    gateway.start()
    journal = open_journal(True)
    try:
        brokerage = gateway.call(lambda: gateway.gateway.brokerage)  # type: ignore[union-attr]

        def buy() -> Any:
            answer = brokerage.desk.place(brokerage.portfolio.selected, {"orders": [
                {"conid": AAPL, "side": "BUY", "orderType": "MKT", "quantity": 1, "tif": "DAY",
                 "cOID": "to-forget"}]})
            while "message" in answer[0]:
                answer = brokerage.desk.reply(answer[0]["id"], True)
            return answer

        journal.write(1, "intent", "BUY 1 AAPL")
        gateway.call(buy)
        assert gateway.call(lambda: brokerage.book.coid_taken("to-forget"))
        assert gateway.call(lambda: len(brokerage.executions)) == 1  # filled, whatever the hour
        reset_demo_account(gateway, journal)
        assert gateway.call(brokerage.book.orders) == [] and journal.entries() == []
        assert gateway.call(lambda: brokerage.executions) == []
    finally:
        gateway.stop()
        journal.close()

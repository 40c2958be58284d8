"""Contract endpoints (§3) with IBKR's identifier types and casing."""

from __future__ import annotations

from .conftest import Api


async def test_secdef_search_get_and_post_give_string_conids(api: Api) -> None:
    """secdef/search answers GET and POST; conid is a string and STK is a section."""
    _, by_get = await api.get("/iserver/secdef/search", params={"symbol": "AAPL"})
    _, by_post = await api.post("/iserver/secdef/search", json_body={"symbol": "AAPL"})
    assert by_get == by_post
    first = by_get[0]
    assert first["conid"] == "265598" and first["symbol"] == "AAPL"
    assert first["companyName"] == "APPLE INC" and first["description"] == "NASDAQ"
    assert {"secType": "STK"} in first["sections"]


async def test_secdef_search_by_name_and_prefix(api: Api) -> None:
    """name=true searches company names; a prefix lists several symbols, exact match first."""
    _, body = await api.get("/iserver/secdef/search", params={"symbol": "micro", "name": "True"})
    assert {item["symbol"] for item in body} >= {"MSFT", "MU", "AMD"}
    _, body = await api.get("/iserver/secdef/search", params={"symbol": "GOOG"})
    assert [item["symbol"] for item in body][:2] == ["GOOG", "GOOGL"]


async def test_secdef_search_errors(api: Api) -> None:
    """A missing symbol is a 400; an unknown one is an empty list."""
    status, body = await api.get("/iserver/secdef/search")
    assert status == 400 and "symbol" in body["error"]
    assert await api.get("/iserver/secdef/search", params={"symbol": "ZZZZZZ"}) == (200, [])


async def test_trsrv_stocks_int_conids_and_is_us(api: Api) -> None:
    """/trsrv/stocks keys by symbol; contracts carry int conids and isUS (ibind filters on it)."""
    status, body = await api.get("/trsrv/stocks", params={"symbols": "AAPL,SPY,NOPE"})
    assert status == 200
    assert body["AAPL"][0]["contracts"] == [{"conid": 265598, "exchange": "NASDAQ",
                                             "isUS": True}]
    assert body["SPY"][0]["assetClass"] == "STK" and body["NOPE"] == []


async def test_trsrv_secdef_by_conids(api: Api) -> None:
    """/trsrv/secdef returns definitions for known conids and validates the list."""
    status, body = await api.get("/trsrv/secdef", params={"conids": "265598,8314,1"})
    assert status == 200
    assert [item["ticker"] for item in body["secdef"]] == ["AAPL", "IBM"]
    status, body = await api.get("/trsrv/secdef", params={"conids": "abc"})
    assert status == 400
    many = ",".join(str(i) for i in range(1, 202))
    assert (await api.get("/trsrv/secdef", params={"conids": many}))[0] == 400


async def test_contract_info_is_snake_case(api: Api) -> None:
    """/iserver/contract/{conid}/info answers snake_case keys, as IBKR really does."""
    status, body = await api.get("/iserver/contract/756733/info")
    assert status == 200
    assert body["con_id"] == 756733 and body["symbol"] == "SPY"
    assert body["company_name"] == "SPDR S&P 500 ETF TRUST" and body["r_t_h"] is True
    assert all(key == key.lower() for key in body)


async def test_contract_info_unknown_and_rules(api: Api) -> None:
    """Unknown conids are a 400; info-and-rules adds order rules with the tick increment."""
    assert (await api.get("/iserver/contract/999/info"))[0] == 400
    assert (await api.get("/iserver/contract/abc/info"))[0] == 400
    status, body = await api.get("/iserver/contract/265598/info-and-rules",
                                 params={"isBuy": "true"})
    assert status == 200 and body["rules"]["increment"] == 0.01
    assert "limit" in body["rules"]["orderTypes"]

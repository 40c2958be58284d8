"""Snapshot pre-flight, history shapes for every §4.5 period/bar pair, and unsubscribing."""

from __future__ import annotations

from ibkr_desktop.protocol.bars import BAR_SECONDS, allowed_bars, parse_history
from ibkr_desktop.protocol.fields import parse_fields

from .conftest import Api

TABLE_PERIODS = ("1min", "1h", "1d", "1w", "1m", "3m", "6m", "1y", "2y", "3y", "15y")


async def test_snapshot_preflight_then_values(api: Api) -> None:
    """The first snapshot per conid is only conid/conidEx; the next has the requested fields."""
    await api.ready()
    params = {"conids": "265598,8314", "fields": "31,84,86,55"}
    status, body = await api.get("/iserver/marketdata/snapshot", params=params)
    assert status == 200
    assert body == [{"conid": 265598, "conidEx": "265598"}, {"conid": 8314, "conidEx": "8314"}]
    status, body = await api.get("/iserver/marketdata/snapshot", params=params)
    aapl = body[0]
    assert aapl["conid"] == 265598 and isinstance(aapl["conid"], int)
    assert set(aapl) == {"conid", "conidEx", "31", "84", "86", "55", "6119", "6509",
                         "_updated", "server_id"}
    assert aapl["55"] == "AAPL" and aapl["6509"] == "RpB"
    assert aapl["server_id"] == aapl["6119"] and len(str(aapl["_updated"])) == 13
    values = parse_fields(aapl)
    assert values["bid"] < values["ask"]
    assert all(isinstance(aapl[k], str) for k in ("31", "84", "86"))


async def test_snapshot_remembers_fields_per_conid(api: Api) -> None:
    """Fields asked for earlier keep coming even when a later request omits them."""
    await api.ready()
    url = "/iserver/marketdata/snapshot"
    await api.get(url, params={"conids": "756733", "fields": "31"})
    await api.get(url, params={"conids": "756733", "fields": "7295,7741"})
    _, body = await api.get(url, params={"conids": "756733"})
    assert {"31", "7741"} <= set(body[0]) and "84" not in body[0]
    _, body = await api.get(url, params={"conids": "8314", "fields": "84"})
    _, body = await api.get(url, params={"conids": "8314"})
    assert "84" in body[0] and "31" not in body[0]


async def test_snapshot_watchlist_fields_parse(api: Api) -> None:
    """Every watchlist field the demo sends parses with protocol.fields."""
    from ibkr_desktop.protocol.fields import WATCHLIST_FIELDS

    await api.ready()
    params = {"conids": "76792991", "fields": ",".join(WATCHLIST_FIELDS)}
    await api.get("/iserver/marketdata/snapshot", params=params)
    _, body = await api.get("/iserver/marketdata/snapshot", params=params)
    values = parse_fields(body[0])
    assert values["symbol"] == "TSLA" and values["volume"] > 0
    assert values["low"] <= values["last"] <= values["high"]
    assert values["prior_close"] > 0
    assert abs(values["change"] - (values["last"] - values["prior_close"])) < 0.011


async def test_snapshot_errors(api: Api) -> None:
    """Missing conids is the documented 400; junk conids and fields are 400s too."""
    await api.ready()
    url = "/iserver/marketdata/snapshot"
    status, body = await api.get(url)
    assert (status, body) == (400, {"error": "Bad Request: Conid(s) missing", "statusCode": 400})
    assert (await api.get(url, params={"conids": "abc"}))[0] == 400
    assert (await api.get(url, params={"conids": "8314", "fields": "31,x"}))[0] == 400
    many = ",".join(str(i) for i in range(1, 102))
    assert (await api.get(url, params={"conids": many}))[0] == 400


async def test_snapshot_streams_reset_with_new_brokerage_session(api: Api) -> None:
    """A new brokerage session needs a fresh pre-flight."""
    await api.ready()
    params = {"conids": "8314", "fields": "31"}
    await api.get("/iserver/marketdata/snapshot", params=params)
    await api.post("/iserver/auth/ssodh/init", json_body={"publish": True, "compete": True})
    await api.ready()
    _, body = await api.get("/iserver/marketdata/snapshot", params=params)
    assert body == [{"conid": 8314, "conidEx": "8314"}]


async def test_unsubscribe_and_unsubscribe_all(api: Api) -> None:
    """Unsubscribing an open stream succeeds; an unknown one is a 404; unsubscribeall clears."""
    await api.ready()
    await api.get("/iserver/marketdata/snapshot", params={"conids": "8314,265598"})
    url = "/iserver/marketdata/unsubscribe"
    assert await api.post(url, json_body={"conid": 8314}) == (200, {"success": True})
    assert await api.post(url, json_body={"conid": 8314}) == (404, {"error": "unknown"})
    assert (await api.post(url, json_body={}))[0] == 400
    assert await api.get("/iserver/marketdata/unsubscribeall") == (200, {"unsubscribed": True})
    _, body = await api.get("/iserver/marketdata/snapshot", params={"conids": "265598"})
    assert body == [{"conid": 265598, "conidEx": "265598"}]


def _pairs() -> list[tuple[str, str]]:
    return [(period, bar) for period in TABLE_PERIODS for bar in allowed_bars(period)]


async def test_history_every_period_bar_pair(api: Api) -> None:
    """Every allowed §4.5 period/bar pair answers IBKR's shape with sane, ordered bars."""
    await api.ready()
    for period, bar in _pairs():
        status, body = await api.get("/iserver/marketdata/history", params={
            "conid": "265598", "period": period, "bar": bar})
        assert status == 200, (period, bar, body)
        for key in ("serverId", "symbol", "text", "priceFactor", "startTime", "timePeriod",
                    "barLength", "mdAvailability", "outsideRth", "volumeFactor", "data",
                    "points", "direction", "messageVersion"):
            assert key in body, (period, bar, key)
        assert body["symbol"] == "AAPL" and body["barLength"] == BAR_SECONDS[bar]
        assert "S" in body["mdAvailability"]
        bars = parse_history(body)
        assert 0 < len(bars) <= 1000, (period, bar)
        assert all(b.low <= min(b.open, b.close) <= max(b.open, b.close) <= b.high
                   for b in bars), (period, bar)
        assert [b.t_ms for b in bars] == sorted({b.t_ms for b in bars}), (period, bar)
        assert body["points"] == len(bars) - 1


async def test_history_last_bar_closes_at_live_price(api: Api) -> None:
    """The newest bar of an intraday and a daily chart both close at the live last price."""
    await api.ready()
    gw = api.gateway
    gw.market.set_price(265598, 201.37)
    for bar in ("1min", "1d"):
        period = "1d" if bar == "1min" else "1y"
        before = gw.market.quote(265598).last
        _, body = await api.get("/iserver/marketdata/history", params={
            "conid": "265598", "period": period, "bar": bar, "outsideRth": "true"})
        after = gw.market.quote(265598).last
        # The market may tick while the request is in flight: the close is one of the two.
        assert min(before, after) - 1e-9 <= body["data"][-1]["c"] <= max(before, after) + 1e-9


async def test_history_errors(api: Api) -> None:
    """Invalid pairs, unknown conids and bad startTime are JSON 400s."""
    await api.ready()
    url = "/iserver/marketdata/history"
    for params in ({"conid": "265598", "period": "1d", "bar": "1w"},
                   {"conid": "265598", "period": "99y", "bar": "1d"},
                   {"conid": "265598", "period": "1d", "bar": "7min"},
                   {"conid": "1", "period": "1d", "bar": "1min"},
                   {"period": "1d", "bar": "1min"},
                   {"conid": "265598", "period": "1d", "bar": "1min", "startTime": "yesterday"}):
        status, body = await api.get(url, params=params)
        assert status == 400 and body["error"], params


async def test_history_default_bar_and_start_time(api: Api) -> None:
    """A missing bar uses the period's default; startTime ends the range there."""
    await api.ready()
    _, body = await api.get("/iserver/marketdata/history", params={"conid": "8314",
                                                                   "period": "1w"})
    assert body["barLength"] == 900
    _, body = await api.get("/iserver/marketdata/history", params={
        "conid": "8314", "period": "1m", "bar": "1d", "startTime": "20200110-00:00:00"})
    assert body["data"][-1]["t"] < 1578614400000


async def test_hmds_history_warms_up_with_404(api: Api) -> None:
    """/hmds/history answers 404 on its first call, then data."""
    await api.ready()
    params = {"conid": "8314", "period": "1d", "bar": "1h"}
    assert (await api.get("/hmds/history", params=params))[0] == 404
    assert (await api.get("/hmds/history", params=params))[0] == 200

"""429 pacing (§7, §11): strict windows, the tolerant default, history concurrency, penalty box."""

from __future__ import annotations

import asyncio
import logging

import pytest

from ibkr_desktop.demo_gateway.cli import parse_args
from tests.helpers import ManualClock

from .conftest import Api


async def test_global_limit_answers_429_after_ten_per_second(make_gateway, http) -> None:  # type: ignore[no-untyped-def]
    """Strict mode: the 11th request in one second is a 429 with a JSON error and Retry-After."""
    gw = await make_gateway(pacing=True, pacing_mode="strict")
    api = Api(http, gw)
    statuses = [(await api.get("/iserver/auth/status"))[0] for _ in range(11)]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429
    status, body = await api.get("/iserver/auth/status")
    assert status == 429 and body["error"].startswith("Too many requests")
    assert int(api.last_headers["Retry-After"]) >= 1


async def test_endpoint_limit_tickle_once_per_second(make_gateway, http) -> None:  # type: ignore[no-untyped-def]
    """Strict mode: /tickle allows one request per second though the global budget has room."""
    gw = await make_gateway(pacing=True, pacing_mode="strict")
    api = Api(http, gw)
    assert (await api.post("/tickle"))[0] == 200
    assert (await api.post("/tickle"))[0] == 429
    assert (await api.get("/iserver/auth/status"))[0] == 200


async def test_endpoint_limit_portfolio_accounts_every_five_seconds(make_gateway, http) -> None:  # type: ignore[no-untyped-def]
    """Strict mode: /portfolio/accounts allows one request per five seconds."""
    gw = await make_gateway(pacing=True, pacing_mode="strict")
    api = Api(http, gw)
    assert (await api.get("/portfolio/accounts"))[0] == 200
    assert (await api.get("/portfolio/accounts/"))[0] == 429


async def test_penalty_box_after_repeated_violations(make_gateway, http) -> None:  # type: ignore[no-untyped-def]
    """Enough 429s put the client in the penalty box: even allowed calls then get 429."""
    gw = await make_gateway(pacing=True, pacing_mode="strict", penalty_strikes=3,
                            penalty_box_s=30)
    api = Api(http, gw)
    await api.post("/tickle")
    for _ in range(3):
        assert (await api.post("/tickle"))[0] == 429
    status, body = await api.get("/sso/validate")
    assert status == 429 and "penalty box" in body["error"]
    assert int(api.last_headers["Retry-After"]) >= 29
    status, _ = await api.post("/demo/admin/fault", base=gw.base_url,
                               json_body={"action": "clear_penalty_box"})
    assert status == 200
    assert (await api.get("/sso/validate"))[0] == 200


async def test_pacing_off_never_429(api: Api) -> None:
    """With pacing disabled (--no-pacing) bursts are fine."""
    statuses = [(await api.post("/tickle"))[0] for _ in range(15)]
    assert set(statuses) == {200}


async def test_history_more_than_five_concurrent_is_429(make_gateway, http) -> None:  # type: ignore[no-untyped-def]
    """Six concurrent history requests: five answer, the sixth gets 429."""
    gw = await make_gateway(history_latency_s=1.0)
    api = Api(http, gw)
    await api.ready()
    params = {"conid": "265598", "period": "1d", "bar": "5min"}
    results = await asyncio.gather(*[api.get("/iserver/marketdata/history", params=params)
                                     for _ in range(6)])
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] * 5 + [429]
    assert any(body == {"error": "Too many requests"} for _, body in results)


async def test_admin_endpoint_is_not_paced(make_gateway, http) -> None:  # type: ignore[no-untyped-def]
    """/demo/admin calls never count against the client's budget."""
    gw = await make_gateway(pacing=True)
    api = Api(http, gw)
    for _ in range(12):
        status, _ = await api.post("/demo/admin/fault", base=gw.base_url,
                                   json_body={"action": "set_delay", "seconds": 0})
        assert status == 200
    assert (await api.post("/tickle"))[0] == 200


async def test_shared_gateway_fixture(gateway, http) -> None:  # type: ignore[no-untyped-def]
    """The shared `gateway` fixture: started, plain HTTP, seed 7, tolerant pacing on."""
    api = Api(http, gateway)
    assert gateway.base_url.startswith("http://127.0.0.1:") and gateway.config.seed == 7
    assert gateway.config.pacing and gateway.config.pacing_mode == "tolerant"
    assert [(await api.post("/tickle"))[0] for _ in range(2)] == [200, 200]


async def test_tolerant_default_lets_short_bursts_through(make_gateway, http) -> None:  # type: ignore[no-untyped-def]
    """Default mode: bursts above the documented rates pass (IBKR is "not that picky", §11)."""
    gw = await make_gateway(pacing=True, monotonic=ManualClock())
    api = Api(http, gw)
    await api.ready()
    statuses = [(await api.post("/tickle"))[0] for _ in range(10)]  # 1/s documented
    statuses += [(await api.get("/iserver/account/orders"))[0] for _ in range(3)]  # 1 per 5 s
    statuses += [(await api.get("/iserver/auth/status"))[0] for _ in range(20)]  # 10/s global
    assert set(statuses) == {200}


async def test_sustained_violation_gets_429_then_the_penalty_box(make_gateway, http,  # type: ignore[no-untyped-def]
                                                                 caplog) -> None:
    """Tickling twice a second for minutes: tolerated for a while, then 429 + Retry-After
    with a log line naming the rule, then the penalty box, which even slow calls meet."""
    clock = ManualClock()
    gw = await make_gateway(pacing=True, monotonic=clock, penalty_strikes=20,
                            penalty_box_s=600)
    api = Api(http, gw)
    statuses: list[int] = []
    errors: list[str] = []
    with caplog.at_level(logging.WARNING, logger="ibkr_desktop.demo_gateway.pacing"):
        while not any("penalty box" in e for e in errors) and clock.now < 1300:
            status, body = await api.post("/tickle")
            statuses.append(status)
            if status == 429:
                errors.append(body["error"])
                assert int(api.last_headers["Retry-After"]) >= 1
            clock.advance(0.5)
    first_429 = statuses.index(429)
    assert first_429 >= 50  # 25 s of twice the documented rate went through
    assert any("broke tickle (1 per 1 s)" in r.getMessage() for r in caplog.records)
    assert errors[-1] == "Too many requests: penalty box"
    assert clock.now < 1000 + 120  # boxed within two minutes of sustained excess
    clock.advance(5)
    status, body = await api.post("/tickle")
    assert status == 429 and "penalty box" in body["error"]
    assert int(api.last_headers["Retry-After"]) >= 590


def test_strict_mode_is_the_cli_option_and_tolerant_the_default() -> None:
    """``--pacing strict`` keeps the exact windows; no option means tolerant."""
    assert parse_args([]).pacing == "tolerant"
    assert parse_args(["--pacing", "strict"]).pacing == "strict"
    with pytest.raises(SystemExit):
        parse_args(["--pacing", "lenient"])

"""HTTP leniency and error shapes (§1.4, §9): prefixes, slashes, bodies, booleans, JSON errors."""

from __future__ import annotations

import logging

import pytest
from aiohttp import web

from ibkr_desktop.demo_gateway.web_util import ApiRouter, parse_bool

from .conftest import Api


async def test_portal_prefix_and_trailing_slash_reach_the_same_endpoint(api: Api) -> None:
    """/v1/portal/... and a trailing slash serve the same answer as /v1/api/..."""
    await api.ready()
    base = api.gateway.base_url
    for url_base, path in ((base + "/v1/portal", "/iserver/auth/status"),
                           (api.gateway.api_url, "/iserver/auth/status/"),
                           (base + "/v1/portal", "/iserver/accounts/")):
        status, body = await api.get(path, base=url_base)
        assert status == 200 and isinstance(body, dict), (url_base, path)


async def test_unknown_path_is_json_404(api: Api) -> None:
    """An unknown endpoint answers 404 with an IBKR-shaped JSON body, never HTML."""
    status, body = await api.get("/portfolio/nothing/here/at/all")
    assert status == 404 and body == {"error": "Not Found", "statusCode": 404}
    assert api.last_content_type == "application/json"
    status, body = await api.get("/favicon.ico", base=api.gateway.base_url)
    assert status == 404 and "error" in body


async def test_wrong_method_is_json_405(api: Api) -> None:
    """A known path with the wrong method answers 405 as JSON."""
    status, body = await api.call("DELETE", "/sso/validate")
    assert status == 405 and body["error"] == "Method Not Allowed"


async def test_bad_json_body_is_400(api: Api) -> None:
    """A body that is not JSON is a 400 JSON error, not a crash."""
    await api.ready()
    for path in ("/iserver/auth/ssodh/init", "/iserver/marketdata/unsubscribe",
                 "/demo/admin/fault"):
        base = api.gateway.base_url if path.startswith("/demo") else None
        status, body = await api.post(path, data=b"{not json", base=base,
                                      headers={"Content-Type": "application/json"})
        assert status == 400 and "JSON" in body["error"], path


async def test_empty_body_and_missing_content_type_are_accepted(api: Api) -> None:
    """POSTs with no body or no Content-Type work (IBeam posts tickle/init without a body)."""
    for path in ("/tickle", "/iserver/auth/ssodh/init", "/iserver/auth/status"):
        status, _ = await api.post(path, data=b"")
        assert status == 200, path


async def test_query_booleans_are_case_insensitive(api: Api) -> None:
    """outsideRth=True / TRUE / true all mean true."""
    await api.ready()
    for value in ("True", "TRUE", "true", "1"):
        status, body = await api.get("/iserver/marketdata/history", params={
            "conid": "8314", "period": "1d", "bar": "1h", "outsideRth": value})
        assert status == 200 and body["outsideRth"] is True, value
    status, body = await api.get("/iserver/marketdata/history", params={
        "conid": "8314", "period": "1d", "bar": "1h", "outsideRth": "False"})
    assert body["outsideRth"] is False


def test_parse_bool_forms() -> None:
    """parse_bool reads every spelling and falls back to the default for junk."""
    assert [parse_bool(v) for v in ("True", "false", "YES", "0", True, 1)] == [
        True, False, True, False, True, True]
    assert parse_bool("maybe", None) is None and parse_bool(None, False) is False


async def test_handler_crash_is_json_500_without_trace(gw, http, caplog,
                                                      monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """An unexpected exception becomes 500 {"error": "Internal Server Error"}: no stack trace."""
    from ibkr_desktop.demo_gateway import server

    async def broken(request: web.Request) -> web.Response:
        raise ZeroDivisionError("boom")

    original = server.create_app

    def with_broken_route(gateway):  # type: ignore[no-untyped-def]
        app = original(gateway)
        ApiRouter(app.router).add_get("/test/broken", broken)
        return app

    monkeypatch.setattr(server, "create_app", with_broken_route)
    await gw.restart()
    api = Api(http, gw)
    with caplog.at_level(logging.CRITICAL, logger="ibkr_desktop.demo_gateway.server"):
        status, body = await api.get("/test/broken")
    assert status == 500 and body == {"error": "Internal Server Error", "statusCode": 500}
    assert "Traceback" not in str(body) and "boom" not in str(body)


async def test_verbose_logs_one_line_per_request_without_secrets(make_gateway, http,
                                                                 caplog) -> None:  # type: ignore[no-untyped-def]
    """--verbose logs method, path and status per request, never the session id or cookies."""
    gw = await make_gateway(verbose=True)
    api = Api(http, gw)
    with caplog.at_level(logging.INFO, logger="ibkr_desktop.demo_gateway.access"):
        session = await api.session_id()
        await api.get("/iserver/auth/status", headers={"Cookie": f"api={session}"})
        await api.get("/portfolio/not/a/path")
    lines = [r.getMessage() for r in caplog.records if r.name.endswith(".access")]
    assert any("GET /v1/api/portfolio/not/a/path -> 404" in line for line in lines)
    assert any("POST /v1/api/tickle -> 200" in line for line in lines)
    assert any("GET /v1/api/iserver/auth/status -> 200" in line for line in lines)
    assert all(session not in line for line in caplog.text.splitlines())


async def test_quiet_by_default(api: Api, caplog) -> None:  # type: ignore[no-untyped-def]
    """Without --verbose no per-request lines are logged."""
    with caplog.at_level(logging.INFO, logger="ibkr_desktop.demo_gateway.access"):
        await api.post("/tickle")
    assert not [r for r in caplog.records if r.name.endswith(".access")]


@pytest.mark.parametrize("path", ["/v1/api", "/v1/api/", "/v1/portal/"])
async def test_api_root_is_json_404(api: Api, path: str) -> None:
    """The bare API root is a JSON 404 too."""
    status, body = await api.get(path, base=api.gateway.base_url)
    assert status == 404 and "error" in body

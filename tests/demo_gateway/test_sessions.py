"""Session endpoints and the two-tier session model (§1.5-1.7), over loopback HTTP."""

from __future__ import annotations

import re

from tests.helpers import ManualClock, wait_until

from .conftest import Api


async def test_tickle_returns_session_and_auth_status(api: Api) -> None:
    """POST /tickle gives a 32-hex session id, ssoExpires and iserver.authStatus."""
    status, body = await api.post("/tickle")
    assert status == 200
    assert re.fullmatch(r"[0-9a-f]{32}", body["session"])
    assert body["iserver"]["authStatus"] == {**body["iserver"]["authStatus"],
                                             "authenticated": True, "competing": False,
                                             "connected": True}
    assert 0 < body["ssoExpires"] <= 300_000
    assert body["hmds"] == {"error": "no bridge"}
    assert body["collission"] is False


async def test_tickle_sets_sess_uuid_cookie_and_accepts_get(api: Api) -> None:
    """Tickle sets an x-sess-uuid cookie and answers GET as well as POST."""
    status, _ = await api.get("/tickle")
    assert status == 200
    assert "x-sess-uuid=" in api.last_headers.get("Set-Cookie", "")


async def test_auth_status_get_and_post(api: Api) -> None:
    """/iserver/auth/status answers GET and POST with the full status object."""
    for method in ("GET", "POST"):
        status, body = await api.call(method, "/iserver/auth/status")
        assert status == 200
        assert body["authenticated"] is True and body["connected"] is True
        assert body["competing"] is False and "serverInfo" in body and "MAC" in body


async def test_iserver_calls_need_accounts_query_first(api: Api) -> None:
    """/iserver calls answer 500 "Please query /accounts first" until /iserver/accounts."""
    status, body = await api.get("/iserver/marketdata/snapshot", params={"conids": "265598"})
    assert (status, body) == (500, {"error": "Please query /accounts first"})
    await api.ready()
    status, _ = await api.get("/iserver/marketdata/snapshot", params={"conids": "265598"})
    assert status == 200


async def test_contract_search_works_before_accounts(api: Api) -> None:
    """Contract search is not blocked by the /accounts rule."""
    status, body = await api.get("/iserver/secdef/search", params={"symbol": "AAPL"})
    assert status == 200 and body[0]["conid"] == "265598"


async def test_competing_session_means_no_bridge_until_takeover(api: Api) -> None:
    """A competing login drops authentication; ssodh/init with compete takes over again."""
    await api.ready()
    api.gateway.faults.set_competing(True)
    status, body = await api.get("/iserver/auth/status")
    assert body["competing"] is True and body["authenticated"] is False
    status, body = await api.get("/iserver/marketdata/snapshot", params={"conids": "8314"})
    assert (status, body["error"]) == (400, "Bad Request: no bridge")
    status, body = await api.post("/iserver/auth/ssodh/init", json_body={"publish": True,
                                                                          "compete": False})
    assert status == 200 and body["competing"] is True
    status, body = await api.post("/iserver/auth/ssodh/init", json_body={"publish": True,
                                                                          "compete": True})
    assert status == 200 and body["authenticated"] is True and body["competing"] is False
    status, body = await api.get("/iserver/marketdata/snapshot", params={"conids": "8314"})
    assert (status, body) == (500, {"error": "Please query /accounts first"})


async def test_ssodh_init_rejects_publish_false_and_accepts_empty_body(api: Api) -> None:
    """publish:false is a 500; an empty body (IBeam) initialises the session."""
    status, body = await api.post("/iserver/auth/ssodh/init", json_body={"publish": False})
    assert status == 500 and "publish" in body["error"]
    status, body = await api.post("/iserver/auth/ssodh/init")
    assert status == 200 and body["authenticated"] is True


async def test_reauthenticate_answers_before_the_session_is_back(make_gateway, http) -> None:  # type: ignore[no-untyped-def]
    """reauthenticate answers "triggered" at once, while auth status still says false."""
    gw = await make_gateway(reauth_delay_s=600)
    api = Api(http, gw)
    gw.faults.set_competing(True)
    gw.faults.set_competing(False)
    status, body = await api.post("/iserver/reauthenticate")
    assert (status, body) == (200, {"message": "triggered"})
    assert (await api.get("/iserver/auth/status"))[1]["authenticated"] is False


async def test_reauthenticate_completes_asynchronously(make_gateway, http) -> None:  # type: ignore[no-untyped-def]
    """After reauthenticate the brokerage session comes back by itself (after reauth_delay_s)."""
    gw = await make_gateway(reauth_delay_s=0.05)
    api = Api(http, gw)
    gw.faults.set_competing(True)
    gw.faults.set_competing(False)
    assert (await api.post("/iserver/reauthenticate"))[1] == {"message": "triggered"}
    await wait_until(lambda: gw.session.authenticated)
    assert (await api.get("/iserver/auth/status"))[1]["authenticated"] is True
    status, body = await api.get("/iserver/reauthenticate", params={"force": "True"})
    assert body == {"message": "triggered"}


async def test_reauthenticate_without_force_keeps_competing(make_gateway, http) -> None:  # type: ignore[no-untyped-def]
    """While another session competes, only force=true takes the session back."""
    gw = await make_gateway(reauth_delay_s=0.05)
    api = Api(http, gw)
    gw.faults.set_competing(True)
    await api.post("/iserver/reauthenticate")
    await api.post("/iserver/reauthenticate", params={"force": "true"})
    await wait_until(lambda: gw.session.authenticated, timeout=3)
    assert gw.session.competing is False


async def test_sso_validate_shape(api: Api) -> None:
    """/sso/validate reports RESULT true, the user and a positive EXPIRES (paper login)."""
    status, body = await api.get("/sso/validate")
    assert status == 200
    assert body["RESULT"] is True and body["USER_NAME"] == "demo_user"
    assert body["EXPIRES"] > 0 and body["LOGIN_TYPE"] == 2


async def test_logout_then_401_until_login_page(api: Api) -> None:
    """After /logout every call is 401 JSON; opening the gateway's root page logs in again."""
    old = await api.session_id()
    status, body = await api.post("/logout")
    assert (status, body) == (200, {"status": True})
    for method, path in (("POST", "/tickle"), ("GET", "/iserver/auth/status"),
                         ("GET", "/portfolio/accounts"), ("POST", "/iserver/reauthenticate")):
        status, body = await api.call(method, path)
        assert status == 401 and "error" in body, path
    status, page = await api.get("/", base=api.gateway.base_url)
    assert status == 200 and "Client login succeeds" in page
    assert await api.session_id() != old


async def test_idle_session_expires(make_gateway, http) -> None:  # type: ignore[no-untyped-def]
    """With no request for longer than the idle timeout (300 s) the session is gone (401)."""
    clock = ManualClock()
    gw = await make_gateway(monotonic=clock)
    api = Api(http, gw)
    status, body = await api.post("/tickle")
    assert status == 200 and body["ssoExpires"] == 300_000
    clock.advance(299.5)
    status, body = await api.get("/sso/validate")
    assert status == 200 and body["EXPIRES"] == 300_000  # the request itself restarts the timer
    clock.advance(300.5)
    status, body = await api.post("/tickle")
    assert status == 401 and body["error"]
    assert not gw.session.logged_in


async def test_sso_expires_counts_down_to_the_idle_timeout(make_gateway, http) -> None:  # type: ignore[no-untyped-def]
    """ssoExpires/EXPIRES is the time left since the last request, never below zero."""
    clock = ManualClock()
    gw = await make_gateway(monotonic=clock, session_idle_timeout_s=60.0)
    api = Api(http, gw)
    await api.post("/tickle")
    clock.advance(45.0)
    assert gw.session.sso_expires_ms() == 15_000
    clock.advance(15.5)
    assert gw.session.sso_expires_ms() == 0


async def test_requests_keep_the_session_alive(make_gateway, http) -> None:  # type: ignore[no-untyped-def]
    """Requests more often than the idle timeout keep the session, however long it runs."""
    clock = ManualClock()
    gw = await make_gateway(monotonic=clock, session_idle_timeout_s=1.0)
    api = Api(http, gw)
    for _ in range(4):
        clock.advance(0.9)
        assert (await api.post("/tickle"))[0] == 200
    assert gw.session.logged_in

"""Session endpoints (§1.6): tickle, auth status, ssodh/init, reauthenticate, validate, logout.

Thin HTTP wrappers over :class:`~.sessions.GatewaySession`; the demo also serves the gateway's
root page, which stands in for the browser login of a real gateway.
"""

from __future__ import annotations

from aiohttp import web

from .sessions import GatewaySession
from .web_util import ApiError, ApiRouter, json_response, parse_bool, query_bool, read_json

_LOGIN_PAGE = """<!doctype html>
<html><head><title>IBKR demo gateway</title></head>
<body><h3>Client login succeeds</h3>
<p>This is the ibkr-desktop demo gateway: you are logged in as a paper-trading demo user.</p>
</body></html>
"""


class SessionRoutes:
    """Handlers of the session endpoints, bound to one session object."""

    def __init__(self, session: GatewaySession) -> None:
        self._session = session

    def register(self, api: ApiRouter, app_router: web.UrlDispatcher) -> None:
        """Add the routes (GET and POST where clients use both, §1.4)."""
        api.add_routes(("GET", "POST"), "/tickle", self.tickle)
        api.add_routes(("GET", "POST"), "/iserver/auth/status", self.auth_status)
        api.add_routes(("POST", "GET"), "/iserver/auth/ssodh/init", self.ssodh_init)
        api.add_routes(("GET", "POST"), "/iserver/reauthenticate", self.reauthenticate)
        api.add_routes(("GET", "POST"), "/sso/validate", self.validate)
        api.add_routes(("POST", "GET"), "/logout", self.logout)
        for path in ("/", "/sso/Login"):
            app_router.add_get(path, self.login_page)

    def _logged_in(self) -> GatewaySession:
        self._session.require_login()
        return self._session

    async def tickle(self, request: web.Request) -> web.Response:
        """Keep-alive; hands out the session id (and the ``x-sess-uuid`` cookie)."""
        session = self._logged_in()
        response = json_response(session.tickle_payload())
        response.set_cookie("x-sess-uuid", session.sess_uuid, path="/", httponly=True)
        return response

    async def auth_status(self, request: web.Request) -> web.Response:
        """Brokerage-session state."""
        return json_response(self._logged_in().auth_status())

    async def ssodh_init(self, request: web.Request) -> web.Response:
        """Open the brokerage session; ``publish`` must not be false, ``compete`` takes over."""
        session = self._logged_in()
        body = await read_json(request)
        body = body if isinstance(body, dict) else {}
        publish = parse_bool(body.get("publish", request.query.get("publish")), True)
        compete = parse_bool(body.get("compete", request.query.get("compete")), False)
        if publish is False:
            raise ApiError(500, "publish must be true", status_code=False)
        session.init_brokerage(bool(compete))
        return json_response(session.auth_status())

    async def reauthenticate(self, request: web.Request) -> web.Response:
        """Trigger re-authentication; it completes asynchronously (poll auth status)."""
        session = self._logged_in()
        session.reauthenticate(force=query_bool(request, "force"))
        return json_response({"message": "triggered"})

    async def validate(self, request: web.Request) -> web.Response:
        """SSO validation (also extends the session, like any request)."""
        return json_response(self._logged_in().validate_payload())

    async def logout(self, request: web.Request) -> web.Response:
        """End the session; a later login is needed (the root page, in the demo)."""
        self._session.log_out()
        return json_response({"status": True})

    async def login_page(self, request: web.Request) -> web.Response:
        """The browser login of a real gateway, reduced to "you are logged in"."""
        if not self._session.logged_in:
            self._session.log_in()
        return web.Response(text=_LOGIN_PAGE, content_type="text/html")

"""The aiohttp application of the demo gateway: routes and the middlewares every request meets.

The middlewares make every answer IBKR-shaped: JSON errors for 404/405/500 and bad bodies
(never HTML, never a stack trace), one access-log line per request at ``--verbose`` (method,
path, status: no query strings, cookies or session ids), then pacing (429 and the penalty box),
injected faults and the session guards of §1.5-1.7 for API paths.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

from aiohttp import web

from . import routes_brokerage
from .pacing_gate import PacingGate
from .routes_contracts import ContractRoutes
from .routes_session import SessionRoutes
from .universe import Universe
from .web_util import ApiError, ApiRouter, Handler, api_path, is_api_path
from .websocket import HubHost, WsHub

log = logging.getLogger("ibkr_desktop.demo_gateway.server")
access_log = logging.getLogger("ibkr_desktop.demo_gateway.access")

ADMIN_PREFIX = "/demo/admin"


class AppHost(HubHost, Protocol):
    """The parts the application serves (:class:`~.server.DemoGateway` has them)."""

    @property
    def universe(self) -> Universe: ...
    @property
    def hub(self) -> WsHub: ...
    @property
    def pacing(self) -> PacingGate: ...


def create_app(gateway: AppHost) -> web.Application:
    """The aiohttp application serving ``gateway`` (REST, WebSocket, admin)."""
    app = web.Application(
        middlewares=[_make_access_log(gateway), _error_middleware, _make_gate(gateway)],
        client_max_size=4 * 1024 * 1024,
    )
    api = ApiRouter(app.router)
    SessionRoutes(gateway.session).register(api, app.router)
    ContractRoutes(gateway.universe, gateway.market).register(api)
    gateway.marketdata.register(api)
    routes_brokerage.register(app.router, gateway.brokerage, gateway.session)
    gateway.hub.register(app.router)
    app.router.add_post(ADMIN_PREFIX + "/fault", gateway.faults.handle_admin)
    app.on_shutdown.append(lambda _app: _drop_sockets(gateway))
    return app


async def _drop_sockets(gateway: AppHost) -> None:
    gateway.hub.drop_all()


@web.middleware
async def _error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every failure becomes IBKR-shaped JSON: never HTML, never a stack trace."""
    try:
        return await handler(request)
    except ApiError as exc:
        return exc.response()
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        message = "Method Not Allowed" if exc.status == 405 else exc.reason
        return ApiError(exc.status, message).response()
    except (asyncio.CancelledError, ConnectionResetError):
        raise
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return ApiError(500, "Internal Server Error").response()


def _make_access_log(gateway: AppHost) -> Callable[..., Any]:
    """One line per request at ``--verbose``: method, path (no query), status, duration."""

    @web.middleware
    async def access(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not gateway.config.verbose:
            return await handler(request)
        started = time.perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            access_log.info("%s %s -> %d (%.1f ms)", request.method, request.path, status,
                            elapsed)

    return access


def _make_gate(gateway: AppHost) -> Callable[..., Any]:
    """Pacing, injected faults and session guards, in that order, for API paths only."""

    @web.middleware
    async def gate(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not is_api_path(request.path) or api_path(request.path) == "/ws":
            return await handler(request)
        path = api_path(request.path)
        gateway.faults.requests[(request.method, path)] += 1
        if gateway.config.pacing:
            gateway.pacing.check(request.remote or "", request.method, api_path(request.path))
        faults = gateway.faults
        if faults.delay_s:
            await asyncio.sleep(faults.delay_s)
        failure = faults.take_failure(request.method, path)
        if failure is not None:
            raise failure
        session = gateway.session
        session.check_idle()
        session.touch()
        if session.logged_in:
            faults.check_bridge(api_path(request.path))
        session.guard(request)
        return await faults.lose_answer(request, path, await handler(request))

    return gate

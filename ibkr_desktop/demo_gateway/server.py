"""The demo gateway process: configuration, the aiohttp app and its start/stop lifecycle.

:class:`DemoGateway` wires the parts (market, session, brokerage, WebSocket hub, faults) and
serves them on any running asyncio loop (qasync included); :class:`ThreadedGateway` runs one on
its own thread for the app's embedded gateway and for synchronous tests. The middlewares here
make every answer IBKR-shaped: JSON errors for 404/405/500 and bad bodies, 429 pacing with a
penalty box, injected faults, and the session guards of §1.5-1.7.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .brokerage import Brokerage
from .faults import Faults
from .market import MarketSimulator
from .pacing_gate import PacingGate
from .routes_contracts import ContractRoutes
from .routes_marketdata import MarketDataRoutes
from .routes_session import SessionRoutes
from .sessions import GatewaySession, SessionSettings
from .simtime import SimClock
from .tls import SelfSignedCertificate
from .universe import Universe
from .web_util import ApiError, ApiRouter, Handler, api_path, is_api_path
from .websocket import WsHub

log = logging.getLogger(__name__)
access_log = logging.getLogger("ibkr_desktop.demo_gateway.access")

ADMIN_PREFIX = "/demo/admin"


@dataclass(frozen=True, slots=True)
class GatewayConfig:
    """Everything that can be tuned about a demo gateway (tests shorten the timings).

    Attributes beyond the team contract: ``reauth_delay_s`` (reauthenticate completes after
    it), ``penalty_strikes``/``penalty_box_s`` (that many 429s within a minute put the client
    in the penalty box for that long), ``history_latency_s`` (how long a history request is
    "in flight", which is what the 5-concurrent limit counts), ``summary_interval_s`` (``ssd`` /
    ``sld`` push period), ``ws_session_grace_s`` (how long a cookie-less socket may take to
    send ``{"session": ...}`` before it is attached anyway) and ``start_ms`` (simulated start
    time; default now).
    """

    host: str = "127.0.0.1"
    port: int = 0
    seed: int = 7
    tls: bool = False
    speed: float = 1.0
    pacing: bool = True
    verbose: bool = False
    username: str = "demo_user"
    accounts: tuple[str, ...] = ("DU1234567",)
    heartbeat_s: float = 10.0
    smd_lifetime_s: float = 900.0
    session_idle_timeout_s: float = 300.0
    require_accounts_query: bool = True
    reauth_delay_s: float = 1.0
    penalty_strikes: int = 20
    penalty_box_s: float = 600.0
    history_latency_s: float = 0.02
    summary_interval_s: float = 10.0
    ws_session_grace_s: float = 0.3
    start_ms: int | None = None


class DemoGateway:
    """A local IBKR Client Portal Gateway simulator.

    ``await start()`` inside any running asyncio loop, ``await stop()`` when done. The parts are
    public for tests and the app: ``market`` (:class:`MarketSimulator`), ``brokerage``,
    ``session`` (:class:`GatewaySession`), ``faults`` (:class:`Faults`), ``hub`` (WebSocket).
    """

    def __init__(self, config: GatewayConfig | None = None) -> None:
        self.config = config = config or GatewayConfig()
        self.universe = Universe()
        self.clock = SimClock(config.speed, config.start_ms)
        self.market = MarketSimulator(self.universe, config.seed, self.clock.start_ms)
        self.session = GatewaySession(
            SessionSettings(
                username=config.username, idle_timeout_s=config.session_idle_timeout_s,
                reauth_delay_s=config.reauth_delay_s,
                require_accounts_query=config.require_accounts_query,
            ),
            random.Random(f"{config.seed}:session"), self.clock.now_ms,
        )
        self.brokerage = Brokerage(
            self.market, self.universe, accounts=config.accounts, clock=self.clock.now_ms,
            rng=random.Random(f"{config.seed}:brokerage"), username=config.username,
        )
        self.faults = Faults(self)
        self.hub = WsHub(self)
        self.marketdata = MarketDataRoutes(self)
        self.pacing = PacingGate(config.penalty_strikes, config.penalty_box_s)
        self.certificate: SelfSignedCertificate | None = None
        self._runner: web.AppRunner | None = None
        self._port = config.port
        self._tasks: set[asyncio.Task[Any]] = set()
        self.market.add_listener(self._on_market)
        self.brokerage.add_listener(self.hub.on_brokerage)
        self.session.add_listener(self._on_session)

    # -- addresses ----------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The listening port (known after :meth:`start` when the config asked for port 0)."""
        return self._port

    @property
    def base_url(self) -> str:
        """``http(s)://127.0.0.1:PORT``."""
        scheme = "https" if self.config.tls else "http"
        return f"{scheme}://{_url_host(self.config.host)}:{self._port}"

    @property
    def api_url(self) -> str:
        """REST root: ``base_url + "/v1/api"``."""
        return self.base_url + "/v1/api"

    @property
    def ws_url(self) -> str:
        """WebSocket URL: ``ws(s)://.../v1/api/ws``."""
        scheme = "wss" if self.config.tls else "ws"
        return f"{scheme}://{_url_host(self.config.host)}:{self._port}/v1/api/ws"

    @property
    def certificate_pem(self) -> str | None:
        """PEM of the self-signed certificate when TLS is on (clients may pin it)."""
        return self.certificate.cert_pem if self.certificate else None

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen and start simulating. Raises OSError when the port is taken."""
        if self.config.tls and self.certificate is None:
            self.certificate = SelfSignedCertificate.create()
        await self._start_http(self._port)
        self.keep_task(asyncio.create_task(self._ticker(), name="demo-gateway-market"))
        self.keep_task(asyncio.create_task(self._housekeeping(), name="demo-gateway-house"))
        log.info("demo gateway listening on %s", self.base_url)

    async def stop(self) -> None:
        """Close every connection and stop the simulation (idempotent)."""
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        self.session.close()
        await self._stop_http()

    async def restart(self) -> None:
        """Stop listening, drop every connection, start again on the same port, new session."""
        await self._stop_http()
        self.session.log_in()
        await self._start_http(self._port)

    def keep_task(self, task: asyncio.Task[Any]) -> None:
        """Hold a background task until it ends, logging its failure (never lost silently)."""
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("demo gateway task %s failed", task.get_name(), exc_info=task.exception())

    async def _start_http(self, port: int) -> None:
        runner = web.AppRunner(create_app(self), access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        ssl_context = self.certificate.server_context() if self.certificate else None
        site = web.TCPSite(runner, self.config.host, port, ssl_context=ssl_context)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = runner.addresses[0][1]

    async def _stop_http(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            self.hub.drop_all()
            await runner.cleanup()

    # -- wiring -------------------------------------------------------------------------------

    def _on_market(self, conids: frozenset[int]) -> None:
        self.brokerage.on_market(conids)
        self.hub.on_market(conids)

    def _on_session(self, kind: str) -> None:
        if kind == "new_session":
            self.brokerage.reset_session()
            self.marketdata.reset()
        self.hub.on_session(kind)

    async def _ticker(self) -> None:
        """Advance the market to the simulated clock a few times per real second."""
        interval = min(0.3, max(0.05, 0.3 / self.config.speed))
        while True:
            self.market.advance_to(self.clock.now_ms())
            await asyncio.sleep(interval)

    async def _housekeeping(self) -> None:
        """Idle expiry, heartbeats, ``smd`` lifetimes and account pushes."""
        while True:
            self.session.check_idle()
            self.hub.housekeeping(time.monotonic())
            await asyncio.sleep(0.1)


def create_app(gateway: DemoGateway) -> web.Application:
    """The aiohttp application serving ``gateway`` (REST, WebSocket, admin)."""
    app = web.Application(
        middlewares=[_error_middleware, _make_access_log(gateway), _make_gate(gateway)],
        client_max_size=4 * 1024 * 1024,
    )
    api = ApiRouter(app.router)
    SessionRoutes(gateway.session).register(api, app.router)
    ContractRoutes(gateway.universe, gateway.market).register(api)
    gateway.marketdata.register(api)
    gateway.brokerage.register_routes(app.router, gateway.session)
    gateway.hub.register(app.router)
    app.router.add_post(ADMIN_PREFIX + "/fault", gateway.faults.handle_admin)
    app.on_shutdown.append(lambda _app: _drop_sockets(gateway))
    return app


async def _drop_sockets(gateway: DemoGateway) -> None:
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


def _make_access_log(gateway: DemoGateway) -> Callable[..., Any]:
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


def _make_gate(gateway: DemoGateway) -> Callable[..., Any]:
    """Pacing, injected faults and session guards, in that order, for API paths only."""

    @web.middleware
    async def gate(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not is_api_path(request.path) or api_path(request.path) == "/ws":
            return await handler(request)
        if gateway.config.pacing:
            gateway.pacing.check(request.remote or "", request.method, api_path(request.path),
                                 time.monotonic())
        faults = gateway.faults
        if faults.delay_s:
            await asyncio.sleep(faults.delay_s)
        failure = faults.take_failure()
        if failure is not None:
            raise failure
        session = gateway.session
        session.check_idle()
        session.touch()
        session.guard(request)
        response = await handler(request)
        session.note_response(request, response.status)
        return response

    return gate


def _url_host(host: str) -> str:
    """Host as it goes into a URL (a wildcard bind is reached through loopback)."""
    if host in ("", "0.0.0.0", "::"):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


class ThreadedGateway:
    """A :class:`DemoGateway` on its own thread and event loop.

    For the app's embedded gateway (the GUI loop stays free) and synchronous tests:
    ``start()`` blocks until it listens, ``call(fn, *args)`` runs ``fn`` on the gateway loop and
    returns its result (awaiting it if it is a coroutine), ``stop()`` shuts everything down.
    """

    def __init__(self, config: GatewayConfig | None = None) -> None:
        self.config = config or GatewayConfig()
        self.gateway: DemoGateway | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    def start(self, timeout: float = 30.0) -> None:
        """Start the thread and block until the gateway listens (re-raises start errors)."""
        self._thread = threading.Thread(target=self._run, name="demo-gateway", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise TimeoutError("demo gateway did not start in time")
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        try:
            self.gateway = DemoGateway(self.config)
            loop.run_until_complete(self.gateway.start())
        except BaseException as exc:  # reported to the starting thread, then re-raised there
            self._error = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(self.gateway.stop())
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def _require(self) -> DemoGateway:
        if self.gateway is None or self._loop is None:
            raise RuntimeError("ThreadedGateway is not started")
        return self.gateway

    def call(self, fn: Callable[..., Any], *args: Any, timeout: float = 30.0) -> Any:
        """Run ``fn(*args)`` on the gateway loop (thread-safe) and return its result."""
        self._require()
        assert self._loop is not None

        async def invoke() -> Any:
            result = fn(*args)
            return await result if inspect.isawaitable(result) else result

        return asyncio.run_coroutine_threadsafe(invoke(), self._loop).result(timeout)

    def stop(self) -> None:
        """Stop the gateway and its thread (idempotent)."""
        if self._loop is not None and self._thread is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(30)
        self._loop = None

    def __getattr__(self, name: str) -> Any:
        """Gateway attributes: ``base_url``, ``api_url``, ``ws_url``, ``port``, ``market``..."""
        if name.startswith("_") or name in ("gateway", "config"):
            raise AttributeError(name)
        return getattr(self._require(), name)


__all__ = ["DemoGateway", "GatewayConfig", "ThreadedGateway", "create_app"]

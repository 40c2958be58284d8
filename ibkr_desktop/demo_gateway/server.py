"""The demo gateway process: configuration, the aiohttp app and its start/stop lifecycle.

:class:`DemoGateway` wires the parts (market, session, brokerage, WebSocket hub, faults) and
serves them on any running asyncio loop (qasync included); :class:`ThreadedGateway` runs one on
its own thread for the app's embedded gateway and for synchronous tests. The HTTP application
itself (routes, middlewares) is built by :func:`~.webapp.create_app`.
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
from typing import Any

from aiohttp import web

from ibkr_desktop.protocol.portfolio import is_paper_account

from .brokerage import Brokerage
from .config import GatewayConfig
from .faults import Faults
from .market import MarketSimulator
from .pacing_gate import PacingGate
from .persistence import AccountKeeper
from .routes_marketdata import MarketDataRoutes
from .sessions import GatewaySession, SessionSettings
from .simtime import SimClock
from .tls import SelfSignedCertificate
from .universe import Universe, default_instruments, with_synthetic
from .webapp import create_app
from .websocket import WsHub

log = logging.getLogger(__name__)


class DemoGateway:
    """A local IBKR Client Portal Gateway simulator.

    ``await start()`` inside any running asyncio loop, ``await stop()`` when done. The parts are
    public for tests and the app: ``market`` (:class:`MarketSimulator`), ``brokerage``,
    ``session`` (:class:`GatewaySession`), ``faults`` (:class:`Faults`), ``hub`` (WebSocket).

    ``monotonic`` (seconds) times the session's idle timeout and the pacing limits; tests pass
    a clock they advance by hand, so expiry does not depend on how busy the machine is.
    """

    def __init__(
        self, config: GatewayConfig | None = None, *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config = config or GatewayConfig()
        self.universe = Universe(with_synthetic(default_instruments(), config.symbols))
        self.clock = SimClock(config.speed, config.start_ms)
        self.market = MarketSimulator(self.universe, config.seed, self.clock.start_ms,
                                      config.market_hours)
        self.session = GatewaySession(
            SessionSettings(
                username=config.username, idle_timeout_s=config.session_idle_timeout_s,
                reauth_delay_s=config.reauth_delay_s,
                require_accounts_query=config.require_accounts_query,
                is_paper=all(is_paper_account(a) for a in config.accounts),
            ),
            random.Random(f"{config.seed}:session"), self.clock.now_ms, monotonic,
        )
        self.brokerage = Brokerage(
            self.market, self.universe, accounts=config.accounts, clock=self.clock.now_ms,
            rng=random.Random(f"{config.seed}:brokerage"), username=config.username,
            opening_positions=dict(config.opening_positions),
            positions_cache_ms=int(config.positions_cache_s * 1000),
        )
        self.account_keeper = AccountKeeper(self.brokerage, config.account_file)
        """Keeps the paper accounts in ``config.account_file`` (None: memory only)."""
        self.account_keeper.load()
        self.faults = Faults(self)
        self.hub = WsHub(self)
        self.marketdata = MarketDataRoutes(self.market, config.history_latency_s)
        self.pacing = PacingGate(config.pacing_mode, config.penalty_strikes,
                                 config.penalty_box_s, monotonic)
        self.certificate: SelfSignedCertificate | None = None
        self._runner: web.AppRunner | None = None
        self._port = config.port
        self._tasks: set[asyncio.Task[Any]] = set()
        self._periodic: list[_Periodic] = []
        self.market.add_listener(self._on_market)
        self.brokerage.add_listener(self.hub.on_brokerage)
        self.brokerage.add_listener(self._keep_orders)
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
        loop = asyncio.get_running_loop()
        self._periodic = [
            _Periodic(loop, self._market_step_s(), self._advance_market),
            _Periodic(loop, 0.1, self._housekeeping),
        ]
        if self.config.account_file:
            self._periodic.append(_Periodic(loop, 1.0, self.account_keeper.save))
        log.info("demo gateway listening on %s", self.base_url)

    async def stop(self) -> None:
        """Close every connection and stop the simulation (idempotent)."""
        for periodic in self._periodic:
            periodic.cancel()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        self.session.close()
        await self._stop_http()
        self.account_keeper.save()

    def reset_account(self) -> None:
        """Start the paper accounts afresh: cash, positions, orders and fills as at first start
        (also on disk). Connected clients see the orders change on ``sor`` and re-read the rest."""
        self.account_keeper.reset()

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

    def _keep_orders(self, topic: str, payload: Any) -> None:
        """Write the account file as soon as an order or a fill changes (before the answer
        leaves): IBKR never loses an order, so a killed gateway must not either."""
        if topic in ("sor", "str"):
            self.account_keeper.save()

    def _market_step_s(self) -> float:
        """Real seconds between market steps: the config's, else 0.05-0.3 s by speed."""
        if self.config.market_step_s is not None:
            return max(0.01, self.config.market_step_s)
        return min(0.3, max(0.05, 0.3 / self.config.speed))

    def _advance_market(self) -> None:
        """Bring the market up to the simulated clock (a few times per real second)."""
        self.market.advance_to(self.clock.now_ms())

    def _housekeeping(self) -> None:
        """Idle expiry, heartbeats, ``smd`` lifetimes and account pushes (every 0.1 s)."""
        _survive(self.session.check_idle)
        _survive(self.hub.housekeeping, time.monotonic())


class _Periodic:
    """Calls ``step`` at once, then every ``interval_s`` seconds on ``loop``, until cancelled.

    A re-armed timer, not a task sleeping in a loop: a qasync loop may run due callbacks while it
    is stopped (pytest-qt processes Qt events between test phases), and a task resumed then dies
    in ``asyncio.sleep`` with "no running event loop". A failing step is logged; the next runs.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, interval_s: float,
                 step: Callable[[], object]) -> None:
        self._loop, self._interval_s, self._step = loop, interval_s, step
        self._handle: asyncio.Handle | None = loop.call_soon(self._run)

    def _run(self) -> None:
        _survive(self._step)
        if self._handle is not None:  # not cancelled by the step
            self._handle = self._loop.call_later(self._interval_s, self._run)

    def cancel(self) -> None:
        """Stop calling the step (idempotent)."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None


def _survive(step: Callable[..., object], *args: Any) -> None:
    """Run one periodic step; a bug in it is logged and the next period runs anyway."""
    try:
        step(*args)
    except Exception:
        log.exception("demo gateway periodic step %s failed", getattr(step, "__name__", step))


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
            loop.close()
            self._loop, self._error = None, exc
            self._ready.set()
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
        loop, self._loop = self._loop, None
        if loop is not None and self._thread is not None and self._thread.is_alive():
            loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(30)

    @property
    def base_url(self) -> str:
        """``http(s)://127.0.0.1:PORT`` of the running gateway."""
        return self._require().base_url

    @property
    def api_url(self) -> str:
        """REST root (``base_url + "/v1/api"``)."""
        return self._require().api_url

    @property
    def ws_url(self) -> str:
        """WebSocket URL."""
        return self._require().ws_url

    @property
    def port(self) -> int:
        """Listening port."""
        return self._require().port

    @property
    def certificate_pem(self) -> str | None:
        """PEM of the self-signed certificate when TLS is on."""
        return self._require().certificate_pem

    @property
    def market(self) -> MarketSimulator:
        """The market simulator; change it only through :meth:`call` (it lives on that loop)."""
        return self._require().market

    @property
    def faults(self) -> Faults:
        """Fault switches; trigger them through :meth:`call` (e.g. ``call(faults.log_out)``)."""
        return self._require().faults

    def reset_account(self) -> None:
        """Start the paper accounts afresh on the gateway loop (blocking; see
        :meth:`DemoGateway.reset_account`)."""
        self.call(self._require().reset_account)


__all__ = ["DemoGateway", "GatewayConfig", "ThreadedGateway", "create_app"]

"""Fault injection: the failures a real gateway produces, on demand, for tests and demos.

Every fault is a method of :class:`Faults` (``gw.faults.drop_sockets()``...) and an action of
``POST /demo/admin/fault {"action": "...", ...}`` — a path IBKR does not use — so an app
running the embedded gateway, a test or ``curl`` can break the session, the stream or the
HTTP side and watch the client recover.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from aiohttp import web

from .brokerage import Brokerage
from .market import MarketSimulator
from .pacing_gate import PacingGate
from .sessions import GatewaySession
from .web_util import ApiError, json_response, parse_bool, read_object


class _Sockets(Protocol):
    def drop_all(self) -> int: ...
    @property
    def frames_sent(self) -> int: ...


class FaultHost(Protocol):
    """The parts of the gateway a fault acts on (:class:`~.server.DemoGateway` has them)."""

    @property
    def session(self) -> GatewaySession: ...
    @property
    def market(self) -> MarketSimulator: ...
    @property
    def pacing(self) -> PacingGate: ...
    @property
    def brokerage(self) -> Brokerage: ...
    @property
    def hub(self) -> _Sockets: ...

    async def restart(self) -> None: ...
    def keep_task(self, task: asyncio.Task[Any]) -> None: ...

_ORDER_ANSWER_PATHS = re.compile(r"^/iserver/(account/[^/]+/orders|account/[^/]+/order/\d+"
                                 r"|reply/[^/]+)$")
"""Placements, modifications and question replies: the answers ``lose_next_order_answer``
loses."""
LOST_ANSWER_WAYS = ("503", "reset", "late")

_FAIL_MESSAGES = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
    429: "Too many requests",
    401: "not authenticated",
}


class Faults:
    """Switches that make the gateway misbehave; all take effect immediately.

    Args:
        gateway: The gateway to act on.
    """

    def __init__(self, gateway: FaultHost) -> None:
        self._gateway = gateway
        self.failures_left = 0
        self.failure_status = 503
        self.delay_s = 0.0
        self.heartbeats_stopped = False
        self.no_bridge = False
        self.lost_answers = 0
        self.lost_way = "503"
        self.late_s = 0.0
        self.fail_orders_reads = 0
        """Live-order reads still to fail with 503 (set after a lost answer)."""
        self._fail_reads_later = 0
        self.requests: Counter[tuple[str, str]] = Counter()
        """API requests received, by (method, path relative to ``/v1/api``)."""

    def drop_sockets(self) -> int:
        """Abort every WebSocket connection without a close frame; returns how many."""
        return self._gateway.hub.drop_all()

    def stop_heartbeats(self, stopped: bool = True) -> None:
        """Stop (or resume) the ``system`` heartbeat frames on every socket."""
        self.heartbeats_stopped = stopped

    def expire_session(self) -> None:
        """End the session as an idle timeout would: 401 everywhere, ``sts`` not authenticated."""
        self._gateway.session.expire()

    def set_competing(self, competing: bool = True) -> None:
        """Pretend another platform logged in with this username (``competing: true``)."""
        self._gateway.session.set_competing(competing)

    def fail_next(self, count: int = 1, status: int = 503) -> None:
        """Answer the next ``count`` API requests with ``status`` and an IBKR-shaped error."""
        self.failures_left = max(0, count)
        self.failure_status = status

    def set_delay(self, seconds: float) -> None:
        """Delay every API answer by ``seconds`` (0 turns it off)."""
        self.delay_s = max(0.0, seconds)

    def drop_bridge(self, dropped: bool = True) -> None:
        """Lose the brokerage bridge while the SSO session stays up (§11 "no bridge").

        Every ``/iserver/*`` call then answers ``400 {"error": "Bad Request: no bridge",
        "statusCode": 400}`` while ``/tickle`` still says authenticated, until the client
        calls ``POST /iserver/auth/ssodh/init`` (a new brokerage session: ``/iserver/accounts``
        is needed again). Retrying the failing call changes nothing.
        """
        self.no_bridge = dropped

    def check_bridge(self, path: str) -> None:
        """Raise the no-bridge error for ``path`` (relative to ``/v1/api``) while it is down.

        ``/iserver/auth/ssodh/init`` repairs the bridge and goes through.
        """
        if not self.no_bridge or not path.startswith("/iserver/"):
            return
        if path == "/iserver/auth/ssodh/init":
            self.no_bridge = False
            return
        raise ApiError(400, "Bad Request: no bridge")

    def lose_next_order_answer(self, count: int = 1, way: str = "503",
                               late_s: float = 0.0, fail_orders_reads: int = 0) -> None:
        """Carry out the next ``count`` order placements/modifications/replies, then lose their
        answers.

        ``way``: ``"503"`` answers 503 with an empty body, ``"reset"`` drops the connection
        without an answer, ``"late"`` answers only after ``late_s`` seconds (longer than the
        client's timeout). The order is placed each time: a client must find it by cOID.
        ``fail_orders_reads``: after a lost answer, that many live-order reads
        (``GET /iserver/account/orders``) fail with 503: the client cannot look the order up.

        Raises:
            ApiError: ``way`` is none of those (400).
        """
        if way not in LOST_ANSWER_WAYS:
            raise ApiError(400, f"way must be one of {', '.join(LOST_ANSWER_WAYS)}")
        self.lost_answers, self.lost_way, self.late_s = max(0, count), way, late_s
        self._fail_reads_later = max(0, fail_orders_reads)

    async def lose_answer(self, request: web.Request, path: str,
                          response: web.StreamResponse) -> web.StreamResponse:
        """``response``, or its loss when a ``lose_next_order_answer`` is pending for ``path``."""
        if (self.lost_answers <= 0 or request.method != "POST"
                or not _ORDER_ANSWER_PATHS.match(path)):
            return response
        self.lost_answers -= 1
        self.fail_orders_reads = self._fail_reads_later
        if self.lost_way == "late":
            await asyncio.sleep(self.late_s)
            return response
        if self.lost_way == "reset" and request.transport is not None:
            request.transport.abort()
            return response
        return web.Response(status=503, body=b"")

    def trim_trade_times(self, trimmed: bool = True) -> None:
        """Leave ``trade_time``/``trade_time_r`` out of trades (REST and ``str``), as a recorded
        list did (§11), so a client can be tested against executions without times."""
        self._gateway.brokerage.trim_trade_times = trimmed

    def log_out(self) -> None:
        """Log the user out, as ``POST /logout`` or a login elsewhere would."""
        self._gateway.session.log_out()

    def log_in(self) -> None:
        """Log in again (what the browser login page does on a real gateway)."""
        self._gateway.session.log_in()

    async def restart(self) -> None:
        """Restart the gateway on the same port: every socket drops, a new session starts."""
        await self._gateway.restart()

    def counters(self) -> dict[str, Any]:
        """What a test counts at the gateway: ``frames_sent`` (WebSocket frames written),
        ``orders`` ([{"order_id", "coid", "status"}], every order the book holds),
        ``executions`` (the execution ids of the fills made), ``requests`` (["METHOD /path", count]
        pairs), ``failures_left`` (of a ``fail_next``) and ``no_bridge`` (the bridge is down)."""
        brokerage = self._gateway.brokerage
        return {
            "frames_sent": self._gateway.hub.frames_sent,
            "orders": [{"order_id": o.order_id, "coid": o.coid, "status": o.status}
                       for o in brokerage.book.orders()],
            "executions": [e.execution_id for e in brokerage.executions],
            "requests": [[f"{method} {path}", count]
                         for (method, path), count in self.requests.items()],
            "failures_left": self.failures_left,
            "no_bridge": self.no_bridge,
        }

    def take_failure(self, method: str = "", path: str = "") -> ApiError | None:
        """The error for the current request if a ``fail_next`` (or, for a live-order read,
        a ``fail_orders_reads``) is pending; consumes one."""
        if (self.fail_orders_reads > 0 and method == "GET"
                and path == "/iserver/account/orders"):
            self.fail_orders_reads -= 1
            return ApiError(503, _FAIL_MESSAGES[503])
        if self.failures_left <= 0:
            return None
        self.failures_left -= 1
        status = self.failure_status
        return ApiError(status, _FAIL_MESSAGES.get(status, f"HTTP {status}"))

    async def handle_admin(self, request: web.Request) -> web.Response:
        """``POST /demo/admin/fault``: run one fault action from a JSON body."""
        body = await read_object(request)
        action = str(body.get("action", "")).strip().lower()
        actions: dict[str, Callable[[dict[str, Any]], Awaitable[object] | object]] = {
            "drop_sockets": lambda b: self.drop_sockets(),
            "stop_heartbeats": lambda b: self.stop_heartbeats(_flag(b, "stopped", True)),
            "resume_heartbeats": lambda b: self.stop_heartbeats(False),
            "expire_session": lambda b: self.expire_session(),
            "set_competing": lambda b: self.set_competing(_flag(b, "competing", True)),
            "fail_next": lambda b: self.fail_next(_int(b, "count", 1), _int(b, "status", 503)),
            "set_delay": lambda b: self.set_delay(_float(b, "seconds", 0.0)),
            "no_bridge": lambda b: self.drop_bridge(_flag(b, "dropped", True)),
            "lose_next_order_answer": lambda b: self.lose_next_order_answer(
                _int(b, "count", 1), str(b.get("way", "503")), _float(b, "late_s", 0.0),
                _int(b, "fail_orders_reads", 0)),
            "trim_trade_times": lambda b: self.trim_trade_times(_flag(b, "trimmed", True)),
            "log_out": lambda b: self.log_out(),
            "log_in": lambda b: self.log_in(),
            "restart": lambda b: self._schedule_restart(),
            "clear_penalty_box": lambda b: self._gateway.pacing.release(request.remote or ""),
            "set_price": lambda b: self._gateway.market.set_price(
                _int(b, "conid", 0), _float(b, "price", 0.0)),
            "counters": lambda b: self.counters(),
        }
        run = actions.get(action)
        if run is None:
            raise ApiError(400, f"unknown fault action {action!r}; one of {', '.join(actions)}")
        try:
            result = run(body)
        except KeyError:
            raise ApiError(400, "unknown conid") from None
        if asyncio.iscoroutine(result):
            await result
        extra = result if isinstance(result, dict) else {}
        return json_response({"ok": True, "action": action, **extra})

    def _schedule_restart(self) -> None:
        """Restart after this answer is sent (the restart closes the listening socket)."""
        task = asyncio.get_running_loop().create_task(self.restart())
        self._gateway.keep_task(task)


def _flag(body: dict[str, Any], key: str, default: bool) -> bool:
    parsed = parse_bool(body.get(key), default)
    return default if parsed is None else parsed


def _int(body: dict[str, Any], key: str, default: int) -> int:
    try:
        return int(body.get(key, default))
    except (TypeError, ValueError):
        raise ApiError(400, f"{key} must be an integer") from None


def _float(body: dict[str, Any], key: str, default: float) -> float:
    try:
        return float(body.get(key, default))
    except (TypeError, ValueError):
        raise ApiError(400, f"{key} must be a number") from None

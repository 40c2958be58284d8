"""The ``/v1/api/ws`` WebSocket (§6): authentication, topic dispatch and pushes.

Sockets authenticate by the ``api`` cookie (``api=<session>`` or ``api={"session":...}``; a
wrong one is refused with 401), the ``x-sess-uuid`` cookie of ``/tickle``, a first frame
``{"session": ...}``, or, like a local gateway, not at all: a cookie-less socket hears
``waiting for session`` and is attached after a short grace period. Attached sockets get
``system``, ``act`` and ``sts`` at once, then heartbeats. The hub pushes market, brokerage and
session changes to the sockets subscribed to them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

from aiohttp import WSMsgType, web

from ibkr_desktop.protocol.bars import check_history_request
from ibkr_desktop.protocol.fields import WATCHLIST_FIELDS
from ibkr_desktop.protocol.frames import ClientMessage, parse_client_message
from ibkr_desktop.protocol.portfolio import is_paper_account

from .brokerage import Brokerage
from .config import GatewayConfig
from .faults import Faults
from .market import MarketSimulator
from .routes_marketdata import MarketDataRoutes, history_payload
from .sessions import GatewaySession
from .web_util import ApiError, parse_bool, parse_conid
from .ws_topics import (
    AccountSub,
    MdSub,
    MhSub,
    WsConnection,
    bars_data,
    changed_rows,
    cookie_sessions,
    filter_rows,
    format_keys,
    ladder,
    lower_set,
    md_frame,
)

log = logging.getLogger(__name__)

MAX_HISTORY_STREAMS = 5
_NEEDS_BROKERAGE = frozenset({"md", "mh", "bd", "or", "tr"})


class HubHost(Protocol):
    """The parts of the gateway the sockets serve (:class:`~.server.DemoGateway` has them)."""

    @property
    def config(self) -> GatewayConfig: ...
    @property
    def session(self) -> GatewaySession: ...
    @property
    def market(self) -> MarketSimulator: ...
    @property
    def marketdata(self) -> MarketDataRoutes: ...
    @property
    def brokerage(self) -> Brokerage: ...
    @property
    def faults(self) -> Faults: ...


class WsHub:
    """All WebSocket connections of one gateway."""

    def __init__(self, gateway: HubHost) -> None:
        self._gw = gateway
        self._conns: set[WsConnection] = set()
        self._sent_closed = 0
        self._markers = 0
        self._handlers: dict[tuple[str, str], Callable[[WsConnection, ClientMessage], None]] = {
            ("s", "md"): self._smd, ("u", "md"): self._umd,
            ("s", "mh"): self._smh, ("u", "mh"): self._umh,
            ("s", "bd"): self._sbd, ("u", "bd"): self._ubd,
            ("s", "or"): self._sor, ("u", "or"): self._uor,
            ("s", "tr"): self._str, ("u", "tr"): self._utr,
            ("s", "pl"): self._spl, ("u", "pl"): self._upl,
            ("s", "sd"): self._ssd, ("u", "sd"): self._usd,
            ("s", "ld"): self._sld, ("u", "ld"): self._uld,
        }

    @property
    def connections(self) -> int:
        """Number of open sockets (tests and the status line read it)."""
        return len(self._conns)

    @property
    def frames_sent(self) -> int:
        """Frames written to every socket since start, closed ones included."""
        return self._sent_closed + sum(conn.sent for conn in self._conns)

    def register(self, router: web.UrlDispatcher) -> None:
        """Serve the socket under both prefixes."""
        for path in ("/v1/api/ws", "/v1/portal/ws", "/v1/api/ws/"):
            router.add_get(path, self.handle)

    # -- connection lifecycle -----------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Upgrade, authenticate, then read client messages until the socket closes."""
        session = self._gw.session
        session.check_idle()
        if not session.logged_in:
            raise ApiError(401, "not authenticated")
        claimed, sess_uuid = cookie_sessions(request.headers.get("Cookie", ""))
        if claimed is not None and not session.accept_ws_session(claimed):
            raise ApiError(401, "invalid session")
        if claimed is None and sess_uuid is not None and session.accept_ws_session(sess_uuid):
            claimed = sess_uuid  # a stale x-sess-uuid is ignored, not refused
        ws = web.WebSocketResponse(autoping=True, max_msg_size=1024 * 1024)
        try:
            await ws.prepare(request)
        except ConnectionResetError:
            # The client left during the handshake. A fresh response lets aiohttp end the
            # request quietly (its write meets the closed transport, which it expects).
            return web.Response(status=499)
        conn = WsConnection(ws, request)
        conn.writer = asyncio.create_task(conn.run_writer(), name="demo-gateway-ws-writer")
        self._conns.add(conn)
        if claimed is not None:
            self._attach(conn)
        else:
            conn.send({"message": "waiting for session"})
            conn.attach_deadline = time.monotonic() + self._gw.config.ws_session_grace_s
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    self._on_text(conn, message.data)
                elif message.type == WSMsgType.BINARY:
                    self._on_text(conn, message.data.decode("utf-8", "replace"))
                elif message.type == WSMsgType.ERROR:
                    break
        finally:
            self._conns.discard(conn)
            self._sent_closed += conn.sent
            conn.writer.cancel()
        return ws

    def _attach(self, conn: WsConnection) -> None:
        """Bind the socket to the session: ``system``, ``act``, ``sts``, then heartbeats."""
        if conn.attached:
            return
        conn.attached, conn.attach_deadline = True, None
        gw = self._gw
        is_paper = all(is_paper_account(a) for a in gw.config.accounts)
        conn.send({"topic": "system", "success": gw.config.username, "isFT": False,
                   "isPaper": is_paper})
        conn.send({"topic": "act", "args": gw.brokerage.portfolio.iserver_accounts()})
        conn.send({"topic": "sts", "args": gw.session.sts_args()})
        conn.next_heartbeat = time.monotonic() + gw.config.heartbeat_s

    def drop_all(self) -> int:
        """Abort every socket (network-failure style); returns how many were open."""
        count = len(self._conns)
        for conn in list(self._conns):
            conn.abort()
        return count

    # -- client messages ----------------------------------------------------------------------

    def _on_text(self, conn: WsConnection, text: str) -> None:
        message = parse_client_message(text)
        if message is None:
            conn.send({"error": f"Malformed message: {text[:80]}", "code": 1})
            return
        if message.topic == "session":
            value = message.args.get("session")
            if isinstance(value, str) and self._gw.session.accept_ws_session(value):
                self._attach(conn)
            else:
                conn.send({"error": "invalid session", "code": 1})
            return
        self._attach(conn)  # a cookie-less local socket may simply start talking
        if message.topic == "tic":
            session = self._gw.session
            conn.send({"topic": "tic", "alive": session.logged_in, "id": session.session_id,
                       "lastAccessed": session.tic()})
            return
        if message.topic == "ech":
            conn.send({"topic": "ech+" + (message.target or "hb")})
            return
        handler = self._handlers.get((message.action, message.topic))
        if handler is None:
            conn.send({"error": f"Topic unknown: {text[:80]}", "code": 1})
            return
        if message.topic in _NEEDS_BROKERAGE and not self._gw.session.authenticated:
            conn.send({"error": "not authenticated", "code": 1})
            return
        try:
            handler(conn, message)
        except KeyError:
            conn.send({"error": f"Unknown contract or account: {text[:80]}", "code": 1})
        except Exception:  # a bad message must never take the socket (or gateway) down
            log.exception("WebSocket message %r failed", message.topic)
            conn.send({"error": "Internal error", "code": 1})

    # -- market data --------------------------------------------------------------------------

    def _smd(self, conn: WsConnection, msg: ClientMessage) -> None:
        conid = parse_conid(msg.target)
        if conid is None or not self._gw.market.has_data(conid):
            raise KeyError(msg.target)
        raw = msg.args.get("fields")
        fields = [str(f) for f in raw] if isinstance(raw, list) and raw else list(WATCHLIST_FIELDS)
        expires = time.monotonic() + self._gw.config.smd_lifetime_s
        sub = conn.md.get(conid)
        if sub is None:
            self._markers += 1
            sub = MdSub(str(msg.target), f"q{self._markers}", fields, expires)
            conn.md[conid] = sub
        else:
            sub.fields = sorted(set(sub.fields) | set(fields))
            sub.expires = expires
        frame = md_frame(self._gw.market, conid, sub, full=True)
        if frame:
            conn.send(frame)

    def _umd(self, conn: WsConnection, msg: ClientMessage) -> None:
        conid = parse_conid(msg.target)
        if conid is not None:
            conn.md.pop(conid, None)

    def _smh(self, conn: WsConnection, msg: ClientMessage) -> None:
        conid = parse_conid(msg.target)
        instrument = self._gw.market.instrument(conid) if conid is not None else None
        if conid is None or instrument is None:
            raise KeyError(msg.target)
        period = str(msg.args.get("period", "1d"))
        bar = str(msg.args.get("bar", "1min"))
        problem = check_history_request(period, bar)
        if problem:
            conn.send({"error": problem, "code": 1})
            return
        if len(conn.mh) >= MAX_HISTORY_STREAMS:
            conn.send({"error": "Too many history subscriptions (max 5)", "code": 429})
            return
        outside_rth = bool(parse_bool(msg.args.get("outsideRth", msg.args.get("outsideRTH")),
                                      False))
        bars = self._gw.market.history(conid, period, bar, outside_rth)
        server_id = self._gw.marketdata.next_server_id()
        keys = format_keys(msg.args.get("format"))
        payload = history_payload(instrument, period, bar, outside_rth, server_id, bars)
        payload["data"] = bars_data(bars, keys)
        payload.update({"topic": f"smh+{msg.target}", "payload": json.dumps(msg.args)})
        conn.mh[server_id] = MhSub(server_id, conid, str(msg.target), bar, outside_rth, keys,
                                   bars[-1].t_ms if bars else self._gw.market.now_ms,
                                   payload["data"][-1:])
        conn.send(payload)

    def _umh(self, conn: WsConnection, msg: ClientMessage) -> None:
        server_id = str(msg.target or "")
        if conn.mh.pop(server_id, None) is None:
            conn.send({"error": f"Unknown serverId {server_id}", "code": 1})
            return
        conn.send({"message": f"Unsubscribed {server_id}"})

    def _sbd(self, conn: WsConnection, msg: ClientMessage) -> None:
        account = str(msg.target or "")
        conid = parse_conid((msg.extra or "").split("+")[0])
        if account not in self._gw.config.accounts or conid is None:
            raise KeyError(msg.target)
        if not self._gw.market.has_data(conid):
            raise KeyError(conid)
        conn.book, conn.book_last = (account, conid), []
        self._push_book(conn)

    def _ubd(self, conn: WsConnection, msg: ClientMessage) -> None:
        conn.book, conn.book_last = None, []

    def _push_book(self, conn: WsConnection) -> None:
        if conn.book is None:
            return
        account, conid = conn.book
        rows = ladder(self._gw.market, conid)
        if rows != conn.book_last:
            conn.book_last = rows
            conn.send({"topic": f"sbd+{account}+{conid}", "data": rows})

    # -- brokerage topics ---------------------------------------------------------------------

    def _account(self) -> str:
        return str(self._gw.brokerage.portfolio.selected)

    def _sor(self, conn: WsConnection, msg: ClientMessage) -> None:
        conn.orders = True
        items = self._gw.brokerage.orders_snapshot(self._account(), stream=True)
        wanted = lower_set(msg.args.get("filters"))
        if wanted is not None:
            items = [i for i in items if str(i.get("status", "")).lower() in wanted]
        conn.send({"topic": "sor", "args": items})

    def _uor(self, conn: WsConnection, msg: ClientMessage) -> None:
        conn.orders = False

    def _str(self, conn: WsConnection, msg: ClientMessage) -> None:
        conn.trades = True
        realtime = bool(parse_bool(msg.args.get("realtimeUpdatesOnly"), False))
        days = msg.args.get("days", 1)
        days = days if isinstance(days, int) and 1 <= days <= 7 else 1
        items = [] if realtime else self._gw.brokerage.trades_snapshot(self._account(), days,
                                                                            stream=True)
        conn.send({"topic": "str", "args": items})

    def _utr(self, conn: WsConnection, msg: ClientMessage) -> None:
        conn.trades = False

    def _spl(self, conn: WsConnection, msg: ClientMessage) -> None:
        conn.pnl = True
        conn.send({"topic": "spl", "args": self._gw.brokerage.pnl_payload()})

    def _upl(self, conn: WsConnection, msg: ClientMessage) -> None:
        conn.pnl = False

    def _account_sub(self, conn: WsConnection, msg: ClientMessage, ledger: bool) -> None:
        account = str(msg.target or "")
        if account not in self._gw.config.accounts:
            raise KeyError(account)
        sub = AccountSub(lower_set(msg.args.get("keys")), lower_set(msg.args.get("fields")))
        (conn.ledger if ledger else conn.summary)[account] = sub
        self._push_account(conn, account, sub, ledger, first=True)

    def _push_account(self, conn: WsConnection, account: str, sub: AccountSub, ledger: bool,
                      first: bool = False) -> None:
        brokerage = self._gw.brokerage
        key_name = "key"
        rows = brokerage.ledger_rows(account) if ledger else brokerage.summary_rows(account)
        rows = changed_rows(filter_rows(rows, sub, key_name), sub, key_name, blank=ledger)
        if rows or first:
            topic = f"{'sld' if ledger else 'ssd'}+{account}"
            conn.send({"topic": topic, "result": rows})

    def _ssd(self, conn: WsConnection, msg: ClientMessage) -> None:
        self._account_sub(conn, msg, ledger=False)

    def _sld(self, conn: WsConnection, msg: ClientMessage) -> None:
        self._account_sub(conn, msg, ledger=True)

    def _usd(self, conn: WsConnection, msg: ClientMessage) -> None:
        conn.summary.pop(str(msg.target or ""), None)
        conn.send({"result": "unsubscribed from summary"})

    def _uld(self, conn: WsConnection, msg: ClientMessage) -> None:
        conn.ledger.pop(str(msg.target or ""), None)
        conn.send({"result": "unsubscribed from ledger"})

    # -- pushes -------------------------------------------------------------------------------

    def on_market(self, conids: frozenset[int]) -> None:
        """Market listener: changed fields to ``smd`` subscribers, ladders to ``sbd``."""
        market = self._gw.market
        for conn in list(self._conns):
            for conid in conids & conn.md.keys():
                frame = md_frame(market, conid, conn.md[conid], full=False)
                if frame:
                    conn.send(frame)
            if conn.book is not None and conn.book[1] in conids:
                self._push_book(conn)

    def on_brokerage(self, topic: str, payload: Any) -> None:
        """Brokerage listener: ``sor``/``str``/``spl`` payloads to their subscribers."""
        flag = {"sor": "orders", "str": "trades", "spl": "pnl"}.get(topic)
        if flag is None:
            return
        for conn in list(self._conns):
            if getattr(conn, flag):
                conn.send({"topic": topic, "args": payload})

    def on_session(self, kind: str) -> None:
        """Session listener: ``sts`` to every socket; an ended session closes them."""
        sts = {"topic": "sts", "args": self._gw.session.sts_args()}
        for conn in list(self._conns):
            if kind in ("new_session", "competing", "unauthenticated", "expired", "logged_out"):
                conn.clear_brokerage_topics()
            if kind == "new_session" or not conn.attached:
                continue
            conn.send(sts)
            if kind in ("expired", "logged_out"):
                conn.close()

    def housekeeping(self, now: float) -> None:
        """Periodic work: attach silent sockets, heartbeats, ``smd`` expiry, bar/account pushes."""
        gw = self._gw
        for conn in list(self._conns):
            if not conn.attached:
                if conn.attach_deadline is not None and now >= conn.attach_deadline:
                    self._attach(conn)
                continue
            if now >= conn.next_heartbeat:
                conn.next_heartbeat = now + gw.config.heartbeat_s
                if not gw.faults.heartbeats_stopped:
                    conn.send({"topic": "system", "hb": int(time.time() * 1000)})
            for conid in [c for c, sub in conn.md.items() if now >= sub.expires]:
                del conn.md[conid]
            self._push_bars(conn)
            if now >= conn.next_summary:
                conn.next_summary = now + gw.config.summary_interval_s
                for account, sub in conn.summary.items():
                    self._push_account(conn, account, sub, ledger=False)
                for account, sub in conn.ledger.items():
                    self._push_account(conn, account, sub, ledger=True)

    def _push_bars(self, conn: WsConnection) -> None:
        """Send the forming bar (and any new bar) of each ``smh`` stream when it changed."""
        market = self._gw.market
        for sub in conn.mh.values():
            bars = market.history_since(sub.conid, sub.forming_t, sub.bar, sub.outside_rth)
            data = bars_data(bars, sub.keys)
            if not data or data == sub.last_sent:
                continue
            sub.last_sent, sub.forming_t = data[-1:], bars[-1].t_ms
            conn.send({"serverId": sub.server_id, "topic": f"smh+{sub.target}", "data": data,
                       "points": len(data) - 1})

"""Per-socket WebSocket state and the frames of each topic (§6.5-6.12).

A :class:`WsConnection` holds one socket's subscriptions and an outgoing queue (so the market,
brokerage and session callbacks, which are synchronous, can send without awaiting). The frame
builders turn simulator state into IBKR frames: full ``smd`` frame on subscribe then only the
fields that changed, ``smh`` history plus updates of the forming bar, a simple ``sbd`` ladder,
and ``ssd``/``sld`` rows filtered by the requested keys and fields.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from ibkr_desktop.protocol.fields import format_price, format_size

from .market import MarketSimulator
from .md_format import AVAILABILITY, field_values

log = logging.getLogger(__name__)

MAX_QUEUED_FRAMES = 5000
"""A socket this far behind is a dead consumer; it is dropped rather than buffered forever."""

_CLOSE = object()


@dataclass(slots=True)
class MdSub:
    """An ``smd`` subscription: fields, what was last sent, and when it expires."""

    target: str
    marker: str
    fields: list[str]
    expires: float
    last: dict[str, object] = field(default_factory=dict)


@dataclass(slots=True)
class MhSub:
    """An ``smh`` subscription: its request and the start of the bar being formed."""

    server_id: str
    conid: int
    target: str
    bar: str
    outside_rth: bool
    keys: tuple[str, ...]
    forming_t: int
    last_sent: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class AccountSub:
    """An ``ssd``/``sld`` subscription: requested keys/fields and the rows last sent."""

    keys: frozenset[str] | None
    fields: frozenset[str] | None
    last: dict[str, dict[str, Any]] = field(default_factory=dict)


class WsConnection:
    """One client socket: its subscriptions and an ordered, non-blocking send queue."""

    def __init__(self, ws: web.WebSocketResponse, request: web.Request) -> None:
        self.ws = ws
        self.request = request
        self.attached = False
        self.attach_deadline: float | None = None
        self.next_heartbeat = 0.0
        self.next_summary = 0.0
        self.md: dict[int, MdSub] = {}
        self.mh: dict[str, MhSub] = {}
        self.book: tuple[str, int] | None = None
        self.book_last: list[dict[str, Any]] = []
        self.orders = False
        self.trades = False
        self.pnl = False
        self.summary: dict[str, AccountSub] = {}
        self.ledger: dict[str, AccountSub] = {}
        self._queue: asyncio.Queue[object] = asyncio.Queue()
        self.writer: asyncio.Task[None] | None = None
        self.sent = 0
        """Frames written to the socket so far (the reliability suite compares it with the
        frames the client decoded)."""

    def send(self, frame: dict[str, Any]) -> None:
        """Queue a JSON frame; a hopelessly slow consumer gets disconnected."""
        if self._queue.qsize() >= MAX_QUEUED_FRAMES:
            log.warning("dropping a WebSocket client that stopped reading")
            self.abort()
            return
        self._queue.put_nowait(json.dumps(frame, separators=(",", ":")))

    def close(self) -> None:
        """Close politely once everything queued before has been sent."""
        self._queue.put_nowait(_CLOSE)

    def abort(self) -> None:
        """Drop the connection at once, without a close frame (a network failure)."""
        transport = self.request.transport
        if transport is not None:
            transport.abort()

    def clear_brokerage_topics(self) -> None:
        """Forget every subscription that needs the brokerage session (it ended)."""
        self.md.clear()
        self.mh.clear()
        self.book, self.book_last = None, []
        self.orders = self.trades = False

    async def run_writer(self) -> None:
        """Send queued frames in order until closed (runs as the socket's writer task)."""
        while True:
            item = await self._queue.get()
            if item is _CLOSE:
                await self.ws.close()
                return
            if self.ws.closed:
                return
            try:
                await self.ws.send_str(str(item))
            except (ConnectionError, RuntimeError):
                return
            self.sent += 1


def md_frame(
    market: MarketSimulator, conid: int, sub: MdSub, full: bool
) -> dict[str, Any] | None:
    """The next ``smd`` frame: every field when ``full``, else only changed ones (or None)."""
    values: dict[str, object] = dict(field_values(market, conid, sub.fields))
    values.update({"6119": sub.marker, "6509": AVAILABILITY})
    changed = values if full else {k: v for k, v in values.items() if sub.last.get(k) != v}
    sub.last.update(changed)
    if not changed:
        return None
    frame: dict[str, Any] = dict(changed)
    frame.update({
        "conid": conid, "conidEx": sub.target, "_updated": market.quote(conid).updated_ms,
        "server_id": sub.marker, "topic": f"smd+{sub.target}",
    })
    return frame


def bars_data(bars: list[Any], keys: tuple[str, ...]) -> list[dict[str, Any]]:
    """``smh`` data points with the ``format`` keys (``o/c/h/l/v``) plus ``t``."""
    names = {"o": "open", "c": "close", "h": "high", "l": "low", "v": "volume"}
    return [
        {**{key: getattr(bar, names[key]) for key in keys}, "t": bar.t_ms} for bar in bars
    ]


def format_keys(fmt: object) -> tuple[str, ...]:
    """Bar keys named by an ``smh`` ``format`` such as ``"%o/%c/%h/%l/%v"``."""
    if not isinstance(fmt, str) or not fmt.strip():
        return ("o", "c", "h", "l", "v")
    keys = [part.strip().lstrip("%") for part in fmt.split("/")]
    picked = tuple(key for key in keys if key in ("o", "c", "h", "l", "v"))
    return picked or ("o", "c", "h", "l", "v")


def ladder(market: MarketSimulator, conid: int, depth: int = 5) -> list[dict[str, Any]]:
    """A BookTrader-style price ladder: asks above, the last trade, bids below (§6.8)."""
    quote = market.quote(conid)
    tick = quote.tick_size
    decimals = 2 if tick >= 0.01 else 4
    rows: list[dict[str, Any]] = []
    for level in range(depth - 1, -1, -1):
        price = quote.ask + level * tick
        size = quote.ask_size if level == 0 else _depth_size(price, level)
        rows.append({"price": format_price(price, decimals), "ask": format_size(size)})
    rows.append({"price": f"{format_size(quote.last_size)} @ {format_price(quote.last, decimals)}"})
    for level in range(depth):
        price = quote.bid - level * tick
        size = quote.bid_size if level == 0 else _depth_size(price, level)
        rows.append({"price": format_price(price, decimals), "bid": format_size(size)})
    for row_number, row in enumerate(rows):
        row["row"] = row_number
        row["focus"] = 1 if row_number == depth else 0
    return rows


def _depth_size(price: float, level: int) -> float:
    """Deterministic resting size behind the touch (deeper levels hold more)."""
    return 100.0 * (level * 3 + int(price * 100) % 7 + 1)


def filter_rows(rows: list[dict[str, Any]], sub: AccountSub, key_name: str) -> list[dict[str, Any]]:
    """Rows limited to the subscribed ``keys`` and ``fields`` (key and timestamp always kept)."""
    kept: list[dict[str, Any]] = []
    for row in rows:
        key = str(row.get(key_name, ""))
        if sub.keys is not None and key.lower() not in sub.keys:
            continue
        if sub.fields is not None:
            row = {k: v for k, v in row.items()
                   if k in (key_name, "timestamp", "acctCode") or k.lower() in sub.fields}
        kept.append(row)
    return kept


def changed_rows(rows: list[dict[str, Any]], sub: AccountSub, key_name: str,
                 blank: bool) -> list[dict[str, Any]]:
    """Rows whose values changed since the last push; unchanged ones as blank rows if asked."""
    out: list[dict[str, Any]] = []
    for row in rows:
        key = str(row.get(key_name, ""))
        comparable = {k: v for k, v in row.items() if k != "timestamp"}
        if sub.last.get(key) != comparable:
            sub.last[key] = comparable
            out.append(row)
        elif blank:
            out.append({key_name: key, "timestamp": row.get("timestamp")})
    return out


def lower_set(value: object) -> frozenset[str] | None:
    """A case-insensitive set from a JSON list argument (None when not given)."""
    if not isinstance(value, list) or not value:
        return None
    return frozenset(str(item).lower() for item in value)


def cookie_sessions(header: str) -> tuple[str | None, str | None]:
    """(``api`` cookie session, ``x-sess-uuid`` cookie) of an upgrade request; None if absent.

    The ``api`` cookie may be ``api=<session>`` or ``api={"session":"<session>"}`` (raw or
    URL-encoded JSON, as ibind sends it); an unreadable one gives ``""``. Parsed by hand: JSON
    cookie values are not valid RFC 6265 and the standard parser drops them.
    """
    api: str | None = None
    uuid: str | None = None
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        name, value = name.strip(), unquote(value.strip())
        if name == "api" and value:
            api = _api_cookie(value)
        elif name == "x-sess-uuid" and value:
            uuid = value
    return api, uuid


def _api_cookie(value: str) -> str:
    if not value.startswith("{"):
        return value.strip('"')
    try:
        parsed = json.loads(value)
    except ValueError:
        return ""
    session = parsed.get("session") if isinstance(parsed, dict) else None
    return session if isinstance(session, str) else ""

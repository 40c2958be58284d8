"""Market-data endpoints (§4): snapshot with pre-flight, history, unsubscribe.

A snapshot "opens a stream" per conid on first request and answers only ``conid``/``conidEx``
(the pre-flight); later requests answer the latest values of every field ever requested for
that conid. Streams belong to the brokerage session and vanish with it. History requests are
"in flight" for ``history_latency_s`` and at most five may be, like IBKR's (§4.5, §7).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from ibkr_desktop.protocol.bars import BAR_SECONDS, Bar, check_history_request, default_bar
from ibkr_desktop.protocol.pacing import HISTORY_MAX_CONCURRENT

from .market import MarketSimulator
from .md_format import AVAILABILITY, field_values
from .universe import Instrument
from .web_util import ApiError, ApiRouter, json_response, parse_conid, query_bool, read_json

MAX_CONIDS = 100
MAX_FIELDS = 50
PRICE_FACTOR = 100
STOCK_VOLUME_LOT = 100
"""History ``v`` of stocks is in lots of 100 shares at every bar size, unrounded (IBKR's
recorded AAPL day: ``"v": 472117.45`` for ~47M shares), while the answer says
``"volumeFactor": 1`` as that recording does (reference §4.5, §11): clients must settle the
unit against the snapshot's day volume (7762, shares) before drawing it."""


@dataclass(slots=True)
class _Stream:
    """One open snapshot stream: the fields ever requested and its delivery marker."""

    marker: str
    fields: set[str] = field(default_factory=set)


class MarketDataRoutes:
    """Handlers and per-session state of the market-data endpoints.

    Args:
        market: The simulator the snapshots and bars come from.
        history_latency_s: How long a history request stays in flight (the 5-concurrent rule).
    """

    def __init__(self, market: MarketSimulator, history_latency_s: float) -> None:
        self._market = market
        self._history_latency_s = history_latency_s
        self._streams: dict[int, _Stream] = {}
        self._markers = 0
        self._server_ids = 20476
        self._in_flight = 0
        self._hmds_ready = False

    def register(self, api: ApiRouter) -> None:
        """Add the routes."""
        api.add_get("/iserver/marketdata/snapshot", self.snapshot)
        api.add_get("/iserver/marketdata/history", self.history)
        api.add_get("/hmds/history", self.hmds_history)
        api.add_post("/iserver/marketdata/unsubscribe", self.unsubscribe)
        api.add_routes(("GET", "POST"), "/iserver/marketdata/unsubscribeall", self.unsubscribe_all)
        api.add_get("/iserver/marketdata/{conid}/unsubscribe", self.legacy_unsubscribe)

    def reset(self) -> None:
        """A new brokerage session: every snapshot stream is gone (pre-flight again)."""
        self._streams.clear()
        self._hmds_ready = False

    def next_server_id(self) -> str:
        """A fresh history ``serverId`` (REST and ``smh`` share the sequence)."""
        self._server_ids += 1
        return str(self._server_ids)

    # -- snapshot -----------------------------------------------------------------------------

    async def snapshot(self, request: web.Request) -> web.Response:
        """``GET /iserver/marketdata/snapshot?conids=...&fields=...``."""
        tokens = [t.strip() for t in request.query.get("conids", "").split(",") if t.strip()]
        if not tokens:
            raise ApiError(400, "Bad Request: Conid(s) missing")
        if len(tokens) > MAX_CONIDS:
            raise ApiError(400, f"Bad Request: at most {MAX_CONIDS} conids per request")
        fields = [f.strip() for f in request.query.get("fields", "").split(",") if f.strip()]
        if len(fields) > MAX_FIELDS:
            raise ApiError(400, f"Bad Request: at most {MAX_FIELDS} fields per request")
        if any(not f.isdigit() for f in fields):
            raise ApiError(400, "Bad Request: fields must be numeric field ids")
        answer: list[dict[str, Any]] = []
        seen: set[int] = set()
        for token in tokens:
            conid = parse_conid(token)
            if conid is None:
                raise ApiError(400, f"Bad Request: invalid conid {token!r}")
            if conid in seen:
                continue
            seen.add(conid)
            answer.append(self._snapshot_entry(conid, token, fields))
        return json_response(answer)

    def _snapshot_entry(self, conid: int, conid_ex: str, fields: list[str]) -> dict[str, Any]:
        entry: dict[str, Any] = {"conid": conid, "conidEx": conid_ex}
        stream = self._streams.get(conid)
        if stream is None:  # pre-flight: open the stream, no data yet
            self._markers += 1
            self._streams[conid] = _Stream(f"q{self._markers - 1}", set(fields))
            return entry
        stream.fields.update(fields)
        market = self._market
        if not market.has_data(conid):
            return entry
        values = field_values(market, conid, sorted(stream.fields))
        values.update({"6119": stream.marker, "6509": AVAILABILITY})
        entry.update(values)
        entry.update({"_updated": market.quote(conid).updated_ms, "server_id": stream.marker})
        return entry

    # -- history ------------------------------------------------------------------------------

    async def history(self, request: web.Request) -> web.Response:
        """``GET /iserver/marketdata/history``: bars in IBKR's response shape."""
        conid = parse_conid(request.query.get("conid", ""))
        if conid is None:
            raise ApiError(400, "Bad Request: conid required")
        instrument = self._market.instrument(conid)
        if instrument is None:
            raise ApiError(400, f"Bad Request: unknown conid {conid}")
        period = request.query.get("period", "1w").strip()
        bar = request.query.get("bar", "").strip()
        if not bar:
            try:
                bar = default_bar(period)
            except ValueError as exc:
                raise ApiError(400, str(exc)) from None
        problem = check_history_request(period, bar)
        if problem:
            raise ApiError(400, problem)
        outside_rth = query_bool(request, "outsideRth")
        end_ms = _parse_start_time(request.query.get("startTime"))
        if self._in_flight >= HISTORY_MAX_CONCURRENT:
            raise ApiError(429, "Too many requests", status_code=False)
        self._in_flight += 1
        try:
            await asyncio.sleep(self._history_latency_s)
            bars = self._market.history(conid, period, bar, outside_rth, end_ms)
        finally:
            self._in_flight -= 1
        payload = history_payload(instrument, period, bar, outside_rth, self.next_server_id(),
                                  bars)
        return json_response(payload)

    async def hmds_history(self, request: web.Request) -> web.Response:
        """``GET /hmds/history`` (beta): the first call only warms the service up (404)."""
        if not self._hmds_ready:
            self._hmds_ready = True
            raise ApiError(404, "Historical data service is starting; retry")
        return await self.history(request)

    # -- unsubscribe --------------------------------------------------------------------------

    async def unsubscribe(self, request: web.Request) -> web.Response:
        """``POST /iserver/marketdata/unsubscribe {"conid": 265598}`` (a query ``conid`` too)."""
        body = await read_json(request)
        raw = body.get("conid") if isinstance(body, dict) else None
        conid = parse_conid(raw if raw is not None else request.query.get("conid", ""))
        if conid is None:
            raise ApiError(400, "Bad Request: conid required")
        if self._streams.pop(conid, None) is None:
            # IBKR documents 500 {"error": "unknown"}; ibind expects 404 for "not subscribed".
            raise ApiError(404, "unknown", status_code=False)
        return json_response({"success": True})

    async def unsubscribe_all(self, request: web.Request) -> web.Response:
        """``GET /iserver/marketdata/unsubscribeall``: close every stream."""
        self._streams.clear()
        return json_response({"unsubscribed": True})

    async def legacy_unsubscribe(self, request: web.Request) -> web.Response:
        """``GET /iserver/marketdata/{conid}/unsubscribe`` (removed from the current spec)."""
        conid = parse_conid(request.match_info["conid"])
        if conid is not None:
            self._streams.pop(conid, None)
        return json_response({"confirmed": "success"})


def _parse_start_time(raw: str | None) -> int | None:
    """``startTime`` (``YYYYMMDD-HH:mm:ss`` UTC) in epoch ms; the range ends there."""
    if not raw:
        return None
    for fmt in ("%Y%m%d-%H:%M:%S", "%Y%m%d-%H%M%S", "%Y%m%d"):
        try:
            parsed = datetime.strptime(raw.strip(), fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
        return int(parsed.timestamp() * 1000)
    raise ApiError(400, f"Bad Request: startTime {raw!r} is not YYYYMMDD-HH:mm:ss")


def _stamp(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y%m%d-%H:%M:%S")


def history_payload(
    instrument: Instrument, period: str, bar: str, outside_rth: bool, server_id: str,
    bars: list[Bar],
) -> dict[str, Any]:
    """The §4.5 history body (also the ``smh`` frame body) for ``bars``."""
    lot = STOCK_VOLUME_LOT if instrument.sec_type == "STK" else 1
    data = [{"o": b.open, "c": b.close, "h": b.high, "l": b.low, "v": b.volume / lot,
             "t": b.t_ms} for b in bars]
    start_ms = bars[0].t_ms if bars else 0
    payload: dict[str, Any] = {
        "serverId": server_id, "symbol": instrument.symbol, "text": instrument.name,
        "priceFactor": PRICE_FACTOR, "startTime": _stamp(start_ms) if bars else "",
        "timePeriod": period, "barLength": BAR_SECONDS[bar], "mdAvailability": "S",
        "mktDataDelay": 0, "outsideRth": outside_rth,
        "tradingDayDuration": 1440 if outside_rth else 390, "volumeFactor": 1,
        "priceDisplayRule": 1, "priceDisplayValue": "2" if instrument.tick_size >= 0.01 else "4",
        "chartPanStartTime": _stamp(start_ms) if bars else "", "direction": -1,
        "negativeCapable": False, "messageVersion": 2, "data": data,
        "points": max(0, len(data) - 1), "travelTime": 12,
    }
    if bars:
        high = max(bars, key=lambda b: b.high)
        low = min(bars, key=lambda b: b.low)
        payload["high"] = _extreme(high.high, high.volume / lot, high.t_ms - start_ms)
        payload["low"] = _extreme(low.low, low.volume / lot, low.t_ms - start_ms)
    return payload


def _extreme(price: float, volume: float, offset_ms: int) -> str:
    """``"<price x priceFactor>/<volume>/<minutes from startTime>"``."""
    return f"{round(price * PRICE_FACTOR)}/{volume:g}/{offset_ms // 60_000}"

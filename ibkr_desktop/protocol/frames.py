"""WebSocket frames: server text -> events, and the client's topic strings (reference §6).

Sans-I/O like websockets' protocol core: ``parse_frame`` takes one received text frame and
returns events; the builders return the exact strings to send; ``parse_client_message`` reads
those strings back for the demo gateway. Nothing here touches a socket.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from ibkr_desktop.protocol import _coerce
from ibkr_desktop.protocol.bars import parse_history
from ibkr_desktop.protocol.errors import error_text
from ibkr_desktop.protocol.events import (
    Bulletin,
    Event,
    Heartbeat,
    HistoryBars,
    MalformedFrame,
    Notification,
    QuoteUpdate,
    ServerMessage,
    StreamError,
    SystemInfo,
    TicReply,
    UnknownFrame,
    Unsubscribed,
)
from ibkr_desktop.protocol.fields import parse_fields
from ibkr_desktop.protocol.order_answers import parse_live_order, parse_trade
from ibkr_desktop.protocol.portfolio import parse_accounts, parse_ledger, parse_summary, pnl_rows
from ibkr_desktop.protocol.session import parse_auth_status

_Frame = Mapping[str, object]
_MAX_ECHO = 200  # characters of bad input kept in a MalformedFrame


def _dumps(args: Mapping[str, object]) -> str:
    return json.dumps(args, separators=(",", ":"))


# ---------------------------------------------------------------- server -> client


def _system(frame: _Frame, _: str | None) -> list[Event]:
    events: list[Event] = []
    username = _coerce.text(frame.get("success"))
    if username is not None:
        events.append(SystemInfo(username, _coerce.flag(frame.get("isPaper"))))
    hb = _coerce.epoch_ms(frame.get("hb"))
    if hb is not None:
        events.append(Heartbeat(hb))
    return events or [UnknownFrame("system", frame)]


def _act(frame: _Frame, _: str | None) -> list[Event]:
    return [parse_accounts(frame.get("args", frame))]


def _sts(frame: _Frame, _: str | None) -> list[Event]:
    args = frame.get("args")
    return [parse_auth_status(args if isinstance(args, Mapping) else frame)]


def _tic(frame: _Frame, _: str | None) -> list[Event]:
    return [TicReply(bool(_coerce.flag(frame.get("alive"))), _coerce.text(frame.get("id")),
                     _coerce.epoch_ms(frame.get("lastAccessed")))]


def _blt(frame: _Frame, _: str | None) -> list[Event]:
    return [Bulletin(_coerce.text(item.get("id")) or "", _coerce.text(item.get("message")) or "")
            for item in _coerce.records(frame.get("args"))]


def _ntf(frame: _Frame, _: str | None) -> list[Event]:
    return [Notification(
        _coerce.text(item.get("id")) or "", _coerce.text(item.get("title")) or "",
        _coerce.text(item.get("text")) or "", _coerce.text(item.get("url")),
    ) for item in _coerce.records(frame.get("args"))]


def _quote(item: Mapping[str, object]) -> QuoteUpdate | None:
    conid = _coerce.integer(item.get("conid"))
    if conid is None:
        return None
    return QuoteUpdate(conid, parse_fields(item), _coerce.epoch_ms(item.get("_updated")))


def _smd(frame: _Frame, _: str | None) -> list[Event]:
    quote = _quote(frame)
    return [quote] if quote else []  # IBKR's occasional empty updates lack conid: ignored


def parse_snapshot(body: object) -> list[QuoteUpdate]:
    """``/iserver/marketdata/snapshot`` answer -> one QuoteUpdate per conid (§4.1).

    A pre-flight item (only ``conid``/``conidEx``) gives a QuoteUpdate with empty ``values``;
    items without a conid are skipped.
    """
    quotes = (_quote(item) for item in _coerce.records(body))
    return [quote for quote in quotes if quote is not None]


def _smh(frame: _Frame, target: str | None) -> list[Event]:
    conid = _coerce.integer(target) if target else _coerce.integer(frame.get("conid"))
    server_id = _coerce.text(frame.get("serverId"))
    return [HistoryBars(conid, server_id, tuple(parse_history(frame)))]


def _items(frame: _Frame, parse: Callable[[Mapping[str, object]], Event]) -> list[Event]:
    """Parse each ``args`` item; one bad item becomes a MalformedFrame, the rest still count."""
    events: list[Event] = []
    for item in _coerce.records(frame.get("args")):
        try:
            events.append(parse(item))
        except ValueError as exc:
            events.append(MalformedFrame(str(dict(item))[:_MAX_ECHO], str(exc)[:_MAX_ECHO],
                                         _coerce.text(frame.get("topic"))))
    return events


def _sor(frame: _Frame, _: str | None) -> list[Event]:
    return _items(frame, parse_live_order)


def _str(frame: _Frame, _: str | None) -> list[Event]:
    return _items(frame, parse_trade)


def _spl(frame: _Frame, _: str | None) -> list[Event]:
    return list(pnl_rows(frame.get("args")))


def _account_of(frame: _Frame, target: str | None) -> str:
    if target:
        return target
    for row in _coerce.records(frame.get("result")):
        if str(row.get("key", "")).lower() == "accountcode":
            return _coerce.text(row.get("value")) or ""
    return ""


def _ssd(frame: _Frame, target: str | None) -> list[Event]:
    return [parse_summary(_account_of(frame, target), frame.get("result"))]


def _sld(frame: _Frame, target: str | None) -> list[Event]:
    return list(parse_ledger(target or "", frame.get("result")))


def _error_topic(frame: _Frame, _: str | None) -> list[Event]:
    args = frame.get("args")
    message = _coerce.text(args) or error_text(args) or json.dumps(args, default=str)
    code = _coerce.integer(frame.get("code"))
    if code is None and isinstance(args, Mapping):
        code = _coerce.integer(args.get("code"))
    return [StreamError(message, code)]


_TOPICS: dict[str, Callable[[_Frame, str | None], list[Event]]] = {
    "system": _system, "act": _act, "sts": _sts, "tic": _tic, "blt": _blt, "ntf": _ntf,
    "smd": _smd, "smh": _smh, "sor": _sor, "str": _str, "spl": _spl, "ssd": _ssd, "sld": _sld,
    "error": _error_topic,
}


def _topicless(frame: _Frame) -> list[Event]:
    error = frame.get("error")
    if error is not None:
        message = _coerce.text(error) or error_text(error) or str(error)
        return [StreamError(message, _coerce.integer(frame.get("code")))]
    for key in ("message", "result"):
        text = _coerce.text(frame.get(key))
        if text is not None:
            if "unsubscribed" in text.lower():
                return [Unsubscribed(text)]
            return [ServerMessage(text)]
    return [UnknownFrame(None, frame)]


def _dispatch(frame: _Frame) -> list[Event]:
    topic = frame.get("topic")
    if not isinstance(topic, str):
        return _topicless(frame)
    name, _, target = topic.partition("+")
    handler = _TOPICS.get(name)
    if handler is None:
        return [UnknownFrame(topic, frame)]
    return handler(frame, target or None)


def parse_frame(data: str | bytes) -> list[Event]:
    """Events of one server frame; never raises.

    * Not UTF-8 / not JSON / not a JSON object -> ``[MalformedFrame]``.
    * ``sor``/``str``/``ntf``/``blt``/``spl``/``sld`` may yield several events (or none, for an
      empty ``args``); ``smd`` frames without ``conid`` yield ``[]`` (IBKR's empty updates).
    * Well-formed frames of topics we do not interpret (``sbd``, ``ech``...) -> ``[UnknownFrame]``.
    """
    try:
        text = data.decode("utf-8") if isinstance(data, bytes | bytearray) else str(data)
    except UnicodeDecodeError as exc:
        return [MalformedFrame(repr(data[:_MAX_ECHO]), f"not UTF-8: {exc.reason}")]
    try:
        frame = json.loads(text)
    except (ValueError, RecursionError) as exc:
        return [MalformedFrame(text[:_MAX_ECHO], f"not JSON: {exc}"[:_MAX_ECHO])]
    if not isinstance(frame, dict):
        return [MalformedFrame(text[:_MAX_ECHO], "not a JSON object")]
    return frame_events(frame, text)


def frame_events(frame: Mapping[str, object], data: str | bytes) -> list[Event]:
    """Events of one already decoded frame (a JSON object), as :func:`parse_frame`; never raises.

    ``data`` is the received text, echoed (shortened) in a MalformedFrame when the payload
    cannot be interpreted.
    """
    try:
        return _dispatch(frame)
    except Exception as exc:  # the contract is "never raises", whatever the payload holds
        echo = data[:_MAX_ECHO]
        text = echo if isinstance(echo, str) else repr(echo)
        return [MalformedFrame(text, f"unreadable {frame.get('topic')!r} frame: "
                                     f"{type(exc).__name__}: {exc}"[:_MAX_ECHO],
                               _coerce.text(frame.get("topic")))]


# ---------------------------------------------------------------- client -> server


def market_data_subscribe(conid: int | str, fields: Iterable[str]) -> str:
    """``smd+265598+{"fields":["31","84"]}`` (``conid`` may be ``"265598@SMART"``)."""
    return f"smd+{conid}+{_dumps({'fields': [str(f) for f in fields]})}"


def market_data_unsubscribe(conid: int | str) -> str:
    """``umd+265598+{}``."""
    return f"umd+{conid}+{{}}"


def orders_subscribe(filters: Iterable[str] | None = None) -> str:
    """``sor+{}`` or ``sor+{"filters":["Submitted"]}``."""
    return "sor+" + _dumps({"filters": list(filters)} if filters is not None else {})


def orders_unsubscribe() -> str:
    """``uor+{}``."""
    return "uor+{}"


def trades_subscribe(realtime_only: bool = False, days: int | None = None) -> str:
    """``str+{}``, or with ``realtimeUpdatesOnly``/``days`` (1-7) when given."""
    args: dict[str, object] = {}
    if realtime_only:
        args["realtimeUpdatesOnly"] = True
    if days is not None:
        args["days"] = days
    return "str+" + _dumps(args)


def trades_unsubscribe() -> str:
    """``utr`` (the documented form)."""
    return "utr"


def pnl_subscribe() -> str:
    """``spl+{}``."""
    return "spl+{}"


def pnl_unsubscribe() -> str:
    """``upl+{}``."""
    return "upl+{}"


def _keys_fields(keys: Iterable[str] | None, fields: Iterable[str] | None) -> str:
    args: dict[str, object] = {}
    if keys is not None:
        args["keys"] = list(keys)
    if fields is not None:
        args["fields"] = list(fields)
    return _dumps(args)


def account_summary_subscribe(
    acct: str, keys: Iterable[str] | None = None, fields: Iterable[str] | None = None
) -> str:
    """``ssd+DU1234567+{}`` or ``ssd+DU1234567+{"keys":[...],"fields":[...]}``."""
    return f"ssd+{acct}+{_keys_fields(keys, fields)}"


def account_summary_unsubscribe(acct: str) -> str:
    """``usd+DU1234567+{}``."""
    return f"usd+{acct}+{{}}"


def ledger_subscribe(
    acct: str, keys: Iterable[str] | None = None, fields: Iterable[str] | None = None
) -> str:
    """``sld+DU1234567+{}`` or with ``keys``/``fields``."""
    return f"sld+{acct}+{_keys_fields(keys, fields)}"


def ledger_unsubscribe(acct: str) -> str:
    """``uld+DU1234567+{}``."""
    return f"uld+{acct}+{{}}"


def history_subscribe(
    conid: int | str,
    period: str,
    bar: str,
    source: str = "trades",
    outside_rth: bool = False,
    fmt: str = "%o/%c/%h/%l/%v",
    exchange: str | None = None,
) -> str:
    """``smh+265598+{"period":"1d","bar":"1min","source":"trades","outsideRth":false,...}``."""
    args: dict[str, object] = {"period": period, "bar": bar, "source": source,
                               "outsideRth": outside_rth, "format": fmt}
    if exchange:
        args["exchange"] = exchange
    return f"smh+{conid}+{_dumps(args)}"


def history_unsubscribe(server_id: str) -> str:
    """``umh+588547`` (the ``serverId`` of the ``smh`` frames, not the conid)."""
    return f"umh+{server_id}"


def book_subscribe(acct: str, conid: int | str, exchange: str | None = None) -> str:
    """``sbd+DU1234567+265598`` or ``sbd+DU1234567+265598+SMART``."""
    return f"sbd+{acct}+{conid}" + (f"+{exchange}" if exchange else "")


def book_unsubscribe(acct: str) -> str:
    """``ubd+DU1234567``."""
    return f"ubd+{acct}"


def tic() -> str:
    """``tic`` keep-alive ping (send at least once a minute)."""
    return "tic"


def session_frame(session_id: str) -> str:
    """``{"session":"<id from /tickle>"}``: the first-frame way to attach the WS to a session."""
    return _dumps({"session": session_id})


# ---------------------------------------------------------------- client messages (gateway side)

_BARE_COMMANDS = frozenset({"tic", "ech", "inp"})


@dataclass(frozen=True, slots=True)
class ClientMessage:
    """A client command as the gateway sees it.

    ``smd+265598+{...}`` -> action "s", topic "md", target "265598", args {...};
    ``sbd+DU1+265598+SMART`` -> target "DU1", extra "265598+SMART"; ``tic`` -> action "",
    topic "tic"; ``{"session": "..."}`` -> action "", topic "session", args {"session": ...}.
    """

    action: Literal["s", "u", ""]
    topic: str
    target: str | None
    extra: str | None
    args: dict[str, object] = field(default_factory=dict)


def parse_client_message(text: str | bytes) -> ClientMessage | None:
    """Read any §6.5 client string (with/without ``+{}``, spaces in the JSON); None if invalid."""
    try:
        message = (text.decode("utf-8") if isinstance(text, bytes) else text).strip()
    except UnicodeDecodeError:
        return None
    head, args_text = message, None
    brace = message.find("{")
    if brace == 0:
        head = "session"
        args_text = message
    elif brace > 0:
        head, args_text = message[:brace].rstrip(), message[brace:]
        if not head.endswith("+"):
            return None
        head = head[:-1]
    args: object = {}
    if args_text is not None:
        try:
            args = json.loads(args_text)
        except (ValueError, RecursionError):
            return None
    parts = [part.strip() for part in head.split("+")]
    command = parts[0]
    malformed = any(not part or part.startswith("[") for part in parts)
    if not command or not isinstance(args, dict) or malformed:
        return None
    action: Literal["s", "u", ""] = ""
    if len(command) == 3 and command[0] in "su" and command not in _BARE_COMMANDS:
        action = "s" if command[0] == "s" else "u"
        command = command[1:]
    target = parts[1] if len(parts) > 1 else None
    extra = "+".join(parts[2:]) if len(parts) > 2 else None
    return ClientMessage(action, command, target, extra, args)

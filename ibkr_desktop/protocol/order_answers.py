"""Parsing of the gateway's order answers: placement/reply results, live orders, status, trades.

The same item shapes arrive over REST (``/iserver/account/orders``, ``/trades``,
``/order/status``) and the WebSocket (``sor``, ``str``), so both the client's REST calls and
``frames`` use these functions (reference §5.1-5.9, §6.9-6.10).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from ibkr_desktop.protocol import _coerce
from ibkr_desktop.protocol.errors import IbkrError
from ibkr_desktop.protocol.events import Fill, OrderUpdate
from ibkr_desktop.protocol.order_kinds import OrderStatus, parse_order_type, parse_side


class OrderRejectedError(IbkrError):
    """IBKR refused the order (placement/reply answered ``{"error": ...}``)."""


@dataclass(frozen=True, slots=True)
class OrderAccepted:
    """Placement/reply answer: IBKR took the order."""

    order_id: str
    status: OrderStatus | None
    coid: str | None


@dataclass(frozen=True, slots=True)
class OrderQuestion:
    """Placement/reply answer: confirm with ``POST /iserver/reply/{reply_id}``."""

    reply_id: str
    messages: tuple[str, ...]
    message_ids: tuple[str, ...]


def parse_placement_response(body: object) -> list[OrderAccepted | OrderQuestion]:
    """Read the answer of order placement, modification or ``/iserver/reply`` (§5.1-5.2).

    Accepts the array and the bare-object forms.

    Raises:
        OrderRejectedError: the answer is (or contains) ``{"error": ...}``, or is unreadable.
    """
    items = _coerce.records(body)
    if not items:
        raise OrderRejectedError(_coerce.text(body) or "The gateway gave no answer for the order")
    results: list[OrderAccepted | OrderQuestion] = []
    for item in items:
        error = item.get("error")
        if error:
            raise OrderRejectedError(str(error))
        reply_id = _coerce.text(item.get("id"))
        order_id = _coerce.text(item.get("order_id"))
        if reply_id is not None and "message" in item:
            messages = item.get("message")
            texts = [messages] if isinstance(messages, str) else messages
            ids = item.get("messageIds")
            results.append(OrderQuestion(
                reply_id,
                tuple(str(m) for m in texts) if isinstance(texts, list) else (),
                tuple(str(m) for m in ids) if isinstance(ids, list) else (),
            ))
        elif order_id is not None:
            results.append(OrderAccepted(
                order_id, OrderStatus.parse(item.get("order_status")),
                _coerce.text(item.get("local_order_id")),
            ))
        else:
            raise OrderRejectedError(f"Unexpected order answer: {dict(item)!r}"[:300])
    return results


def _side_text(value: object) -> str | None:
    """"BUY"/"SELL" from any IBKR spelling; other sides (EXER) upper-cased; None if absent."""
    side = parse_side(value)
    if side is not None:
        return str(side)
    return value.strip().upper() if isinstance(value, str) and value.strip() else None


def _order_type_text(value: object) -> str | None:
    order_type = parse_order_type(value)
    return str(order_type) if order_type else _coerce.text(value)


def _yymmdd_ms(value: object) -> int | None:
    """``"231211180049"`` (YYMMDDhhmmss, UTC) -> epoch ms."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.strptime(value.strip(), "%y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None
    return int(parsed.timestamp() * 1000)


def _required_order_id(d: Mapping[str, object], *keys: str) -> int:
    order_id = _coerce.integer(_coerce.first(d, *keys))
    if order_id is None:
        raise ValueError(f"order without an order id: {dict(d)!r}"[:300])
    return order_id


def _positive_conid(value: object) -> int | None:
    conid = _coerce.integer(value)
    return conid if conid is not None and conid > 0 else None


def parse_live_order(d: Mapping[str, object]) -> OrderUpdate:
    """A ``/iserver/account/orders`` item or ``sor`` item -> OrderUpdate (absent -> None).

    ``quantity`` is ``totalSize``, else filled + remaining when both are present.

    Raises:
        ValueError: no readable ``orderId``.
    """
    filled = _coerce.number(d.get("filledQuantity"))
    remaining = _coerce.number(d.get("remainingQuantity"))
    quantity = _coerce.number(d.get("totalSize"))
    if quantity is None and filled is not None and remaining is not None:
        quantity = filled + remaining
    return OrderUpdate(
        order_id=_required_order_id(d, "orderId", "order_id"),
        account=_coerce.text(_coerce.first(d, "acct", "account")),
        status=OrderStatus.parse(d.get("status")),
        conid=_positive_conid(d.get("conid")),
        symbol=_coerce.text(_coerce.first(d, "ticker", "description1")),
        side=_side_text(d.get("side")),
        order_type=_order_type_text(_coerce.first(d, "orderType", "origOrderType")),
        quantity=quantity, filled=filled, remaining=remaining,
        avg_price=_coerce.number(d.get("avgPrice")),
        price=_coerce.number(d.get("price")),
        aux_price=_coerce.number(_coerce.first(d, "auxPrice", "stop_price")),
        tif=_coerce.text(d.get("timeInForce")),
        order_ref=_coerce.text(d.get("order_ref")),
        description=_coerce.text(d.get("orderDesc")),
        last_execution_ms=_coerce.epoch_ms(d.get("lastExecutionTime_r"))
        or _yymmdd_ms(d.get("lastExecutionTime")),
        parent_id=_coerce.text(d.get("parentId")),
    )


def parse_order_status(d: Mapping[str, object]) -> OrderUpdate:
    """``/iserver/account/order/status/{id}`` (snake_case) -> OrderUpdate.

    Raises:
        ValueError: no readable ``order_id``.
    """
    return OrderUpdate(
        order_id=_required_order_id(d, "order_id", "orderId"),
        account=_coerce.text(d.get("account")),
        status=OrderStatus.parse(d.get("order_status")),
        conid=_positive_conid(d.get("conid")),
        symbol=_coerce.text(_coerce.first(d, "symbol", "contract_description_1")),
        side=_side_text(d.get("side")),
        order_type=_order_type_text(d.get("order_type")),
        quantity=_coerce.number(d.get("total_size")),
        filled=_coerce.number(d.get("cum_fill")),
        remaining=_coerce.number(d.get("size")),
        avg_price=_coerce.number(d.get("average_price")),
        price=_coerce.number(d.get("limit_price")),
        aux_price=_coerce.number(d.get("stop_price")),
        tif=_coerce.text(d.get("tif")),
        order_ref=_coerce.text(d.get("order_ref")),
        description=_coerce.text(d.get("order_description")),
        last_execution_ms=_yymmdd_ms(d.get("order_time")),
        parent_id=_coerce.text(d.get("parent_id")),
    )


def _trade_time_ms(d: Mapping[str, object]) -> int | None:
    """``trade_time_r`` (ms) or ``trade_time`` ("20231211-18:00:49", UTC)."""
    ms = _coerce.epoch_ms(d.get("trade_time_r"))
    raw = d.get("trade_time")
    if ms is None and isinstance(raw, str):
        try:
            parsed = datetime.strptime(raw.strip(), "%Y%m%d-%H:%M:%S").replace(tzinfo=UTC)
        except ValueError:
            return None
        ms = int(parsed.timestamp() * 1000)
    return ms


def parse_trade(d: Mapping[str, object]) -> Fill:
    """A ``/iserver/account/trades`` or ``str`` item -> Fill (conid str or int, side B/S).

    Raises:
        ValueError: execution id, conid, side, size, price or time is missing/unreadable.
    """
    execution_id = _coerce.text(d.get("execution_id"))
    conid = _coerce.integer(_coerce.first(d, "conid", "conidEx", "conidex"))
    side = _side_text(d.get("side"))
    size = _coerce.number(d.get("size"))
    price = _coerce.number(d.get("price"))
    time_ms = _trade_time_ms(d)
    if (execution_id is None or conid is None or side is None or size is None or price is None
            or time_ms is None):
        raise ValueError(f"unreadable trade: {dict(d)!r}"[:300])
    return Fill(
        execution_id=execution_id,
        account=_coerce.text(_coerce.first(d, "account", "accountCode")) or "",
        conid=conid,
        symbol=_coerce.text(_coerce.first(d, "symbol", "contract_description_1")) or "",
        side=side, size=size, price=price, time_ms=time_ms,
        commission=_coerce.number(d.get("commission")),
        order_ref=_coerce.text(d.get("order_ref")),
        exchange=_coerce.text(d.get("exchange")),
        net_amount=_coerce.number(d.get("net_amount")),
        description=_coerce.text(d.get("order_description")),
    )

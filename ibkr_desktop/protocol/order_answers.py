"""Parsing of the gateway's order answers: live orders, order status and trades.

The same item shapes arrive over REST (``/iserver/account/orders``, ``/trades``,
``/order/status``) and the WebSocket (``sor``, ``str``), so both the client's REST calls and
``frames`` use these functions (reference §5.4-5.9, §6.9-6.10, §11). Placement answers are
read in ``placement_answers``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from ibkr_desktop.protocol import _coerce
from ibkr_desktop.protocol.events import Fill, OrderUpdate
from ibkr_desktop.protocol.order_kinds import (
    STOP_PRICED_TYPES,
    UNPRICED_TYPES,
    OrderStatus,
    parse_order_type,
    parse_side,
)


def _side_text(value: object) -> str | None:
    """"BUY"/"SELL" from any IBKR spelling; other sides (EXER) upper-cased; None if absent."""
    side = parse_side(value)
    if side is not None:
        return str(side)
    return value.strip().upper() if isinstance(value, str) and value.strip() else None


def _order_type_text(value: object) -> str | None:
    order_type = parse_order_type(value)
    return str(order_type) if order_type else _coerce.text(value)


def _limit_and_stop(order_type: object, price: object, stop: object,
                    ) -> tuple[float | None, float | None]:
    """(limit, stop) read by order type (§11): a Stop's ``price`` is its stop (2026 recording;
    2024 has it in ``auxPrice``/``stop_price``); STOP_LIMIT has limit in ``price`` and stop in
    ``auxPrice``; a market order's ``price`` ("0.0") is no limit."""
    kind = parse_order_type(order_type)
    limit, trigger = _coerce.number(price), _coerce.number(stop)
    if kind in STOP_PRICED_TYPES:
        return None, trigger if trigger is not None else limit
    if kind in UNPRICED_TYPES:
        return None, trigger
    return limit, trigger


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

    ``quantity`` is ``totalSize``, else filled + remaining when both are present. ``price`` is
    the limit and ``aux_price`` the stop, read by order type (a ``sor`` update without
    ``orderType`` keeps ``price`` as sent; the orders model resolves it by the stored type).

    Raises:
        ValueError: no readable ``orderId``.
    """
    filled = _coerce.number(d.get("filledQuantity"))
    remaining = _coerce.number(d.get("remainingQuantity"))
    quantity = _coerce.number(d.get("totalSize"))
    if quantity is None and filled is not None and remaining is not None:
        quantity = filled + remaining
    raw_type = _coerce.first(d, "orderType", "origOrderType")
    limit, stop = _limit_and_stop(raw_type, d.get("price"),
                                  _coerce.first(d, "auxPrice", "stop_price"))
    return OrderUpdate(
        order_id=_required_order_id(d, "orderId", "order_id"),
        account=_coerce.text(_coerce.first(d, "acct", "account")),
        status=OrderStatus.parse(d.get("status")),
        conid=_positive_conid(d.get("conid")),
        symbol=_coerce.text(_coerce.first(d, "ticker", "description1")),
        side=_side_text(d.get("side")),
        order_type=_order_type_text(raw_type),
        quantity=quantity, filled=filled, remaining=remaining,
        avg_price=_coerce.number(d.get("avgPrice")),
        price=limit, aux_price=stop,
        tif=_coerce.text(d.get("timeInForce")),
        order_ref=_coerce.text(d.get("order_ref")),
        description=_coerce.text(d.get("orderDesc")),
        last_execution_ms=_coerce.epoch_ms(d.get("lastExecutionTime_r"))
        or _yymmdd_ms(d.get("lastExecutionTime")),
        parent_id=_coerce.text(d.get("parentId")),
    )


def parse_order_status(d: Mapping[str, object]) -> OrderUpdate:
    """``/iserver/account/order/status/{id}`` (snake_case) -> OrderUpdate.

    Both spellings are read (§5.5, §11): documented ``cum_fill``/``size`` (= remaining)/
    ``average_price``/``account``, and recorded ``filled_quantity``/``remaining_quantity``/
    ``avg_fill_price``/``order_clearing_account``, where ``size`` is the order's size.

    Raises:
        ValueError: no readable ``order_id``.
    """
    size = _coerce.number(d.get("size"))
    quantity = _coerce.number(d.get("total_size"))
    remaining = _coerce.number(d.get("remaining_quantity"))
    if remaining is None:
        remaining = size  # documented shape: "size" is what is left
    elif quantity is None:
        quantity = size  # recorded shape: "size" is the order's size
    raw_type = d.get("order_type")
    limit, stop = _limit_and_stop(raw_type, _coerce.first(d, "limit_price", "price"),
                                  d.get("stop_price"))
    return OrderUpdate(
        order_id=_required_order_id(d, "order_id", "orderId"),
        account=_coerce.text(_coerce.first(d, "account", "order_clearing_account")),
        status=OrderStatus.parse(d.get("order_status")),
        conid=_positive_conid(d.get("conid")),
        symbol=_coerce.text(_coerce.first(d, "symbol", "contract_description_1")),
        side=_side_text(d.get("side")),
        order_type=_order_type_text(raw_type),
        quantity=quantity,
        filled=_coerce.number(_coerce.first(d, "cum_fill", "filled_quantity")),
        remaining=remaining,
        avg_price=_coerce.number(_coerce.first(d, "average_price", "avg_fill_price")),
        price=limit, aux_price=stop,
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
    """A ``/iserver/account/trades`` or ``str`` item -> Fill (conid str or int, side B/S/BOT).

    Every other field is optional (§11): an execution without ``trade_time``/``trade_time_r``
    is still a fill (``time_ms`` None).

    Raises:
        ValueError: execution id, conid, side, size or price is missing/unreadable.
    """
    execution_id = _coerce.text(d.get("execution_id"))
    conid = _coerce.integer(_coerce.first(d, "conid", "conidEx", "conidex"))
    side = _side_text(d.get("side"))
    size = _coerce.number(d.get("size"))
    price = _coerce.number(d.get("price"))
    if execution_id is None or conid is None or side is None or size is None or price is None:
        named = (("execution_id", execution_id), ("conid", conid), ("side", side),
                 ("size", size), ("price", price))
        missing = ", ".join(name for name, value in named if value is None)
        raise ValueError(f"no readable {missing} in {dict(d)!r}"[:300])
    return Fill(
        execution_id=execution_id,
        account=_coerce.text(_coerce.first(d, "account", "accountCode")) or "",
        conid=conid,
        symbol=_coerce.text(_coerce.first(d, "symbol", "contract_description_1")) or "",
        side=side, size=size, price=price, time_ms=_trade_time_ms(d),
        commission=_coerce.number(d.get("commission")),
        order_ref=_coerce.text(d.get("order_ref")),
        exchange=_coerce.text(d.get("exchange")),
        net_amount=_coerce.number(d.get("net_amount")),
        description=_coerce.text(d.get("order_description")),
    )

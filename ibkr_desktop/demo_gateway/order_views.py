"""IBKR-shaped JSON for orders and executions: ``sor``/live orders, order status, trades.

Pure rendering of :class:`~.orders.Order` and :class:`~.orders.Execution` records into the
dictionaries of reference §5.4 (live orders, identical to ``sor`` items §6.9), §5.5 (order
status, snake_case) and §5.9/§6.10 (trades). Each shape is built in exactly one place.
"""

from __future__ import annotations

import time
from typing import Any

from ibkr_desktop.protocol.fields import format_price

from .order_request import ON_CLOSE_TYPES
from .orders import FILLED, Contract, Execution, Order

_TYPE_NAMES = {
    "MKT": ("Market", "MARKET"),
    "LMT": ("Limit", "LIMIT"),
    "STP": ("Stop", "STOP"),
    "STOP_LIMIT": ("Stop Limit", "STOP_LIMIT"),
    "TRAIL": ("Trail", "TRAIL"),
    "TRAILLMT": ("Trail Limit", "TRAILLMT"),
    "MIDPRICE": ("MidPrice", "MIDPRICE"),
    "MOC": ("MARKETONCLOSE", "MARKETONCLOSE"),
    "LOC": ("LIMITONCLOSE", "LIMITONCLOSE"),
}
STOP_PRICED = frozenset({"STP", "TRAIL"})
"""Types whose live-order ``price`` is the stop (2026 recording, §11); no ``auxPrice``."""
_STATUS_DESCRIPTIONS = {"PreSubmitted": "Order Presubmitted", "Submitted": "Order Submitted",
                        "Filled": "Order Filled", "Cancelled": "Order Cancelled",
                        "Inactive": "Order Inactive", "PendingSubmit": "Order Pending Submit"}


def _qty(value: float) -> str:
    """``100`` for whole shares, ``0.5`` for fractions."""
    return f"{value:g}"


def _clock_text(ms: int, pattern: str) -> str:
    return time.strftime(pattern, time.gmtime(ms / 1000))


def _time_in_force(order: Order) -> str:
    """``CLOSE`` for on-close orders (as IBKR lists them), else the ticket's TIF."""
    return "CLOSE" if order.order_type in ON_CLOSE_TYPES else order.tif


def order_description(order: Order, symbol: str) -> str:
    """``Sell 1 SPY Stop 0.50, GTC`` / ``Sold 5 AAPL Market, DAY`` (past tense once filled)."""
    done = order.status == FILLED
    verb = ("Bought" if done else "Buy") if order.side == "BUY" else ("Sold" if done else "Sell")
    words = _TYPE_NAMES.get(order.order_type, (order.order_type, order.order_type))[0]
    prices = [format_price(p) for p in (order.limit_price, order.stop_price) if p is not None]
    detail = f" {' '.join(prices)}" if prices else ""
    return f"{verb} {_qty(order.quantity)} {symbol} {words}{detail}, {_time_in_force(order)}"


def _price_fields(order: Order, stream: bool) -> dict[str, Any]:
    """``price``/``auxPrice`` as IBKR lists them (§5.4, §6.9, §11).

    STP and TRAIL: the stop in ``price`` and no ``auxPrice``; STOP_LIMIT and TRAILLMT: the limit
    in ``price`` and the stop in ``auxPrice``; others: the limit in ``price``. REST lists prices
    as text (``"0.50"``, ``""`` without one, as recorded); ``sor`` items as numbers (§6.9).
    """
    def shown(value: float | None) -> float | str | None:
        if stream:
            return value
        return format_price(value) if value is not None else ""

    if order.order_type in STOP_PRICED:
        fields = {"price": shown(order.stop_price)}
    else:
        fields = {"price": shown(order.limit_price)}
        if order.stop_price is not None:
            fields["auxPrice"] = shown(order.stop_price)
    return {key: value for key, value in fields.items() if value is not None}


def live_order(order: Order, contract: Contract, stream: bool = False) -> dict[str, Any]:
    """One ``/iserver/account/orders`` item, or with ``stream`` the full ``sor`` item.

    The two differ only in how prices are written (§5.4 text, §6.9 numbers).
    """
    avg = order.avg_price
    item: dict[str, Any] = {
        "acct": order.account, "account": order.account, "conidex": str(order.conid),
        "conid": order.conid, "orderId": order.order_id, "cashCcy": "USD",
        "sizeAndFills": (_qty(order.filled) if order.status == FILLED
                         else f"{_qty(order.filled)}/{_qty(order.quantity)}"),
        "orderDesc": order_description(order, contract.symbol), "description1": contract.symbol,
        "ticker": contract.symbol, "secType": contract.sec_type,
        "listingExchange": contract.exchange, "remainingQuantity": order.remaining,
        "filledQuantity": order.filled, "totalSize": order.quantity,
        "companyName": contract.name, "status": str(order.status),
        "order_ccp_status": str(order.status),
        "avgPrice": format_price(avg) if avg is not None else "",
        "origOrderType": _TYPE_NAMES.get(order.order_type, ("", order.order_type))[1],
        "supportsTaxOpt": "1",
        "lastExecutionTime": _clock_text(order.last_exec_ms or order.created_ms, "%y%m%d%H%M%S"),
        "lastExecutionTime_r": order.last_exec_ms or order.created_ms,
        "orderType": _TYPE_NAMES.get(order.order_type, (order.order_type, ""))[0],
        "bgColor": "#000000", "fgColor": "#00F000" if order.side == "BUY" else "#F00000",
        "timeInForce": _time_in_force(order), "side": order.side,
        "outsideRTH": order.outside_rth, "isEventTrading": "0",
        **_price_fields(order, stream),
    }
    if order.trailing_amount is not None:
        item["trailingAmount"] = order.trailing_amount
        item["trailingType"] = order.trailing_type or "amt"
    if order.coid:
        item["order_ref"] = order.coid
    if order.parent_id is not None:
        item["parentId"] = order.parent_id
    return item


def order_status(order: Order, contract: Contract) -> dict[str, Any]:
    """``/iserver/account/order/status/{id}`` (§5.5) with the spellings IBKR was recorded with.

    §11: ``size`` is the order's size, fills are ``filled_quantity``/``remaining_quantity``,
    the average is ``avg_fill_price``; sizes are strings, side ``B``/``S``.
    """
    avg = order.avg_price
    status = str(order.status)
    type_word = _TYPE_NAMES.get(order.order_type, ("", order.order_type))[1]
    described = order_description(order, contract.symbol)
    result: dict[str, Any] = {
        "sub_type": None, "request_id": str(order.order_id % 1000), "server_id": "0",
        "order_id": order.order_id, "conidex": str(order.conid), "conid": order.conid,
        "symbol": contract.symbol, "side": "B" if order.side == "BUY" else "S",
        "contract_description_1": contract.symbol, "listing_exchange": contract.exchange,
        "option_acct": "c", "company_name": contract.name, "size": str(order.quantity),
        "total_size": str(order.quantity), "filled_quantity": str(order.filled),
        "remaining_quantity": str(order.remaining), "currency": "USD",
        "account": order.account, "order_type": type_word, "order_status": status,
        "order_ccp_status": status,
        "order_status_description": _STATUS_DESCRIPTIONS.get(status, status),
        "tif": _time_in_force(order), "fg_color": "#FFFFFF", "bg_color": "#000000",
        "order_not_editable": not order.active, "editable_fields": "\u001e",
        "cannot_cancel_order": not order.active, "deactivate_order": False,
        "outside_rth": order.outside_rth, "all_or_none": False, "use_price_mgmt_algo": False,
        "sec_type": contract.sec_type, "available_chart_periods": "#R|1",
        "order_description": _without_contract(described, contract.symbol),
        "order_description_with_contract": described,
        "alert_active": 1, "child_order_type": "0", "order_clearing_account": order.account,
        "size_and_fills": _qty(order.filled), "allowed_duplicate_opposite": True,
        "order_time": _clock_text(order.created_ms, "%y%m%d%H%M%S"),
        "clearing_id": "IB", "clearing_name": "IB",
    }
    if avg is not None:
        result["avg_fill_price"] = format_price(avg)
        verb = "Bought" if order.side == "BUY" else "Sold"
        result["exit_strategy_chart_description"] = (
            f"{verb} {_qty(order.filled)} @ {format_price(avg)}")
    main_price = order.stop_price if order.order_type in STOP_PRICED else order.limit_price
    result["price"] = format_price(main_price) if main_price is not None else "0.0"
    if order.limit_price is not None:
        result["limit_price"] = format_price(order.limit_price)
    if order.stop_price is not None:
        result["stop_price"] = format_price(order.stop_price)
    if order.coid:
        result["order_ref"] = order.coid
    return result


def _without_contract(description: str, symbol: str) -> str:
    """``Sold 5 AAPL Market, DAY`` -> ``Sold 5 Market, DAY`` (the status's short description)."""
    return description.replace(f" {symbol} ", " ", 1)


def trade(execution: Execution, contract: Contract, submitter: str,
          stream: bool = False) -> dict[str, Any]:
    """One ``/iserver/account/trades`` item, or with ``stream`` a ``str`` item (§5.9, §6.10).

    They differ in ``conid``: a number in REST trades, text in ``str`` items (§6.10).
    """
    verb = "Bot" if execution.side == "BUY" else "Sold"
    price = format_price(execution.price)
    return {
        "execution_id": execution.execution_id, "symbol": contract.symbol,
        "supports_tax_opt": "1", "side": "B" if execution.side == "BUY" else "S",
        "order_description": f"{verb} {_qty(execution.size)} @ {price} on {execution.exchange}",
        "trade_time": _clock_text(execution.time_ms, "%Y%m%d-%H:%M:%S"),
        "trade_time_r": execution.time_ms, "size": execution.size, "price": price,
        "order_ref": execution.order_ref, "submitter": submitter, "exchange": execution.exchange,
        "commission": f"{execution.commission:.2f}",
        "net_amount": round(execution.size * execution.price, 2),
        "account": execution.account, "accountCode": execution.account,
        "account_allocation_name": execution.account, "company_name": contract.name,
        "contract_description_1": contract.symbol, "sec_type": contract.sec_type,
        "listing_exchange": contract.exchange,
        "conid": str(execution.conid) if stream else execution.conid,
        "conidEx": str(execution.conid), "clearing_id": "IB", "clearing_name": "IB",
        "liquidation_trade": "0", "is_event_trading": "0",
    }

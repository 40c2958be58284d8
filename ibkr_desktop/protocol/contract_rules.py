"""A contract's trading rules, read from ``POST /iserver/contract/rules`` (reference §3.3).

IBKR answers, per contract and side, the order types it accepts (lower-case words such as
``"stop_limit"``), which of them may work outside regular trading hours, which time-in-force
goes with which order type (``"OPG/LIMIT,MARKET,a"``; ``o`` = every type), the default size,
the size increment, whether fractional sizes are allowed (``fraqTypes``) and the price
increments by price band (``incrementRules``). The order ticket builds its choices from
:class:`ContractRules` and ``ticket_checks`` checks a ticket against it. Words IBKR uses that
the app has no order type for (``mit``, ``lit``, ``relative``) are ignored.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from ibkr_desktop.protocol import _coerce
from ibkr_desktop.protocol.order_kinds import OrderType, TimeInForce, parse_tif

_TYPE_WORDS: dict[str, OrderType] = {
    "limit": OrderType.LMT, "market": OrderType.MKT, "stop": OrderType.STP,
    "stop_limit": OrderType.STOP_LIMIT, "trailing_stop": OrderType.TRAIL,
    "trailing_stop_limit": OrderType.TRAILLMT, "midprice": OrderType.MIDPRICE,
    "marketonclose": OrderType.MOC, "limitonclose": OrderType.LOC,
}
_EPSILON = 1e-9


@dataclass(frozen=True, slots=True)
class IncrementRule:
    """Prices at or above ``lower_edge`` move in steps of ``increment``."""

    lower_edge: float
    increment: float


@dataclass(frozen=True, slots=True)
class ContractRules:
    """What IBKR allows for one contract and side.

    ``tif_types`` maps each time in force to the order types it may go with (None = any);
    ``increments`` are sorted by ``lower_edge``. ``fractional_types`` is empty when only whole
    shares may be traded.
    """

    conid: int
    order_types: tuple[OrderType, ...]
    outside_rth_types: frozenset[OrderType] = frozenset()
    tif_types: Mapping[TimeInForce, frozenset[OrderType] | None] = field(default_factory=dict)
    default_tif: TimeInForce = TimeInForce.DAY
    default_size: float = 100.0
    size_increment: float = 1.0
    fractional_types: frozenset[OrderType] = frozenset()
    increments: tuple[IncrementRule, ...] = (IncrementRule(0.0, 0.01),)
    limit_price: float | None = None
    stop_price: float | None = None
    accounts: tuple[str, ...] = ()

    def increment_at(self, price: float) -> float:
        """The price step that applies at ``price`` (the band whose lower edge it reaches)."""
        step = self.increments[0].increment if self.increments else 0.01
        for rule in self.increments:
            if abs(price) + _EPSILON >= rule.lower_edge:
                step = rule.increment
        return step

    def digits_at(self, price: float) -> int:
        """Decimals needed to write prices near ``price`` (0.01 -> 2, 0.0001 -> 4, 0.25 -> 2)."""
        text = f"{self.increment_at(price):.10f}".rstrip("0")
        return max(2, len(text.split(".")[1]) if "." in text else 0)

    def on_increment(self, price: float) -> bool:
        """True when ``price`` is a whole number of steps (within float noise)."""
        step = self.increment_at(price)
        steps = price / step
        return math.isclose(steps, round(steps), rel_tol=0.0, abs_tol=1e-6)

    def snap(self, price: float) -> float:
        """``price`` rounded to the nearest allowed step."""
        step = self.increment_at(price)
        return round(round(price / step) * step, self.digits_at(price))

    def tifs_for(self, order_type: OrderType) -> tuple[TimeInForce, ...]:
        """The time-in-force choices for ``order_type`` (every one when IBKR listed none)."""
        if not self.tif_types:
            return tuple(TimeInForce)
        return tuple(tif for tif, types in self.tif_types.items()
                     if types is None or order_type in types)


def parse_contract_rules(body: object, conid: int) -> ContractRules | None:
    """Read a ``/iserver/contract/rules`` answer (or the ``rules`` of ``info-and-rules``).

    Returns None when ``body`` is not an object or names no order type the app knows.
    Example: ``{"orderTypes": ["limit", "market"], "increment": 0.01, "defaultSize": 100}``.
    """
    if not isinstance(body, Mapping):
        return None
    inner = body.get("rules")
    if isinstance(inner, Mapping):
        body = inner
    types = tuple(dict.fromkeys(_types(body.get("orderTypes"))))
    if not types:
        return None
    increments = sorted(
        (IncrementRule(edge, step) for item in _coerce.records(body.get("incrementRules"))
         if (edge := _coerce.number(item.get("lowerEdge"))) is not None
         and (step := _coerce.number(item.get("increment"))) is not None and step > 0),
        key=lambda rule: rule.lower_edge)
    if not increments:
        step = _coerce.number(body.get("increment"))
        increments = [IncrementRule(0.0, step if step and step > 0 else 0.01)]
    defaults = body.get("tifDefaults")
    default_tif = parse_tif(body.get("defaultTIF") or (
        defaults.get("TIF") if isinstance(defaults, Mapping) else None)) or TimeInForce.DAY
    size_step = _coerce.number(body.get("sizeIncrement"))
    accounts = body.get("canTradeAcctIds")
    return ContractRules(
        conid=conid, order_types=types,
        outside_rth_types=frozenset(_types(body.get("orderTypesOutside"))),
        tif_types=_tif_types(body.get("tifTypes")), default_tif=default_tif,
        default_size=_coerce.number(body.get("defaultSize")) or 100.0,
        size_increment=size_step if size_step and size_step > 0 else 1.0,
        fractional_types=frozenset(_types(body.get("fraqTypes"))),
        increments=tuple(increments),
        limit_price=_coerce.number(body.get("limitPrice")),
        stop_price=_coerce.number(body.get("stopprice")),
        accounts=tuple(str(a) for a in accounts) if isinstance(accounts, list) else (),
    )


def _types(raw: object) -> list[OrderType]:
    words = raw if isinstance(raw, list) else []
    return [_TYPE_WORDS[word.lower()] for word in words
            if isinstance(word, str) and word.lower() in _TYPE_WORDS]


def _tif_types(raw: object) -> dict[TimeInForce, frozenset[OrderType] | None]:
    """``["IOC/MARKET,LIMIT/o,a", "GTC/o,a"]`` -> ``{IOC: {MKT, LMT}, GTC: None}``."""
    answer: dict[TimeInForce, frozenset[OrderType] | None] = {}
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, str) or "/" not in item:
            continue
        name, _, rest = item.partition("/")
        tif = parse_tif(name)
        if tif is None:
            continue
        words = {w.strip().lower() for part in rest.split("/") for w in part.split(",")}
        answer[tif] = None if "o" in words else frozenset(_types(sorted(words)))
    return answer

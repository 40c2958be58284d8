"""Local precautionary limits: checks a ticket against the user's own caps before sending.

IBKR has its own precautionary settings (they arrive as questions); these are the app's, kept
in settings separately for paper and live. :func:`check` is pure: the caller passes the market
and the times of recent orders, and the clock's ``now``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from enum import StrEnum

from ibkr_desktop.protocol.order_kinds import OrderType, Side
from ibkr_desktop.protocol.orders import OrderTicket


class OnBreach(StrEnum):
    """What a breach does: ask for an explicit override, or block the order."""

    ASK = "ask"
    BLOCK = "block"


@dataclass(frozen=True, slots=True)
class Limits:
    """The user's caps; None = no cap.

    Attributes:
        max_quantity: shares (contracts) per order.
        max_notional: quantity x price per order, in the contract's currency.
        max_away_pct: how far (percent) a limit or stop price may be from the market.
        max_orders_per_minute: orders sent in any 60 s window, this one included.
        on_breach: ask for an override or block.
    """

    max_quantity: float | None = None
    max_notional: float | None = None
    max_away_pct: float | None = None
    max_orders_per_minute: int | None = None
    on_breach: OnBreach = OnBreach.ASK

    def to_json(self) -> dict[str, object]:
        """The settings form: caps by attribute name (None = no cap), ``on_breach`` a word."""
        return {f.name: getattr(self, f.name) for f in fields(self)} | {
            "on_breach": str(self.on_breach)}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Limits:
        """Read the settings form; a missing, non-numeric, non-positive or non-finite cap is
        no cap, an unknown ``on_breach`` is "ask" (settings are never trusted blindly)."""
        def cap(name: str) -> float | None:
            value = data.get(name)
            ok = (isinstance(value, int | float) and not isinstance(value, bool)
                  and math.isfinite(value) and value > 0)
            return float(value) if ok else None  # type: ignore[arg-type]

        per_minute = cap("max_orders_per_minute")
        try:
            on_breach = OnBreach(str(data.get("on_breach", "ask")))
        except ValueError:
            on_breach = OnBreach.ASK
        return cls(cap("max_quantity"), cap("max_notional"), cap("max_away_pct"),
                   int(per_minute) if per_minute is not None else None, on_breach)


NO_LIMITS = Limits()


@dataclass(frozen=True, slots=True)
class Market:
    """The market a ticket is judged against (prices in the contract's currency; None = not
    known)."""

    bid: float | None = None
    ask: float | None = None
    last: float | None = None

    def reference(self, side: Side) -> float | None:
        """The price the order would meet: the ask for a buy, the bid for a sell, else last."""
        near = self.ask if side is Side.BUY else self.bid
        return near if near is not None and near > 0 else self.last


@dataclass(frozen=True, slots=True)
class Breach:
    """One limit the ticket breaks; ``limit`` is the Limits attribute, ``message`` plain words."""

    limit: str
    message: str


_PRICED = {OrderType.LMT, OrderType.STP, OrderType.STOP_LIMIT, OrderType.LOC,
           OrderType.TRAILLMT, OrderType.MIDPRICE}


def _fmt(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"


def check(ticket: OrderTicket, market: Market | None, limits: Limits,
          recent_orders_ms: Sequence[int], now_ms: int) -> list[Breach]:
    """Every limit ``ticket`` breaks (empty = within limits).

    Args:
        ticket: the order about to be sent.
        market: bid/ask/last of its contract, or None when unknown (then only the quantity and
            order-rate caps, and the notional at the ticket's own price, are checked).
        limits: the caps of the current mode (paper or live).
        recent_orders_ms: epoch ms of orders already sent (any order; older ones are ignored).
        now_ms: epoch ms now, by the same clock.
    """
    breaches: list[Breach] = []
    quantity = abs(float(ticket.quantity))
    if limits.max_quantity is not None and quantity > limits.max_quantity:
        breaches.append(Breach("max_quantity", f"quantity {_fmt(quantity)} is above your "
                               f"limit of {_fmt(limits.max_quantity)}"))
    reference = market.reference(ticket.side) if market else None
    own = ticket.price if ticket.order_type in _PRICED else None
    price = own if own is not None else reference
    if limits.max_notional is not None and price is not None:
        notional = quantity * price
        if notional > limits.max_notional:
            breaches.append(Breach("max_notional", f"order value {_fmt(notional)} is above "
                                   f"your limit of {_fmt(limits.max_notional)}"))
    if limits.max_away_pct is not None and reference and own is not None:
        away = abs(own - reference) / reference * 100
        if away > limits.max_away_pct:
            breaches.append(Breach("max_away_pct", f"price {_fmt(own)} is {away:.1f}% from "
                                   f"the market ({_fmt(reference)}), above your limit of "
                                   f"{_fmt(limits.max_away_pct)}%"))
    if limits.max_orders_per_minute is not None:
        in_window = sum(1 for t in recent_orders_ms if now_ms - 60_000 < t <= now_ms)
        if in_window + 1 > limits.max_orders_per_minute:
            breaches.append(Breach("max_orders_per_minute", f"this would be order "
                                   f"{in_window + 1} within a minute, above your limit of "
                                   f"{limits.max_orders_per_minute}"))
    return breaches

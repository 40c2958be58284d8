"""Deterministic stand-ins for the brokerage tests: a scripted market and a manual clock.

The brokerage only reads quotes, ``has_data`` and ``is_rth`` from the market; these fakes let
the tests move prices tick by tick with fixed book sizes and switch regular hours on and off.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from typing import Any

from ibkr_desktop.demo_gateway.brokerage import Brokerage
from ibkr_desktop.demo_gateway.orders import Order
from ibkr_desktop.demo_gateway.universe import Universe

AAPL = 265598
MSFT = 272093
SPY = 756733


@dataclass(frozen=True, slots=True)
class FakeQuote:
    """Same attributes as the simulator's MarketQuote."""

    bid: float | None
    ask: float | None
    last: float | None
    bid_size: float | None = 300.0
    ask_size: float | None = 300.0
    last_size: float | None = 100.0
    volume: float | None = 1_000_000.0
    open: float | None = None
    high: float | None = None
    low: float | None = None
    prior_close: float | None = None
    tick_size: float = 0.01
    updated_ms: int = 0


class FakeMarket:
    """A market whose quotes only change when a test says so."""

    def __init__(self, clock: FakeClock, rth: bool = True) -> None:
        self.quotes: dict[int, FakeQuote] = {}
        self.rth = rth
        self._clock = clock

    def set_price(self, conid: int, price: float, size: float = 300.0) -> None:
        """Trade at ``price`` with a one-cent-wide book of ``size`` shares each side."""
        previous = self.quotes.get(conid)
        prior = previous.prior_close if previous else price
        self.quotes[conid] = FakeQuote(
            bid=round(price - 0.01, 2), ask=round(price + 0.01, 2), last=price,
            bid_size=size, ask_size=size, prior_close=prior, updated_ms=self._clock())

    def set_sizes(self, conid: int, size: float) -> None:
        """Change the displayed size at the touch."""
        self.quotes[conid] = replace(self.quotes[conid], bid_size=size, ask_size=size)

    def quote(self, conid: int) -> FakeQuote:
        return self.quotes[conid]

    def has_data(self, conid: int) -> bool:
        return conid in self.quotes

    def is_rth(self, now_ms: int) -> bool:
        return self.rth


class FakeClock:
    """Epoch milliseconds that advance only when told."""

    def __init__(self, start_ms: int = 1_717_000_000_000) -> None:
        self.ms = start_ms

    def __call__(self) -> int:
        return self.ms

    def advance(self, ms: int) -> None:
        self.ms += ms


ACCOUNT = "DU1234567"


@dataclass
class Desk:
    """A brokerage wired to a fake market and clock, recording every published payload."""

    brokerage: Brokerage
    market: FakeMarket
    clock: FakeClock
    events: list[tuple[str, Any]]

    def tick(self, conid: int, price: float, size: float = 300.0) -> None:
        """Move the market and let the brokerage match, as the simulator's tick does."""
        self.clock.advance(250)
        self.market.set_price(conid, price, size)
        self.brokerage.on_market([conid])

    def place(self, *tickets: dict[str, Any], account: str = ACCOUNT) -> list[dict[str, Any]]:
        """Place ``tickets`` and confirm every question; return the accepted items."""
        answer = self.brokerage.desk.place(account, {"orders": list(tickets)})
        while answer and "id" in answer[0]:
            answer = self.brokerage.desk.reply(answer[0]["id"], True)
        return answer

    def order(self, order_id: str | int) -> Order:
        """The order record behind an accepted ``order_id``."""
        order = self.brokerage.book.get(int(order_id))
        assert order is not None
        return order

    def published(self, topic: str) -> list[Any]:
        """Every payload published on ``topic`` so far (flattened for list topics)."""
        found: list[Any] = []
        for name, payload in self.events:
            if name == topic:
                found.extend(payload if isinstance(payload, list) else [payload])
        return found


def make_desk(prices: dict[int, float] | None = None, rth: bool = True) -> Desk:
    """A fresh brokerage with $1,000,000 and the given last prices (AAPL 100, MSFT 400)."""
    clock = FakeClock()
    market = FakeMarket(clock, rth=rth)
    for conid, price in (prices or {AAPL: 100.0, MSFT: 400.0}).items():
        market.set_price(conid, price)
    brokerage = Brokerage(market, Universe(), clock=clock, rng=random.Random(7))
    events: list[tuple[str, Any]] = []
    brokerage.add_listener(lambda topic, payload: events.append((topic, payload)))
    return Desk(brokerage, market, clock, events)


def ticket(side: str, quantity: float, order_type: str = "MKT", **extra: Any) -> dict[str, Any]:
    """An IBKR order ticket for AAPL unless ``conid`` is given."""
    body: dict[str, Any] = {"conid": AAPL, "side": side, "quantity": quantity,
                            "orderType": order_type, "tif": "DAY"}
    body.update(extra)
    return body

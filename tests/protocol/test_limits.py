"""Local precautionary limits: each cap, its edge, its plain words, and the settings form."""

from __future__ import annotations

import pytest

from ibkr_desktop.protocol.limits import Limits, Market, OnBreach, check
from ibkr_desktop.protocol.orders import OrderTicket, OrderType, Side

NOW = 1_700_000_000_000
MARKET = Market(bid=99.0, ask=100.0, last=99.5)


def _ticket(quantity: float = 10, order_type: OrderType = OrderType.LMT,
            price: float | None = 100.0, side: Side = Side.BUY) -> OrderTicket:
    return OrderTicket(conid=1, side=side, quantity=quantity, order_type=order_type,
                       price=price)


def _limits(**caps: object) -> Limits:
    return Limits.from_json(caps)


def test_no_limits_no_breach() -> None:
    assert check(_ticket(10**6), MARKET, Limits(), [NOW] * 100, NOW) == []


@pytest.mark.parametrize(("quantity", "breached"), [(100, False), (101, True)])
def test_max_quantity(quantity: float, breached: bool) -> None:
    breaches = check(_ticket(quantity), MARKET, _limits(max_quantity=100), [], NOW)
    assert [b.limit for b in breaches] == (["max_quantity"] if breached else [])
    if breached:
        assert breaches[0].message == "quantity 101 is above your limit of 100"


def test_max_notional_uses_the_limit_price_or_the_market_for_a_market_order() -> None:
    limits = _limits(max_notional=1000)
    assert check(_ticket(10, price=100.0), MARKET, limits, [], NOW) == []
    [breach] = check(_ticket(11, price=100.0), MARKET, limits, [], NOW)
    assert breach.message == "order value 1,100 is above your limit of 1,000"
    market_sell = _ticket(11, OrderType.MKT, None, Side.SELL)  # meets the bid: 11 x 99
    [breach] = check(market_sell, MARKET, limits, [], NOW)
    assert breach.limit == "max_notional" and "1,089" in breach.message
    assert check(market_sell, None, limits, [], NOW) == []  # no price known: cannot judge


def test_max_away_from_the_market() -> None:
    limits = _limits(max_away_pct=5)
    assert check(_ticket(price=95.0), MARKET, limits, [], NOW) == []  # 5.0 % from the ask
    [breach] = check(_ticket(price=94.0), MARKET, limits, [], NOW)
    assert breach.message == ("price 94 is 6.0% from the market (100), above your limit "
                              "of 5%")
    assert check(_ticket(order_type=OrderType.MKT, price=None), MARKET, limits, [], NOW) == []


def test_orders_per_minute_count_a_sliding_window() -> None:
    limits = _limits(max_orders_per_minute=2)
    assert check(_ticket(), MARKET, limits, [NOW - 60_000, NOW - 1000], NOW) == []
    [breach] = check(_ticket(), MARKET, limits, [NOW - 59_999, NOW - 1000], NOW)
    assert breach.message == "this would be order 3 within a minute, above your limit of 2"


def test_settings_form_round_trips_and_distrusts_garbage() -> None:
    limits = Limits(max_quantity=5, max_notional=None, max_away_pct=2.5,
                    max_orders_per_minute=3, on_breach=OnBreach.BLOCK)
    assert Limits.from_json(limits.to_json()) == limits
    assert Limits.from_json({"max_quantity": "lots", "max_notional": -1,
                             "max_away_pct": float("nan"), "max_orders_per_minute": True,
                             "on_breach": "explode"}) == Limits()

"""Market hours: ``us`` (IBKR's US regular hours: a market order at night waits PreSubmitted)
and ``always`` (the app's demo: it fills at any hour), over HTTP like any client."""

from __future__ import annotations

from typing import Any

import pytest

from ibkr_desktop.demo_gateway.cli import parse_args
from ibkr_desktop.demo_gateway.market import MarketSimulator
from ibkr_desktop.demo_gateway.universe import Universe
from tests.demo_gateway.conftest import Api, GatewayFactory
from tests.demo_gateway.test_persistence import market_buy

SATURDAY_3_ET = 1749279600000
"""2025-06-07 03:00 US/Eastern: a Saturday night, the US market is closed."""
AAPL = 265598


async def _market_order(api: Api) -> dict[str, Any]:
    """Place a market buy, confirm every question, return the order as live orders list it."""
    await api.ready()
    order_id = await market_buy(api, 1, "night-order")
    await api.get("/iserver/account/orders")  # primes (§5.4)
    _, listed = await api.get("/iserver/account/orders")
    return next(o for o in listed["orders"] if o["orderId"] == order_id)


@pytest.mark.parametrize(("hours", "status"), [("us", "PreSubmitted"), ("always", "Filled")])
async def test_a_market_order_at_night(make_gateway: GatewayFactory, http: Any, hours: str,
                                       status: str) -> None:
    gateway = await make_gateway(start_ms=SATURDAY_3_ET, market_hours=hours)
    order = await _market_order(Api(http, gateway))
    assert order["status"] == status and order["order_ref"] == "night-order"


def test_market_hours_are_checked() -> None:
    universe = Universe()
    assert MarketSimulator(universe, start_ms=SATURDAY_3_ET, hours="always").is_rth()
    assert not MarketSimulator(universe, start_ms=SATURDAY_3_ET, hours="us").is_rth()
    with pytest.raises(ValueError, match="market hours"):
        MarketSimulator(universe, hours="weekdays")


def test_cli_market_hours_default_to_us() -> None:
    assert parse_args([]).market_hours == "us"
    assert parse_args(["--market-hours", "always"]).market_hours == "always"
    with pytest.raises(SystemExit):
        parse_args(["--market-hours", "never"])

"""Contract rules (IBKR's documented answer) and the ticket checks built on them: pure, no I/O."""

from __future__ import annotations

import pytest

from ibkr_desktop.protocol.contract_rules import ContractRules, IncrementRule, parse_contract_rules
from ibkr_desktop.protocol.limits import Market
from ibkr_desktop.protocol.order_kinds import OrderType, Side, TimeInForce
from ibkr_desktop.protocol.ticket_checks import check_form
from ibkr_desktop.protocol.ticket_form import TicketForm, describe, read_form, working_order

# The example answer of POST /iserver/contract/rules in IBKR's OpenAPI document.
OPENAPI_RULES = {
    "algoEligible": True, "allOrNoneEligible": True, "costReport": False,
    "canTradeAcctIds": ["U1234567", "U1234568"], "error": None,
    "orderTypes": ["limit", "midprice", "market", "stop", "stop_limit", "mit", "lit",
                   "trailing_stop", "trailing_stop_limit", "relative", "marketonclose",
                   "limitonclose"],
    "fraqTypes": ["limit", "market", "stop", "stop_limit", "mit", "lit", "trailing_stop",
                  "trailing_stop_limit"],
    "orderDefaults": {"LMT": {"LP": "198.22"}},
    "orderTypesOutside": ["limit", "stop_limit", "lit", "trailing_stop_limit", "relative"],
    "defaultSize": 100, "cashSize": 0.0, "sizeIncrement": 100,
    "tifTypes": ["IOC/MARKET,LIMIT,RELATIVE,MARKETONCLOSE,MIDPRICE,LIMITONCLOSE,MKT_PROTECT,"
                 "STPPRT,a", "GTC/o,a", "OPG/LIMIT,MARKET,a", "GTD/o,a", "DAY/o,a"],
    "tifDefaults": {"TIF": "DAY", "DEFAULT_ACCT": "U1234567", "SIZE": "100.00", "PMALGO": True},
    "limitPrice": 198.22, "stopprice": 198.22, "preview": True, "fraqInt": 4,
    "incrementType": 1, "incrementRules": [{"lowerEdge": 0.0, "increment": 0.01}],
    "hasSecondary": True, "increment": 0.01, "incrementDigits": 2,
}

STOCK = ContractRules(
    conid=265598, order_types=(OrderType.LMT, OrderType.MKT, OrderType.STP,
                               OrderType.STOP_LIMIT, OrderType.TRAIL, OrderType.MOC),
    outside_rth_types=frozenset({OrderType.LMT}),
    increments=(IncrementRule(0.0, 0.0001), IncrementRule(1.0, 0.01)))
QUOTE = Market(bid=184.95, ask=185.05, last=185.0)


def form(**changes: object) -> TicketForm:
    """A valid AAPL buy-limit form, changed as the test says."""
    values: dict[str, object] = {"conid": 265598, "symbol": "AAPL", "side": Side.BUY,
                                 "order_type": OrderType.LMT, "quantity": "100",
                                 "limit": "185.00"}
    values.update(changes)
    return TicketForm(**values)  # type: ignore[arg-type]


def problems(f: TicketForm, rules: ContractRules | None = STOCK,
             market: Market | None = QUOTE) -> dict[str, str]:
    return {p.field: p.message for p in check_form(f, rules, market)[1]}


def test_openapi_example_parses() -> None:
    """IBKR's documented answer: known order types kept, unknown words (mit, lit) dropped."""
    rules = parse_contract_rules(OPENAPI_RULES, 265598)
    assert rules is not None
    assert OrderType.LOC in rules.order_types and len(rules.order_types) == 9
    assert rules.outside_rth_types == {OrderType.LMT, OrderType.STOP_LIMIT, OrderType.TRAILLMT}
    assert rules.size_increment == 100 and rules.default_size == 100
    assert rules.tifs_for(OrderType.STP) == (TimeInForce.GTC, TimeInForce.DAY)
    assert TimeInForce.OPG in rules.tifs_for(OrderType.LMT)
    assert rules.limit_price == 198.22 and rules.accounts == ("U1234567", "U1234568")


def test_nested_rules_and_garbage() -> None:
    """info-and-rules nests the object under "rules"; anything else reads as None."""
    assert parse_contract_rules({"rules": {"orderTypes": ["market"]}}, 1) is not None
    assert parse_contract_rules([], 1) is None
    assert parse_contract_rules({"orderTypes": ["mit"]}, 1) is None


def test_increments_by_price_band() -> None:
    """Sub-dollar prices step by 0.0001, others by 0.01; snap rounds to the nearest step."""
    assert STOCK.increment_at(0.5) == 0.0001 and STOCK.increment_at(185) == 0.01
    assert STOCK.on_increment(185.01) and not STOCK.on_increment(185.005)
    assert STOCK.snap(185.006) == 185.01 and STOCK.digits_at(0.5) == 4


def test_valid_form_has_no_problem() -> None:
    """The reference order passes every check and reads back as the confirmation says it."""
    tickets, found = check_form(form(), STOCK, QUOTE)
    assert found == []
    assert tickets.parent is not None and tickets.parent.coid
    assert describe(tickets.parent, "AAPL") == "Buy 100 AAPL limit 185.00, day"


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"quantity": ""}, "quantity", "Enter a quantity"),
    ({"quantity": "0"}, "quantity", "positive"),
    ({"quantity": "-5"}, "quantity", "positive"),
    ({"quantity": "ten"}, "quantity", "must be a number: digits"),
    ({"quantity": "10.5"}, "quantity", "whole number"),
    ({"limit": ""}, "limit", "Limit price is required"),
    ({"limit": "185.003"}, "limit", "not on the price increment of 0.01 (nearest 185.00)"),
    ({"order_type": OrderType.STP, "stop": "180"}, "stop", "buy stop must be above the market"),
    ({"order_type": OrderType.STP, "side": Side.SELL, "stop": "190"}, "stop",
     "sell stop must be below"),
    ({"order_type": OrderType.STOP_LIMIT, "stop": "184", "limit": "186"}, "stop",
     "above the market"),
    ({"order_type": OrderType.LOC}, "order_type", "does not accept a limit-on-close order"),
    ({"order_type": OrderType.MKT, "outside_rth": True}, "outside_rth", "outside regular"),
    ({"take_profit": "180"}, "take_profit", "must be above the entry price 185"),
    ({"stop_loss": "190"}, "stop_loss", "must be below the entry price 185"),
    ({"side": Side.SELL, "take_profit": "190"}, "take_profit", "must be below"),
    ({"stop_loss": "abc"}, "stop_loss", "must be a number"),
])
def test_each_problem_names_its_field(changes: dict[str, object], field: str,
                                      words: str) -> None:
    """Every invalid entry is reported on the field that holds it, in specific words."""
    found = problems(form(**changes))
    assert field in found, found
    assert words in found[field]


def test_fractions_where_allowed_and_size_steps() -> None:
    """fraqTypes allows 10.5 shares; a size increment of 100 refuses 150."""
    rules = parse_contract_rules(OPENAPI_RULES, 265598)
    assert "quantity" not in problems(form(quantity="100.5"), rules)
    rules_whole = parse_contract_rules({**OPENAPI_RULES, "fraqTypes": []}, 265598)
    assert "multiple of 100" in problems(form(quantity="150"), rules_whole)["quantity"]


def test_hidden_fields_are_ignored() -> None:
    """A market order does not read the (hidden) limit field, whatever it holds."""
    tickets, found = read_form(form(order_type=OrderType.MKT, limit="junk"))
    assert found == [] and tickets.parent is not None and tickets.parent.price is None


def test_bracket_children_point_at_the_parent() -> None:
    """Take-profit LMT and stop-loss STP children sell what the parent buys, via parentId."""
    tickets, found = check_form(form(take_profit="190", stop_loss="180"), STOCK, QUOTE)
    assert found == []
    parent, take, stop = tickets.all
    assert take.side is Side.SELL and take.order_type is OrderType.LMT and take.price == 190
    assert stop.order_type is OrderType.STP and stop.price == 180
    assert take.parent_id == stop.parent_id == parent.coid


@pytest.mark.parametrize(("changes", "text"), [
    ({"order_type": OrderType.MKT, "side": Side.SELL, "quantity": "5", "tif": TimeInForce.GTC},
     "Sell 5 AAPL market, good till cancelled"),
    ({"order_type": OrderType.STOP_LIMIT, "stop": "190", "limit": "191"},
     "Buy 100 AAPL stop 190.00 limit 191.00, day"),
    ({"outside_rth": True}, "Buy 100 AAPL limit 185.00, day, outside regular hours"),
])
def test_describe(changes: dict[str, object], text: str) -> None:
    """The confirmation's sentence for other order types."""
    tickets, _ = read_form(form(**changes))
    assert tickets.parent is not None
    assert describe(tickets.parent, "AAPL") == text


def test_working_order_reads_the_orders_table_row() -> None:
    """An orders-table row becomes the ticket to edit; a STP's stop (aux_price) is its price."""
    row = {"conid": 265598, "side": "SELL", "order_type": "STP", "quantity": 300.0,
           "filled": 100.0, "aux_price": 180.0, "tif": "GTC", "account": "DU1"}
    order = working_order(row)
    assert order is not None
    assert (order.side, order.order_type, order.quantity, order.price, order.tif) == (
        Side.SELL, OrderType.STP, 300.0, 180.0, TimeInForce.GTC)
    assert working_order({"conid": 265598, "side": "BUY"}) is None

"""A one-cancels-the-other pair from the ticket: both legs checked, both marked for one group."""

from __future__ import annotations

from ibkr_desktop.protocol.order_kinds import OrderType, Side
from ibkr_desktop.protocol.ticket_checks import check_form, check_oca
from tests.protocol.test_contract_rules import QUOTE, STOCK, form


def test_both_legs_are_sent_as_one_group() -> None:
    """A buy limit below and a buy stop above the market: two tickets, both isSingleGroup."""
    first, found = check_form(form(limit="180.00"), STOCK, QUOTE)
    assert found == []
    pair, problems = check_oca(first, form(order_type=OrderType.STP, stop="195.00"),
                               STOCK, QUOTE)
    assert problems == []
    assert [t.order_type for t in pair.all] == [OrderType.LMT, OrderType.STP]
    assert [t.to_json().get("isSingleGroup") for t in pair.all] == [True, True]
    assert pair.oca is not None and pair.oca.price == 195.0 and pair.oca.side is Side.BUY
    assert pair.parent is not None and pair.parent.coid != pair.oca.coid


def test_second_leg_problems_name_its_own_fields() -> None:
    """The second leg gets the same checks (stop side, increments, numbers); nothing is
    marked for a group while it has a problem."""
    first, _ = check_form(form(), STOCK, QUOTE)
    cases = [
        (form(order_type=OrderType.STP, stop="170.00"), "stop", "buy stop must be above"),
        (form(limit="185.003"), "limit", "not on the price increment"),
        (form(quantity="ten"), "quantity", "must be a number"),
        (form(order_type=OrderType.TRAIL, trail=""), "trail", ""),
    ]
    for second, field, words in cases:
        pair, problems = check_oca(first, second, STOCK, QUOTE)
        named = {p.field: p.message for p in problems}
        assert field in named and words in named[field], (second, named)
        assert pair is first and pair.oca is None

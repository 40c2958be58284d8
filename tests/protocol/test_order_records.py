"""Order records and outcomes in words; the what-if answer as IBKR documents it (§5.8)."""

from __future__ import annotations

import pytest

from ibkr_desktop.protocol.limits import Breach
from ibkr_desktop.protocol.order_kinds import OrderStatus, status_words
from ibkr_desktop.protocol.order_records import (
    OrderRecord,
    PlacementOutcome,
    WhatIf,
    parse_whatif,
)
from ibkr_desktop.protocol.orders import OrderNotTransmitted, OrderQuestion, OrderRefused

WHATIF = {
    "amount": {"amount": "1,977.60 USD (10 Shares)", "commission": "1 USD",
               "total": "1,978.60 USD"},
    "equity": {"current": "215,415,594", "change": "-1", "after": "215,415,593"},
    "initial": {"current": "116,965", "change": "652", "after": "117,617"},
    "maintenance": {"current": "106,332", "change": "592", "after": "106,924"},
    "position": {"current": "0", "change": "10", "after": "10"},
    "warn": "21/You are trying to submit an order without having market data.",
    "error": None,
}


def test_whatif_reads_the_documented_answer() -> None:
    assert parse_whatif(WHATIF) == WhatIf(
        commission=1.0, initial_margin_change=652.0, maintenance_margin_change=592.0,
        equity_change=-1.0, amount=1977.6,
        warning="21/You are trying to submit an order without having market data.")
    assert parse_whatif({}) == WhatIf(None, None, None, None, None)
    with pytest.raises(ValueError):
        parse_whatif([WHATIF])


@pytest.mark.parametrize(("status", "reason", "words"), [
    (OrderStatus.SUBMITTED, None, "working at the exchange"),
    (OrderStatus.PRE_SUBMITTED, "waiting for the market to open.",
     "accepted, waiting to be sent to the exchange (waiting for the market to open)"),
    (OrderStatus.INACTIVE, "Order rejected by the exchange",
     "not working (Order rejected by the exchange)"),
    (OrderStatus.CANCELLED, "  ", "cancelled"),
    (None, None, "status not known yet"),
])
def test_status_reads_in_plain_words(status: OrderStatus | None, reason: str | None,
                                     words: str) -> None:
    assert status_words(status, reason) == words
    assert OrderRecord(coid="c", status=status, reason=reason).status_text == words


def test_outcome_summaries() -> None:
    placed = OrderRecord(coid="c-1", order_id=42, status=OrderStatus.FILLED)
    assert PlacementOutcome(accepted=(placed,)).summary == "Placed order 42: filled."
    assert PlacementOutcome(accepted=(placed,), found_after_doubt=True).summary == (
        "Placed order 42 (found by its client order id after the answer was lost): filled.")
    mixed = PlacementOutcome(accepted=(placed,), refused=(OrderRefused("size too small"),),
                             not_transmitted=(OrderNotTransmitted("43", "Inactive"),))
    assert mixed.summary == ("Placed order 42: filled. IBKR refused an order: size too small. "
                             "Order 43 was not transmitted (Inactive).")
    assert PlacementOutcome(declined=OrderQuestion("r", ("?",), ("o163",))).summary == (
        "Not sent: you declined IBKR's question.")
    assert PlacementOutcome(blocked=(Breach("max_quantity", "too many"),)).summary == (
        "Not sent: too many.")
    assert PlacementOutcome(error="Rate limited").summary == "Rate limited."
    assert PlacementOutcome().summary == "Nothing was sent."
    assert not PlacementOutcome(error="x").placed and mixed.placed

"""Inputs the reliability run's fuzzer found (tests/reliability/fuzz.py), kept as unit tests."""

from __future__ import annotations

import pytest

from ibkr_desktop.protocol.placement_answers import OrderRejectedError, parse_placement_response


@pytest.mark.parametrize("body", [
    # found by the long run: an "error" that is an object made a message of its whole repr
    {"rules": None, "id": [None], "error": {"filledQuantity": [], "competing": {
        "position": {"increment": None, "order_id": ["-1", float("nan"), "C", "1.5K"]},
        "selectedAccount": "1", "args": "x" * 5000}}},
    {"error": "Order rejected:\nline two\n" + "y" * 5000},
    "not json at all\n" * 500,
])
def test_a_rejection_says_it_in_one_bounded_line(body: object) -> None:
    """However odd the answer, the rejection is one line of at most 300 characters."""
    with pytest.raises(OrderRejectedError) as caught:
        parse_placement_response(body)
    message = str(caught.value)
    assert message.strip() and "\n" not in message and len(message) <= 300


def test_a_plain_rejection_keeps_ibkrs_words() -> None:
    with pytest.raises(OrderRejectedError, match="^Order size 1000000 exceeds the limit$"):
        parse_placement_response({"error": "Order size 1000000 exceeds the limit"})

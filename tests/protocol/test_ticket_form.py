"""The ticket form's pure parts: numbers as typed by hand, what a closing order does to the
position, and what a modification changes."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ibkr_desktop.protocol.order_kinds import OrderType, Side, TimeInForce
from ibkr_desktop.protocol.orders import OrderTicket
from ibkr_desktop.protocol.ticket_form import (
    TicketForm,
    order_changes,
    parse_decimal,
    position_effect,
    read_form,
)


@pytest.mark.parametrize(("text", "value"), [
    ("100", 100.0), (" 1,000 ", 1000.0), ("1,234,567.5", 1234567.5), ("12.", 12.0),
    (".5", 0.5), ("-5", -5.0), ("+5", 5.0), ("0", 0.0), ("185.00", 185.0),
])
def test_plain_decimals_with_thousands_commas_are_read(text: str, value: float) -> None:
    assert parse_decimal(text) == value


@pytest.mark.parametrize("text", [
    "", " ", ".", "1e3", "1E3", "1.85e2", "nan", "NaN", "inf", "-inf", "Infinity", "0x10",
    "1_000", "1,0", "1,00,000", "10,", ",100", "1.000,5", "1O", "abc", "١٢", "1 000", "--5",
])
def test_anything_else_is_refused(text: str) -> None:
    assert parse_decimal(text) is None


def test_refused_quantity_says_what_is_accepted() -> None:
    tickets, problems = read_form(TicketForm(1, "AAPL", Side.BUY, OrderType.LMT, "1e3",
                                             limit="185"))
    assert tickets.parent is None
    assert problems[0].field == "quantity"
    assert problems[0].message == ("Quantity must be a number: digits with an optional decimal "
                                   "point and thousands commas, like 1,250 or 12.5 (not '1e3')")


@pytest.mark.parametrize(("position", "side", "quantity", "words", "warn"), [
    (-30, Side.BUY, 30, "Closes the whole position (short 30 TSLA).", False),
    (-30, Side.BUY, 10, "Reduces the position from short 30 to short 20 TSLA.", False),
    (-30, Side.BUY, 1000, "Reverses the position from short 30 to long 970 TSLA — check the "
     "quantity.", True),
    (-30, Side.SELL, 5, "Adds to the position: from short 30 to short 35 TSLA, it does not "
     "close it.", True),
    (1500, Side.SELL, 1500, "Closes the whole position (long 1,500 TSLA).", False),
    (0.5, Side.SELL, 0.25, "Reduces the position from long 0.5 to long 0.25 TSLA.", False),
])
def test_position_effect_follows_quantity_and_side(position: float, side: Side,
                                                   quantity: float, words: str,
                                                   warn: bool) -> None:
    assert position_effect(position, side, quantity, "TSLA") == (words, warn)


def test_order_changes_old_to_new() -> None:
    old = OrderTicket(1, Side.BUY, 10, OrderType.LMT, price=188.74)
    assert order_changes(old, old) == ""
    assert order_changes(old, replace(old, quantity=12, price=188.85)) == (
        "quantity 10 → 12, limit price 188.74 → 188.85")
    assert order_changes(old, replace(old, tif=TimeInForce.GTC, outside_rth=True)) == (
        "time in force DAY → GTC, outside regular hours no → yes")
    stop = OrderTicket(1, Side.SELL, 1500, OrderType.STP, price=180.0)
    assert order_changes(stop, replace(stop, quantity=2000, price=179.5), digits=1) == (
        "quantity 1,500 → 2,000, stop price 180.0 → 179.5")

"""The typed quote record: field 6509 decoded, and every watchlist field declared."""

from __future__ import annotations

import pytest

from ibkr_desktop.protocol.fields import WATCHLIST_FIELDS, name_of, parse_fields
from ibkr_desktop.protocol.quotes import Quote, decode_availability


@pytest.mark.parametrize(
    ("code", "kind"),
    [("RpB", "live"), ("RB", "live"), ("DPB", "delayed"), ("Zp", "frozen"),
     ("YP", "frozen_delayed"), ("N", "not_subscribed"), ("O", "no_api_ack"),
     ("i", "unknown"), ("v", "unknown"), (" DPB ", "delayed"), ("", None), (None, None),
     (17, None)],
)
def test_availability_codes(code: object, kind: str | None) -> None:
    """§4.3: the first character says live, delayed or frozen; junk is None, new codes unknown."""
    assert decode_availability(code) == kind


def test_the_quote_type_declares_every_watchlist_field() -> None:
    """Each field a watchlist row subscribes to arrives under a key the Quote type declares."""
    declared = set(Quote.__annotations__)
    assert {name_of(fid) for fid in WATCHLIST_FIELDS} <= declared
    assert {"last_is_close", "halted", "availability_code", "updated_ms", "currency",
            "multiplier"} <= declared


def test_a_delayed_paper_quote_says_so() -> None:
    """§11 item 14: a paper account's delayed data reach the model as availability 'delayed'."""
    quote = parse_fields({"31": "189.60", "6509": "DPB", "conid": 265598})
    assert quote.get("availability") == "delayed"
    assert quote.get("availability_code") == "DPB"
    assert "currency" not in quote and "multiplier" not in quote  # not in smd frames

"""Field ids, names and IBKR value strings (reference §4.1-4.4)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ibkr_desktop.protocol.fields import (
    FIELDS,
    WATCHLIST_FIELDS,
    F,
    LastPrice,
    format_price,
    format_size,
    format_volume,
    id_of,
    name_of,
    parse_fields,
    parse_last,
    parse_percent,
    parse_price,
    parse_size,
    parse_volume,
)

TABLE_IDS = (
    "31 55 58 70 71 73 74 75 76 77 78 79 80 82 83 84 85 86 87 88 201 6004 6008 6070 6072 6073 "
    "6119 6457 6508 6509 7051 7057 7058 7059 7068 7084 7085 7086 7087 7088 7089 7094 7184 7219 "
    "7220 7221 7280 7281 7282 7283 7284 7285 7286 7287 7288 7289 7290 7291 7292 7293 7294 7295 "
    "7296 7308 7309 7310 7311 7607 7633 7635 7636 7637 7638 7639 7644 7655 7671 7672 7674 7675 "
    "7676 7677 7678 7679 7724 7681 7682 7683 7684 7685 7686 7687 7688 7689 7690 7694 7695 7696 "
    "7697 7698 7699 7700 7702 7703 7704 7705 7706 7707 7708 7714 7715 7718 7720 7741 7762 7768 "
    "7920 7921 7943"
).split()


def test_fields_cover_the_reference_table() -> None:
    """Every §4.2 field id is known, with a unique snake_case name."""
    assert set(FIELDS) == set(TABLE_IDS)
    names = [spec.name for spec in FIELDS.values()]
    assert len(names) == len(set(names))
    assert all(name == name.lower() and " " not in name for name in names)
    assert all(spec.id == fid for fid, spec in FIELDS.items())


@pytest.mark.parametrize(
    ("field_id", "name"),
    [
        (F.LAST, "last"), (F.BID, "bid"), (F.ASK, "ask"), (F.BID_SIZE, "bid_size"),
        (F.ASK_SIZE, "ask_size"), (F.LAST_SIZE, "last_size"), (F.VOLUME, "volume"),
        (F.HIGH, "high"), (F.LOW, "low"), (F.OPEN, "open"), (F.CLOSE, "close"),
        (F.PRIOR_CLOSE, "prior_close"), (F.CHANGE, "change"), (F.CHANGE_PCT, "change_pct"),
        (F.MARK, "mark"), (F.VOLUME_LONG, "volume_long"), (F.SYMBOL, "symbol"),
        (F.COMPANY, "company_name"), (F.AVAILABILITY, "availability"), (F.CONID, "conid"),
        (F.HIGH_52W, "high_52w"), (F.LOW_52W, "low_52w"), (F.TEXT, "text"),
    ],
)
def test_names_and_ids_map_both_ways(field_id: str, name: str) -> None:
    """name_of and id_of are inverse for the names the app uses."""
    assert name_of(field_id) == name
    assert id_of(name) == field_id


def test_unknown_ids_and_names() -> None:
    """An unknown id keeps its id as name; an unknown name is a KeyError (a typo)."""
    assert name_of("99999") == "99999"
    with pytest.raises(KeyError):
        id_of("no_such_field")


def test_watchlist_fields() -> None:
    """The watchlist subscribes to the agreed ids, all known."""
    assert WATCHLIST_FIELDS == (
        "31", "55", "82", "83", "84", "85", "86", "88", "87", "7762", "70", "71", "7295", "7741",
        "6509", "7059",
    )
    assert all(fid in FIELDS for fid in WATCHLIST_FIELDS)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("168.42", 168.42), ("C189.60", 189.6), ("H189.60", 189.6), (" 12 ", 12.0),
        ("-1.25", -1.25), ("1,234.50", 1234.5), (372, 372.0), (382.4, 382.4),
        ("", None), (None, None), ("junk", None), ("C", None), (True, None), ("nan", None),
        (float("inf"), None), ([1], None), ({}, None),
    ],
)
def test_parse_price(value: object, expected: float | None) -> None:
    """Prices parse from strings/numbers with C/H prefixes; junk gives None."""
    assert parse_price(value) == expected


def test_parse_size_volume_percent() -> None:
    """Sizes drop separators, volumes expand K/M/B, percents drop the sign."""
    assert parse_size("1,300") == 1300.0
    assert parse_size("100") == 100.0
    assert parse_volume("24.2M") == pytest.approx(24_200_000)
    assert parse_volume("512K") == 512_000.0
    assert parse_volume("1.1B") == pytest.approx(1_100_000_000)
    assert parse_volume("37,512,000") == 37_512_000.0
    assert parse_percent("0.54%") == 0.54
    assert parse_percent(0.04) == 0.04
    assert parse_percent("-1.2%") == -1.2
    assert parse_size("") is None and parse_volume(None) is None and parse_percent("x%") is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("168.42", LastPrice(168.42, False, False)),
        ("C189.60", LastPrice(189.6, True, False)),
        ("H189.60", LastPrice(189.6, False, True)),
        (189.6, LastPrice(189.6, False, False)),
        (None, LastPrice(None, False, False)),
    ],
)
def test_parse_last(value: object, expected: LastPrice) -> None:
    """Field 31 reports the prior-close and halted markers."""
    assert parse_last(value) == expected


def test_parse_fields_snapshot() -> None:
    """The §4.1 snapshot parses into named values; non-field keys are left out."""
    raw = {
        "31": "168.42", "6119": "q1", "6509": "RpB", "7059": "100", "84": "168.41", "85": "600",
        "86": "168.42", "88": "1,300", "_updated": 1712596911593, "conid": 265598,
        "conidEx": "265598", "server_id": "q1",
    }
    assert parse_fields(raw) == {
        "last": 168.42, "last_is_close": False, "halted": False, "marker": "q1",
        "availability": "live", "availability_code": "RpB", "last_size": 100.0, "bid": 168.41,
        "ask_size": 600.0, "ask": 168.42, "bid_size": 1300.0,
    }


def test_parse_fields_kinds() -> None:
    """Text, int and flag fields parse by kind; unparseable numbers become None."""
    assert parse_fields(
        {"55": "AAPL", "6008": "265598", "7184": "1", "7768": "0", "84": "", "7051": "APPLE INC"}
    ) == {"symbol": "AAPL", "conid": 265598, "can_be_traded": True,
          "has_trading_permissions": False, "bid": None, "company_name": "APPLE INC"}


def test_format_strings() -> None:
    """The gateway's formatters produce IBKR-shaped strings."""
    assert format_price(189.6) == "189.60"
    assert format_price(1.23456, 4) == "1.2346"
    assert format_size(1300) == "1,300"
    assert format_size(0.5) == "0.5"
    assert format_volume(24_200_000) == "24.2M"
    assert format_volume(512_000) == "512K"
    assert format_volume(850) == "850"
    assert format_volume(1_250_000_000) == "1.25B"
    assert format_volume(999_999) == "1M"


junk = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30), st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=3),
)


@settings(max_examples=300, deadline=None)
@given(junk)
def test_value_parsers_never_raise(value: object) -> None:
    """Every value parser returns a finite float or None for any input."""
    for parse in (parse_price, parse_size, parse_volume, parse_percent):
        result = parse(value)
        assert result is None or (isinstance(result, float) and math.isfinite(result))
    parse_last(value)
    parse_fields({"31": value, "55": value, "6008": value, "7184": value, "87": value})


money = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(money, st.integers(min_value=0, max_value=6))
def test_price_round_trip(x: float, decimals: int) -> None:
    """parse_price(format_price(x)) equals x within the printed decimals."""
    parsed = parse_price(format_price(x, decimals))
    assert parsed is not None
    assert abs(parsed - x) <= 0.5 * 10**-decimals + 1e-9 * max(1.0, abs(x))


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.integers(min_value=0, max_value=10**12),
                 st.floats(min_value=0, max_value=1e9, allow_nan=False)))
def test_size_round_trip(x: float) -> None:
    """parse_size(format_size(x)) equals x within 4 decimals."""
    parsed = parse_size(format_size(x))
    assert parsed is not None
    assert abs(parsed - x) <= 5e-5 + 1e-12 * x


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=0, max_value=1e13, allow_nan=False))
def test_volume_round_trip(x: float) -> None:
    """parse_volume(format_volume(x)) is within the rounding of the printed unit."""
    text = format_volume(x)
    parsed = parse_volume(text)
    assert parsed is not None
    unit = {"K": 1e3, "M": 1e6, "B": 1e9}.get(text[-1], 1.0)
    tolerance = 0.5 if unit == 1.0 else 0.005 * unit
    assert abs(parsed - x) <= tolerance + 1e-9 * x

"""Market-data field ids <-> trader names, and parsing/formatting of IBKR value strings.

IBKR identifies snapshot/``smd`` values by numeric string ids ("31" = last) and sends most values
as display strings ("C189.60", "1,300", "24.2M"). This module is the only place those ids and
formats are known; everything above it sees snake_case names and floats (reference §4.2-4.4).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal, cast

from ibkr_desktop.protocol import _coerce
from ibkr_desktop.protocol.quotes import Quote, decode_availability

FieldKind = Literal[
    "price", "size", "volume", "percent", "number", "text", "int", "flag", "availability"
]


class F:
    """Field id constants for the ids code refers to by name (full table in :data:`FIELDS`)."""

    LAST = "31"
    SYMBOL = "55"
    TEXT = "58"
    HIGH = "70"
    LOW = "71"
    MARKET_VALUE = "73"
    AVG_PRICE = "74"
    UNREALIZED_PNL = "75"
    DAILY_PNL = "78"
    REALIZED_PNL = "79"
    CHANGE = "82"
    CHANGE_PCT = "83"
    BID = "84"
    ASK_SIZE = "85"
    ASK = "86"
    VOLUME = "87"
    BID_SIZE = "88"
    EXCHANGE = "6004"
    CONID = "6008"
    SEC_TYPE = "6070"
    MARKER = "6119"
    AVAILABILITY = "6509"
    COMPANY = "7051"
    LAST_SIZE = "7059"
    LISTING_EXCHANGE = "7221"
    HIGH_52W = "7293"
    LOW_52W = "7294"
    OPEN = "7295"
    CLOSE = "7296"
    MARK = "7635"
    PRIOR_CLOSE = "7741"
    VOLUME_LONG = "7762"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One market-data field: IBKR id, our snake_case name and how its value is parsed."""

    id: str
    name: str
    kind: FieldKind


@dataclass(frozen=True, slots=True)
class LastPrice:
    """Field 31 decoded: the price plus what its ``C``/``H`` prefix said (§4.4)."""

    price: float | None
    is_prior_close: bool
    halted: bool


_TABLE: tuple[tuple[str, str, FieldKind], ...] = (
    ("31", "last", "price"), ("55", "symbol", "text"), ("58", "text", "text"),
    ("70", "high", "price"), ("71", "low", "price"), ("73", "market_value", "number"),
    ("74", "avg_price", "price"), ("75", "unrealized_pnl", "number"),
    ("76", "position_text", "text"), ("77", "unrealized_pnl_text", "text"),
    ("78", "daily_pnl", "number"), ("79", "realized_pnl", "number"),
    ("80", "unrealized_pnl_pct", "percent"), ("82", "change", "price"),
    ("83", "change_pct", "percent"), ("84", "bid", "price"), ("85", "ask_size", "size"),
    ("86", "ask", "price"), ("87", "volume", "volume"), ("88", "bid_size", "size"),
    ("201", "right", "text"), ("6004", "exchange", "text"), ("6008", "conid", "int"),
    ("6070", "sec_type", "text"), ("6072", "months", "text"), ("6073", "regular_expiry", "text"),
    ("6119", "marker", "text"), ("6457", "underlying_conid", "int"),
    ("6508", "service_params", "text"), ("6509", "availability", "availability"),
    ("7051", "company_name", "text"), ("7057", "ask_exchanges", "text"),
    ("7058", "last_exchanges", "text"), ("7059", "last_size", "size"),
    ("7068", "bid_exchanges", "text"), ("7084", "implied_vol_hist_vol_pct", "percent"),
    ("7085", "put_call_interest", "number"), ("7086", "put_call_volume", "number"),
    ("7087", "hist_vol_pct", "percent"), ("7088", "hist_vol_close_pct", "percent"),
    ("7089", "option_volume", "volume"), ("7094", "conid_exchange", "text"),
    ("7184", "can_be_traded", "flag"), ("7219", "contract_description", "text"),
    ("7220", "contract_description_alt", "text"), ("7221", "listing_exchange", "text"),
    ("7280", "industry", "text"), ("7281", "category", "text"),
    ("7282", "average_volume", "volume"), ("7283", "option_implied_vol_pct", "percent"),
    ("7284", "historical_vol_pct", "percent"), ("7285", "put_call_ratio", "number"),
    ("7286", "dividend_amount", "number"), ("7287", "dividend_yield_pct", "percent"),
    ("7288", "ex_dividend_date", "text"), ("7289", "market_cap", "volume"),
    ("7290", "pe", "number"), ("7291", "eps", "number"), ("7292", "cost_basis", "number"),
    ("7293", "high_52w", "price"), ("7294", "low_52w", "price"), ("7295", "open", "price"),
    ("7296", "close", "price"), ("7308", "delta", "number"), ("7309", "gamma", "number"),
    ("7310", "theta", "number"), ("7311", "vega", "number"),
    ("7607", "option_volume_change_pct", "percent"), ("7633", "implied_vol_pct", "percent"),
    ("7635", "mark", "price"), ("7636", "shortable_shares", "volume"),
    ("7637", "fee_rate", "percent"), ("7638", "option_open_interest", "volume"),
    ("7639", "pct_of_mark_value", "percent"), ("7644", "shortable", "text"),
    ("7655", "morningstar_rating", "text"), ("7671", "dividends_next_12m", "number"),
    ("7672", "dividends_ttm", "number"), ("7674", "ema_200", "price"),
    ("7675", "ema_100", "price"), ("7676", "ema_50", "price"), ("7677", "ema_20", "price"),
    ("7678", "price_ema_200_pct", "percent"), ("7679", "price_ema_100_pct", "percent"),
    ("7724", "price_ema_50_pct", "percent"), ("7681", "price_ema_20_pct", "percent"),
    ("7682", "change_since_open", "price"), ("7683", "upcoming_event", "text"),
    ("7684", "upcoming_event_date", "text"), ("7685", "upcoming_analyst_meeting", "text"),
    ("7686", "upcoming_earnings", "text"), ("7687", "upcoming_misc_event", "text"),
    ("7688", "recent_analyst_meeting", "text"), ("7689", "recent_earnings", "text"),
    ("7690", "recent_misc_event", "text"), ("7694", "prob_max_return", "percent"),
    ("7695", "break_even", "price"), ("7696", "spx_delta", "number"),
    ("7697", "futures_open_interest", "volume"), ("7698", "last_yield", "percent"),
    ("7699", "bid_yield", "percent"), ("7700", "prob_max_return_alt", "percent"),
    ("7702", "prob_max_loss", "percent"), ("7703", "profit_probability", "percent"),
    ("7704", "organization_type", "text"), ("7705", "debt_class", "text"),
    ("7706", "ratings", "text"), ("7707", "bond_state_code", "text"),
    ("7708", "bond_type", "text"), ("7714", "last_trading_date", "text"),
    ("7715", "issue_date", "text"), ("7718", "beta", "number"), ("7720", "ask_yield", "percent"),
    ("7741", "prior_close", "price"), ("7762", "volume_long", "volume"),
    ("7768", "has_trading_permissions", "flag"), ("7920", "daily_pnl_raw", "number"),
    ("7921", "cost_basis_raw", "number"), ("7943", "rebate_rate", "percent"),
)

FIELDS: dict[str, FieldSpec] = {fid: FieldSpec(fid, name, kind) for fid, name, kind in _TABLE}
"""Every field id of reference §4.2, keyed by id."""

_IDS_BY_NAME: dict[str, str] = {spec.name: spec.id for spec in FIELDS.values()}

WATCHLIST_FIELDS: tuple[str, ...] = (
    F.LAST, F.SYMBOL, F.CHANGE, F.CHANGE_PCT, F.BID, F.ASK_SIZE, F.ASK, F.BID_SIZE, F.VOLUME,
    F.VOLUME_LONG, F.HIGH, F.LOW, F.OPEN, F.PRIOR_CLOSE, F.AVAILABILITY, F.LAST_SIZE,
)
"""The ids a watchlist row subscribes to with ``smd`` / snapshot."""


def name_of(field_id: str) -> str:
    """Our name for an IBKR field id; unknown ids are returned unchanged (data-driven callers)."""
    spec = FIELDS.get(field_id)
    return spec.name if spec else field_id


def id_of(name: str) -> str:
    """The IBKR id for one of our field names.

    Raises:
        KeyError: ``name`` is not a known field name (a typo in calling code).
    """
    return _IDS_BY_NAME[name]


def _plain_float(value: object) -> float | None:
    """The hot-path shortcut: a plain numeric string such as ``"189.60"`` -> float, else None.

    ``float()`` also reads ``"1_000"``, ``"nan"`` and ``"inf"``, which IBKR never means as
    numbers; those (and everything with separators, prefixes or suffixes) return None here and
    go the long way through ``_coerce.number``.
    """
    if type(value) is str:
        try:
            result = float(value)
        except ValueError:
            return None
        if result - result == 0.0 and "_" not in value:  # finite, no digit grouping
            return result
    return None


def parse_price(value: object) -> float | None:
    """Price string/number -> float; drops a ``C``/``H`` prefix and separators; never raises."""
    result = _plain_float(value)
    return result if result is not None else _coerce.number(value, strip_markers=True)


def parse_size(value: object) -> float | None:
    """Size such as ``"1,300"`` (or ``"1.2K"``) -> float; None for empty/junk."""
    result = _plain_float(value)
    return result if result is not None else _coerce.number(value)


parse_volume = parse_size
"""Abbreviated volume ``"24.2M"``/``"512K"``/``"1.1B"`` or a plain number -> float."""

parse_percent = parse_size
"""Percent ``"0.54%"``, ``"-1.2"`` or a JSON number -> float in percent units (0.54)."""


def parse_last(value: object) -> LastPrice:
    """Decode field 31: ``"C189.60"`` is yesterday's close, ``"H..."`` means trading is halted."""
    closed, halted = _last_markers(value)
    return LastPrice(parse_price(value), closed, halted)


def _last_markers(value: object) -> tuple[bool, bool]:
    """(is prior close, halted) from the ``C``/``H`` prefix of a field-31 value."""
    if type(value) is not str or value[:1] in _UNMARKED_START:
        return False, False
    stripped = value.strip()
    prefix = stripped[: len(stripped) - len(stripped.lstrip("CHch"))].upper()
    return "C" in prefix, "H" in prefix


_UNMARKED_START = frozenset("0123456789-+.")  # a value starting so has no prefix

_PARSERS: dict[FieldKind, Callable[[object], object]] = {
    "price": parse_price,
    "size": parse_size,
    "volume": parse_volume,
    "percent": parse_percent,
    "number": parse_size,
    "text": _coerce.text,
    "int": _coerce.integer,
    "flag": _coerce.flag,
    "availability": decode_availability,
}

_BY_ID: dict[str, tuple[str, Callable[[object], object]]] = {
    spec.id: (spec.name, _PARSERS[spec.kind]) for spec in FIELDS.values()
}


def parse_value(field_id: str, value: object) -> object:
    """Parse one raw value by its field's kind; unknown ids give the value back unchanged."""
    entry = _BY_ID.get(field_id)
    return entry[1](value) if entry else value


def parse_fields(raw: Mapping[str, object]) -> Quote:
    """Known field ids of a snapshot/``smd`` object -> a :class:`~.quotes.Quote`.

    Keys that are not field ids (``conid``, ``_updated``, ``topic``...) are skipped. A field that
    is present but unparseable maps to None, so a blanked value clears the cell. Field 31 also
    adds ``last_is_close`` and ``halted`` so the UI can mark a stale/halted last price; field
    6509 gives ``availability`` (decoded) and ``availability_code`` (IBKR's raw code).
    """
    values: dict[str, object] = {}
    for key, value in raw.items():
        entry = _BY_ID.get(key)
        if entry is None:
            continue
        values[entry[0]] = entry[1](value)
        if key == F.LAST:
            values["last_is_close"], values["halted"] = _last_markers(value)
        elif key == F.AVAILABILITY:
            values["availability_code"] = _coerce.text(value)
    return cast(Quote, values)


def format_price(x: float, decimals: int = 2) -> str:
    """IBKR-style price string (``"189.60"``), as the gateway sends it."""
    return f"{x:.{decimals}f}"


def format_size(x: float) -> str:
    """IBKR-style size with thousands separators (``"1,300"``; fractions keep 4 decimals)."""
    if float(x).is_integer():
        return f"{int(x):,}"
    return f"{x:,.4f}".rstrip("0").rstrip(".")


def format_volume(x: float) -> str:
    """IBKR-style abbreviated volume: ``"850"``, ``"512K"``, ``"24.2M"``, ``"1.25B"``.

    Keeps at most two decimals, so parsing it back is exact to 0.5% of the unit (K/M/B).
    """
    magnitude = abs(x)
    for unit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if round(magnitude / unit, 2) >= 1:
            scaled = f"{x / unit:.2f}".rstrip("0").rstrip(".")
            return scaled + suffix
    return f"{x:.0f}"

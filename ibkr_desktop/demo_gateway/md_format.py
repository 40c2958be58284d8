"""Market-data field values as IBKR sends them (§4.2-4.4), for snapshots and ``smd`` alike.

One function per field id turns an instrument and its :class:`~.market.MarketQuote` into the
IBKR display value (prices and sizes as strings, ``6008`` as an int). Fields the demo cannot
fill are simply absent, which is also what IBKR does for fields without a value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ibkr_desktop.protocol.fields import F, format_price, format_size, format_volume

from .market import MarketQuote, MarketSimulator
from .universe import Instrument

AVAILABILITY = "RpB"
"""Real-time, consolidated snapshot, top of book (§4.3)."""

Value = str | int
_Getter = Callable[[Instrument, MarketQuote, MarketSimulator], Value | None]


def _price(value: float | None, instrument: Instrument) -> str | None:
    if value is None:
        return None
    return format_price(value, 2 if instrument.tick_size >= 0.01 else 4)


def _signed(value: float, decimals: int = 2) -> str:
    return f"{value:.{decimals}f}"


def _year(index: int) -> _Getter:
    def get(instrument: Instrument, quote: MarketQuote, market: MarketSimulator) -> Value:
        return _price(market.year_range(instrument.conid)[index], instrument) or ""

    return get


_GETTERS: dict[str, _Getter] = {
    F.LAST: lambda i, q, m: _price(q.last, i),
    F.SYMBOL: lambda i, q, m: i.symbol,
    F.HIGH: lambda i, q, m: _price(q.high, i),
    F.LOW: lambda i, q, m: _price(q.low, i),
    F.CHANGE: lambda i, q, m: _signed(q.change, 2 if i.tick_size >= 0.01 else 4),
    F.CHANGE_PCT: lambda i, q, m: _signed(q.change_pct),
    F.BID: lambda i, q, m: _price(q.bid, i),
    F.ASK_SIZE: lambda i, q, m: format_size(q.ask_size),
    F.ASK: lambda i, q, m: _price(q.ask, i),
    F.VOLUME: lambda i, q, m: format_volume(q.volume),
    F.BID_SIZE: lambda i, q, m: format_size(q.bid_size),
    F.EXCHANGE: lambda i, q, m: i.exchange,
    F.CONID: lambda i, q, m: i.conid,
    F.SEC_TYPE: lambda i, q, m: i.sec_type,
    F.AVAILABILITY: lambda i, q, m: AVAILABILITY,
    F.COMPANY: lambda i, q, m: i.name,
    F.LAST_SIZE: lambda i, q, m: format_size(q.last_size),
    F.LISTING_EXCHANGE: lambda i, q, m: i.exchange,
    F.HIGH_52W: _year(1),
    F.LOW_52W: _year(0),
    F.OPEN: lambda i, q, m: _price(q.open, i),
    F.CLOSE: lambda i, q, m: _price(q.close, i),
    F.MARK: lambda i, q, m: _price(round(q.mid / q.tick_size) * q.tick_size, i),
    F.PRIOR_CLOSE: lambda i, q, m: _price(q.prior_close, i),
    F.VOLUME_LONG: lambda i, q, m: str(int(q.volume)),
    "7094": lambda i, q, m: f"{i.conid}@SMART",
    "7184": lambda i, q, m: "1",
    "7219": lambda i, q, m: i.symbol,
    "7220": lambda i, q, m: i.symbol,
    "7280": lambda i, q, m: i.sector,
    "7281": lambda i, q, m: i.category,
    "7282": lambda i, q, m: format_volume(i.avg_volume),
    "7087": lambda i, q, m: f"{i.volatility * 100:.1f}%",
    "7682": lambda i, q, m: None if q.open is None else _signed(q.last - q.open),
    "7768": lambda i, q, m: "1",
}


def field_values(
    market: MarketSimulator, conid: int, fields: Iterable[str]
) -> dict[str, Value]:
    """IBKR values of ``fields`` for ``conid`` (fields without a value are left out).

    Raises:
        KeyError: ``conid`` is not simulated.
    """
    instrument = market.instrument(conid)
    if instrument is None:
        raise KeyError(conid)
    quote = market.quote(conid)
    values: dict[str, Value] = {}
    for field_id in fields:
        getter = _GETTERS.get(field_id)
        value = getter(instrument, quote, market) if getter else None
        if value is not None and value != "":
            values[field_id] = value
    return values

"""The typed quote record that travels from the frame parser to the models.

A :class:`Quote` is a ``TypedDict`` (``total=False``): at runtime it is the plain ``dict`` the
parser builds and the models merge, so typing it costs nothing on the hot path. A key is present
only when the frame carried it (IBKR sends changed fields only, reference §4.4), so "missing"
means "unchanged / not yet known", and ``None`` means "sent, but blank or unreadable".

Where each key comes from:

* Market-data values (``last`` ... ``prior_close``): ``smd`` frames and snapshot items, field
  ids of reference §4.2 turned into these names by ``protocol.fields.parse_fields``.
* ``last_is_close`` / ``halted``: the ``C`` / ``H`` prefix of field 31 (§4.4).
* ``availability``: field 6509 decoded (§4.3) into :data:`Availability`; ``availability_code``
  keeps IBKR's raw code (``"RpB"``) for diagnostics.
* ``updated_ms``: the frame's ``_updated`` (epoch ms).
* ``currency`` / ``multiplier``: *not* in ``smd`` frames. IBKR gives them in contract info
  (``/iserver/contract/{conid}/info``: ``currency``, ``multiplier``), secdef search and the
  positions answer; whoever reads those merges them into the record. The parser never sets them.

Field ids the watchlist does not use (fundamentals, greeks, bond data...) still arrive under
their §4.2 names; they are not declared here and readers use ``.get`` on them.
View state (flash, stale, age) is not part of a quote: it lives in the models.
"""

from __future__ import annotations

from typing import Literal, TypedDict

Availability = Literal[
    "live", "delayed", "frozen", "frozen_delayed", "not_subscribed", "no_api_ack", "unknown"
]
"""How current the data are: the first character of field 6509 (§4.3).

``R`` live, ``D`` delayed 15-20 min, ``Z`` frozen (last values at close), ``Y`` frozen delayed,
``N`` not subscribed, ``O`` market-data API acknowledgement not signed; anything else (``i``
incomplete, ``v`` VDR-exempt, new codes) is ``"unknown"``.
"""

_AVAILABILITY: dict[str, Availability] = {
    "R": "live", "D": "delayed", "Z": "frozen", "Y": "frozen_delayed", "N": "not_subscribed",
    "O": "no_api_ack",
}


class Quote(TypedDict, total=False):
    """Market data of one conid, merged from one or more frames (prices in the quote currency)."""

    last: float | None
    last_is_close: bool
    halted: bool
    last_size: float | None
    bid: float | None
    bid_size: float | None
    ask: float | None
    ask_size: float | None
    volume: float | None
    volume_long: float | None
    high: float | None
    low: float | None
    open: float | None
    close: float | None
    prior_close: float | None
    change: float | None
    change_pct: float | None
    mark: float | None
    symbol: str | None
    company_name: str | None
    exchange: str | None
    listing_exchange: str | None
    sec_type: str | None
    conid: int | None
    marker: str | None
    availability: Availability | None
    availability_code: str | None
    updated_ms: int
    currency: str | None
    multiplier: float | None


QuoteBatch = dict[int, Quote]
"""Quotes of one receive batch, by conid; each value holds only what changed in the batch."""


def decode_availability(code: object) -> Availability | None:
    """Field 6509 (``"RpB"``, ``"DPB"``...) -> :data:`Availability`; None when not a string."""
    if not isinstance(code, str):
        return None
    stripped = code.strip()
    if not stripped:
        return None
    return _AVAILABILITY.get(stripped[0], "unknown")

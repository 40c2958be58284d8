"""The positions table's derived numbers: each position's weight and the totals rows.

Money is never added across currencies: weights and totals are per currency (one totals row per
currency held, written "Total USD" when the positions are in more than one currency).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ibkr_desktop.models.table import Record

TOTALLED = ("market_value", "unrealized_pnl", "realized_pnl", "daily_pnl")
"""The columns the totals rows sum."""

TOTAL_KEY = "total:"
"""Row keys of totals rows start with this (``"total:USD"``); position rows are conids."""


def is_total(key: object) -> bool:
    """True for the row key of a totals row."""
    return isinstance(key, str) and key.startswith(TOTAL_KEY)


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) \
        else None


def weights(records: Sequence[Mapping[str, object]]) -> list[float | None]:
    """Each position's market value as a percentage of the gross market value (longs plus
    the absolute value of shorts) of the positions in the same currency; shorts negative."""
    gross: dict[object, float] = {}
    for record in records:
        value = _number(record.get("market_value"))
        if value is not None:
            gross[record.get("currency")] = gross.get(record.get("currency"), 0.0) + abs(value)
    out: list[float | None] = []
    for record in records:
        value = _number(record.get("market_value"))
        total = gross.get(record.get("currency"))
        out.append(None if value is None or not total else 100.0 * value / total)
    return out


def totals(records: Sequence[Mapping[str, object]]) -> list[tuple[str, Record]]:
    """One totals row per currency, in order of first appearance: the sums of
    :data:`TOTALLED` (None where no position has the value)."""
    rows: dict[object, Record] = {}
    for record in records:
        currency = record.get("currency")
        row = rows.setdefault(currency, {"currency": currency, **dict.fromkeys(TOTALLED)})
        for key in TOTALLED:
            value = _number(record.get(key))
            if value is not None:
                row[key] = (_number(row[key]) or 0.0) + value
    mixed = len(rows) > 1
    out = []
    for currency, row in rows.items():
        row["symbol"] = f"Total {currency}" if mixed and currency else "Total"
        out.append((f"{TOTAL_KEY}{currency or ''}", row))
    return out

"""Typed column specs for the table models, and how each kind of value is written for a trader.

A table is declared as a tuple of :class:`Column` (vnpy's ``headers`` dict, typed): the model
reads values by key, formats them by kind, aligns numbers right and colours signed kinds. Keeping
the formatting here means every table writes prices, sizes and P&L the same way.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from PySide6.QtCore import Qt


class Kind(StrEnum):
    """How a column's value is formatted, aligned and coloured."""

    TEXT = "text"
    PRICE = "price"      # 189.60
    CHANGE = "change"    # +1.23 (signed, coloured)
    PERCENT = "percent"  # +0.54% (signed, coloured)
    WEIGHT = "weight"    # 12.34% (a share of a whole: not coloured)
    SIZE = "size"        # 1,300
    VOLUME = "volume"    # 24.2M
    MONEY = "money"      # 12,345.67
    PNL = "pnl"          # +1,234.56 (signed, coloured)
    AGE = "age"          # seconds since the last update: 0.4s, 12s, 3m
    TIME = "time"        # epoch ms -> Nov 30 14:03:27 local time


SIGNED_KINDS = frozenset({Kind.CHANGE, Kind.PERCENT, Kind.PNL})
"""Kinds whose text is green when positive and red when negative."""

_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


@dataclass(frozen=True, slots=True)
class Column:
    """One table column.

    Attributes:
        key: stable id, used in saved layouts and exports (never shown).
        title: header text.
        kind: formatting/alignment/colour rule.
        sources: record keys tried in order (first non-None wins); default ``(key,)``. Lets the
            volume column prefer the exact ``volume_long`` over the abbreviated ``volume``.
        tooltip: header tooltip that says what the number is.
        visible: shown on first start (the user may change it).
        chars: typical text width in characters, for the first-start column width
            (0 = by kind).
    """

    key: str
    title: str
    kind: Kind = Kind.TEXT
    sources: tuple[str, ...] = ()
    tooltip: str = ""
    visible: bool = True
    chars: int = 0

    @property
    def width_chars(self) -> int:
        """Characters the column should fit before the user resizes it."""
        return self.chars or _KIND_CHARS[self.kind]

    def value(self, record: Mapping[str, object]) -> object:
        """The raw value of this column in ``record`` (None when absent)."""
        for source in self.sources or (self.key,):
            value = record.get(source)
            if value is not None:
                return value
        return None

    @property
    def alignment(self) -> Qt.AlignmentFlag:
        """Numbers right-aligned so digits line up; text left-aligned."""
        return _LEFT if self.kind is Kind.TEXT else _RIGHT


_KIND_CHARS: dict[Kind, int] = {
    Kind.TEXT: 8, Kind.PRICE: 9, Kind.CHANGE: 8, Kind.PERCENT: 8, Kind.WEIGHT: 7, Kind.SIZE: 8,
    Kind.VOLUME: 7,
    Kind.MONEY: 13, Kind.PNL: 12, Kind.AGE: 5, Kind.TIME: 17,
}


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def format_price(value: float) -> str:
    """Prices with 2 decimals (4 below one dollar, where a tick is smaller)."""
    return f"{value:,.4f}" if 0 < abs(value) < 1 else f"{value:,.2f}"


def format_size(value: float) -> str:
    """Share counts with thousands separators; fractional shares keep up to 4 decimals."""
    if value.is_integer():
        return f"{value:,.0f}"
    return f"{value:,.4f}".rstrip("0").rstrip(".")


def format_volume(value: float) -> str:
    """Volume abbreviated the way traders read it: 850, 51.2K, 24.2M, 1.25B."""
    magnitude = abs(value)
    for unit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if magnitude >= unit:
            scaled = value / unit
            digits = 2 if abs(scaled) < 10 else 1
            return f"{scaled:.{digits}f}".rstrip("0").rstrip(".") + suffix
    return f"{value:,.0f}"


def format_age(seconds: float) -> str:
    """Data age: tenths below 10 s, then whole seconds, minutes, hours."""
    if seconds < 10:
        return f"{max(seconds, 0.0):.1f}s"
    if seconds < 60:
        return f"{seconds:.0f}s"
    if seconds < 3600:
        return f"{seconds // 60:.0f}m"
    return f"{seconds // 3600:.0f}h"


def format_time(epoch_ms: float) -> str:
    """Date and time in the user's local time zone (``Nov 30 14:03:27``): trades and orders
    of earlier days (``days`` up to 7) must not read as today's."""
    return datetime.fromtimestamp(epoch_ms / 1000).strftime("%b %d %H:%M:%S")


_FORMATTERS: dict[Kind, Callable[[float], str]] = {
    Kind.PRICE: format_price,
    Kind.CHANGE: lambda v: f"{v:+,.2f}",
    Kind.PERCENT: lambda v: f"{v:+.2f}%",
    Kind.WEIGHT: lambda v: f"{v:.2f}%",
    Kind.SIZE: format_size,
    Kind.VOLUME: format_volume,
    Kind.MONEY: lambda v: f"{v:,.2f}",
    Kind.PNL: lambda v: f"{v:+,.2f}",
    Kind.AGE: format_age,
    Kind.TIME: format_time,
}


def format_value(kind: Kind, value: object) -> str:
    """Display text of one value; empty for missing values, never raises."""
    if value is None:
        return ""
    if kind is Kind.TEXT:
        return str(value)
    number = _number(value)
    if number is None:
        return str(value) if isinstance(value, str) else ""
    return _FORMATTERS[kind](number)


def count_of(count: int, noun: str, plural: str = "") -> str:
    """A count with its noun in the right number: ``1 row``, ``0 rows``, ``2 orders``.

    Args:
        count: how many.
        noun: the singular ("row").
        plural: the plural when it is not ``noun + "s"`` ("entries").
    """
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


def sign_of(kind: Kind, value: object) -> int:
    """+1/-1 for a positive/negative value of a signed kind, else 0 (no colour)."""
    if kind not in SIGNED_KINDS:
        return 0
    number = _number(value)
    if not number:
        return 0
    return 1 if number > 0 else -1

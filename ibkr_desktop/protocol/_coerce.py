"""Tolerant coercion of loosely typed IBKR JSON values (str/int/float/None) into Python types.

IBKR sends the same value as a string in one place and a number in another (conid, order_id,
prices, timestamps in seconds or milliseconds). Every parser in this package funnels through
these helpers so each quirk is handled once. None of them ever raises.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

_SUFFIXES = {"K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}
# Below this a timestamp is taken to be epoch seconds (1e11 ms is March 1973; 1e11 s is year 5138).
_MS_THRESHOLD = 100_000_000_000


def number(value: object, *, strip_markers: bool = False) -> float | None:
    """Parse an IBKR number: ``189.6``, ``"1,300"``, ``"24.2M"``, ``"0.54%"``, ``"C189.60"``.

    Args:
        value: Anything; only finite ints/floats and numeric strings give a result.
        strip_markers: Also drop leading ``C``/``H`` markers (field 31 prefixes, §4.4).

    Returns:
        The finite float, or None for missing, empty, boolean or unparseable input.
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        try:
            result = float(value)
        except OverflowError:
            return None
        return result if math.isfinite(result) else None
    if not isinstance(value, str):
        return None
    text = value.strip().replace(",", "").replace(" ", "")
    if strip_markers:
        text = text.lstrip("CHch")
    text = text.rstrip("%")
    factor = 1.0
    if text and text[-1].upper() in _SUFFIXES:
        factor = _SUFFIXES[text[-1].upper()]
        text = text[:-1]
    if not text or "_" in text:
        return None
    try:
        result = float(text) * factor
    except ValueError:
        return None
    return result if math.isfinite(result) else None


def integer(value: object) -> int | None:
    """Parse an identifier such as a conid or order id given as ``265598``, ``"265598"`` or
    ``"265598@SMART"``; returns None when no integer can be read."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else None
    if isinstance(value, str):
        text = value.strip().split("@", 1)[0].strip()
        if text.lstrip("-").isdigit() and text.isascii():
            return int(text)
        parsed = number(text)
        if parsed is not None and parsed.is_integer():
            return int(parsed)
    return None


def text(value: object) -> str | None:
    """Return a string for str/int/float input (IBKR ids come as either), else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return None


def flag(value: object) -> bool | None:
    """Parse a boolean sent as ``true``, ``1``, ``"1"``, ``"true"`` or ``"Y"``; None otherwise."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value != 0
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("1", "true", "y", "yes"):
            return True
        if lowered in ("0", "false", "n", "no"):
            return False
    return None


def epoch_ms(value: object) -> int | None:
    """Epoch milliseconds from a timestamp in seconds or milliseconds (IBKR uses both)."""
    parsed = number(value)
    if parsed is None:
        return None
    if abs(parsed) < _MS_THRESHOLD:
        parsed *= 1000.0
    try:
        return int(parsed)
    except (OverflowError, ValueError):
        return None


def records(value: object) -> list[Mapping[str, object]]:
    """The dict items of a JSON value that may be one object or an array of objects."""
    if isinstance(value, Mapping):
        return [value]
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [item for item in value if isinstance(item, Mapping)]
    return []


def first(d: Mapping[str, object], *keys: str) -> object:
    """The value of the first key present (and not None) in ``d``; None if none is."""
    for key in keys:
        value = d.get(key)
        if value is not None:
            return value
    return None

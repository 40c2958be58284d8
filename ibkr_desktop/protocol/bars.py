"""Historical bars: the period/bar-size rules of reference §4.5 and parsing of history answers.

Both the chart (to offer only valid bar sizes) and the demo gateway (to refuse invalid requests
like IBKR does) use these rules; ``parse_history`` reads REST ``/iserver/marketdata/history``
bodies and WebSocket ``smh`` frames alike.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from ibkr_desktop.protocol import _coerce
from ibkr_desktop.protocol.quotes import Availability, decode_availability


@dataclass(frozen=True, slots=True)
class Bar:
    """One OHLCV bar; ``t_ms`` is the bar start in epoch milliseconds (UTC)."""

    t_ms: int
    open: float
    high: float
    low: float
    close: float
    volume: float


BAR_SECONDS: dict[str, int] = {
    "1min": 60, "2min": 120, "3min": 180, "5min": 300, "10min": 600, "15min": 900,
    "30min": 1800, "1h": 3600, "2h": 7200, "3h": 10800, "4h": 14400, "8h": 28800,
    "1d": 86400, "1w": 604800, "1m": 2592000,
}
"""Every bar size IBKR accepts, in ascending order, with its length in seconds."""

_BAR_NAMES = tuple(BAR_SECONDS)
_PERIOD_RE = re.compile(r"^(\d{1,4})(min|h|d|w|m|y)$")
_PERIOD_UNITS: dict[str, tuple[int, int]] = {  # unit -> (seconds, max count)
    "min": (60, 30), "h": (3600, 8), "d": (86400, 1000), "w": (604800, 792),
    "m": (2592000, 182), "y": (31536000, 15),
}

# §4.5 table: reference period -> (smallest bar, largest bar, default bar).
_RULES: tuple[tuple[str, str, str, str], ...] = (
    ("1min", "1min", "1min", "1min"), ("1h", "1min", "8h", "1min"), ("1d", "1min", "8h", "1min"),
    ("1w", "10min", "1w", "15min"), ("1m", "1h", "1m", "30min"), ("3m", "2h", "1m", "1d"),
    ("6m", "4h", "1m", "1d"), ("1y", "8h", "1m", "1d"), ("2y", "1d", "1m", "1d"),
    ("3y", "1d", "1m", "1w"), ("15y", "1w", "1m", "1w"),
)


def period_seconds(period: str) -> int:
    """Length of a history period such as ``"30min"``, ``"8h"``, ``"1000d"``, ``"6m"``, ``"15y"``.

    Raises:
        ValueError: not an IBKR period, or its count is out of the allowed range.
    """
    match = _PERIOD_RE.match(period.strip().lower())
    if not match:
        raise ValueError(f"Unknown period {period!r}; use e.g. 1d, 1w, 6m or 1y")
    count, unit = int(match.group(1)), match.group(2)
    seconds, maximum = _PERIOD_UNITS[unit]
    if not 1 <= count <= maximum:
        raise ValueError(f"Period {period!r} is out of range: 1-{maximum}{unit}")
    return count * seconds


def _rule(period: str) -> tuple[str, str, str, str]:
    """The table column for a period: the smallest listed period not shorter than it.

    Periods between two columns get the stricter rules of the longer one, so a request never
    asks for more bars than IBKR would send.
    """
    length = period_seconds(period)
    for rule in _RULES:
        if period_seconds(rule[0]) >= length:
            return rule
    return _RULES[-1]


def allowed_bars(period: str) -> tuple[str, ...]:
    """Bar sizes IBKR allows for ``period`` (ascending). Raises ValueError for a bad period.

    The §4.5 table gives 1h-1m as the range for a 1m period but 30min as its default; the default
    is always allowed, so a 1m period accepts 30min-1m.
    """
    _, smallest, largest, default = _rule(period)
    low = min(_BAR_NAMES.index(smallest), _BAR_NAMES.index(default))
    return _BAR_NAMES[low : _BAR_NAMES.index(largest) + 1]


def default_bar(period: str) -> str:
    """IBKR's default bar size for ``period``. Raises ValueError for a bad period."""
    return _rule(period)[3]


def check_history_request(period: str, bar: str) -> str | None:
    """Why a period/bar pair would be refused (user-readable), or None when it is valid."""
    try:
        allowed = allowed_bars(period)
    except ValueError as exc:
        return str(exc)
    if bar not in BAR_SECONDS:
        return f"Unknown bar size {bar!r}; use one of {', '.join(_BAR_NAMES)}"
    if bar not in allowed:
        span = allowed[0] if len(allowed) == 1 else f"{allowed[0]} to {allowed[-1]}"
        return f"A {bar} bar is not available for a {period} period; choose {span}"
    return None


def _start_ms(body: Mapping[str, object]) -> int | None:
    """``startTime`` ("20241223-17:05:00", UTC) in epoch ms, used when points lack ``t``."""
    start = body.get("startTime")
    if not isinstance(start, str):
        return None
    try:
        parsed = datetime.strptime(start.strip(), "%Y%m%d-%H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None
    return int(parsed.timestamp() * 1000)


class HistoryPage(list[Bar]):
    """The bars of one history answer, oldest first, with the answer's data qualifier.

    A list of :class:`Bar` (every caller that wants bars only can ignore the rest), plus
    ``availability``: the answer's ``mdAvailability`` decoded as field 6509 is (reference §4.3;
    history says ``S`` for streaming, i.e. live), None when the answer has none; and
    ``delay_s``: IBKR's ``mktDataDelay`` (§11: ``"D"`` with 900 on paper accounts).
    """

    availability: Availability | None = None
    delay_s: float | None = None


def history_availability(body: object) -> Availability | None:
    """``mdAvailability`` of a history answer: ``S``/``R`` live, ``D`` delayed, ``Z`` frozen..."""
    if not isinstance(body, Mapping):
        return None
    code = body.get("mdAvailability")
    if isinstance(code, str) and code.strip()[:1] == "S":
        return "live"
    return decode_availability(code)


def parse_history(body: object) -> HistoryPage:
    """Bars of a history answer (REST body or ``smh`` frame), oldest first.

    Points missing ``o/h/l/c`` are skipped; a missing ``v`` becomes 0; a missing ``t`` (seen in
    ``smh`` frames) is derived from ``startTime`` + index * ``barLength``. Bodies without ``data``
    (e.g. ``{"error": "No data."}``) give an empty list; classify errors before calling this.
    """
    page = HistoryPage()
    if not isinstance(body, Mapping):
        return page
    page.availability = history_availability(body)
    page.delay_s = _coerce.number(body.get("mktDataDelay"))
    start = _start_ms(body)
    bar_ms = int((_coerce.number(body.get("barLength")) or 0) * 1000)
    bars: list[Bar] = []
    for index, point in enumerate(_coerce.records(body.get("data"))):
        o, h, lo, c = (_coerce.number(point.get(k)) for k in ("o", "h", "l", "c"))
        t_ms = _coerce.epoch_ms(point.get("t"))
        if t_ms is None and start is not None:
            t_ms = start + index * bar_ms
        if o is None or h is None or lo is None or c is None or t_ms is None:
            continue
        bars.append(Bar(t_ms, o, h, lo, c, _coerce.number(point.get("v")) or 0.0))
    bars.sort(key=lambda bar: bar.t_ms)
    page.extend(bars)
    return page

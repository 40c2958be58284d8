"""Simulated time: a speed-adjustable clock and the US equity trading calendar.

The market, the history generator and the brokerage all read one :class:`SimClock`, so with
``--speed 60`` an hour of trading passes in a minute and every timestamp agrees. The calendar
knows weekdays and the ET session hours (no exchange holidays: the demo keeps it simple).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

ET = ZoneInfo("America/New_York")

PRE_OPEN_MIN = 4 * 60
RTH_OPEN_MIN = 9 * 60 + 30
RTH_CLOSE_MIN = 16 * 60
POST_CLOSE_MIN = 20 * 60
RTH_MINUTES = RTH_CLOSE_MIN - RTH_OPEN_MIN
_HOUR_MS = 3_600_000


class SimClock:
    """Epoch-millisecond clock that runs ``speed`` times faster than the wall clock.

    Args:
        speed: Simulated seconds per real second (1.0 = real time).
        start_ms: Simulated time at creation; defaults to the real time now.
        monotonic: Real monotonic time source (injectable for tests).
    """

    def __init__(
        self,
        speed: float = 1.0,
        start_ms: int | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self.start_ms = start_ms if start_ms is not None else int(time.time() * 1000)
        self._monotonic = monotonic
        self._origin = monotonic()

    def now_ms(self) -> int:
        """Simulated epoch time in milliseconds."""
        return self.start_ms + int((self._monotonic() - self._origin) * self.speed * 1000)


def to_et(ms: int) -> datetime:
    """An epoch-ms instant as an aware datetime in US/Eastern."""
    return datetime.fromtimestamp(ms / 1000, ET)


def et_ms(day: date, minute_of_day: int) -> int:
    """Epoch ms of ``minute_of_day`` (minutes after midnight ET) on ``day``."""
    # Aware arithmetic with zoneinfo is wall-clock arithmetic: the offset follows the result.
    local = datetime(day.year, day.month, day.day, tzinfo=ET) + timedelta(minutes=minute_of_day)
    return int(local.timestamp() * 1000)


@lru_cache(maxsize=1 << 16)
def _hour_start(hour_index: int) -> tuple[date, int]:
    """ET date and minute of day at the start of a UTC hour (zone offsets are whole hours)."""
    local = to_et(hour_index * _HOUR_MS)
    return local.date(), local.hour * 60 + local.minute


def local_parts(ms: int) -> tuple[date, float]:
    """(ET date, minutes after midnight ET) of an instant, cheaply (bar loops call it a lot)."""
    hour = ms // _HOUR_MS
    day, minute = _hour_start(hour)
    return day, minute + (ms - hour * _HOUR_MS) / 60_000


def minute_of_day(ms: int) -> float:
    """Minutes after midnight ET (fractional)."""
    return local_parts(ms)[1]


def is_trading_day(day: date) -> bool:
    """Monday to Friday (exchange holidays are not modelled)."""
    return day.weekday() < 5


def is_rth(ms: int) -> bool:
    """True inside regular trading hours: 09:30-16:00 ET on a trading day."""
    day, minute = local_parts(ms)
    return RTH_OPEN_MIN <= minute < RTH_CLOSE_MIN and is_trading_day(day)


def session_date(ms: int) -> date:
    """The trading day an instant belongs to: its ET date, or the last trading day before it."""
    return _session_of(local_parts(ms)[0])


@lru_cache(maxsize=1 << 14)
def _session_of(day: date) -> date:
    while not is_trading_day(day):
        day -= timedelta(days=1)
    return day


def previous_trading_day(day: date) -> date:
    """The trading day before ``day``."""
    day -= timedelta(days=1)
    while not is_trading_day(day):
        day -= timedelta(days=1)
    return day


def trading_days_back(day: date) -> Iterator[date]:
    """``day`` (if a trading day) and every trading day before it, newest first."""
    if not is_trading_day(day):
        day = previous_trading_day(day)
    while True:
        yield day
        day = previous_trading_day(day)


def activity(ms: int) -> float:
    """Relative trading activity at an instant; averages 1.0 over regular hours.

    Regular hours follow the familiar U shape (busy open and close, quiet lunch); the extended
    session is much quieter and nights/weekends almost idle.
    """
    day, minute = local_parts(ms)
    return activity_at(minute, is_trading_day(day))


def activity_at(minute: float, trading_day: bool = True) -> float:
    """:func:`activity` for a minute of day (ET), without any datetime work (hot loops)."""
    if not trading_day:
        return 0.03
    if RTH_OPEN_MIN <= minute < RTH_CLOSE_MIN:
        x = (minute - RTH_OPEN_MIN) / RTH_MINUTES
        return (0.6 + 2.4 * (2 * x - 1) ** 2) / 1.4
    if PRE_OPEN_MIN <= minute < POST_CLOSE_MIN:
        return 0.08
    return 0.03

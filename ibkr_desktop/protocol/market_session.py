"""The US equity market session at a moment: pre-market, regular, after-hours or closed.

Pure (the caller passes the time). Hours are those of US stock exchanges in New York time:
pre-market 04:00-09:30, regular 09:30-16:00, after-hours 16:00-20:00, closed otherwise and at
weekends. Exchange holidays and early closes are not known here (IBKR's contract schedule would
be needed), so a holiday reads as its weekday's session.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

NEW_YORK = ZoneInfo("America/New_York")

_PRE_OPEN, _OPEN, _CLOSE, _POST_CLOSE = (dt.time(4), dt.time(9, 30), dt.time(16), dt.time(20))


class MarketSession(StrEnum):
    """A session of the US stock market, in the words the user reads."""

    PRE_MARKET = "pre-market"
    REGULAR = "regular hours"
    AFTER_HOURS = "after-hours"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class SessionNow:
    """The session at a moment and when the next one starts (New York time, ``HH:MM``)."""

    session: MarketSession
    next_change: str

    @property
    def text(self) -> str:
        """``"US market: pre-market (regular hours from 09:30 ET)"``."""
        return f"US market: {self.session} ({self.next_change})"


def us_session(epoch_ms: int) -> SessionNow:
    """The US stock market session at ``epoch_ms`` (UTC epoch milliseconds)."""
    now = dt.datetime.fromtimestamp(epoch_ms / 1000, NEW_YORK)
    clock = now.time()
    if now.weekday() >= 5:
        return SessionNow(MarketSession.CLOSED, "opens Monday 04:00 ET")
    if clock < _PRE_OPEN:
        return SessionNow(MarketSession.CLOSED, "pre-market from 04:00 ET")
    if clock < _OPEN:
        return SessionNow(MarketSession.PRE_MARKET, "regular hours from 09:30 ET")
    if clock < _CLOSE:
        return SessionNow(MarketSession.REGULAR, "closes 16:00 ET")
    if clock < _POST_CLOSE:
        return SessionNow(MarketSession.AFTER_HOURS, "until 20:00 ET")
    later = "opens Monday 04:00 ET" if now.weekday() == 4 else "pre-market from 04:00 ET"
    return SessionNow(MarketSession.CLOSED, later)

"""US market sessions by New York time, across daylight saving and weekends."""

from __future__ import annotations

import datetime as dt

import pytest

from ibkr_desktop.protocol.market_session import NEW_YORK, MarketSession, us_session


def _ms(y: int, mo: int, d: int, h: int, mi: int) -> int:
    return int(dt.datetime(y, mo, d, h, mi, tzinfo=NEW_YORK).timestamp() * 1000)


@pytest.mark.parametrize(("when", "session", "next_change"), [
    ((2026, 11, 30, 3, 59), MarketSession.CLOSED, "pre-market from 04:00 ET"),  # Monday
    ((2026, 11, 30, 4, 0), MarketSession.PRE_MARKET, "regular hours from 09:30 ET"),
    ((2026, 11, 30, 9, 30), MarketSession.REGULAR, "closes 16:00 ET"),
    ((2026, 7, 1, 15, 59), MarketSession.REGULAR, "closes 16:00 ET"),  # summer time
    ((2026, 11, 30, 16, 0), MarketSession.AFTER_HOURS, "until 20:00 ET"),
    ((2026, 11, 30, 20, 0), MarketSession.CLOSED, "pre-market from 04:00 ET"),
    ((2026, 12, 4, 20, 30), MarketSession.CLOSED, "opens Monday 04:00 ET"),  # Friday night
    ((2026, 11, 29, 12, 0), MarketSession.CLOSED, "opens Monday 04:00 ET"),  # Sunday noon
])
def test_session_by_new_york_time(when, session, next_change) -> None:
    now = us_session(_ms(*when))
    assert (now.session, now.next_change) == (session, next_change)


def test_text_in_words() -> None:
    assert us_session(_ms(2026, 11, 30, 10, 0)).text == "US market: regular hours (closes 16:00 ET)"
    # 14:30 UTC in winter is 09:30 in New York
    utc = int(dt.datetime(2026, 12, 1, 14, 30, tzinfo=dt.UTC).timestamp() * 1000)
    assert us_session(utc).session is MarketSession.REGULAR

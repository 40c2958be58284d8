"""The instrument universe and the market simulator (pure; no sockets)."""

from __future__ import annotations

import logging
from datetime import datetime

import pytest

from ibkr_desktop.demo_gateway.market import MarketSimulator
from ibkr_desktop.demo_gateway.simtime import ET, SimClock, activity, is_rth, session_date
from ibkr_desktop.demo_gateway.universe import Universe

AAPL = 265598


def et(year: int, month: int, day: int, hour: int, minute: int = 0) -> int:
    """Epoch ms of a US/Eastern wall time."""
    return int(datetime(year, month, day, hour, minute, tzinfo=ET).timestamp() * 1000)


THURSDAY_11 = et(2024, 5, 30, 11)


def test_universe_has_liquid_names_with_real_conids() -> None:
    """At least 50 instruments, unique conids/symbols, with IBKR's real conids for the majors."""
    universe = Universe()
    assert len(universe) >= 50
    assert len({i.symbol for i in universe}) == len(universe)
    expected = {"AAPL": 265598, "IBM": 8314, "SPY": 756733, "MSFT": 272093, "TSLA": 76792991,
                "META": 107113386, "AMZN": 3691937, "NVDA": 4815747, "GOOGL": 208813719,
                "QQQ": 320227571}
    for symbol, conid in expected.items():
        instrument = universe.by_symbol(symbol)
        assert instrument is not None and instrument.conid == conid
    assert {i.kind for i in universe} == {"STK", "ETF"}
    assert all(i.exchange in ("NASDAQ", "NYSE", "ARCA") and i.price > 1 for i in universe)


def test_same_seed_same_market_and_other_seed_differs() -> None:
    """The simulation is deterministic for a seed and start time."""
    def run(seed: int) -> list[tuple[float, float, float, float]]:
        market = MarketSimulator(Universe(), seed=seed, start_ms=THURSDAY_11)
        for _ in range(50):
            market.step(0.3)
        return [(q.bid, q.ask, q.last, q.volume) for q in map(market.quote, (AAPL, 8314))]

    assert run(7) == run(7)
    assert run(7) != run(8)


def test_quotes_are_realistic() -> None:
    """Ticks, spreads, lot sizes, day range and volume behave like a liquid US book."""
    market = MarketSimulator(Universe(), seed=7, start_ms=THURSDAY_11)
    before = {c: market.quote(c).volume for c in market.universe.conids}
    for _ in range(200):
        market.step(0.3)
    for conid in market.universe.conids:
        q = market.quote(conid)
        assert 0 < q.bid < q.ask and q.ask - q.bid >= q.tick_size - 1e-9
        assert abs(q.bid / q.tick_size - round(q.bid / q.tick_size)) < 1e-6
        assert q.bid_size >= 100 and q.bid_size % 100 == 0 and q.ask_size % 100 == 0
        assert q.low <= q.last <= q.high and q.open is not None and q.prior_close > 0
        assert q.volume > before[conid]
        assert abs(q.last / market.universe.get(conid).price - 1) < 0.15


def test_listener_hears_changed_conids_and_survives_errors(caplog) -> None:  # type: ignore[no-untyped-def]
    """Listeners get the changed conids each step; a failing listener does not stop others."""
    market = MarketSimulator(Universe(), seed=7, start_ms=THURSDAY_11)
    heard: list[frozenset[int]] = []

    def broken(conids: frozenset[int]) -> None:
        raise RuntimeError("listener bug")

    market.add_listener(broken)
    market.add_listener(heard.append)
    with caplog.at_level(logging.CRITICAL, logger="ibkr_desktop.demo_gateway.market"):
        changed = market.step(0.5)
        assert heard == [changed] and len(changed) > 10
        market.remove_listener(heard.append)
        market.step(0.5)
    assert len(heard) == 1


def test_set_price_trades_there() -> None:
    """set_price makes that price the last trade, inside the new book, and notifies."""
    market = MarketSimulator(Universe(), seed=7, start_ms=THURSDAY_11)
    heard: list[frozenset[int]] = []
    market.add_listener(heard.append)
    market.set_price(AAPL, 150.0)
    q = market.quote(AAPL)
    assert q.last == 150.0 and q.bid <= 150.0 <= q.ask and q.low <= 150.0
    assert heard == [frozenset({AAPL})]
    assert market.has_data(AAPL) and not market.has_data(1)


def test_trading_hours_and_activity_curve() -> None:
    """is_rth follows 09:30-16:00 ET on weekdays; activity is U-shaped."""
    assert is_rth(et(2024, 5, 30, 9, 30)) and is_rth(et(2024, 1, 10, 15, 59))
    assert not is_rth(et(2024, 5, 30, 9, 29)) and not is_rth(et(2024, 5, 30, 16))
    assert not is_rth(et(2024, 6, 1, 11))  # Saturday
    market = MarketSimulator(Universe(), start_ms=THURSDAY_11)
    assert market.is_rth() and not market.is_rth(et(2024, 6, 2, 12))
    opening, lunch, closing = (activity(et(2024, 5, 30, h, m)) for h, m in
                               ((9, 35), (12, 45), (15, 55)))
    assert opening > 2 * lunch and closing > 2 * lunch
    assert activity(et(2024, 5, 30, 18)) < lunch


def test_sim_clock_speed() -> None:
    """SimClock runs `speed` times faster than its monotonic source."""
    now = [100.0]
    clock = SimClock(speed=60, start_ms=1_000, monotonic=lambda: now[0])
    now[0] += 2.0
    assert clock.now_ms() == 1_000 + 120_000
    with pytest.raises(ValueError):
        SimClock(speed=0)


def test_intraday_and_daily_history_agree() -> None:
    """Yesterday's hourly RTH bars add up to yesterday's daily bar."""
    market = MarketSimulator(Universe(), seed=7, start_ms=THURSDAY_11)
    hourly = market.history(AAPL, "1w", "1h")
    daily = market.history(AAPL, "1m", "1d")
    yesterday = session_date(et(2024, 5, 29, 12))
    bars = [b for b in hourly if session_date(b.t_ms) == yesterday]
    day = next(b for b in daily if session_date(b.t_ms) == yesterday)
    assert len(bars) == 7
    assert (day.open, day.close) == (bars[0].open, bars[-1].close)
    assert day.high == max(b.high for b in bars) and day.low == min(b.low for b in bars)
    assert day.volume == sum(b.volume for b in bars)


def test_history_ends_at_live_price_after_trading() -> None:
    """After minutes of live trading the newest bar of every size closes at the last price."""
    market = MarketSimulator(Universe(), seed=7, start_ms=THURSDAY_11)
    for _ in range(400):
        market.step(0.5)
    last = market.quote(AAPL).last
    for period, bar in (("1d", "1min"), ("1w", "1h"), ("1y", "1d"), ("15y", "1m")):
        assert market.history(AAPL, period, bar)[-1].close == last, (period, bar)
    quote = market.quote(AAPL)
    today = [b for b in market.history(AAPL, "1d", "1min")]
    assert max(b.high for b in today) <= quote.high and min(b.low for b in today) >= quote.low


def test_volume_is_u_shaped_over_the_day() -> None:
    """Generated minute volume is heavier near the open and close than at lunch."""
    market = MarketSimulator(Universe(), seed=7, start_ms=THURSDAY_11)
    bars = market.history(AAPL, "1w", "30min")
    by_slot: dict[int, float] = {}
    for bar in bars[:-2]:
        local = datetime.fromtimestamp(bar.t_ms / 1000, ET)
        by_slot[local.hour * 60 + local.minute] = by_slot.get(local.hour * 60 + local.minute,
                                                               0.0) + bar.volume
    assert by_slot[9 * 60 + 30] > 2 * by_slot[12 * 60 + 30] < by_slot[15 * 60 + 30] / 2


@pytest.mark.parametrize("start", [et(2024, 6, 1, 14), et(2024, 5, 30, 7), et(2024, 5, 30, 2)])
def test_any_start_time_gives_consistent_day(start: int) -> None:
    """Weekend, pre-market and overnight starts still give a full quote and history."""
    market = MarketSimulator(Universe(), seed=7, start_ms=start)
    q = market.quote(AAPL)
    assert q.prior_close > 0 and q.low <= q.last <= q.high
    if not market.is_rth():
        assert q.open is None or start == et(2024, 6, 1, 14)
    bars = market.history(AAPL, "1d", "5min")
    assert bars and all(is_rth(b.t_ms) for b in bars)
    assert market.history(AAPL, "1d", "1min", outside_rth=True)[-1].close == q.last


def test_short_period_at_night_shows_the_last_session() -> None:
    """A 30-minute regular-hours chart at night ends at the last close instead of being empty."""
    market = MarketSimulator(Universe(), seed=7, start_ms=et(2024, 5, 30, 23))
    bars = market.history(AAPL, "30min", "1min")
    assert len(bars) == 30 and bars[-1].t_ms == et(2024, 5, 30, 15, 59)
    weekend = MarketSimulator(Universe(), seed=7, start_ms=et(2024, 6, 2, 12))
    assert weekend.history(AAPL, "1h", "5min")[-1].t_ms == et(2024, 5, 31, 15, 55)

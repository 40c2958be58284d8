"""ChartModel against the demo gateway: history, then live ticks from the quote feed."""

from __future__ import annotations

import asyncio
import datetime as dt

import numpy as np
import pytest
import shiboken6

from ibkr_desktop.client.broker import Broker
from ibkr_desktop.client.quote_feed import QuoteBatch as FeedBatch
from ibkr_desktop.client.quote_feed import QuoteFeed
from ibkr_desktop.demo_gateway.server import DemoGateway
from ibkr_desktop.models.bar_builder import NEW_YORK, Timeframe, bar_start
from ibkr_desktop.models.chart_model import ChartModel
from ibkr_desktop.models.history_loader import HistoryLoader
from ibkr_desktop.protocol.bars import Bar, parse_history
from tests.client.conftest import fast_config, start_broker
from tests.helpers import wait_until

AAPL = 265598
MSFT = 272093


def _strictly_increasing(t: np.ndarray) -> bool:
    return bool(np.all(np.diff(t) > 0))


async def test_history_then_live_ticks_join_without_gap_or_duplicate(broker: Broker) -> None:
    """The live bar continues the newest history bar or follows it; one signal per frame."""
    model = ChartModel(broker, HistoryLoader(), AAPL, Timeframe.M1)
    changes: list[int] = []
    model.bars_changed.connect(changes.append)
    loaded = await model.load()
    assert loaded > 100 and len(model.series) == loaded
    history_last = int(model.series.t[-1])
    assert _strictly_increasing(model.series.t)
    assert model.flush() == 1 and model.flush() == 0 and changes == [0]
    # §11: the gateway sends history volume in lots; the chart holds shares
    day = bar_start(history_last, Timeframe.D1)
    quote = (await broker.snapshot([AAPL], ["87", "7762"]))[AAPL]
    assert model.volume_factor == 100.0
    assert float(model.series.volume[model.series.t >= day].sum()) == pytest.approx(
        quote["volume_long"], rel=0.01)

    seen: list[FeedBatch] = []
    feed = QuoteFeed()
    feed.attach(broker)

    def receive(batch: FeedBatch) -> None:
        seen.append(batch)
        model.apply_quotes(batch)

    subscription = feed.open(receive, "chart")
    subscription.hold({AAPL: "AAPL"})
    try:
        await wait_until(lambda: any(q.get("last") and "updated_ms" in q
                                     for b in seen for q in b.values()), timeout=10)
    finally:
        subscription.close()
    tick = next(q for b in reversed(seen) for q in b.values() if q.get("last"))
    assert isinstance(tick["updated_ms"], int) and isinstance(tick["last"], float)
    live_t = bar_start(tick["updated_ms"], Timeframe.M1)
    assert live_t in (history_last, history_last + 60_000)
    assert int(model.series.t[-1]) == live_t
    assert model.series.close[-1] == tick["last"]
    assert model.series.high[-1] >= tick["last"] >= model.series.low[-1]
    assert _strictly_increasing(model.series.t)
    assert model.flush() == 1 and changes[-1] >= loaded - 1


async def test_timeframe_switch_reloads_aligned_bars(broker: Broker) -> None:
    model = ChartModel(broker, HistoryLoader(), AAPL, Timeframe.M1)
    await model.load()
    for timeframe in (Timeframe.M5, Timeframe.M15, Timeframe.H1):
        assert await model.set_timeframe(timeframe) > 10
        t = model.series.t
        assert _strictly_increasing(t)
        assert np.all(t % (timeframe.seconds * 1000) == 0), timeframe
        assert model.timeframe is timeframe
    assert await model.set_timeframe(Timeframe.D1) > 100
    assert all(bar_start(int(t), Timeframe.D1) == t for t in model.series.t[-20:])


async def test_scrolling_back_prepends_older_bars(broker: Broker) -> None:
    model = ChartModel(broker, HistoryLoader(), AAPL, Timeframe.M15)
    first = await model.load()
    oldest, newest = int(model.series.t[0]), int(model.series.t[-1])
    added = await model.load_older()
    assert added > 10 and len(model.series) == first + added
    assert int(model.series.t[0]) < oldest and int(model.series.t[-1]) == newest
    assert _strictly_increasing(model.series.t)


async def test_many_charts_keep_at_most_five_history_requests_in_flight(broker: Broker) -> None:
    loader = HistoryLoader()
    models = [ChartModel(broker, loader, conid, tf) for conid in (AAPL, MSFT)
              for tf in Timeframe]
    progress: list[tuple[int, int]] = []
    models[0].progress.connect(lambda done, total: progress.append((done, total)))
    counts = await asyncio.gather(*(m.load() for m in models))
    assert all(count > 0 for count in counts)
    assert loader.peak == 5 and loader.in_flight == 0
    assert progress[0] == (0, 1) and progress[-1] == (1, 1)


async def test_unknown_instrument_says_history_is_unavailable(broker: Broker) -> None:
    model = ChartModel(broker, HistoryLoader(), 999_999_999, Timeframe.M1)
    reasons: list[str] = []
    model.unavailable.connect(reasons.append)
    loading: list[bool] = []
    model.loading_changed.connect(loading.append)
    assert await model.load() == 0
    assert reasons and "No chart history" in reasons[0]
    assert loading == [True, False] and not model.loading


def test_delayed_quotes_raise_the_badge_and_live_ones_clear_it() -> None:
    model = ChartModel(None, HistoryLoader(), AAPL)  # type: ignore[arg-type]  # no history here
    states: list[bool] = []
    model.delayed_changed.connect(states.append)
    model.apply_quotes({AAPL: {"availability": "delayed"}})
    model.apply_quotes({MSFT: {"availability": "live"}})
    model.apply_quotes({AAPL: {"availability": "live"}})
    assert states == [True, False]


class _RecordedDelayedHistory:
    """IBKR as a paper account without data subscriptions answers (§11): history marked
    ``mdAvailability "D"`` with ``mktDataDelay`` 900, in the reference's §4.5 shape."""

    BODY = {"symbol": "AAPL", "timePeriod": "1d", "barLength": 60, "mdAvailability": "D",
            "mktDataDelay": 900, "volumeFactor": 1, "priceFactor": 100,
            "data": [{"o": 188.1, "c": 188.3, "h": 188.4, "l": 188.0, "v": 1200.0,
                      "t": 1700229600000},
                     {"o": 188.3, "c": 188.2, "h": 188.5, "l": 188.1, "v": 900.0,
                      "t": 1700229660000}]}

    async def history(self, conid: int, period: str, bar: str, *, outside_rth: bool = False,
                      start_ms: int | None = None) -> list[Bar]:
        return parse_history(self.BODY)

    async def snapshot(self, conids: list[int], fields: list[str]) -> FeedBatch:
        return {}


async def test_delayed_history_raises_the_badge_before_any_quote() -> None:
    """History that IBKR marks delayed marks the chart delayed, even with no quote yet."""
    model = ChartModel(_RecordedDelayedHistory(), HistoryLoader(), AAPL, Timeframe.M1)
    states: list[bool] = []
    model.delayed_changed.connect(states.append)
    assert await model.load() == 2
    assert model.delayed and states == [True]


async def test_ticks_during_the_backfill_are_replayed_and_indicators_follow() -> None:
    """Ticks that arrive while history loads (slow history here) land on top of it."""
    gateway = DemoGateway(fast_config(history_latency_s=1.5))
    await gateway.start()
    broker = await start_broker(gateway.base_url)
    model = ChartModel(broker, HistoryLoader(), AAPL, Timeframe.M1)
    model.set_indicators(["sma(20)", "rsi(14)", "macd(1)", "sma(20)"])
    assert model.indicator_keys == ["sma(20)", "rsi(14)"]
    feed = QuoteFeed()
    feed.attach(broker)
    held: list[tuple[int, float]] = []  # (time, price) of ticks that came during the backfill
    every: list[float] = []

    def receive(batch: FeedBatch) -> None:
        quote = batch.get(AAPL, {})
        last, stamp = quote.get("last"), quote.get("updated_ms")
        if isinstance(last, float) and isinstance(stamp, int):
            every.append(last)
            if model.loading:
                held.append((stamp, last))
        model.apply_quotes(batch)

    subscription = feed.open(receive, "chart")
    try:
        load = asyncio.ensure_future(model.load())
        subscription.hold([AAPL])
        await wait_until(lambda: held, timeout=10)
        assert await load > 100
    finally:
        subscription.close()
        await broker.stop()
        await gateway.stop()
    assert _strictly_increasing(model.series.t)
    assert model.series.close[-1] == every[-1]
    for stamp, price in held:
        index = model.series.index_of(bar_start(stamp, Timeframe.M1))
        assert index >= 0 and model.series.low[index] <= price <= model.series.high[index]
    assert model.flush() == 1
    sma, rsi = (indicator.lines for indicator in model.indicators)
    assert len(sma["sma"]) == len(rsi["rsi"]) == len(model.series)
    assert sma["sma"][-1] == pytest.approx(float(np.mean(model.series.close[-20:])))
    assert 0.0 <= rsi["rsi"][-1] <= 100.0


def _ny_ms(*when: int) -> int:
    return int(dt.datetime(*when, tzinfo=NEW_YORK).timestamp() * 1000)  # type: ignore[misc]


@pytest.mark.parametrize("start_ms", [_ny_ms(2026, 11, 29, 21, 30), _ny_ms(2026, 11, 27, 4, 10),
                                      _ny_ms(2026, 11, 27, 11, 0)],
                         ids=["sunday-night", "pre-market", "regular-hours"])
async def test_volume_is_in_shares_at_every_timeframe(start_ms: int) -> None:
    """The app's demo (open around the clock) after a trade: on a Sunday night, ten minutes
    into a session and in regular hours, every timeframe settles history volume x100 (lots ->
    shares, §11: the newest day adds up to the snapshot's day volume) and has bars only in the
    extended session of weekdays (04:00-20:00 New York), as IBKR's SMART history does."""
    gateway = DemoGateway(fast_config(start_ms=start_ms, market_hours="always"))
    await gateway.start()
    gateway.market.set_price(AAPL, gateway.market.quote(AAPL).last + 0.5)  # a trade now
    broker = await start_broker(gateway.base_url)
    try:
        for timeframe in Timeframe:
            model = ChartModel(broker, HistoryLoader(), AAPL, timeframe)
            before = (await broker.snapshot([AAPL], ["7762"]))[AAPL]["volume_long"]
            assert await model.load() > 0, timeframe
            after = (await broker.snapshot([AAPL], ["7762"]))[AAPL]["volume_long"]
            assert model.volume_factor == 100.0, timeframe
            newest_day = bar_start(int(model.series.t[-1]), Timeframe.D1)
            shares = float(model.series.volume[model.series.t >= newest_day].sum())
            # the day volume counts the test's trade of 100 at night too; history has no bar then
            assert before - 101 <= shares <= after + 1, (timeframe, before, shares, after)
            assert float(model.series.volume.max()) < 2e8, timeframe  # AAPL: ~65M a day
            local = [dt.datetime.fromtimestamp(int(t) / 1000, NEW_YORK) for t in model.series.t]
            assert all(when.weekday() < 5 for when in local), timeframe
            if timeframe is not Timeframe.D1:
                assert all(4 <= when.hour < 20 for when in local), timeframe
    finally:
        await broker.stop()
        await gateway.stop()


class _History:
    """Two 1-minute bars of Friday in lots (v) and a snapshot day volume of 2,000 shares."""

    BARS = [Bar(1764340200000, 10.0, 10.0, 10.0, 10.0, 12.0),
            Bar(1764340260000, 10.0, 10.0, 10.0, 10.0, 8.0)]

    async def history(self, conid: int, period: str, bar: str, *, outside_rth: bool = False,
                      start_ms: int | None = None) -> list[Bar]:
        return list(self.BARS)

    async def snapshot(self, conids: list[int], fields: list[str]) -> FeedBatch:
        return {AAPL: {"volume": 2000.0, "volume_long": 2000.0, "updated_ms": 1764340300000}}


async def test_live_bars_count_the_precise_day_volume_from_the_first_tick() -> None:
    """Live volume is the growth of 7762 (shares) from the snapshot taken with the history:
    the first tick counts, and the abbreviated 87 ("2K") adds nothing beside it."""
    model = ChartModel(_History(), HistoryLoader(), AAPL, Timeframe.M1)
    assert await model.load() == 2 and model.volume_factor == 100.0
    assert list(model.series.volume) == [1200.0, 800.0]
    next_minute = 1764340320000 + 5_000
    model.apply_quotes({AAPL: {"updated_ms": next_minute, "last": 10.1, "volume": 2000.0,
                               "volume_long": 2300.0}})
    model.apply_quotes({AAPL: {"updated_ms": next_minute + 1000, "last": 10.2,
                               "volume": 3000.0}})  # 87 rounded up: no 7762 change, no volume
    model.apply_quotes({AAPL: {"updated_ms": next_minute + 2000, "volume_long": 2450.0}})
    assert len(model.series) == 3 and model.series.volume[-1] == 450.0


class _NeverAnswers(_RecordedDelayedHistory):
    """A history source whose answer never comes (the request is still in flight)."""

    async def history(self, conid: int, period: str, bar: str, *, outside_rth: bool = False,
                      start_ms: int | None = None) -> list[Bar]:
        await asyncio.Event().wait()
        return []


async def test_a_chart_closed_while_its_history_loads_ends_quietly() -> None:
    """Closing a chart deletes its model with the window, then cancels the load: the cancelled
    fetch must not signal on the deleted model (it raised 'Signal source has been deleted',
    logged as an ERROR by the charts presenter's task)."""
    model = ChartModel(_NeverAnswers(), HistoryLoader(), AAPL, Timeframe.M1)
    task = asyncio.get_running_loop().create_task(model.load())
    await wait_until(lambda: model.loading)
    shiboken6.delete(model)  # as the window's deletion takes its child model
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

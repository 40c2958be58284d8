"""Ticks into bars on New York time, against a reference; joins across bar and session bounds."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from ibkr_desktop.models.bar_builder import (
    BarBuilder,
    Timeframe,
    aggregate_ticks,
    bar_start,
    day_volumes,
    settle_volume_factor,
)
from ibkr_desktop.models.series import BarSeries
from ibkr_desktop.protocol.bars import Bar

NY = ZoneInfo("America/New_York")
# Thursday 2025-03-06 00:00 ET .. Wednesday 2025-03-12: a weekend and the DST switch of 03-09
_FROM = int(dt.datetime(2025, 3, 6, tzinfo=NY).timestamp() * 1000)
_TO = int(dt.datetime(2025, 3, 12, tzinfo=NY).timestamp() * 1000)


def _ny(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> int:
    return int(dt.datetime(year, month, day, hour, minute, second, tzinfo=NY).timestamp() * 1000)


def _reference(ticks: list[tuple[int, float, float | None]], timeframe: Timeframe) -> list[Bar]:
    """Plain bucketing by New York wall clock: group, then first/max/min/last and volume sums."""
    groups: dict[int, list[tuple[float, float]]] = {}
    previous: float | None = None
    previous_date: dt.date | None = None
    for t_ms, price, day_volume in ticks:
        local = dt.datetime.fromtimestamp(t_ms / 1000, NY)
        if timeframe is Timeframe.D1:
            start = dt.datetime(local.year, local.month, local.day, tzinfo=NY)
        else:
            minutes = local.hour * 60 + local.minute
            step = timeframe.seconds // 60
            first = minutes - minutes % step
            start = dt.datetime(local.year, local.month, local.day, first // 60, first % 60,
                                tzinfo=NY)
        assert day_volume is not None
        # growth of the day volume; a lower one is a new day's on a later date, else ignored
        if previous is None or day_volume >= previous or local.date() > previous_date:
            traded = 0.0 if previous is None else (
                day_volume - previous if day_volume >= previous else day_volume)
            previous, previous_date = day_volume, local.date()
        else:
            traded = 0.0
        groups.setdefault(int(start.timestamp() * 1000), []).append((price, traded))
    return [Bar(t, g[0][0], max(p for p, _ in g), min(p for p, _ in g), g[-1][0],
                sum(v for _, v in g)) for t, g in sorted(groups.items())]


_ticks = st.lists(
    st.tuples(st.integers(_FROM, _TO), st.floats(1.0, 500.0), st.floats(0.0, 1e6)),
    max_size=60,
).map(lambda ticks: sorted(ticks, key=lambda tick: tick[0]))


@given(_ticks, st.sampled_from(list(Timeframe)))
def test_aggregation_matches_reference(ticks: list[tuple[int, float, float | None]],
                                       timeframe: Timeframe) -> None:
    assert aggregate_ticks(ticks, timeframe) == _reference(ticks, timeframe)


def test_bar_starts_are_new_york_wall_clock_across_dst() -> None:
    assert bar_start(_ny(2025, 3, 7, 10, 7, 31), Timeframe.M5) == _ny(2025, 3, 7, 10, 5)
    assert bar_start(_ny(2025, 3, 10, 10, 59, 59), Timeframe.H1) == _ny(2025, 3, 10, 10)
    assert bar_start(_ny(2025, 3, 10, 19, 0), Timeframe.D1) == _ny(2025, 3, 10)
    # the same UTC hour is 09:xx ET before the switch and 10:xx ET after it
    assert bar_start(_ny(2025, 3, 7, 9, 44), Timeframe.M15) == _ny(2025, 3, 7, 9, 30)


def test_live_bar_joins_history_across_a_bar_boundary() -> None:
    history = [Bar(_ny(2025, 3, 7, 10, m), 10, 11, 9, 10.5, 100) for m in range(0, 5)]
    series = BarSeries()
    series.merge(history)
    builder = BarBuilder(Timeframe.M1)
    builder.seed(history[-1])
    builder.add(_ny(2025, 3, 7, 10, 4, 30), 12.0, 5_000)  # inside the last history bar
    series.update_last(builder.current)  # type: ignore[arg-type]
    assert len(series) == 5 and series.high[-1] == 12.0 and series.close[-1] == 12.0
    series.update_last(builder.add(_ny(2025, 3, 7, 10, 5, 0), 8.0, 5_300))  # type: ignore[arg-type]
    assert len(series) == 6
    assert list(series.t[-2:]) == [_ny(2025, 3, 7, 10, 4), _ny(2025, 3, 7, 10, 5)]
    assert series.bar(-1) == Bar(_ny(2025, 3, 7, 10, 5), 8.0, 8.0, 8.0, 8.0, 300.0)
    assert builder.add(_ny(2025, 3, 7, 10, 4, 59), 99.0, 5_400) is None  # late tick: ignored


def test_live_bar_joins_history_across_a_session_boundary() -> None:
    """Friday 19:59 ET is followed by Monday 04:00 ET: no bar for the night or the weekend."""
    friday = Bar(_ny(2025, 3, 7, 19, 59), 10, 11, 9, 10.5, 100)
    for timeframe in Timeframe:
        series = BarSeries()
        start = bar_start(friday.t_ms, timeframe)
        series.merge([Bar(start, friday.open, friday.high, friday.low, friday.close, 100)])
        builder = BarBuilder(timeframe)
        builder.seed(series.bar(-1))
        builder.add(_ny(2025, 3, 7, 19, 59, 50), 10.6, 1_000)  # Friday's last tick
        builder.add(_ny(2025, 3, 10, 4, 0, 1), 11.0, 200)  # Monday: a new day's volume
        series.update_last(builder.current)  # type: ignore[arg-type]
        monday = bar_start(_ny(2025, 3, 10, 4, 0, 1), timeframe)
        assert list(series.t) == [start, monday], timeframe
        assert series.volume[-1] == 200.0 and series.open[-1] == 11.0


def test_volume_unit_is_settled_against_the_day_volume() -> None:
    """§11: a SPY-like day in lots (300k) against 30M shares in the snapshot is x100."""
    assert settle_volume_factor([300_000], 30_000_000) == 100.0
    assert settle_volume_factor([29_000_000], 30_000_000) == 1.0
    assert settle_volume_factor([5_000_000], 30_000_000) is None  # x6: no lot size
    assert settle_volume_factor([28_000], 30_000_000) == 1000.0
    assert settle_volume_factor([300_000], None) is None
    assert settle_volume_factor([0], 30_000_000) is None


def test_volume_unit_skips_a_newest_day_that_is_not_the_snapshots() -> None:
    """A bar at night (or a session barely begun) is the history's newest day while the
    snapshot still has the last session's volume: the day before settles it, never x10^7."""
    assert settle_volume_factor([6.0, 659_600.0, 640_000.0], 65_960_000) == 100.0
    assert settle_volume_factor([6.0], 65_960_000) is None


def test_day_volumes_sum_each_new_york_date_newest_first() -> None:
    bars = [Bar(_ny(2025, 3, 6, 15, 0), 1, 1, 1, 1, 5), Bar(_ny(2025, 3, 7, 9, 30), 1, 1, 1, 1, 2),
            Bar(_ny(2025, 3, 7, 19, 0), 1, 1, 1, 1, 3), Bar(_ny(2025, 3, 9, 21, 0), 1, 1, 1, 1, 1)]
    assert day_volumes(bars) == [1.0, 5.0, 5.0]
    assert day_volumes(bars, days=2) == [1.0, 5.0]


def test_timeframes_map_to_history_requests_ibkr_accepts() -> None:
    from ibkr_desktop.protocol.bars import check_history_request

    for timeframe in Timeframe:
        assert check_history_request(timeframe.period, timeframe.bar) is None, timeframe
    assert [tf.value for tf in Timeframe] == ["1m", "5m", "15m", "1h", "1D"]


def test_ticks_the_history_bar_already_counted_add_price_but_not_volume() -> None:
    builder = BarBuilder(Timeframe.M1)
    builder.seed(Bar(_ny(2025, 3, 7, 10, 4), 10, 11, 9, 10.5, 100))
    bar = builder.add(_ny(2025, 3, 7, 10, 4, 10), 12.0, 5_000, count_volume=False)
    assert bar == Bar(_ny(2025, 3, 7, 10, 4), 10, 12.0, 9, 12.0, 100)
    bar = builder.add(_ny(2025, 3, 7, 10, 4, 20), 11.0, 5_050)
    assert bar is not None and bar.volume == 150 and bar.close == 11.0


def test_a_charts_builder_makes_no_bar_at_night_or_at_the_weekend() -> None:
    """Trades on Friday 20:30, Saturday and Sunday 21:00 (the demo trades around the clock;
    IBKR's overnight venue too) build no bar: the chart has no Sunday bar. Their volume is not
    counted either; Monday 04:00 starts the next bar."""
    for timeframe in (Timeframe.H1, Timeframe.D1):
        builder = BarBuilder(timeframe, in_session=True)
        friday = builder.add(_ny(2025, 3, 7, 19, 30), 10.0, 1_000)
        assert friday is not None
        for when in (_ny(2025, 3, 7, 20, 30), _ny(2025, 3, 8, 12), _ny(2025, 3, 9, 21)):
            assert builder.add(when, 11.0, 1_500) is None, (timeframe, when)
        assert builder.current is not None and builder.current.close == 10.0
        monday = builder.add(_ny(2025, 3, 10, 4, 0, 5), 10.5, 200)
        assert monday is not None and monday.t_ms == bar_start(_ny(2025, 3, 10, 4), timeframe)
        assert monday.volume == 200.0 and monday.open == 10.5
    assert BarBuilder(Timeframe.H1).add(_ny(2025, 3, 9, 21), 11.0) is not None  # no session

"""BarSeries: growth on both ends, bounds, merge without gaps or duplicates."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ibkr_desktop.models.series import BarSeries
from ibkr_desktop.protocol.bars import Bar


def _bar(t: int, price: float = 10.0, volume: float = 1.0) -> Bar:
    return Bar(t, price, price + 1, price - 1, price + 0.5, volume)


def test_append_and_prepend_grow_and_keep_order() -> None:
    series = BarSeries(capacity=4)
    assert series.merge([_bar(t) for t in range(100, 200)]) == 0
    assert series.merge([_bar(t) for t in range(0, 100)]) == 0
    assert series.merge([_bar(t) for t in range(200, 1000)]) == 200
    assert len(series) == 1000
    assert list(series.t) == list(range(1000))
    assert series.close[5] == 10.5 and series.high[-1] == 11.0
    assert series.bar(-1) == _bar(999)


def test_update_last_replaces_or_appends() -> None:
    series = BarSeries()
    series.merge([_bar(0), _bar(60)])
    assert series.update_last(_bar(60, 20.0, 5.0)) == 1
    assert series.close[1] == 20.5 and series.volume[1] == 5.0
    assert series.update_last(_bar(120, 30.0)) == 2
    assert len(series) == 3


def test_bounded_drops_oldest_and_refuses_older() -> None:
    series = BarSeries(capacity=4, max_bars=10)
    series.merge([_bar(t) for t in range(20)])
    assert list(series.t) == list(range(10, 20))
    series.update_last(_bar(20))
    assert list(series.t) == list(range(11, 21))
    assert series.merge([_bar(0)]) == -1
    assert len(series) == 10


def test_clear_empties() -> None:
    series = BarSeries()
    series.merge([_bar(1)])
    series.clear()
    assert len(series) == 0 and series.index_of(1) == -1


@given(st.lists(st.lists(st.integers(0, 300), max_size=40), max_size=8))
def test_merge_equals_union_of_bars(batches: list[list[int]]) -> None:
    """Any sequence of merges holds each bar time exactly once, sorted, newest value winning."""
    series = BarSeries(capacity=4)
    expected: dict[int, Bar] = {}
    for number, batch in enumerate(batches):
        bars = [_bar(t, float(number)) for t in sorted(set(batch))]
        series.merge(bars)
        expected.update((b.t_ms, b) for b in bars)
    assert list(series.t) == sorted(expected)
    assert [series.bar(i) for i in range(len(series))] == [expected[t] for t in sorted(expected)]


def test_append_arrays_bulk_matches_merge() -> None:
    bars = [_bar(t, float(t)) for t in range(0, 50)]
    series = BarSeries(capacity=4, max_bars=40)
    series.merge(bars[:5])
    columns = [np.array([getattr(b, k) for b in bars[5:]])
               for k in ("t_ms", "open", "high", "low", "close", "volume")]
    assert series.append_arrays(*columns) == 0  # 10 oldest dropped at the bound
    expected = BarSeries(max_bars=40)
    expected.merge(bars)
    assert [series.bar(i) for i in range(40)] == [expected.bar(i) for i in range(40)]
    with pytest.raises(ValueError):
        series.append_arrays(*columns)  # not newer than the newest bar

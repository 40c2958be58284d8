"""Indicators against plain-Python reference formulas, and incremental == full recompute."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ibkr_desktop.models import indicators as ind
from ibkr_desktop.models.indicators import Indicator, IndicatorSpec
from ibkr_desktop.models.series import BarSeries
from ibkr_desktop.protocol.bars import Bar

NAN = float("nan")
_closes = st.lists(st.floats(1.0, 1000.0), min_size=0, max_size=120)


def _ref_sma(c: list[float], n: int) -> list[float]:
    return [sum(c[i - n + 1:i + 1]) / n if i >= n - 1 else NAN for i in range(len(c))]


def _ref_ema(c: list[float], n: int) -> list[float]:
    out, a = [NAN] * len(c), 2 / (n + 1)
    for i in range(n - 1, len(c)):
        out[i] = sum(c[:n]) / n if i == n - 1 else a * c[i] + (1 - a) * out[i - 1]
    return out


def _ref_rsi(c: list[float], n: int) -> list[float]:
    out = [NAN] * len(c)
    if len(c) <= n:
        return out
    d = [c[i] - c[i - 1] for i in range(1, len(c))]
    g = sum(max(x, 0) for x in d[:n]) / n
    lo = sum(max(-x, 0) for x in d[:n]) / n
    for i in range(n, len(c)):
        if i > n:
            g = (g * (n - 1) + max(d[i - 1], 0)) / n
            lo = (lo * (n - 1) + max(-d[i - 1], 0)) / n
        out[i] = 50.0 if g == lo == 0 else 100.0 if lo == 0 else 100 - 100 / (1 + g / lo)
    return out


def _close(a: np.ndarray | list[float], b: list[float]) -> bool:
    return len(a) == len(b) and all(
        (math.isnan(x) and math.isnan(y)) or math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9)
        for x, y in zip(list(a), b, strict=True))


@given(_closes, st.integers(1, 30))
def test_sma_ema_rsi_match_reference(c: list[float], n: int) -> None:
    arr = np.array(c, dtype=float)
    assert _close(ind.sma(arr, n), _ref_sma(c, n))
    assert _close(ind.ema(arr, n), _ref_ema(c, n))
    assert _close(ind.rsi(arr, n), _ref_rsi(c, n))


@given(_closes, st.integers(1, 30), st.floats(0.5, 3.0))
def test_bollinger_matches_reference(c: list[float], n: int, k: float) -> None:
    mid, upper, lower = ind.bollinger(np.array(c, dtype=float), n, k)
    sd = [math.sqrt(sum((x - m) ** 2 for x in c[i - n + 1:i + 1]) / n) if i >= n - 1 else NAN
          for i, m in enumerate(_ref_sma(c, n))]
    means = _ref_sma(c, n)
    assert _close(mid, means)
    assert _close(upper, [m + k * s for m, s in zip(means, sd, strict=True)])
    assert _close(lower, [m - k * s for m, s in zip(means, sd, strict=True)])


def test_vwap_restarts_each_session() -> None:
    day = 86_400_000
    monday_10 = 1_764_601_200_000  # 2025-12-01 10:00 ET (15:00 UTC)
    t = np.array([monday_10, monday_10 + 60_000, monday_10 + day, monday_10 + day + 60_000])
    h = np.array([11.0, 13.0, 21.0, 23.0])
    lo = np.array([9.0, 11.0, 19.0, 21.0])
    c = np.array([10.0, 12.0, 20.0, 22.0])
    v = np.array([100.0, 300.0, 0.0, 50.0])
    out = ind.vwap(h, lo, c, v, t)
    assert out[0] == 10.0
    assert out[1] == (10.0 * 100 + 12.0 * 300) / 400
    assert math.isnan(out[2]) and out[3] == 22.0


def test_ema_of_a_million_bars_is_vectorised_and_exact() -> None:
    c = np.linspace(100.0, 200.0, 1_000_000)
    out = ind.ema(c, 50)
    a = 2 / 51
    expected = c[:50].mean()
    for x in c[50:2000]:
        expected = a * x + (1 - a) * expected
    assert math.isclose(out[1999], expected, rel_tol=1e-12)


def _series(closes: list[float], start_t: int = 1_764_601_200_000) -> BarSeries:
    series = BarSeries(capacity=4)
    series.merge([Bar(start_t + i * 60_000, x, x + 1, x - 1, x, 100.0 + i)
                  for i, x in enumerate(closes)])
    return series


@settings(max_examples=60)
@given(st.lists(st.floats(1.0, 1000.0), min_size=1, max_size=80),
       st.lists(st.tuples(st.booleans(), st.floats(1.0, 1000.0)), min_size=1, max_size=30),
       st.sampled_from(["sma(5)", "ema(7)", "bb(10,2)", "vwap", "rsi(6)"]))
def test_incremental_update_equals_full_compute(closes: list[float],
                                                ticks: list[tuple[bool, float]],
                                                key: str) -> None:
    """Live ticks (new bar or last-bar change) updated from the tail give the full values."""
    series = _series(closes)
    live = Indicator(IndicatorSpec.parse(key))
    live.update(series, 0)
    for new_bar, price in ticks:
        t = int(series.t[-1]) + (60_000 if new_bar else 0)
        index = series.update_last(Bar(t, price, price + 1, price - 1, price, 7.0))
        live.update(series, index)
    full = Indicator(IndicatorSpec.parse(key))
    full.update(series, 0)
    for name, column in full.lines.items():
        assert _close(live.lines[name], list(column)), name


def test_spec_round_trips_and_refuses_unknown() -> None:
    for key in ("sma(50)", "ema(9)", "bb(20,2.5)", "vwap", "rsi(14)"):
        assert IndicatorSpec.parse(key).key == key
    assert IndicatorSpec.parse("rsi").length == 14
    assert IndicatorSpec.parse("rsi").pane == "rsi" and IndicatorSpec.parse("sma").pane == "price"
    for bad in ("macd(3)", "sma(0)", "sma(x)"):
        try:
            IndicatorSpec.parse(bad)
        except ValueError:
            continue
        raise AssertionError(bad)


def test_an_empty_series_gives_empty_lines_then_the_first_bars_count() -> None:
    """A chart opens before its history: every kind updates on no bars (empty lines), then on
    the first bars as if it had started with them."""
    series, keys = BarSeries(), ("sma(3)", "ema(3)", "bb(3,2)", "vwap", "rsi(3)")
    for key in keys:
        indicator = Indicator(IndicatorSpec.parse(key))
        indicator.update(series, 0)
        assert indicator.lines and all(len(c) == 0 for c in indicator.lines.values()), key
    series.merge([Bar(60_000 * i, 10.0 + i, 11.0 + i, 9.0 + i, 10.5 + i, 100.0)
                  for i in range(5)])
    for key in keys:
        late, fresh = Indicator(IndicatorSpec.parse(key)), Indicator(IndicatorSpec.parse(key))
        late.update(BarSeries(), 0)
        late.update(series, 0)
        fresh.update(series, 0)
        for name, column in fresh.lines.items():
            assert np.array_equal(late.lines[name], column, equal_nan=True), (key, name)

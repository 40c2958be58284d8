"""Chart indicators with numpy: SMA, EMA, Bollinger Bands, session VWAP (overlays) and RSI (pane).

The functions compute a whole column (NaN where a value is not defined yet); :class:`Indicator`
keeps their outputs for one chart and, on each frame, recomputes only from the first changed bar
(the live bar: O(length) for SMA/Bollinger, O(1) for EMA/RSI/VWAP from the stored state).

Formulas (the tests hold them against plain-Python references):

* SMA(n)[i] = mean(close[i-n+1..i]).
* EMA(n): alpha = 2/(n+1), seeded with SMA(n) at i = n-1, then alpha*close + (1-alpha)*prev.
* Bollinger(n, k): SMA(n) +/- k * population standard deviation of the same window.
* RSI(n) (Wilder): average gain/loss seeded with the mean of the first n changes, then
  avg = (avg*(n-1) + x)/n; RSI = 100 - 100/(1 + gain/loss) (100 when loss is 0, 50 when both).
* VWAP: cumulative sum(typical*volume)/sum(volume) per trading session, typical = (h+l+c)/3.
  Sessions are keyed by the UTC day of t - 6 h, which keeps every extended-hours session of New
  York (04:00-20:00 ET, either DST offset) on one key.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ibkr_desktop.models.series import BarSeries

_SESSION_SHIFT_MS = 6 * 3_600_000
_DAY_MS = 86_400_000
_BLOCK = 16


def _recursive(x: np.ndarray, alpha: float, y0: float) -> np.ndarray:
    """y[i] = alpha*x[i] + (1-alpha)*y[i-1] with y[-1] = y0, vectorised in blocks of 16.

    Inside a block the closed form is a scaled cumulative sum; only the block carries run in a
    Python loop (len/16 scalar steps), so a million bars take milliseconds.
    """
    size = len(x)
    if size == 0:
        return np.empty(0)
    if alpha >= 1.0:
        return x.astype(np.float64, copy=True)
    beta = 1.0 - alpha
    blocks = -(-size // _BLOCK)
    padded = np.zeros(blocks * _BLOCK)
    padded[:size] = x
    grid = padded.reshape(blocks, _BLOCK)
    q = beta ** np.arange(_BLOCK)  # beta^j
    inner = alpha * q * np.cumsum(grid / q, axis=1)  # each block started from 0
    carry = beta * q  # weight of the previous block's last value on each position
    starts = np.empty(blocks)
    previous = y0
    last = inner[:, -1]
    weight = carry[-1]
    for b in range(blocks):
        starts[b] = previous
        previous = last[b] + weight * previous
    result: np.ndarray = (inner + np.outer(starts, carry)).ravel()[:size]
    return result


def sma(close: np.ndarray, n: int) -> np.ndarray:
    """Simple moving average of ``n`` bars (NaN for the first n-1)."""
    out = np.full(len(close), np.nan)
    if n <= len(close):
        sums = np.cumsum(np.concatenate(([0.0], close)))
        out[n - 1:] = (sums[n:] - sums[:-n]) / n
    return out


def ema(close: np.ndarray, n: int) -> np.ndarray:
    """Exponential moving average, alpha 2/(n+1), seeded with the first SMA (NaN before)."""
    out = np.full(len(close), np.nan)
    if n <= len(close):
        out[n - 1] = close[:n].mean()
        out[n:] = _recursive(close[n:], 2.0 / (n + 1), out[n - 1])
    return out


def bollinger(close: np.ndarray, n: int, k: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(middle, upper, lower): SMA(n) +/- k population standard deviations."""
    mid = sma(close, n)
    std = np.full(len(close), np.nan)
    if n <= len(close):
        windows = np.lib.stride_tricks.sliding_window_view(close, n)
        std[n - 1:] = windows.std(axis=1)
    return mid, mid + k * std, mid - k * std


def rsi(close: np.ndarray, n: int) -> np.ndarray:
    """Wilder's RSI(n) in 0..100 (NaN for the first n bars)."""
    return _rsi_parts(close, n)[0]


def _rsi_parts(close: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rsi, average gain, average loss), each aligned to the bar index (NaN before bar n)."""
    out = [np.full(len(close), np.nan) for _ in range(3)]
    if len(close) <= n:
        return out[0], out[1], out[2]
    change = np.diff(close)
    gain, loss = np.maximum(change, 0.0), np.maximum(-change, 0.0)
    for column, moves in ((out[1], gain), (out[2], loss)):
        column[n] = moves[:n].mean()
        column[n + 1:] = _recursive(moves[n:], 1.0 / n, column[n])
    out[0][n:] = _rsi_of(out[1][n:], out[2][n:])
    return out[0], out[1], out[2]


def _rsi_of(avg_gain: np.ndarray, avg_loss: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        value: np.ndarray = 100.0 - 100.0 / (1.0 + avg_gain / avg_loss)
    value[(avg_loss == 0) & (avg_gain > 0)] = 100.0
    value[(avg_loss == 0) & (avg_gain == 0)] = 50.0
    return value


def session_keys(t_ms: np.ndarray) -> np.ndarray:
    """One int per New York trading session (see the module docstring)."""
    return (t_ms - _SESSION_SHIFT_MS) // _DAY_MS


def vwap(high: np.ndarray, low: np.ndarray, close: np.ndarray, volume: np.ndarray,
         t_ms: np.ndarray) -> np.ndarray:
    """Session-anchored VWAP (NaN until a session has traded volume)."""
    pv = _session_cumsum((high + low + close) / 3.0 * volume, t_ms)
    return _ratio(pv, _session_cumsum(volume, t_ms))


def _ratio(pv: np.ndarray, v: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(v > 0, pv / v, np.nan)


def _session_cumsum(x: np.ndarray, t_ms: np.ndarray) -> np.ndarray:
    """Cumulative sum of ``x`` restarting at every new session."""
    sums = np.cumsum(x)
    if len(x) == 0:
        return sums
    keys = session_keys(t_ms)
    first = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    before = np.concatenate(([0.0], sums))[first]  # sum before each session's first bar
    owner = np.searchsorted(first, np.arange(len(x)), side="right") - 1
    return sums - before[owner]


@dataclass(frozen=True, slots=True)
class IndicatorSpec:
    """Which indicator and its parameters; ``key`` is how a chart saves it (``"bb(20,2)"``).

    ``kind``: ``sma``, ``ema``, ``bb`` (Bollinger), ``vwap`` or ``rsi``.
    """

    kind: str
    length: int = 20
    width: float = 2.0

    @property
    def key(self) -> str:
        """Saved form, parsed back by :meth:`parse`."""
        if self.kind == "vwap":
            return "vwap"
        if self.kind == "bb":
            return f"bb({self.length},{self.width:g})"
        return f"{self.kind}({self.length})"

    @property
    def pane(self) -> str:
        """``"price"`` for overlays, ``"rsi"`` for the RSI pane."""
        return "rsi" if self.kind == "rsi" else "price"

    @classmethod
    def parse(cls, key: str) -> IndicatorSpec:
        """``"sma(50)"`` -> spec. Raises ValueError for an unknown kind or bad numbers."""
        text = key.strip().lower()
        kind, _, rest = text.partition("(")
        if kind not in KINDS:
            raise ValueError(f"Unknown indicator {key!r}")
        args = [a for a in rest.rstrip(")").split(",") if a.strip()]
        length = int(args[0]) if args else KINDS[kind]
        width = float(args[1]) if len(args) > 1 else 2.0
        if length < 1 or width <= 0:
            raise ValueError(f"Bad indicator parameters {key!r}")
        return cls(kind, length, width)


KINDS: dict[str, int] = {"sma": 20, "ema": 20, "bb": 20, "vwap": 1, "rsi": 14}
"""Indicator kinds and their default length."""

_LINES: dict[str, tuple[str, ...]] = {
    "sma": ("sma",), "ema": ("ema",), "bb": ("mid", "upper", "lower"), "vwap": ("vwap",),
    "rsi": ("rsi",),
}
_STATE: dict[str, tuple[str, ...]] = {"rsi": ("gain", "loss"), "vwap": ("pv", "v")}


class Indicator:
    """One indicator's lines for one chart, kept in step with a :class:`BarSeries`.

    ``lines`` maps line names (``sma``; ``mid``/``upper``/``lower``; ``rsi``...) to float64
    columns as long as the series (views: read them after each :meth:`update`).
    """

    def __init__(self, spec: IndicatorSpec) -> None:
        self.spec = spec
        self._columns: dict[str, np.ndarray] = {}
        self._size = 0
        self._first_t: int | None = None

    @property
    def lines(self) -> dict[str, np.ndarray]:
        """Drawn columns by name."""
        return {name: self._columns[name][:self._size] for name in _LINES[self.spec.kind]
                if name in self._columns}

    def update(self, series: BarSeries, first_changed: int) -> None:
        """Recompute from bar ``first_changed`` on (everything when the start moved)."""
        size = len(series)
        first_t = int(series.t[0]) if size else None
        start = first_changed
        if first_t != self._first_t or not 0 < start <= self._size or start > size:
            start = 0
        values = self._compute(series, start)
        self._ensure(size)
        for name, column in values.items():
            self._columns[name][start:size] = column
        self._size, self._first_t = size, first_t

    def _ensure(self, size: int) -> None:
        names = _LINES[self.spec.kind] + _STATE.get(self.spec.kind, ())
        capacity = len(next(iter(self._columns.values()))) if self._columns else 0
        if self._columns and size <= capacity:  # an empty series still gets its columns
            return
        capacity = max(size, 2 * capacity, 256)
        for name in names:
            grown = np.full(capacity, np.nan)
            if name in self._columns:
                grown[:self._size] = self._columns[name][:self._size]
            self._columns[name] = grown

    def _prior(self, name: str, start: int) -> float:
        return float(self._columns[name][start - 1])

    def _compute(self, series: BarSeries, start: int) -> dict[str, np.ndarray]:
        """Values of every column for bars ``start..`` (``start`` 0: the whole series)."""
        spec, close = self.spec, series.close
        n = spec.length
        if spec.kind in ("sma", "bb"):
            lo = max(0, start - n + 1)
            if spec.kind == "sma":
                return {"sma": sma(close[lo:], n)[start - lo:]}
            mid, upper, lower = bollinger(close[lo:], n, spec.width)
            return {"mid": mid[start - lo:], "upper": upper[start - lo:],
                    "lower": lower[start - lo:]}
        if spec.kind == "ema":
            if start == 0 or np.isnan(self._prior("ema", start)):
                return {"ema": ema(close, n)[start:]}
            return {"ema": _recursive(close[start:], 2.0 / (n + 1), self._prior("ema", start))}
        if spec.kind == "rsi":
            return self._rsi_tail(close, start)
        return self._vwap_tail(series, start)

    def _rsi_tail(self, close: np.ndarray, start: int) -> dict[str, np.ndarray]:
        n = self.spec.length
        if start <= n or np.isnan(self._prior("gain", start)):
            values, gain, loss = _rsi_parts(close, n)
            return {"rsi": values[start:], "gain": gain[start:], "loss": loss[start:]}
        change = close[start:] - close[start - 1:-1]
        gain = _recursive(np.maximum(change, 0.0), 1.0 / n, self._prior("gain", start))
        loss = _recursive(np.maximum(-change, 0.0), 1.0 / n, self._prior("loss", start))
        return {"rsi": _rsi_of(gain, loss), "gain": gain, "loss": loss}

    def _vwap_tail(self, series: BarSeries, start: int) -> dict[str, np.ndarray]:
        t = series.t
        typical = (series.high[start:] + series.low[start:] + series.close[start:]) / 3.0
        pv = _session_cumsum(typical * series.volume[start:], t[start:])
        v = _session_cumsum(series.volume[start:], t[start:])
        if start:
            keys = session_keys(t[start - 1:])
            same = np.cumprod(keys[1:] == keys[0]).astype(bool)  # still the previous session
            pv = pv + np.where(same, self._prior("pv", start), 0.0)
            v = v + np.where(same, self._prior("v", start), 0.0)
        return {"vwap": _ratio(pv, v), "pv": pv, "v": v}

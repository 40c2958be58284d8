"""Bounded, growable OHLCV columns in numpy arrays: the data a chart draws.

One :class:`BarSeries` holds one conid at one timeframe, oldest bar first. Columns are views into
preallocated buffers with headroom on both ends, so appending live bars and prepending older
history are amortised O(1) per bar (capacity doubles when a side runs out). The series is bounded:
past ``max_bars`` the oldest bars are dropped on append, and older history beyond it is refused.

Shapes: every column has ``len(series)`` rows; ``t`` is int64 epoch milliseconds (bar start,
UTC), the others float64 (prices in the quote currency, volume in shares).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ibkr_desktop.protocol.bars import Bar

MAX_BARS = 2_000_000
"""Default bound of one series (1M bars plus room to scroll back)."""

class BarSeries:
    """OHLCV columns of one chart, oldest first, with ``merge`` for joining history and live.

    Args:
        capacity: Initial buffer rows (grows by doubling).
        max_bars: Most bars kept; older ones are dropped when newer ones arrive.
    """

    def __init__(self, capacity: int = 1024, max_bars: int = MAX_BARS) -> None:
        self.max_bars = max(1, max_bars)
        size = max(4, capacity)
        self._t = np.zeros(size, dtype=np.int64)
        self._v = np.zeros((5, size), dtype=np.float64)
        self._lo = self._hi = size // 2  # rows [lo, hi) are in use

    # -- views --------------------------------------------------------------------------------

    def __len__(self) -> int:
        return self._hi - self._lo

    @property
    def t(self) -> np.ndarray:
        """Bar starts, int64 epoch ms (a view: do not keep it across changes)."""
        return self._t[self._lo:self._hi]

    @property
    def open(self) -> np.ndarray:
        """Opening prices (view)."""
        return self._v[0, self._lo:self._hi]

    @property
    def high(self) -> np.ndarray:
        """Highest prices (view)."""
        return self._v[1, self._lo:self._hi]

    @property
    def low(self) -> np.ndarray:
        """Lowest prices (view)."""
        return self._v[2, self._lo:self._hi]

    @property
    def close(self) -> np.ndarray:
        """Closing prices (view)."""
        return self._v[3, self._lo:self._hi]

    @property
    def volume(self) -> np.ndarray:
        """Volumes in shares (view)."""
        return self._v[4, self._lo:self._hi]

    def bar(self, index: int) -> Bar:
        """Bar ``index`` (negative counts from the newest). Raises IndexError when out of range."""
        size = len(self)
        if not -size <= index < size:
            raise IndexError(index)
        row = self._lo + (index % size)
        return Bar(int(self._t[row]), *(float(x) for x in self._v[:, row]))

    def index_of(self, t_ms: int) -> int:
        """Index of the bar starting at ``t_ms``, or -1."""
        index = int(np.searchsorted(self.t, t_ms))
        return index if index < len(self) and int(self.t[index]) == t_ms else -1

    # -- changes ------------------------------------------------------------------------------

    def clear(self) -> None:
        """Drop every bar (a timeframe switch reloads)."""
        self._lo = self._hi = len(self._t) // 2

    def merge(self, bars: Sequence[Bar]) -> int:
        """Join time-ordered ``bars`` into the series; return the first changed index (-1: none).

        Bars at a time already held replace that bar; bars newer than the newest are appended,
        bars older than the oldest prepended. No bar is ever duplicated and none in between is
        lost, so history and live join without gap. Bars that would exceed ``max_bars`` on the
        old side are refused; on the new side the oldest bars are dropped (indices shift).
        """
        if not bars:
            return -1
        if len(self) == 0:
            self._append(bars)
            return 0
        first_t, last_t = int(self.t[0]), int(self.t[-1])
        older = [b for b in bars if b.t_ms < first_t]
        newer = [b for b in bars if b.t_ms > last_t]
        inside = [b for b in bars if first_t <= b.t_ms <= last_t]
        changed = -1
        added_old = self._prepend(older) if older else 0
        if added_old:
            changed = 0
        for bar in inside:
            index = self.index_of(bar.t_ms)
            if index < 0:  # a bar missing in between: rebuild around it (rare)
                return self._rebuild(bars)
            self._write(self._lo + index, bar)
            changed = index if changed < 0 else min(changed, index)
        if newer:
            dropped = self._append(newer)
            start = len(self) - len(newer)
            changed = start if changed < 0 else max(0, min(changed, start) - dropped)
        return changed

    def update_last(self, bar: Bar) -> int:
        """Replace the newest bar when ``bar`` has its start, else append; return its index.

        The live hot path (one call per tick batch): no list building, one row written.
        """
        if len(self):
            last = int(self._t[self._hi - 1])
            if last == bar.t_ms:
                self._write(self._hi - 1, bar)
                return len(self) - 1
            if bar.t_ms < last:
                self.merge([bar])
                return self.index_of(bar.t_ms)
        self._append([bar])
        return len(self) - 1

    def append_arrays(self, t: np.ndarray, open_: np.ndarray, high: np.ndarray, low: np.ndarray,
                      close: np.ndarray, volume: np.ndarray) -> int:
        """Append columns of bars newer than the newest (bulk loads, benchmarks); return the
        first changed index.

        Raises:
            ValueError: the columns differ in length, or ``t`` does not start after the newest
                bar or does not increase.
        """
        count = len(t)
        if any(len(column) != count for column in (open_, high, low, close, volume)):
            raise ValueError("columns differ in length")
        if count == 0:
            return -1
        if np.any(np.diff(t) <= 0) or (len(self) and int(t[0]) <= int(self.t[-1])):
            raise ValueError("bar times must increase past the newest bar")
        count = min(count, self.max_bars)
        if self._hi + count > len(self._t):
            self._grow(0, count)
        end = self._hi + count
        self._t[self._hi:end] = t[-count:]
        for row, column in enumerate((open_, high, low, close, volume)):
            self._v[row, self._hi:end] = column[-count:]
        self._hi = end
        dropped = max(0, len(self) - self.max_bars)
        self._lo += dropped
        return 0 if dropped else len(self) - count

    # -- internals ----------------------------------------------------------------------------

    def _write(self, row: int, bar: Bar) -> None:
        self._t[row] = bar.t_ms
        self._v[:, row] = (bar.open, bar.high, bar.low, bar.close, bar.volume)

    def _rebuild(self, bars: Sequence[Bar]) -> int:
        merged = {int(t): self.bar(i) for i, t in enumerate(self.t)}
        merged.update((b.t_ms, b) for b in bars)
        self.clear()
        self._append([merged[t] for t in sorted(merged)])
        return 0

    def _grow(self, front: int, back: int) -> None:
        """Reallocate so ``front`` rows fit before and ``back`` rows after the used rows."""
        used = len(self)
        size = len(self._t)
        while size < 2 * (used + front + back):
            size *= 2
        lo = front + (size - used - front - back) // 2
        t = np.zeros(size, dtype=np.int64)
        v = np.zeros((5, size), dtype=np.float64)
        t[lo:lo + used] = self.t
        v[:, lo:lo + used] = self._v[:, self._lo:self._hi]
        self._t, self._v, self._lo, self._hi = t, v, lo, lo + used

    def _rows(self, bars: Sequence[Bar]) -> tuple[np.ndarray, np.ndarray]:
        t = np.fromiter((b.t_ms for b in bars), dtype=np.int64, count=len(bars))
        v = np.array([(b.open, b.high, b.low, b.close, b.volume) for b in bars],
                     dtype=np.float64).reshape(len(bars), 5).T
        return t, v

    def _append(self, bars: Sequence[Bar]) -> int:
        """Append newer bars; return how many old bars were dropped to stay bounded."""
        if len(bars) > self.max_bars:
            bars = bars[-self.max_bars:]
        if self._hi + len(bars) > len(self._t):
            self._grow(0, len(bars))
        t, v = self._rows(bars)
        self._t[self._hi:self._hi + len(bars)] = t
        self._v[:, self._hi:self._hi + len(bars)] = v
        self._hi += len(bars)
        dropped = max(0, len(self) - self.max_bars)
        self._lo += dropped
        return dropped

    def _prepend(self, bars: Sequence[Bar]) -> int:
        """Prepend older bars (as many as the bound allows); return how many were added."""
        room = self.max_bars - len(self)
        if room <= 0:
            return 0
        bars = bars[-room:]
        if self._lo < len(bars):
            self._grow(len(bars), 0)
        t, v = self._rows(bars)
        self._lo -= len(bars)
        self._t[self._lo:self._lo + len(bars)] = t
        self._v[:, self._lo:self._lo + len(bars)] = v
        return len(bars)

"""OHLCV min/max pyramid: bars aggregated in groups of 2**k, so a zoomed-out chart costs O(pixels).

Level 0 is the bars themselves (views of the caller's arrays, never copied). Level k >= 1 holds
``ceil(n / 2**k)`` groups; group j covers bars ``[j * 2**k, (j + 1) * 2**k)`` and carries the
group's first open, highest high, lowest low, last close and largest volume (largest, not summed,
so a volume bar keeps its scale while zooming). All levels together add at most one more copy of
the data. ``refresh(first)`` recomputes only the groups that contain bars ``>= first``: a live tick
on the last bar costs O(levels). Pure numpy; float64 arrays of equal length.
"""

from __future__ import annotations

import numpy as np

FIELDS = ("open", "high", "low", "close", "volume")
Level = dict[str, np.ndarray]


class Pyramid:
    """Aggregated OHLCV levels over five equal-length float64 arrays (level 0 = the data)."""

    def __init__(self) -> None:
        self.levels: list[Level] = []
        self._stores: list[Level] = []  # level k >= 1 storage, capacity >= its size
        self.count = 0
        self._address = 0  # where the first bar's open was: a move means indices may shift

    def set_data(self, open_: np.ndarray, high: np.ndarray, low: np.ndarray,
                 close: np.ndarray, volume: np.ndarray, first: int = 0) -> None:
        """Take the arrays (views kept, not copied); bars before ``first`` are unchanged.

        ``first=0`` rebuilds every level (about 25 ms for 1M bars); after a tick on the last bar
        or appended bars pass the first changed index: O(levels + changed bars). When the
        arrays no longer start at the same address (a ``BarSeries`` grew its buffer, dropped
        its oldest bars or prepended older ones) every level is rebuilt, whatever ``first`` says.
        """
        address = open_.__array_interface__["data"][0]
        if address != self._address:  # moved: a buffer grew, or bars were dropped or prepended
            first, self._address = 0, address  # so old indices may name other bars: rebuild
        self.levels = [dict(zip(FIELDS, (open_, high, low, close, volume), strict=True))]
        first = min(first, self.count)
        self.count = len(close)
        below, n, k = self.levels[0], self.count, 1
        while n > 1:
            size = (n + 1) // 2
            first //= 2
            if k > len(self._stores):
                self._stores.append({name: np.empty(2 * size) for name in FIELDS})
                first = 0
            store = self._stores[k - 1]
            if len(store["close"]) < size:
                grown = {name: np.empty(2 * size) for name in FIELDS}
                for name in FIELDS:
                    grown[name][:first] = store[name][:first]
                store = self._stores[k - 1] = grown
            level = {name: store[name][:size] for name in FIELDS}
            self.levels.append(level)
            _aggregate(below, level, min(first, size), n)
            below, n, k = level, size, k + 1

    def level_for(self, bars_per_pixel: float) -> int:
        """The coarsest level whose groups still fit in about one pixel each."""
        k = 0
        while k + 1 < len(self.levels) and 2 ** (k + 1) <= bars_per_pixel:
            k += 1
        return k

    def span(self, level: int, first: int, stop: int) -> tuple[int, int]:
        """Group indices ``[g0, g1)`` of ``level`` covering bar indices ``[first, stop)``."""
        size = len(self.levels[level]["close"])
        g0 = max(0, first >> level)
        g1 = min(size, -(-max(stop, 0) // 2 ** level))
        return g0, max(g0, g1)

    def low_high(self, first: int, stop: int, field_low: str = "low",
                 field_high: str = "high") -> tuple[float, float] | None:
        """Lowest ``field_low`` and highest ``field_high`` over bars ``[first, stop)``, exact.

        Whole groups come from the level with about 1,000 groups in the range, the ragged edges
        from the bars: O(range / 1000 + 1000), never O(n). None for an empty range.
        """
        first, stop = max(0, first), min(self.count, stop)
        if stop <= first:
            return None
        k = min(len(self.levels) - 1, max(0, (stop - first) // 1024).bit_length())
        g0, g1 = -(-first // 2 ** k), stop // 2 ** k
        parts: list[tuple[int, int, int]] = []
        if g1 > g0:
            parts.append((k, g0, g1))
            parts += [(0, first, g0 << k), (0, g1 << k, stop)]
        else:
            parts.append((0, first, stop))
        lows = [self.levels[lv][field_low][a:b].min() for lv, a, b in parts if b > a]
        highs = [self.levels[lv][field_high][a:b].max() for lv, a, b in parts if b > a]
        return float(min(lows)), float(max(highs))


def _aggregate(below: Level, level: Level, start: int, n_below: int) -> None:
    """Fill ``level`` groups ``start..`` from pairs of ``below`` (an odd tail is its own group)."""
    a = 2 * start
    pairs = (n_below - a) // 2
    even, odd = slice(a, a + 2 * pairs, 2), slice(a + 1, a + 2 * pairs, 2)
    out = slice(start, start + pairs)
    level["open"][out] = below["open"][even]
    level["close"][out] = below["close"][odd]
    np.maximum(below["high"][even], below["high"][odd], out=level["high"][out])
    np.minimum(below["low"][even], below["low"][odd], out=level["low"][out])
    np.maximum(below["volume"][even], below["volume"][odd], out=level["volume"][out])
    if (n_below - a) % 2:
        last = start + pairs
        for name in FIELDS:
            level[name][last] = below[name][n_below - 1]

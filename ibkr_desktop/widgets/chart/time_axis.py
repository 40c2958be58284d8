"""Bottom axis showing exchange dates and times for bar indices (x = bar index).

Because x is the bar index, nights, weekends and holidays take no room; this axis turns each
tick's index back into the bar's start in exchange time (America/New_York by default). Ticks
show ``HH:MM`` within a day, the day (``Mon 30``) at the first tick in view and where the day
changes, the date when ticks are a day or more apart, and ``Jul 14`` (with the year on the
first tick and where it changes: ``Jan 05 2027``) when they are a month or more apart. Indices
past the newest bar are extrapolated at the bar length (the room on the right of a live chart).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pyqtgraph as pg

EXCHANGE_TZ = ZoneInfo("America/New_York")
DAY_MS = 86_400_000


class TimeAxis(pg.AxisItem):  # type: ignore[misc]
    """AxisItem for x = bar index; ``set_times`` gives the bars' start times (epoch ms, UTC)."""

    def __init__(self, orientation: str = "bottom", tz: ZoneInfo = EXCHANGE_TZ) -> None:
        super().__init__(orientation)
        self.tz = tz
        self._t = np.zeros(0, dtype=np.int64)
        self._bar_ms = 60_000

    def set_times(self, t_ms: np.ndarray, bar_ms: int) -> None:
        """Bar starts (int64 epoch ms, oldest first; kept as a view) and the bar length in ms."""
        self._t = t_ms
        self._bar_ms = bar_ms
        self.picture = None  # pyqtgraph's cached tick picture: redraw the labels
        self.update()

    def time_at(self, index: float) -> datetime | None:
        """Exchange time of bar ``round(index)``; None without bars or before the first bar."""
        i = int(round(index))
        count = len(self._t)
        if count == 0 or i < 0:
            return None
        t_ms = int(self._t[min(i, count - 1)]) + max(0, i - count + 1) * self._bar_ms
        return datetime.fromtimestamp(t_ms / 1000, self.tz)

    def tickStrings(self, values: list[float], scale: float,  # noqa: N802 (pyqtgraph API)
                    spacing: float) -> list[str]:
        step_ms = spacing * self._bar_ms
        if len(self._t) > 1:
            span = (int(self._t[-1]) - int(self._t[0])) / (len(self._t) - 1)
            step_ms = spacing * span  # the bars' average gap, nights included
        strings: list[str] = []
        previous: datetime | None = None
        low, high = sorted(self.range)
        for value in values:
            when = self.time_at(value)
            if when is None or not low <= value <= high:  # off the axis: not drawn
                strings.append("")
                continue
            if step_ms >= 28 * DAY_MS:  # the date (two ticks may fall in one month), the year
                text = when.strftime("%b %d")  # when it changes
                if previous is None or when.year != previous.year:
                    text += when.strftime(" %Y")
            elif step_ms >= DAY_MS:
                text = when.strftime("%b %d")
            elif previous is None or when.date() != previous.date():
                text = when.strftime("%a %d")  # a new day (short: it must fit the tick's room)
            else:
                text = when.strftime("%H:%M")
            strings.append(text)
            previous = when
        return strings

"""Fills on the chart: one inside a bar sits on it; one outside the session (at night, after
the newest bar) is not drawn on an older bar as if it happened then: it sits between bars,
and its tip gives its true time and says why; a live one whose bar has not formed yet sits
where that bar comes."""

from __future__ import annotations

import numpy as np

from ibkr_desktop.app.presenters.chart_marks import fill_marks
from ibkr_desktop.models.fills import FillsModel
from ibkr_desktop.protocol.events import Fill

AAPL = 265598
FRIDAY_1955 = 1_795_755_600_000 + (19 * 60 + 55) * 60_000  # 2026-11-27 19:55 New York
BAR_MS = 300_000


def fill(execution_id: str, time_ms: int, price: float, side: str = "BUY") -> Fill:
    return Fill(execution_id, "DU123", AAPL, "AAPL", side, 10.0, price, time_ms, None, None,
                None, None, None)


def test_a_fill_outside_the_session_is_not_drawn_on_an_older_bar() -> None:
    bars = np.array([FRIDAY_1955 - BAR_MS, FRIDAY_1955], dtype=np.int64)  # 19:50, 19:55
    fills = FillsModel()
    sunday_night = FRIDAY_1955 + 2 * 86_400_000 + 3 * 3_600_000  # Sun Nov 29 22:55
    fills.add([fill("a", FRIDAY_1955 - BAR_MS + 60_000, 188.5),
               fill("b", sunday_night, 189.25, "SELL")])
    marks = {mark.price: mark for mark in fill_marks(fills, AAPL, bars, BAR_MS)}
    assert marks[188.5].x == 0 and "Fri Nov 27 2026 19:51:00" in marks[188.5].tip
    night = marks[189.25]
    assert night.x == 1.5 and night.side == "SELL"  # right of Friday's last bar, not on it
    assert "Sun Nov 29 2026 22:55:00 New York" in night.tip
    assert "outside the session" in night.tip


def test_a_live_fill_after_the_newest_bar_sits_where_its_bar_comes() -> None:
    """A fill in the session before a tick has opened its bar: at the next bar's place (not
    between bars, not on the bar before it)."""
    ten = FRIDAY_1955 - (9 * 60 + 55) * 60_000  # Friday 10:00 New York
    bars = np.array([ten, ten + BAR_MS], dtype=np.int64)
    fills = FillsModel()
    fills.add([fill("c", ten + 2 * BAR_MS + 60_000, 187.0)])
    [mark] = fill_marks(fills, AAPL, bars, BAR_MS)
    assert mark.x == 2 and "outside" not in mark.tip and "Fri Nov 27 2026 10:11:00" in mark.tip

"""The self-test's chart step checks a live bar that moves: its demo clock starts in regular
hours (``self_test_config``), and the step fails, saying why, when live ticks build no bar
(a demo clock at night)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from ibkr_desktop.app.embedded import self_test_config
from ibkr_desktop.app.self_test import SelfTest, StepFailed
from ibkr_desktop.models.bar_builder import NEW_YORK, session_window
from tests.app.conftest import running_app
from tests.client.conftest import fast_config
from tests.helpers import wait_until

AAPL = 265598


@pytest.mark.parametrize("now", ["2026-11-30T00:30", "2026-11-28T15:00", "2026-12-02T23:59"])
def test_the_self_tests_demo_clock_starts_in_regular_hours(now: str) -> None:
    """Mon after midnight, Sat, Wed night: the demo starts at 10:00 New York of the weekday
    before, hours before the session's end."""
    now_ms = int(dt.datetime.fromisoformat(now).replace(tzinfo=NEW_YORK).timestamp() * 1000)
    start_ms = self_test_config(now_ms).start_ms
    assert start_ms is not None and start_ms < now_ms
    start = dt.datetime.fromtimestamp(start_ms / 1000, NEW_YORK)
    assert start.weekday() < 5 and start.time() == dt.time(10, 0)
    window = session_window(start_ms)
    assert window is not None and window[1] - start_ms >= 6 * 3_600_000


@pytest.mark.qt_log_ignore("does not support raise")  # the offscreen platform cannot raise
@pytest.mark.parametrize(("start", "passes"), [("2025-06-04T11:00", True),
                                                ("2025-06-07T22:00", False)])
async def test_the_chart_step_passes_only_when_a_live_bar_moves(
        qapp, start: str, passes: bool) -> None:
    """Wednesday 11:00: the newest bar moves. Saturday night: the step fails and says why."""
    start_ms = int(dt.datetime.fromisoformat(start).replace(tzinfo=NEW_YORK).timestamp() * 1000)
    async with running_app(qapp, replace(fast_config(), start_ms=start_ms)) as app:
        await wait_until(lambda: app.watchlist.row_of(AAPL) is not None, 8)
        lines: list[str] = []
        test = SelfTest(app, lines.append, timeout_s=20)
        test.order.conid, test.order.symbol = AAPL, "AAPL"
        if passes:
            seen = await test.chart()
            assert "live bar moved" in seen
        else:
            with pytest.raises(StepFailed, match="outside the US session"):
                await test.chart()
        for window in list(app.presenters.charts.windows.values()):
            window.close()

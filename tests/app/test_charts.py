"""Chart windows in the whole app on the demo gateway: opened from the watchlist (double-click,
Ctrl+G), one per symbol, live last price, quotes held while open and released on close,
timeframe switching, and the open charts restored at the next start."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QToolButton

from ibkr_desktop.app.settings import Keys
from ibkr_desktop.app.startup import App
from ibkr_desktop.widgets.chart.chart_window import ChartWindow
from tests.app.conftest import running_app
from tests.helpers import wait_until

# showing and raising a top-level window asks the offscreen platform for what it lacks
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")

AAPL, MSFT = 265598, 272093


def double_click_row(qtbot, app: App, conid: int) -> None:
    table = app.window.watchlist.table
    row = app.watchlist.row_of(conid)
    assert row is not None
    rect = table.visualRect(table.model().index(row, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def ctrl_g_on_row(qtbot, app: App, conid: int) -> None:
    table = app.window.watchlist.table
    row = app.watchlist.row_of(conid)
    assert row is not None
    table.select_row(row)
    qtbot.keyClick(table, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)


def charts(app: App) -> dict[int, ChartWindow]:
    return app.presenters.charts.windows


async def test_charts_open_from_the_watchlist_show_live_prices_and_release_on_close(
        qapp, qtbot) -> None:
    """Double-click AAPL and Ctrl+G on MSFT: two chart windows, each titled with its symbol and
    timeframe, each showing its live last price; the feed holds each conid for the chart too;
    opening AAPL again raises the same window; closing it releases its quotes."""
    async with running_app(qapp) as app:
        double_click_row(qtbot, app, AAPL)
        ctrl_g_on_row(qtbot, app, MSFT)
        assert sorted(charts(app)) == [AAPL, MSFT]
        aapl, msft = charts(app)[AAPL], charts(app)[MSFT]
        assert aapl.isVisible() and msft.isVisible()
        assert app.feed.holders(AAPL) >= 2  # the watchlist's row and the chart
        assert aapl.windowTitle().startswith("AAPL · 5m")
        assert msft.windowTitle().startswith("MSFT · 5m")
        await wait_until(lambda: aapl.last_label.text().startswith("AAPL ")
                         and msft.last_label.text().startswith("MSFT "), 8)
        # history, then live: the newest bar's readout appears and then moves with the ticks
        model = app.presenters.charts.models[AAPL]
        await wait_until(lambda: len(model.series) > 1 and not model.loading
                         and aapl.readout.text().startswith("O "), 10)
        assert not aapl.status.text()  # no progress left, nothing unavailable
        first = aapl.readout.text()
        await wait_until(lambda: aapl.readout.text() != first, 10)

        double_click_row(qtbot, app, AAPL)
        assert charts(app)[AAPL] is aapl and len(charts(app)) == 2

        holders = app.feed.holders(AAPL)
        aapl.close()
        assert sorted(charts(app)) == [MSFT]
        assert app.feed.holders(AAPL) == holders - 1 and AAPL in app.feed.live  # watchlist's
        assert [e["conid"] for e in Keys.CHARTS.get()] == [MSFT]


async def test_timeframe_switch_and_open_charts_restored_at_next_start(qapp, qtbot) -> None:
    """Pick 1h on the MSFT chart: the title says so; at the next start the MSFT chart reopens
    on 1h, holding its quotes, while a chart closed before quitting does not come back."""
    async with running_app(qapp) as app:
        ctrl_g_on_row(qtbot, app, MSFT)
        ctrl_g_on_row(qtbot, app, AAPL)
        msft = charts(app)[MSFT]
        qtbot.mouseClick(msft.findChild(QToolButton, "timeframe_1h"),
                         Qt.MouseButton.LeftButton)
        assert msft.timeframe == "1h" and msft.windowTitle().startswith("MSFT · 1h")
        model = app.presenters.charts.models[MSFT]
        await wait_until(lambda: model.timeframe == "1h" and len(model.series) > 5
                         and not model.loading, 10)
        assert set(np.diff(model.series.t[-5:]) % 3_600_000) == {0}  # hourly bars
        charts(app)[AAPL].close()
    assert Keys.CHARTS.get() == [{"conid": MSFT, "symbol": "MSFT", "timeframe": "1h",
                                  "indicators": []}]

    async with running_app(qapp) as app:
        assert sorted(charts(app)) == [MSFT]
        restored = charts(app)[MSFT]
        assert restored.isVisible() and restored.windowTitle().startswith("MSFT · 1h")
        assert app.feed.holders(MSFT) == 2  # the watchlist's row and the chart
        await wait_until(lambda: restored.last_label.text().startswith("MSFT "), 8)

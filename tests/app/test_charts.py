"""Chart windows in the whole app on the demo gateway: opened from the watchlist (double-click,
Ctrl+G), one per symbol, live last price, history then live candles, quotes held while open and
released on close, timeframe switching, the open charts restored at the next start, the
trader's orders/fills/average price on the chart and an order line dragged to modify it."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QToolButton

from ibkr_desktop.app.settings import Keys
from ibkr_desktop.app.startup import App
from ibkr_desktop.models.chart_model import ChartModel
from ibkr_desktop.protocol.orders import OrderTicket, OrderType, Side
from ibkr_desktop.widgets.chart.chart_window import ChartWindow
from ibkr_desktop.widgets.chart.panes import ChartPanes
from ibkr_desktop.widgets.chart.time_axis import EXCHANGE_TZ
from ibkr_desktop.widgets.confirm_dialog import ConfirmDialog
from tests.app.conftest import place, running_app
from tests.app.test_ticket_flow import count_order_calls, dialogs
from tests.helpers import wait_until
from tests.widgets.test_chart_window import drag, view_point

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
        await wait_until(lambda: settled(model, aapl) and aapl.readout.text().startswith("O "), 10)
        assert not aapl.status.text()  # no progress left, nothing unavailable
        panes = aapl.panes
        assert panes is not None and panes.candles.pyramid.count == len(model.series)
        x0, x1 = panes.view_range
        assert x0 < len(model.series) - 1 < x1  # the newest candle is in view
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
    """Pick 1h on the MSFT chart, SMA 20 and RSI 14: the title says so, the SMA curve holds the
    20-bar mean of the closes, RSI gets its own pane; at the next start the MSFT chart reopens
    on 1h with both, holding its quotes, while a chart closed before quitting does not."""
    async with running_app(qapp) as app:
        ctrl_g_on_row(qtbot, app, MSFT)
        ctrl_g_on_row(qtbot, app, AAPL)
        msft = charts(app)[MSFT]
        qtbot.mouseClick(msft.findChild(QToolButton, "timeframe_1h"),
                         Qt.MouseButton.LeftButton)
        assert msft.timeframe == "1h" and msft.windowTitle().startswith("MSFT · 1h")
        model = app.presenters.charts.models[MSFT]
        await wait_until(lambda: model.timeframe == "1h" and len(model.series) > 5
                         and not model.loading and msft.panes is not None
                         and msft.panes.candles.pyramid.count == len(model.series), 10)
        assert set(np.diff(model.series.t[-5:]) % 3_600_000) == {0}  # hourly bars
        panes = msft.panes
        assert panes is not None and not panes.rsi.isVisible()
        msft.indicator_button.set_checked("sma(20)", True)
        msft.indicator_button.set_checked("rsi(14)", True)
        assert panes.rsi.isVisible()
        [sma] = panes.indicators.curves[0].values()
        x, y = sma.getData()
        close = model.series.close
        i = int(x[-1])
        assert i >= 19 and y[-1] == pytest.approx(close[i - 19:i + 1].mean())
        [rsi] = panes.indicators.curves[1].values()
        assert rsi.getViewBox() is panes.rsi.getViewBox()
        charts(app)[AAPL].close()
    assert Keys.CHARTS.get() == [{"conid": MSFT, "symbol": "MSFT", "timeframe": "1h",
                                  "indicators": ["sma(20)", "rsi(14)"]}]

    async with running_app(qapp) as app:
        assert sorted(charts(app)) == [MSFT]
        restored = charts(app)[MSFT]
        assert restored.isVisible() and restored.windowTitle().startswith("MSFT · 1h")
        assert restored.indicator_button.keys() == ["sma(20)", "rsi(14)"]
        assert restored.panes is not None and restored.panes.rsi.isVisible()
        curves = restored.panes.indicators.curves
        await wait_until(lambda: "sma" in curves[0] and "rsi" in curves[1], 10)  # drawn
        assert app.feed.holders(MSFT) == 2  # the watchlist's row and the chart
        await wait_until(lambda: restored.last_label.text().startswith("MSFT "), 8)


async def test_orders_fills_and_average_on_the_chart_and_a_dragged_line_modifies(
        qapp, qtbot) -> None:
    """A working AAPL limit shows as a labelled line at its price, a filled market order as a
    marker at its bar and price, the position's average cost as a line; dragging the limit line
    opens the modify ticket at the drop price and, confirmed, the gateway sees one modify and
    the line moves there. A right-click below the market opens a buy limit ticket there."""
    async with running_app(qapp) as app:
        await place(app, OrderTicket(AAPL, Side.BUY, 100, OrderType.LMT, price=185.0))
        await place(app, OrderTicket(AAPL, Side.BUY, 10, OrderType.MKT))
        double_click_row(qtbot, app, AAPL)
        window, model = charts(app)[AAPL], app.presenters.charts.models[AAPL]
        assert window.panes is not None
        overlays = window.panes.overlays
        await wait_until(lambda: settled(model, window) and overlays.lines
                         and len(overlays.fills.getData()[0]), 10)
        [(order_id, (order, line))] = overlays.lines.items()
        assert line.value() == 185.0 and line.label.toPlainText().strip() == "BUY 100 LMT @ 185.00"
        fills = [app.fills.record(r) for r in range(app.fills.rowCount())]
        aapl_fill = next(f for f in fills if f["conid"] == AAPL)
        assert list(overlays.fills.getData()[1]) == [aapl_fill["price"]]
        # at the fill's bar: the newest one (a fill newer than the history's last bar sits where
        # its bar comes, and the next live tick builds that bar: on a busy machine, later)
        await wait_until(lambda: list(overlays.fills.getData()[0]) == [len(model.series) - 1], 10)
        await wait_until(lambda: overlays.average.isVisible(), 10)
        row = app.positions.row_of(AAPL)
        assert row is not None
        assert overlays.average.value() == app.positions.record(row)["avg_cost"]

        calls, shown = count_order_calls(app), dialogs(app)
        price_view = window.panes.price.getViewBox()
        price_view.setYRange(180, 190, padding=0)  # the line and its target in view
        price_view.updateMatrix()
        x_mid = sum(window.panes.view_range) / 2
        drag(window.panes, x_mid, 185.0, 186.0, price_view)
        presenter = app.presenters.ticket
        await wait_until(lambda: presenter.tickets and presenter.tickets[-1].rules is not None)
        ticket = presenter.tickets[-1].dialog
        assert ticket.windowTitle() == f"Modify order {order_id}: Buy AAPL"
        limit = float(ticket.fields.edits["limit"].text())
        assert limit == pytest.approx(186.0, abs=0.1)  # within a pixel of the drop
        assert line.value() == 185.0  # not moved before IBKR takes it
        ticket.send_button.click()
        await wait_until(lambda: shown)
        assert isinstance(shown[0], ConfirmDialog)
        shown[0].accept()
        await wait_until(lambda: overlays.lines[order_id][1].value() == limit, 10)
        assert calls == ["modify"]

        price_view.setYRange(180, 190, padding=0)  # live bars refit y meanwhile: 183 in view
        price_view.updateMatrix()
        at = view_point(window.panes, x_mid, 183.0, price_view)
        for kind in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease):
            QApplication.sendEvent(window.panes.viewport(), QMouseEvent(
                kind, QPointF(at), window.panes.viewport().mapToGlobal(QPointF(at)),
                Qt.MouseButton.RightButton, Qt.MouseButton.NoButton,
                Qt.KeyboardModifier.NoModifier))
        await wait_until(lambda: presenter.tickets[-1].dialog is not ticket)
        new = presenter.tickets[-1].dialog
        await wait_until(lambda: presenter.tickets[-1].rules is not None)
        assert new.windowTitle() == "Buy AAPL — order ticket"
        assert float(new.fields.edits["limit"].text()) == pytest.approx(183.0, abs=0.1)


async def test_a_chart_opens_from_the_positions_table(qapp, qtbot) -> None:
    """Ctrl+G on a position opens that contract's chart; closed, a double-click opens it again."""
    async with running_app(qapp) as app:
        table = app.window.positions_table
        await wait_until(lambda: app.positions.rowCount() > 0, 10)
        table.select_row(0)
        conid = int(str(app.positions.keys()[0]))
        symbol = str(app.positions.record(0)["symbol"])
        qtbot.keyClick(table, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
        assert list(charts(app)) == [conid]
        assert charts(app)[conid].windowTitle().startswith(f"{symbol} · 5m")
        charts(app)[conid].close()
        assert not charts(app)
        rect = table.visualRect(table.model().index(table.currentIndex().row(), 0))
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        assert list(charts(app)) == [conid]


async def loaded_chart(qtbot, app: App, conid: int) -> tuple[ChartWindow, ChartModel, ChartPanes]:
    """Open ``conid``'s chart from the watchlist and wait until its history is shown."""
    double_click_row(qtbot, app, conid)
    window = charts(app)[conid]
    model = app.presenters.charts.models[conid]
    await wait_until(lambda: settled(model, window) and window.readout.text().startswith("O "), 10)
    assert window.panes is not None
    return window, model, window.panes


def settled(model: ChartModel, window: ChartWindow) -> bool:
    """History is loaded and drawn, and fills the view (a first page shorter than the view
    brings the page before it) or there is no older history."""
    panes = window.panes
    return (len(model.series) > 10 and not model.loading and panes is not None
            and panes.candles.pyramid.count == len(model.series)
            and (panes.view_range[0] > 0 or model.exhausted))


async def test_the_time_axis_shows_new_york_times_of_the_bars(qapp, qtbot) -> None:
    """On the AAPL chart the bottom axis (under the volume pane only) labels its ticks with the
    New York time of the bar at each tick (the day, "Tue 03", at the first and where it changes),
    and the crosshair's readout ends with the hovered
    bar's date and time; with RSI shown the axis moves under the RSI pane."""
    async with running_app(qapp) as app:
        window, model, panes = await loaded_chart(qtbot, app, AAPL)
        axis = panes.time_axis
        assert panes.volume.getAxis("bottom") is axis and axis.isVisible()
        assert not panes.price.getAxis("bottom").isVisible()
        x0, x1 = panes.view_range
        shown = 0
        for spacing, values in axis.tickValues(x0, x1, panes.width()):
            for value, text in zip(values, axis.tickStrings(values, 1.0, spacing), strict=True):
                index = int(round(value))
                if text and 0 <= index < len(model.series):  # right of the newest: extrapolated
                    when = datetime.fromtimestamp(int(model.series.t[index]) / 1000, EXCHANGE_TZ)
                    assert text in (when.strftime("%H:%M"), when.strftime("%a %d")), (value, text)
                    shown += 1
        assert shown >= 3

        index = len(model.series) - 5
        view = panes.price.getViewBox()
        y0, y1 = view.viewRange()[1]
        panes.scene().sigMouseMoved.emit(view.mapViewToScene(QPointF(index, (y0 + y1) / 2)))
        when = datetime.fromtimestamp(int(model.series.t[index]) / 1000, EXCHANGE_TZ)
        assert window.readout.text().endswith(when.strftime("%a %b %d %H:%M"))

        window.indicator_button.changed.emit(["rsi(14)"])
        assert panes.time_axis is panes.rsi.getAxis("bottom") and panes.time_axis.isVisible()
        assert not panes.volume.getAxis("bottom").isVisible()


async def test_scrolling_back_loads_older_bars_and_the_view_keeps_its_bars(qapp, qtbot) -> None:
    """Pan the AAPL chart to its oldest bar: the page before it is loaded from the demo gateway
    and prepended, and the view moves with the indices, so it shows the same timestamps."""
    async with running_app(qapp) as app:
        window, model, panes = await loaded_chart(qtbot, app, AAPL)
        view = panes.price.getViewBox()
        x0, x1 = panes.view_range
        view.translateBy(x=-x0 - 2)  # what a drag to the right does: the oldest bar in view
        x0, x1 = panes.view_range
        assert x0 <= 0
        before = len(model.series)
        times = model.series.t[0:int(x1)].copy()  # the bars in view
        await wait_until(lambda: len(model.series) > before and panes.view_range[0] > 0, 10)
        # bars prepended (a live bar may have been appended meanwhile)
        added = int(np.searchsorted(model.series.t, times[0]))
        assert model.series.t[0] < times[0]  # older bars, before the ones shown
        assert panes.view_range == pytest.approx((x0 + added, x1 + added))
        assert np.array_equal(model.series.t[added:added + len(times)], times)  # same bars
        assert panes.candles.pyramid.count == len(model.series)

"""What a trader sees of a chart's view, offscreen on a real window: zoom stops at the loaded
bars (no dates centuries on) and at a few bars in, and a double-click, Home or the active
timeframe button bring back the newest bars; the active timeframe is highlighted; the 5m axis
names the day; a readout of another year says the year; live ticks outside the session say
that the market is closed and when live bars resume."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QImage, QMouseEvent, QPainter, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QToolButton

from ibkr_desktop.models.bar_builder import Timeframe
from ibkr_desktop.models.chart_model import ChartModel
from ibkr_desktop.models.history_loader import HistoryLoader
from ibkr_desktop.protocol.bars import Bar
from ibkr_desktop.widgets.chart.chart_window import ChartWindow
from ibkr_desktop.widgets.chart.panes import MARGIN, MIN_BARS, VISIBLE, ChartPanes

CONID = 265598
FRIDAY = 1_795_755_600_000  # 2026-11-27 00:00 New York
HOUR_MS, BAR_MS = 3_600_000, 300_000


def session_bars(midnight_ms: int) -> list[Bar]:
    """The 5-minute bars of one 04:00-20:00 New York session."""
    start = midnight_ms + 4 * HOUR_MS
    return [Bar(start + i * BAR_MS, 100.0 + i % 7, 101.0 + i % 7, 99.0 + i % 7, 100.5 + i % 7,
                1_000.0) for i in range(192)]


@pytest.fixture
def chart(qtbot) -> tuple[ChartWindow, ChartModel]:
    """A shown 5m chart of Thursday's and Friday's sessions (384 bars)."""
    window = ChartWindow(CONID, "AAPL", "5m")
    qtbot.addWidget(window)
    model = ChartModel(None, HistoryLoader(), CONID, Timeframe.M5)  # type: ignore[arg-type]
    window.show_model(model)
    window.show()
    qtbot.waitExposed(window)
    model.series.merge(session_bars(FRIDAY - 24 * HOUR_MS) + session_bars(FRIDAY))
    model.set_indicators([])  # marks the bars changed (as a load does)
    model.flush()
    return window, model


def panes_of(window: ChartWindow) -> ChartPanes:
    assert window.panes is not None
    return window.panes


def wheel(panes: ChartPanes, notches: int) -> None:
    """Turn the wheel over the middle of the price pane (negative: towards the user, out)."""
    view = panes.price.getViewBox()
    at = QPointF(panes.mapFromScene(view.sceneBoundingRect().center()))
    for _ in range(abs(notches)):
        event = QWheelEvent(at, panes.viewport().mapToGlobal(at), QPoint(),
                            QPoint(0, 120 if notches > 0 else -120), Qt.MouseButton.NoButton,
                            Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
        QApplication.sendEvent(panes.viewport(), event)


def axis_texts(panes: ChartPanes) -> list[str]:
    """The time axis labels as drawn, left to right."""
    axis = panes.time_axis
    image = QImage(800, 100, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    texts = sorted(specs[2], key=lambda spec: spec[0].left())
    return [text for _rect, _flags, text in texts]


def default_view(count: int) -> tuple[float, float]:
    return float(count + MARGIN - VISIBLE), float(count + MARGIN)


def test_zoom_out_stops_at_the_loaded_bars_and_zoom_in_at_a_few(chart) -> None:
    window, model = chart
    panes = panes_of(window)
    count = len(model.series)
    wheel(panes, -50)
    x0, x1 = panes.view_range
    assert x1 <= count + MARGIN + 0.5 and x0 >= -count, (x0, x1)
    assert all("2502" not in text and "2027" not in text for text in axis_texts(panes))
    assert x1 - x0 > VISIBLE  # it did zoom out
    wheel(panes, 50)
    x0, x1 = panes.view_range
    assert MIN_BARS - 0.5 <= x1 - x0 < VISIBLE, (x0, x1)


def test_double_click_home_and_the_active_timeframe_bring_back_the_newest_bars(
        chart, qtbot) -> None:
    window, model = chart
    panes = panes_of(window)
    expected = default_view(len(model.series))
    ways = {
        "double-click": lambda: double_click(panes),
        "Home": lambda: QTest.keyClick(panes.viewport(), Qt.Key.Key_Home),  # focus in the plot
        "5m again": lambda: window.findChild(QToolButton,
                                             "timeframe_5m").click(),
    }
    for name, way in ways.items():
        wheel(panes, -8)
        panes.price.getViewBox().translateBy(x=-40)
        assert panes.view_range != pytest.approx(expected), name
        way()
        assert panes.view_range == pytest.approx(expected), name
        low, high = panes.price.getViewBox().viewRange()[1]
        assert 99.0 <= low + 1 and high - 1 <= 107.0, (name, low, high)  # y fits the bars
    assert window.timeframe == "5m"


def double_click(panes: ChartPanes) -> None:
    view = panes.price.getViewBox()
    at = QPointF(panes.mapFromScene(view.sceneBoundingRect().center()))
    for kind in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease,
                 QEvent.Type.MouseButtonDblClick, QEvent.Type.MouseButtonRelease):
        buttons = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease \
            else Qt.MouseButton.LeftButton
        event = QMouseEvent(kind, at, panes.viewport().mapToGlobal(at), Qt.MouseButton.LeftButton,
                            buttons, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(panes.viewport(), event)


def test_the_active_timeframe_button_stands_out(chart) -> None:
    window, _model = chart
    window.set_timeframe("1h")

    def fill(name: str) -> tuple[int, int, int]:
        button = window.findChild(QToolButton, f"timeframe_{name}")
        image = button.grab().toImage()
        colour = image.pixelColor(4, image.height() // 2)
        return colour.red(), colour.green(), colour.blue()

    active = fill("1h")
    for name in ("1m", "5m", "15m", "1D"):  # each clearly unlike the active one
        assert sum(abs(a - b) for a, b in zip(active, fill(name), strict=True)) > 120, name


def test_the_5m_axis_names_the_day_at_the_first_tick_and_where_it_changes(chart) -> None:
    window, model = chart
    texts = [text for text in axis_texts(panes_of(window)) if text]
    assert texts[0] == "Fri 27", texts  # the default view shows Friday's last bars
    assert all(re.fullmatch(r"\d\d:\d\d", text) for text in texts[1:]), texts
    panes_of(window).price.setXRange(150, 270, padding=0)  # Thursday evening to Friday
    texts = [text for text in axis_texts(panes_of(window)) if text]
    assert texts[0] == "Thu 26" and "Fri 27" in texts, texts


def test_the_readout_says_the_year_of_a_bar_of_another_year(qtbot) -> None:
    window = ChartWindow(CONID, "AAPL", "1h")
    qtbot.addWidget(window)
    model = ChartModel(None, HistoryLoader(), CONID, Timeframe.H1)  # type: ignore[arg-type]
    window.show_model(model)
    last_year = FRIDAY - 365 * 24 * HOUR_MS + 10 * HOUR_MS  # Thu 2025-11-27 10:00
    model.series.merge([Bar(last_year, 1.0, 2.0, 0.5, 1.5, 10.0),
                        Bar(FRIDAY + 10 * HOUR_MS, 1.0, 2.0, 0.5, 1.5, 10.0)])
    model.set_indicators([])
    model.flush()
    assert window.readout.text().endswith("Fri Nov 27 10:00"), window.readout.text()
    panes_of(window).hovered.emit(0)  # the crosshair over the older bar
    assert window.readout.text().endswith("Thu Nov 27 2025 10:00"), window.readout.text()


def test_ticks_outside_the_session_say_the_market_is_closed_until_monday(chart) -> None:
    window, model = chart
    saturday_night = FRIDAY + 24 * HOUR_MS + 22 * HOUR_MS
    count = len(model.series)
    model.apply_quotes({CONID: {"updated_ms": saturday_night, "last": 103.0}})
    window.apply_quotes({CONID: {"updated_ms": saturday_night, "last": 103.0}})
    model.flush()
    assert not window.session_note.isHidden()
    assert window.session_note.text().startswith(
        "Market closed — live bars resume Mon 04:00 New York"), window.session_note.text()
    assert len(model.series) == count  # no bar is drawn for the night
    assert panes_of(window).price_tag.value() == 103.0  # the price still shows
    monday = FRIDAY + 3 * 24 * HOUR_MS + 4 * HOUR_MS + 60_000
    model.apply_quotes({CONID: {"updated_ms": monday, "last": 104.0}})
    model.flush()
    assert window.session_note.isHidden()
    assert len(model.series) == count + 1 and model.series.bar(-1).close == 104.0

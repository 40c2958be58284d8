"""The menu bar at narrow widths: every menu title stays reachable; the market-session text at
its right end is elided, then hidden (its tooltip keeps it), never laid over a menu."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QPoint
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QApplication, QToolButton, QToolTip

from ibkr_desktop.app.startup import build
from tests.app.conftest import close
from tests.helpers import wait_until

DEMO_TEXT = "Demo market: open around the clock"

pytestmark = pytest.mark.qt_log_ignore("does not support raise")  # offscreen: the tooltip
# window is raised when shown, which the offscreen platform cannot do


def _titles_reachable(app) -> list[str]:
    """The menu titles drawn in the bar, fully inside it and left of the corner label."""
    bar = app.window.menu_bar
    corner = app.presenters.orders.session_label
    shown = []
    for action in bar.actions():
        box = bar.actionGeometry(action)
        if bar.rect().contains(box) and not box.intersects(corner.geometry()):
            shown.append(action.text().replace("&", ""))
    overflow = bar.findChild(QToolButton, "qt_menubar_ext_button")
    assert overflow is None or not overflow.isVisible()  # nothing pushed into ">>"
    return shown


def _titles_width(app) -> int:
    """Width the menu titles need (px): the bar's hint less the label's, at full width."""
    bar, label = app.window.menu_bar, app.presenters.orders.session_label
    return bar.sizeHint().width() - label.sizeHint().width()


@pytest.mark.parametrize(("room", "expected"), [(400, "whole"), (100, "elided")])
async def test_every_menu_title_is_visible_at_narrow_widths(qapp, room: int,
                                                           expected: str) -> None:
    """A window only ``room`` px wider than its menu titles (a 1024x700 screen at scale 2 with
    the screenshot sheet's fonts, where View and Help sat under the demo's market text): the
    text gives way and every title stays in the bar (the smallest window still has room for a
    few letters; tests/widgets/test_menu_corner.py covers the text going altogether)."""
    app = build(qapp)
    app.window.show()
    try:
        label = app.presenters.orders.session_label
        label.setText(DEMO_TEXT)
        app.window.resize(1600, 700)
        await wait_until(lambda: label.shown_text() == DEMO_TEXT)
        width = _titles_width(app) + room
        app.window.resize(width, 700)
        await wait_until(lambda: app.window.menu_bar.width() == width)
        assert _titles_reachable(app) == ["File", "Watchlist", "Orders", "View", "Help"]
        assert label.text() == DEMO_TEXT  # the model of the text is whole
        shown = label.shown_text()
        if expected == "whole":
            assert shown == DEMO_TEXT
        elif expected == "elided":
            assert shown.endswith("…") and len(shown) > 3 and DEMO_TEXT.startswith(shown[:-1])
    finally:
        close(app)


async def test_a_cut_session_text_is_whole_in_the_tooltip(qapp) -> None:
    """Hovering the cut text shows the whole text, then the explanation."""
    app = build(qapp)
    app.window.show()
    try:
        label = app.presenters.orders.session_label
        label.setText(DEMO_TEXT)
        label.setToolTip("The built-in demo gateway trades at any hour.")
        app.window.resize(1600, 700)
        await wait_until(lambda: label.shown_text() == DEMO_TEXT)
        whole = label.sizeHint().width()
        app.window.resize(_titles_width(app) + 100, 700)
        await wait_until(lambda: label.shown_text() != DEMO_TEXT)
        centre = label.rect().center()
        QApplication.sendEvent(label, QHelpEvent(QEvent.Type.ToolTip, centre,
                                                 label.mapToGlobal(centre)))
        await wait_until(lambda: QToolTip.isVisible())
        assert QToolTip.text() == f"{DEMO_TEXT}\nThe built-in demo gateway trades at any hour."
        QToolTip.showText(QPoint(), "")
        # a longer text set later still leaves room for the menus
        app.window.resize(_titles_width(app) + whole + 10, 700)
        await wait_until(lambda: label.shown_text() == DEMO_TEXT)
        label.setText(DEMO_TEXT + " and on weekends too")
        await wait_until(lambda: label.shown_text() != DEMO_TEXT + " and on weekends too")
        assert _titles_reachable(app) == ["File", "Watchlist", "Orders", "View", "Help"]
    finally:
        close(app)

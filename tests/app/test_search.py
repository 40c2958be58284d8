"""Symbol search in the running app against the demo gateway, as a user types it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.app.conftest import running_app, shows
from tests.helpers import wait_until

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")

INTC, NFLX, AMD = 270639, 15124833, 4391


async def test_enter_at_once_adds_the_best_match_when_the_answer_arrives(qapp, qtbot) -> None:
    """INTC + Enter straight away: "searching…" shows, then INTC is added (one Enter), the box
    is empty and the status line says so."""
    async with running_app(qapp) as app:
        search = app.window.watchlist.search
        search.setFocus()
        qtbot.keyClicks(search, "INTC")
        qtbot.keyClick(search, Qt.Key.Key_Return)
        assert search.cue.isVisible() and search.cue.text() == "searching…"
        await wait_until(lambda: INTC in app.watchlist.conids())
        assert app.watchlist.items()[-1].symbol == "INTC"
        assert search.text() == "" and not search.cue.isVisible()
        await shows(app, "Added INTC")


async def test_a_picked_popup_line_leaves_the_box_empty_for_the_next_symbol(qapp, qtbot) -> None:
    """NFLX picked from the popup, then AMD + Enter: the two adds are NFLX and AMD, and the
    box is empty after each."""
    async with running_app(qapp) as app:
        search = app.window.watchlist.search
        app.window.activateWindow()
        search.setFocus()
        qtbot.keyClicks(search, "NFLX")
        await wait_until(lambda: search.popup.isVisible()
                         and search.matches and search.matches[0].conid == NFLX)
        search.popup.setCurrentIndex(search.popup.model().index(0, 0))
        qtbot.keyClick(search.popup, Qt.Key.Key_Return)
        await wait_until(lambda: NFLX in app.watchlist.conids())
        assert search.text() == ""
        qtbot.keyClicks(search, "AMD")
        assert search.text() == "AMD"
        qtbot.keyClick(search, Qt.Key.Key_Return)
        await wait_until(lambda: AMD in app.watchlist.conids())
        assert [i.symbol for i in app.watchlist.items()[-2:]] == ["NFLX", "AMD"]
        assert search.text() == ""

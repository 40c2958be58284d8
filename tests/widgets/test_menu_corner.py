"""MenuCornerLabel in a window's menu bar: whole, elided or no text; the titles always fit."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow, QToolButton

from ibkr_desktop.widgets.menu_corner import MIN_TEXT_PX, MenuCornerLabel
from tests.helpers import wait_until

TEXT = "US market: after-hours (until 20:00 ET)"


async def test_the_text_gives_way_to_the_menu_titles(qtbot) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    bar = window.menuBar()
    for title in ("&File", "&Watchlist", "&Orders", "&View", "&Help"):
        bar.addMenu(title).addAction("x")
    label = MenuCornerLabel()
    label.setContentsMargins(8, 0, 12, 0)
    label.setText(TEXT)
    bar.setCornerWidget(label, Qt.Corner.TopRightCorner)
    window.resize(2000, 300)
    window.show()
    await wait_until(lambda: label.isVisible() and label.shown_text() == TEXT)
    whole = label.sizeHint().width()
    titles = bar.sizeHint().width() - whole
    last = bar.actions()[-1]
    overflow = bar.findChild(QToolButton, "qt_menubar_ext_button")
    for room, shown in ((whole + 5, TEXT), (whole - 40, "elided"), (20 + MIN_TEXT_PX - 1, ""),
                        (0, "")):
        window.resize(titles + room, 300)
        await wait_until(lambda room=room: bar.width() == titles + room)
        if shown == "elided":
            assert label.shown_text().endswith("…") and TEXT.startswith(label.shown_text()[:-1])
        else:
            assert label.shown_text() == shown
        assert bar.actionGeometry(last).right() < label.geometry().left() or label.width() == 0
        assert bar.rect().contains(bar.actionGeometry(last))
        assert overflow is None or not overflow.isVisible()
    assert label.text() == TEXT

"""A narrow window (a small screen at a large scale factor) squeezes the status bar: its words
are cut with "…", never drawn over one another."""

from __future__ import annotations

from itertools import combinations

from PySide6.QtWidgets import QLabel, QMainWindow, QWidget

from ibkr_desktop.client.notices import Notice
from ibkr_desktop.protocol.events import SessionKind, SessionState
from ibkr_desktop.widgets.status_bar import ConnectionDoctor, MessageLine
from tests.widgets.test_status_and_mode import Pacing, Stream


def _shown(doctor: ConnectionDoctor) -> list[QWidget]:
    return [w for w in doctor.findChildren(QWidget) if w.parent() is doctor and w.isVisible()]


async def test_a_narrow_status_bar_cuts_its_words_instead_of_overlapping_them(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = QMainWindow()
    qtbot.addWidget(window)
    line, doctor = MessageLine(), ConnectionDoctor()
    window.statusBar().addWidget(line, 1)
    window.statusBar().addPermanentWidget(doctor)
    doctor.set_session(SessionState(SessionKind.AUTHENTICATED, "Connected"))
    doctor.set_stream(Stream(True, 0, None))
    doctor.set_pacing(Pacing(0.0, 1, 2, False))
    line.show_notice(Notice("info", "BUY 100 AAPL @ 188.64 — filled 100 of 100"))
    window.resize(452, 310)  # 1024x700 at scale factor 2 (e11b's screenshot)
    window.show()
    qtbot.waitExposed(window)
    shown = _shown(doctor)
    assert doctor.pacing_label in shown and doctor.stream_label in shown
    for a, b in combinations(shown, 2):
        assert not a.geometry().intersects(b.geometry()), (a.objectName(), b.objectName())
    assert doctor.geometry().right() < window.width()
    assert doctor.state_label.width() >= doctor.state_label.sizeHint().width()  # headline whole
    squeezed = [w for w in shown if isinstance(w, QLabel) and w.width() < w.sizeHint().width()]
    assert squeezed  # the room really was short: the words were cut, not overlapped

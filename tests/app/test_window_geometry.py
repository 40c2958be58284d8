"""The main window fits the screen: a fresh profile's first size, a restored size clamped."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRect, Qt

from ibkr_desktop.app.settings import Keys
from ibkr_desktop.app.startup import build
from ibkr_desktop.app.window_geometry import COMFORTABLE, fit
from ibkr_desktop.protocol.events import AccountSummaryUpdate, SessionKind, SessionState
from tests.app.conftest import close


def test_fresh_profile_on_a_large_screen_gets_the_comfortable_size_centred() -> None:
    """1920x1080 has room for 1440x900: that size, centred in the available area."""
    box = fit(QRect(0, 0, 1920, 1040), None)
    assert box.size() == COMFORTABLE
    assert box.center() == QRect(0, 0, 1920, 1040).center()


def test_fresh_profile_on_a_small_or_scaled_screen_takes_a_share_of_it() -> None:
    """1600x1000 at scale 1.5 is 1066x666 logical: the window takes 88% per side, centred,
    so the status bar is on screen (the bug was 1440x900 logical = 2160x1350 physical)."""
    available = QRect(0, 0, 1066, 666)
    box = fit(available, None)
    assert (box.width(), box.height()) == (938, 586)
    assert available.contains(box)
    assert abs(box.center().x() - available.center().x()) <= 1


def test_restored_geometry_larger_than_the_screen_is_shrunk_and_moved_inside() -> None:
    """A window saved on a big monitor, restored on a laptop: no part is off-screen."""
    available = QRect(0, 24, 1280, 776)  # a top panel of 24 px
    box = fit(available, QRect(300, 200, 1900, 1000))
    assert box == QRect(0, 24, 1280, 776)


def test_restored_geometry_partly_off_screen_moves_the_least_distance() -> None:
    """Hanging over the right/bottom edge: moved back in, size kept."""
    available = QRect(0, 0, 1920, 1080)
    box = fit(available, QRect(1500, 900, 800, 600))
    assert box == QRect(1120, 480, 800, 600)
    assert fit(available, QRect(-300, -50, 800, 600)) == QRect(0, 0, 800, 600)


def test_restored_geometry_on_a_second_screen_keeps_its_place() -> None:
    """A window inside the available area is left exactly where it was."""
    available = QRect(1920, 0, 2560, 1400)
    assert fit(available, QRect(2000, 100, 1200, 800)) == QRect(2000, 100, 1200, 800)


def test_real_window_fits_the_screen_fresh_and_after_a_saved_oversize(qapp) -> None:
    """The app's window on the test screen (1920x1080): fresh = 1440x900 inside it; a saved
    geometry of 3000x2000 off to the right comes back inside the available area."""
    area = qapp.primaryScreen().availableGeometry()
    app = build(qapp)
    try:
        assert app.window.size() == COMFORTABLE
        # docks, tables and the status bar never force a window larger than the smallest
        # screen checked: 1024x700 at scale factor 2 = 512x350 logical, 88% of it
        smallest = fit(QRect(0, 0, 512, 350), None)
        minimum = app.window.minimumSizeHint()
        assert minimum.width() <= smallest.width() and minimum.height() <= smallest.height()
        assert area.contains(app.window.geometry())
        app.window.setGeometry(QRect(2500, 300, 3000, 2000))
        Keys.GEOMETRY.set(bytes(app.window.saveGeometry().data()))
    finally:
        close(app)
    app = build(qapp)  # restore_layout runs in build()
    try:
        window = app.window
        assert area.contains(window.geometry()), window.geometry()
        window.show()
        status = window.statusBar()
        bottom = status.mapTo(window, status.rect().bottomLeft()).y()
        assert status.isVisible() and bottom < window.height()
        assert area.contains(window.geometry())
    finally:
        close(app)


def test_a_narrow_account_dock_shortens_labels_not_numbers(qapp) -> None:
    """On a small screen (1280x800 at scale 2) the Account dock is narrow: its numbers are
    still whole; the labels give way."""
    app = build(qapp)
    try:
        window = app.window
        window.setGeometry(fit(QRect(0, 0, 640, 400), None))
        window.show()
        window.resizeDocks([window.docks["Account"]], [180], Qt.Orientation.Horizontal)
        qapp.sendPostedEvents(None, QEvent.Type.LayoutRequest)  # lay the docks out now
        app.account.apply_summary(AccountSummaryUpdate("DU1", {"buyingpower": 3_794_247.42}))
        app.account.flush()
        table = window.account_table
        row = app.account.row_of("buying_power")
        assert row is not None
        text = table.model().index(row, 1).data()
        assert text == "3,794,247.42"
        needed = table.fontMetrics().horizontalAdvance(text)
        assert table.columnWidth(1) >= needed
        assert table.columnViewportPosition(1) + table.columnWidth(1) <= table.viewport().width()
    finally:
        close(app)


def test_the_message_line_keeps_room_beside_a_long_connection_state(qapp) -> None:
    """However long the doctor's words (logged out, a held request, a reconnecting stream), it
    takes at most 3/5 of the status bar: the message line keeps room for a sentence (it was
    squeezed to 299 px of a 1440 px window, cutting the message)."""
    app = build(qapp)
    try:
        window, doctor = app.window, app.window.doctor
        window.show()
        doctor.set_session(SessionState(SessionKind.NOT_LOGGED_IN, "Not logged in to the "
                                        "gateway: open its login page and log in with your IBKR "
                                        "user, then come back here " * 2))
        for width in (1440, 1024, 800):
            window.resize(width, 700)
            qapp.processEvents()
            line = window.message_line
            assert line.width() >= window.width() * 2 // 5 - 20, (width, line.width())
            assert doctor.width() <= window.width() * 3 // 5
    finally:
        close(app)

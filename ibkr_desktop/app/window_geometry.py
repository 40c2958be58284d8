"""Where the main window goes: inside the available area of a screen, whatever was saved.

A fresh profile used to open at a fixed 1440x900 (logical pixels), which at a 1.5 scale factor on a
1600x1000 screen is 2160x1350 physical, with the status bar off-screen. :func:`fit` is the pure
rule (tested directly); :func:`place_window` applies it to a window, on the screen the window (or
its saved geometry) lands on. All rectangles are in logical (device-independent) pixels, as Qt's
``QScreen.availableGeometry`` and ``QWidget.geometry`` give them.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QWidget

COMFORTABLE = QSize(1440, 900)
"""The first window's size when the screen has room for it (logical pixels)."""

SHARE = 0.88
"""Of the available area a first window takes at most, per side (leaves room for the frame)."""


def fit(available: QRect, wanted: QRect | None) -> QRect:
    """The window rectangle to use inside ``available`` (a screen's free area, no task bars).

    Args:
        available: the screen's available geometry.
        wanted: the saved (restored) geometry, or None on a fresh profile.

    Returns:
        With ``wanted`` None: :data:`COMFORTABLE`, shrunk to :data:`SHARE` of ``available`` per
        side where that is smaller, centred. Otherwise ``wanted``, shrunk to ``available``'s size
        where larger and moved (the least distance) so it lies wholly inside ``available``.
    """
    if wanted is None or not wanted.isValid():
        size = QSize(min(COMFORTABLE.width(), int(available.width() * SHARE)),
                     min(COMFORTABLE.height(), int(available.height() * SHARE)))
        box = QRect(0, 0, size.width(), size.height())
        box.moveCenter(available.center())
        return box
    width = min(wanted.width(), available.width())
    height = min(wanted.height(), available.height())
    left = min(max(wanted.left(), available.left()), available.right() - width + 1)
    top = min(max(wanted.top(), available.top()), available.bottom() - height + 1)
    return QRect(left, top, width, height)


def screen_for(rect: QRect | None) -> QScreen:
    """The screen holding ``rect``'s centre, else the one it overlaps most, else the primary."""
    primary = QGuiApplication.primaryScreen()
    if rect is None:
        return primary
    at = QGuiApplication.screenAt(rect.center())
    if at is not None:
        return at

    def overlap(screen: QScreen) -> int:
        common = screen.availableGeometry().intersected(rect)
        return common.width() * common.height() if common.isValid() else 0

    best = max(QGuiApplication.screens(), key=overlap, default=primary)
    return best if overlap(best) > 0 else primary


def place_window(window: QWidget, *, restored: bool = False) -> QRect:
    """Size and move ``window`` by :func:`fit`; returns the geometry set.

    Args:
        window: a top-level window (shown or not).
        restored: True after ``restoreGeometry``: keep the saved geometry, clamped to the screen
            it lands on (moved onto the primary screen when it is off every screen). False: the
            fresh-profile size, centred on the primary screen. A maximised or full-screen window
            is left alone (the window manager fits it).
    """
    if window.isMaximized() or window.isFullScreen():
        return window.geometry()
    wanted = window.geometry() if restored else None
    available = screen_for(wanted).availableGeometry()
    frame = window.frameGeometry()
    inner = window.geometry()
    # the frame (title bar, borders) must fit too; unknown (0) until the window is first shown
    extra_w = frame.width() - inner.width()
    extra_h = frame.height() - inner.height()
    area = available.adjusted(inner.left() - frame.left(), inner.top() - frame.top(),
                              -(extra_w - (inner.left() - frame.left())),
                              -(extra_h - (inner.top() - frame.top())))
    box = fit(area, wanted)
    window.setGeometry(box)
    return box

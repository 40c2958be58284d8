"""The app icon, from the PNGs shipped in ``ibkr_desktop.resources`` (``resources/icons``).

The app icon is a small candlestick chart (source: ``resources/icons/ibkr-desktop.svg``,
rendered to PNG by ``packaging/make_icons.py``); the tray icon adds a badge in the mode colour,
so even the system tray says DEMO (purple), PAPER (amber) or LIVE (red).
"""

from __future__ import annotations

from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap

import ibkr_desktop.resources as resources

WINDOW_SIZES = (16, 22, 24, 32, 48, 64, 128, 256)
"""The sizes window managers, task bars and trays ask for (all in ``resources.ICON_SIZES``)."""


def app_pixmap(size: int = 64, badge: str | None = None) -> QPixmap:
    """The app icon at ``size`` px (one of ``resources.ICON_SIZES``); ``badge`` is a colour for
    a corner dot.

    Raises:
        FileNotFoundError: no PNG of that size is shipped.
    """
    pixmap = QPixmap()
    pixmap.loadFromData(resources.read_bytes(resources.icon_png(size)), "PNG")
    if badge:
        p = QPainter(pixmap)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setBrush(QColor(badge))
        p.setPen(QPen(QColor("#ffffff"), max(1.0, size / 32)))
        r = size * 0.34
        p.drawEllipse(QRectF(size - r - 1, size - r - 1, r, r))
        p.end()
    return pixmap


def app_icon(badge: str | None = None) -> QIcon:
    """The app icon at the sizes window managers and trays ask for."""
    icon = QIcon()
    for size in WINDOW_SIZES:
        icon.addPixmap(app_pixmap(size, badge))
    return icon

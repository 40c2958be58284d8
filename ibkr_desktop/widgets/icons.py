"""Icons drawn with QPainter, so the app ships no binary image files.

The app icon is a small candlestick chart; the tray icon adds a badge in the mode colour, so
even the system tray says DEMO (purple), PAPER (amber) or LIVE (red).
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap

_CANDLES = ((0.22, 0.55, 0.75, 0.40, 0.65, True), (0.42, 0.30, 0.62, 0.35, 0.55, False),
            (0.62, 0.20, 0.52, 0.25, 0.45, True), (0.82, 0.10, 0.40, 0.15, 0.30, True))


def app_pixmap(size: int = 64, badge: str | None = None) -> QPixmap:
    """Rounded dark tile with four candles; ``badge`` is a colour for the corner dot."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("#1f2937"))
    p.drawRoundedRect(QRectF(0, 0, size, size), size * 0.18, size * 0.18)
    body = size * 0.11
    for x, wick_top, wick_bottom, top, bottom, up in _CANDLES:
        color = QColor("#3ddc84" if up else "#ff6b6b")
        p.setPen(QPen(color, max(1.0, size / 32)))
        p.drawLine(int(x * size), int(wick_top * size), int(x * size), int(wick_bottom * size))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(color)
        p.drawRect(QRectF(x * size - body / 2, top * size, body, (bottom - top) * size))
    if badge:
        p.setBrush(QColor(badge))
        p.setPen(QPen(QColor("#ffffff"), max(1.0, size / 32)))
        r = size * 0.34
        p.drawEllipse(QRectF(size - r - 1, size - r - 1, r, r))
    p.end()
    return pixmap


def app_icon(badge: str | None = None) -> QIcon:
    """The app icon at the sizes window managers and trays ask for."""
    icon = QIcon()
    for size in (16, 22, 32, 48, 64, 128, 256):
        icon.addPixmap(app_pixmap(size, badge))
    return icon

"""Compose the main-window screenshots of every screen size x scale factor into one sheet per theme.

Reads the PNGs ``packaging/screenshot_sizes.py`` saves (``main-<WxH>@<scale>-<theme>.png``,
each the whole virtual screen with the window where it sits) and lays them out one row per
screen size, one column per scale factor, each tile captioned and scaled to ``--tile`` pixels
wide, so the 24 pictures can be looked at side by side.

    .venv/bin/python packaging/screenshot_sizes.py --theme both --out /work/notes/shots/e11c/sizes
    .venv/bin/python packaging/window_sheet.py --shots /work/notes/shots/e11c/sizes \
        --out /work/notes/shots/e11c
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from PySide6.QtCore import QRect, Qt  # noqa: E402
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter  # noqa: E402
from screenshot_sizes import SCALES, SIZES, shot_name  # noqa: E402

CAPTION_PX = 22
GAP_PX = 12


def sheet(shots: Path, theme: str, tile: int) -> QImage:
    """One theme's sheet: rows = screen sizes, columns = scale factors (missing shots grey)."""
    heights = [round(tile * int(h) / int(w)) for w, h in (s.split("x") for s in SIZES)]
    width = GAP_PX + len(SCALES) * (tile + GAP_PX)
    height = GAP_PX + sum(h + CAPTION_PX + GAP_PX for h in heights)
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor("#202020"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    painter.setFont(QFont("DejaVu Sans", 10))
    y = GAP_PX
    for size, tile_height in zip(SIZES, heights, strict=True):
        for column, scale in enumerate(SCALES):
            x = GAP_PX + column * (tile + GAP_PX)
            painter.setPen(QColor("#e0e0e0"))
            painter.drawText(x, y + 15, f"{theme} · screen {size} · scale {scale}")
            target = QRect(x, y + CAPTION_PX, tile, tile_height)
            shot = QImage(str(shots / shot_name(size, scale, theme)))
            if shot.isNull():
                painter.fillRect(target, QColor("#555555"))
                painter.drawText(target, Qt.AlignmentFlag.AlignCenter, "missing")
            else:
                painter.drawImage(target, shot)
        y += tile_height + CAPTION_PX + GAP_PX
    painter.end()
    return image


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", required=True, type=Path, help="screenshot_sizes.py --out")
    parser.add_argument("--out", default=Path("."), type=Path)
    parser.add_argument("--tile", default=640, type=int, help="tile width in pixels")
    args = parser.parse_args()
    QGuiApplication(sys.argv[:1])
    args.out.mkdir(parents=True, exist_ok=True)
    for theme in ("dark", "light"):
        path = args.out / f"window-sheet-{theme}.png"
        sheet(args.shots, theme, args.tile).save(str(path))
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

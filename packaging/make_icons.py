"""Render the app icon: PNG sizes into ``resources/icons/``, ``.ico`` and ``.icns`` for installers.

    python packaging/make_icons.py [--out build/icons]

The source is ``resources/icons/ibkr-desktop.svg``. PNGs (``resources.ICON_SIZES``, 16 to 512 px,
rendered with QtSvg from PySide6-Essentials) go to ``resources/icons/ibkr-desktop-<size>.png``,
committed and shipped in
the package; ``ibkr-desktop.ico`` (Windows: 16-256 px) and ``ibkr-desktop.icns`` (macOS:
16-1024 px) go to ``--out`` for the Inno Setup and PyInstaller builds. Both container formats
hold PNG images as they are, so the standard library writes them (no Pillow).
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from ibkr_desktop.resources import ICON_SIZES, ICON_SVG, icon_png  # noqa: E402
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESOURCES = ROOT / "resources"  # the source tree, also when the package is installed elsewhere
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICNS_TYPES = {16: b"icp4", 32: b"icp5", 64: b"icp6", 128: b"ic07", 256: b"ic08", 512: b"ic09",
              1024: b"ic10"}
"""ICNS element type per pixel size (PNG-compressed entries, macOS 10.7+)."""


def render_png(renderer: QSvgRenderer, size: int) -> bytes:
    """The SVG drawn at ``size`` x ``size`` px on transparent, as PNG bytes."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]  # PySide6 wants str here
    return bytes(data.data())


def ico(pngs: dict[int, bytes]) -> bytes:
    """A Windows .ico holding the PNGs (ICONDIR, one ICONDIRENTRY each, then the images)."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)
    entries, images = b"", b""
    for size in sizes:
        png = pngs[size]
        side = size if size < 256 else 0  # 0 means 256
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset)
        images += png
        offset += len(png)
    return header + entries + images


def icns(pngs: dict[int, bytes]) -> bytes:
    """A macOS .icns: ``icns`` + total length, then (type, length, PNG) elements."""
    body = b"".join(ICNS_TYPES[size] + struct.pack(">I", 8 + len(png)) + png
                    for size, png in sorted(pngs.items()))
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main(argv: list[str] | None = None) -> int:
    """Write the PNGs into resources/icons and the .ico/.icns into --out."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "icons",
                        help="folder for ibkr-desktop.ico and ibkr-desktop.icns")
    args = parser.parse_args(argv)
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    source = RESOURCES / ICON_SVG
    renderer = QSvgRenderer(str(source))
    if not renderer.isValid():
        raise SystemExit(f"cannot read {source}")
    pngs = {size: render_png(renderer, size)
            for size in sorted({*ICON_SIZES, *ICO_SIZES, *ICNS_TYPES})}
    for size in ICON_SIZES:
        (RESOURCES / icon_png(size)).write_bytes(pngs[size])
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "ibkr-desktop.ico").write_bytes(ico({s: pngs[s] for s in ICO_SIZES}))
    (args.out / "ibkr-desktop.icns").write_bytes(icns({s: pngs[s] for s in ICNS_TYPES}))
    print(f"{len(ICON_SIZES)} PNGs in {RESOURCES / 'icons'}; .ico and .icns in {args.out}")
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

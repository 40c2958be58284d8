"""Screenshots of the main window on small and large screens at several scale factors.

For each screen size x scale factor (issue 11 point 4: 1024x700, 1280x800, 1920x1080 at 1, 1.25,
1.5 and 2) a child process starts the real app offscreen on a virtual screen of that size
(``QT_QPA_PLATFORM=offscreen:configfile=...``, ``QT_SCALE_FACTOR``) with a fresh profile,
connects to the embedded demo gateway, places a demo order so the panels have rows, and saves
the *screen* (the window drawn where it sits; whatever lies off-screen is cut off, as a user
would see it). Each child prints one line of measurements and fails when the window or its
status bar does not fit.

    .venv/bin/python packaging/screenshot_sizes.py [--out DIR] [--theme dark|light|both]
        [--sizes 1024x700,1280x800] [--scales 1,2] [--wait 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

SIZES = ("1024x700", "1280x800", "1920x1080")
SCALES = ("1", "1.25", "1.5", "2")


def shot_name(size: str, scale: str, theme: str) -> str:
    """``main-1280x800@1.5-dark.png``: the file one combination is saved to."""
    return f"main-{size}@{scale}-{theme}.png"


def _screen_config(size: str, folder: Path) -> Path:
    width, height = (int(n) for n in size.split("x"))
    config = folder / f"screen-{size}.json"
    config.write_text(json.dumps({"screens": [{
        "name": "shot", "x": 0, "y": 0, "width": width, "height": height,
        "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    return config


def run_all(args: argparse.Namespace) -> int:
    """One child process per size x scale (the scale factor is fixed per process)."""
    args.out.mkdir(parents=True, exist_ok=True)
    failures = 0
    with tempfile.TemporaryDirectory(prefix="ibkr-desktop-sizes-") as folder:
        for size in args.sizes.split(","):
            config = _screen_config(size, Path(folder))
            for scale in args.scales.split(","):
                data = Path(folder, f"data-{size}@{scale}")  # a new demo account each time
                env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={config}",
                           QT_SCALE_FACTOR=scale, XDG_DATA_HOME=str(data))
                child = subprocess.run(
                    [sys.executable, __file__, "--one", f"{size}@{scale}", "--out", str(args.out),
                     "--theme", args.theme, "--wait", str(args.wait)],
                    env=env, check=False)
                failures += child.returncode != 0
    print(f"{failures} of the combinations did not fit" if failures else "every window fits")
    return 1 if failures else 0


def shoot_one(args: argparse.Namespace) -> int:
    """The child: run the app on the configured screen and save the screen picture(s)."""
    from screenshots import run_app  # the sibling script (it also puts the repo on sys.path)

    return run_app(lambda app: _shoot(app, args), "ibkr-desktop-sizes-profile-")


async def _shoot(qapp: object, args: argparse.Namespace) -> int:
    from PySide6.QtCore import QPoint, QRect
    from PySide6.QtGui import QColor, QImage, QPainter

    from ibkr_desktop.app.presenters.session import Endpoint
    from ibkr_desktop.app.startup import build
    from ibkr_desktop.protocol.orders import OrderTicket, OrderType, Side

    from screenshots import place, until  # the sibling script's demo-order helpers

    size, scale = args.one.split("@")
    controller = build(qapp)  # type: ignore[arg-type]
    window = controller.window
    window.show()
    await controller.connect_to(Endpoint(demo=True))
    await until(lambda: controller.account.account is not None and controller.feed.batches > 3)
    await place(controller, OrderTicket(265598, Side.BUY, 100, OrderType.MKT))
    await until(lambda: controller.fills.rowCount() > 0 and controller.positions.rowCount() > 0)
    await asyncio.sleep(args.wait)
    screen = window.screen()
    area = screen.availableGeometry()
    frame = window.frameGeometry()
    status = window.statusBar()
    status_box = QRect(status.mapToGlobal(QPoint(0, 0)), status.size())
    line = window.message_line
    fits = area.contains(frame) and area.contains(status_box) and status.isVisible()
    print(f"{size}@{scale}: screen {area.width()}x{area.height()} logical, window "
          f"{frame.width()}x{frame.height()} at {frame.x()},{frame.y()}, status bar "
          f"{'on screen' if fits else 'CUT OFF'}, message line {line.width()} px, "
          f"minimum {window.minimumSizeHint().width()}x{window.minimumSizeHint().height()}",
          flush=True)
    themes = ("dark", "light") if args.theme == "both" else (args.theme,)
    for theme in themes:
        controller.presenters.settings.set_theme(theme)
        await asyncio.sleep(0.4)
        ratio = screen.devicePixelRatio()
        canvas = QImage(int(area.width() * ratio), int(area.height() * ratio),
                        QImage.Format.Format_RGB32)
        canvas.setDevicePixelRatio(ratio)
        canvas.fill(QColor("#404040"))
        painter = QPainter(canvas)
        painter.drawPixmap(window.geometry().topLeft() - area.topLeft(), window.grab())
        painter.end()
        canvas.save(str(args.out / shot_name(size, scale, theme)))
    window.close()
    await controller.shutdown()
    return 0 if fits else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=Path("screenshots/sizes"), type=Path)
    parser.add_argument("--theme", default="dark", choices=("dark", "light", "both"))
    parser.add_argument("--sizes", default=",".join(SIZES), help="screen sizes, WxH,...")
    parser.add_argument("--scales", default=",".join(SCALES), help="scale factors, ...")
    parser.add_argument("--wait", default=2.0, type=float, help="seconds of live data first")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # a child: "WxH@scale"
    args = parser.parse_args()
    return shoot_one(args) if args.one else run_all(args)


if __name__ == "__main__":
    raise SystemExit(main())

"""Save screenshots of the main window in the dark and light themes into ./screenshots/.

Runs the real app stack offscreen against the embedded demo gateway with a throw-away profile,
places two demo orders (one fills, one works) so every panel has rows, then grabs the window.

    .venv/bin/python packaging/screenshots.py [--out screenshots] [--wait 6]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import PySide6  # noqa: E402,F401
import qasync  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from ibkr_desktop.app.presenters.session import Endpoint  # noqa: E402
from ibkr_desktop.app.settings import APPLICATION, ORGANISATION  # noqa: E402
from ibkr_desktop.app.startup import App, build  # noqa: E402
from ibkr_desktop.protocol.orders import OrderQuestion, OrderTicket, OrderType, Side  # noqa: E402


async def place(controller: App, ticket: OrderTicket) -> None:
    """Place an order and confirm any questions (demo only)."""
    assert controller.broker is not None
    answers = await controller.broker.place_order(ticket)
    for _ in range(5):
        questions = [a for a in answers if isinstance(a, OrderQuestion)]
        if not questions:
            return
        answers = await controller.broker.reply(questions[0].reply_id, True)


async def until(predicate, timeout: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("screenshot scenario did not get its data in time")
        await asyncio.sleep(0.1)


async def shoot(out: Path, wait: float) -> None:
    app = QApplication.instance()
    controller = build(app)  # type: ignore[arg-type]
    window = controller.window
    window.resize(1440, 900)
    window.show()
    await controller.connect_to(Endpoint(demo=True))
    await until(lambda: controller.account.account is not None and controller.feed.batches > 5)
    await place(controller, OrderTicket(265598, Side.BUY, 100, OrderType.MKT))
    last = controller.watchlist.record(controller.watchlist.row_of(272093) or 0).get("last")
    limit = round(float(last) * 0.98, 2) if isinstance(last, float) else 400.0
    await place(controller, OrderTicket(272093, Side.BUY, 50, OrderType.LMT, price=limit))
    await until(lambda: controller.fills.rowCount() > 0 and controller.orders.rowCount() > 1)
    await asyncio.sleep(wait)
    out.mkdir(parents=True, exist_ok=True)
    window.watchlist.table.select_row(2)
    for theme in ("dark", "light"):
        controller.presenters.settings.set_theme(theme)
        await asyncio.sleep(0.6)
        path = out / f"main-window-{theme}.png"
        window.grab().save(str(path))
        print(path)
    window.close()
    await controller.shutdown()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="screenshots", type=Path)
    parser.add_argument("--wait", default=4.0, type=float, help="seconds of live data first")
    args = parser.parse_args()

    async def scenario(app: QApplication) -> int:
        await shoot(args.out, args.wait)
        return 0

    return run_app(scenario)


def run_app(scenario: Callable[[QApplication], Awaitable[int]],
            prefix: str = "ibkr-desktop-shots-") -> int:
    """Run ``scenario(app)`` on a qasync loop with a throw-away profile; returns its result."""
    profile = tempfile.mkdtemp(prefix=prefix)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, profile)
    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        return loop.run_until_complete(scenario(app))


if __name__ == "__main__":
    raise SystemExit(main())

"""Fixtures of the app tests: the whole app (``startup.build``) on the embedded demo gateway."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import shiboken6
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QTextDocument

from ibkr_desktop.app.presenters.session import Endpoint
from ibkr_desktop.app.startup import App, build
from ibkr_desktop.demo_gateway.server import GatewayConfig
from ibkr_desktop.protocol.events import SessionKind
from ibkr_desktop.protocol.orders import OrderQuestion, OrderTicket
from tests.client.conftest import FAST, fast_config
from tests.helpers import wait_until


async def place(app: App, ticket: OrderTicket) -> None:
    """Place through the broker, confirming any order questions (as the ticket would)."""
    assert app.broker is not None
    answers = await app.broker.place_order(ticket)
    while questions := [a for a in answers if isinstance(a, OrderQuestion)]:
        answers = await app.broker.reply(questions[0].reply_id, True)


def on_screen(app: App) -> str:
    """The message line's visible text; fails unless it is shown, wide and inside the window."""
    window, line = app.window, app.window.message_line
    assert line.isVisible()
    box = QRect(line.mapTo(window, QPoint(0, 0)), line.size())
    assert window.rect().contains(box) and box.width() > 300
    assert box.bottom() > window.height() - 40  # in the status bar, at the bottom
    doc = QTextDocument()
    doc.setHtml(line.text())
    return doc.toPlainText()


async def shows(app: App, words: str, timeout: float = 8.0) -> str:
    """Wait until the message line shows ``words``; return its text."""
    await wait_until(lambda: words in on_screen(app), timeout)
    return on_screen(app)


def fault(app: App, name: str, *args: Any) -> Any:
    """Trigger a demo-gateway fault (``drop_sockets``, ``expire_session``...) on its own loop."""
    threaded = app.presenters.session.gateway
    assert threaded is not None
    return threaded.call(lambda: getattr(threaded.gateway.faults, name)(*args))


async def start_app(qapp: Any, config: GatewayConfig | None = None, **options: Any) -> App:
    """The app connected to its embedded demo gateway, authenticated, quotes flowing."""
    app = build(qapp, gateway_config=config or fast_config(), client_timings=FAST, **options)
    app.window.show()
    await app.connect_to(Endpoint(demo=True))
    await wait_until(lambda: app.broker is not None
                     and app.broker.session_state.kind == SessionKind.AUTHENTICATED,
                     timeout=10)
    # Quotes flowing = the WebSocket handshake is over: a test that ends sooner would close the
    # socket mid-handshake, which the demo gateway's aiohttp logs as an ERROR.
    await wait_until(lambda: app.feed.batches > 0, timeout=10)
    return app


async def dispose(app: App) -> None:
    """Shut the app down and destroy its Qt objects now, on the GUI thread.

    Left to the garbage collector, the window's timers could be destroyed from whichever thread
    happens to run a collection (Qt warns: "Timers cannot be stopped from another thread").
    """
    await app.shutdown()
    close(app)


def close(app: App) -> None:
    """Close the window (saving its layout) and delete the app's Qt objects."""
    app.window.close()
    shiboken6.delete(app.window)
    shiboken6.delete(app)
    gc.collect()


@asynccontextmanager
async def running_app(qapp: Any, config: GatewayConfig | None = None,
                      **options: Any) -> AsyncIterator[App]:
    """The app on its demo gateway for the body of a test.

    Used inside the test rather than as an async fixture: pytest-qt processes Qt events between
    fixture set-up and the test, outside the asyncio loop, and the start-up's pending socket
    callbacks must not run there.
    """
    app = await start_app(qapp, config, **options)
    try:
        yield app
    finally:
        await dispose(app)

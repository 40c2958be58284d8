"""Stream quotes and order events from the demo gateway with the client core, no GUI.

    .venv/bin/python packaging/examples/stream_quotes.py

Starts the demo gateway on its own thread, runs a QCoreApplication with a qasync loop, and
drives a Broker: subscribe to three quotes, place one marketable limit order (confirming any
question), and print what arrives for about five seconds. Point ``Broker`` at
``https://localhost:5000`` (with ``tls_pin=``) to do the same against a real Client Portal
Gateway.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

try:
    import ibkr_desktop  # noqa: F401
except ImportError:  # run from a source checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import PySide6  # noqa: E402,F401  -- import before qasync so it binds PySide6
import qasync  # noqa: E402
from PySide6.QtCore import QCoreApplication  # noqa: E402

from ibkr_desktop.client.broker import Broker  # noqa: E402
from ibkr_desktop.demo_gateway.server import GatewayConfig, ThreadedGateway  # noqa: E402
from ibkr_desktop.protocol.events import SessionKind  # noqa: E402
from ibkr_desktop.protocol.orders import (  # noqa: E402
    OrderQuestion,
    OrderTicket,
    OrderType,
    Side,
)

AAPL = 265598
NAMES = {AAPL: "AAPL", 8314: "IBM", 756733: "SPY"}


def show_quotes(batch: dict[int, dict[str, object]]) -> None:
    """One line per conid of one coalesced batch."""
    for conid, values in batch.items():
        fields = {k: v for k, v in values.items() if k in ("last", "bid", "ask", "volume")}
        if fields:
            print(f"quote  {NAMES.get(conid, conid):5} {fields}")


async def main() -> None:
    gateway = ThreadedGateway(GatewayConfig(heartbeat_s=1.0))
    gateway.start()
    print(f"demo gateway at {gateway.base_url}")
    broker = Broker(gateway.base_url, demo=True)
    broker.session_state_changed.connect(lambda s: print(f"session {s.kind.value}: {s.reason}"))
    broker.quotes_updated.connect(show_quotes)
    broker.orders_updated.connect(
        lambda orders: [print(f"order  {o.order_id} {o.status} filled={o.filled}")
                        for o in orders])
    broker.fills_received.connect(
        lambda fills: [print(f"fill   {f.side} {f.size:g} {f.symbol} @ {f.price}")
                       for f in fills])
    broker.notice.connect(lambda n: print(f"notice {n.level}: {n.text}"))
    try:
        await broker.start()
        while broker.session_state.kind != SessionKind.AUTHENTICATED:
            await asyncio.sleep(0.05)
        broker.subscribe_quotes(NAMES)
        await asyncio.sleep(1.0)
        ask = (await broker.snapshot([AAPL])).get(AAPL, {}).get("ask")
        price = round(float(ask) * 1.01, 2) if isinstance(ask, float) else None
        ticket = OrderTicket(conid=AAPL, side=Side.BUY, quantity=10, outside_rth=True,
                             order_type=OrderType.LMT if price else OrderType.MKT, price=price)

        async def confirm(question: OrderQuestion) -> bool:
            print(f"question {question.message_ids}: {' '.join(question.messages)[:100]} "
                  "-> confirming")
            return True

        outcome = await broker.orders.place(ticket, confirm)  # the app's one placement flow
        print(outcome.summary)
        await asyncio.sleep(4.0)
    finally:
        await broker.stop()
        gateway.stop()


if __name__ == "__main__":
    app = QCoreApplication(sys.argv)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(main())

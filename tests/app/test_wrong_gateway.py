"""Settings -> a gateway that is not running: Positions, Orders and Executions keep their rows,
dimmed under "stale since", like the account (they used to empty while titled stale); a gateway
that then answers with another account replaces them."""

from __future__ import annotations

from ibkr_desktop.app.presenters.session import Endpoint
from ibkr_desktop.app.startup import App
from ibkr_desktop.demo_gateway.server import ThreadedGateway
from ibkr_desktop.models.table import RecordTableModel
from ibkr_desktop.protocol.orders import OrderTicket, OrderType, Side
from tests.app.conftest import place, running_app
from tests.app.test_unreachable_words import _closed_port
from tests.client.conftest import fast_config
from tests.helpers import wait_until

AAPL, MSFT = 265598, 272093
PANELS = ("Positions", "Orders", "Executions")


def rows(model: RecordTableModel, key: str) -> list[object]:
    return [model.record(r).get(key) for r in range(model.rowCount())]


def shown(app: App) -> dict[str, list[object]]:
    """What the three tables list: symbols held, order ids, execution ids."""
    return {"Positions": rows(app.positions, "symbol"), "Orders": rows(app.orders, "order_id"),
            "Executions": rows(app.fills, "execution_id")}


async def test_unreachable_gateway_keeps_rows_dimmed_until_another_account_answers(qapp) -> None:
    other = ThreadedGateway(fast_config(accounts=("DU7654321",)))
    other.start()
    try:
        async with running_app(qapp) as app:
            await place(app, OrderTicket(AAPL, Side.BUY, 5, OrderType.LMT, price=1.0))
            await place(app, OrderTicket(MSFT, Side.BUY, 7, OrderType.MKT))
            await wait_until(lambda: app.orders.rowCount() >= 2 and app.fills.rowCount() >= 1
                             and "MSFT" in shown(app)["Positions"], 10)
            before = shown(app)

            await app.connect_to(Endpoint(demo=False, url=f"https://127.0.0.1:{_closed_port()}"))
            doctor = app.window.doctor
            await wait_until(lambda: doctor.headline() == "Gateway not reachable", 10)
            docks = app.window.docks
            await wait_until(lambda: all("— stale since" in docks[name].windowTitle()
                                         for name in (*PANELS, "Account")), 5)
            assert shown(app) == before
            assert all(m.stale_since is not None for m in (app.positions, app.orders, app.fills))

            await app.connect_to(Endpoint(demo=False, url=other.base_url))
            await wait_until(lambda: set(rows(app.positions, "account")) - {None}
                             == {"DU7654321"}, 10)
            assert app.orders.rowCount() == 0 and app.fills.rowCount() == 0
    finally:
        other.stop()

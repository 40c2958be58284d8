"""Settings -> a gateway that is not running: Positions, Orders and Executions keep their rows,
dimmed under "stale since", like the account (they used to empty while titled stale); a gateway
that then answers with another account replaces them. A chart says the gateway is not reachable
(it used to say the instrument had no history) and loads its history once the gateway is up.
Counted words take their number ("1 more fill")."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from ibkr_desktop.app.presenters.session import Endpoint
from ibkr_desktop.app.startup import App
from ibkr_desktop.demo_gateway.server import ThreadedGateway
from ibkr_desktop.models.table import RecordTableModel
from ibkr_desktop.protocol.events import Fill
from ibkr_desktop.protocol.orders import OrderTicket, OrderType, Side
from tests.app.conftest import place, running_app
from tests.app.test_unreachable_words import _closed_port
from tests.client.conftest import fast_config
from tests.helpers import wait_until

# a chart window asks the offscreen platform for raise(), which it lacks
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")

AAPL, MSFT = 265598, 272093
PANELS = ("Positions", "Orders", "Executions")


@contextmanager
def second_gateway(**changes: object) -> Iterator[ThreadedGateway]:
    """A second demo gateway (``fast_config(**changes)``, not started), stopped at the end.

    Automatic garbage collection is paused meanwhile (as in tests/conftest.py's
    ``threaded_gateway``): a collection on the gateway's thread could destroy Qt objects of the
    app off the GUI thread, and the app's own GUI-thread collector stops before the gateway does.
    """
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    gateway = ThreadedGateway(fast_config(**changes))
    try:
        yield gateway
    finally:
        gateway.stop()
        if was_enabled:
            gc.enable()
        gc.collect()


def rows(model: RecordTableModel, key: str) -> list[object]:
    return [model.record(r).get(key) for r in range(model.rowCount())]


def shown(app: App) -> dict[str, list[object]]:
    """What the three tables list: symbols held, order ids, execution ids."""
    held = [symbol for symbol in rows(app.positions, "symbol") if symbol != "Total"]
    return {"Positions": held, "Orders": rows(app.orders, "order_id"),
            "Executions": rows(app.fills, "execution_id")}


async def test_unreachable_gateway_keeps_rows_dimmed_until_another_account_answers(qapp) -> None:
    with second_gateway(accounts=("DU7654321",)) as other:
        other.start()
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


async def test_chart_says_the_gateway_is_unreachable_and_loads_when_it_is_up(qapp) -> None:
    port = _closed_port()
    with second_gateway(port=port) as late:
        async with running_app(qapp) as app:
            window = app.presenters.charts.open_chart(AAPL, "AAPL")
            model = app.presenters.charts.models[AAPL]
            await wait_until(lambda: len(model.series) > 0 and not model.loading, 10)

            await app.connect_to(Endpoint(demo=False, url=f"http://127.0.0.1:{port}"))
            await wait_until(lambda: window.status.text() == (
                "Gateway not reachable: chart history will load when it is back"), 10)
            assert len(model.series) == 0

            late.start()  # the gateway the settings name comes up: the chart loads by itself
            await wait_until(lambda: len(model.series) > 0 and not model.loading, 15)
            assert not window.status.text()


async def test_a_burst_of_six_fills_says_one_more_fill(qapp) -> None:
    """Five fills are announced one by one; the sixth is "1 more fill" (not "1 more fills")."""
    async with running_app(qapp) as app:
        assert app.broker is not None
        said: list[str] = []
        app.notifier.notice.connect(lambda notice: said.append(notice.text))
        app.broker.fills_received.emit([
            Fill(f"burst.{n}", "DU1234567", MSFT, "MSFT", "BUY", 1.0, 420.0, None, None, None,
                 None, None, None) for n in range(6)])
        await wait_until(lambda: any("more fill" in text for text in said), 5)
        assert "1 more fill; see Executions." in said

"""Save screenshots of chart windows into ./screenshots/ (or --out), walking issue 10 as a user.

Runs the real app stack offscreen against the embedded demo gateway with a throw-away profile:
opens an AAPL chart, places a working buy limit and a market buy (its fill and the position's
average price), shoots every timeframe, adds every indicator, drags the limit line (the modify
ticket opens at the drop price; confirmed, the line moves), opens a second chart (MSFT) with the
crosshair over a bar. Prints each window's title and readout next to the file it saved.

    .venv/bin/python packaging/chart_screenshots.py [--out screenshots] [--wait 3]
        [--at 2026-11-27T11:00]   (the demo's clock starts then, New York time: live candles
                                   move only in the session; default now)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import PySide6  # noqa: E402,F401
from PySide6.QtCore import QPointF  # noqa: E402
from PySide6.QtWidgets import QApplication, QDialog, QWidget  # noqa: E402

from ibkr_desktop.app.embedded import default_config  # noqa: E402
from ibkr_desktop.app.presenters.session import Endpoint  # noqa: E402
from ibkr_desktop.app.startup import App, build  # noqa: E402
from ibkr_desktop.protocol.orders import OrderTicket, OrderType, Side  # noqa: E402
from ibkr_desktop.widgets.chart.chart_window import ChartWindow  # noqa: E402
from tests.widgets.test_chart_window import drag  # noqa: E402

from screenshots import place, run_app, until  # noqa: E402

AAPL, MSFT = 265598, 272093
INDICATORS = ("sma(20)", "ema(50)", "bb(20,2)", "vwap", "rsi(14)")


def save(widget: QWidget, out: Path, name: str) -> None:
    """Grab ``widget`` into ``out/chart-<name>.png`` and say what it showed."""
    path = out / f"chart-{name}.png"
    widget.grab().save(str(path))
    readout = widget.readout.text() if isinstance(widget, ChartWindow) else ""
    print(path, "|", widget.windowTitle(), "|", readout, flush=True)


async def loaded(controller: App, conid: int, timeframe: str) -> None:
    """Wait until the chart of ``conid`` shows ``timeframe``'s history."""
    model = controller.presenters.charts.models[conid]
    await until(lambda: model.timeframe == timeframe and not model.loading
                and len(model.series) > 1, 30)


async def shoot(out: Path, wait: float, at: str | None) -> None:
    app = QApplication.instance()
    config = None
    if at:
        start = datetime.fromisoformat(at).replace(tzinfo=ZoneInfo("America/New_York"))
        config = replace(default_config(), start_ms=int(start.timestamp() * 1000))
    controller = build(app, gateway_config=config)  # type: ignore[arg-type]
    controller.window.show()
    await controller.connect_to(Endpoint(demo=True))
    await until(lambda: controller.account.account is not None and controller.feed.batches > 5)
    charts = controller.presenters.charts
    aapl = charts.open_chart(AAPL, "AAPL", "5m")
    aapl.resize(1100, 700)
    await loaded(controller, AAPL, "5m")
    last = float(charts.models[AAPL].series.close[-1])
    await place(controller, OrderTicket(AAPL, Side.BUY, 100, OrderType.LMT,
                                        price=round(last * 0.997, 2)))
    await place(controller, OrderTicket(AAPL, Side.BUY, 10, OrderType.MKT))
    assert aapl.panes is not None
    overlays = aapl.panes.overlays
    await until(lambda: overlays.lines and overlays.average.isVisible()
                and len(overlays.fills.getData()[0]), 30)
    await asyncio.sleep(wait)  # live ticks move the newest candle
    out.mkdir(parents=True, exist_ok=True)
    save(aapl, out, "aapl-5m-orders")
    await asyncio.sleep(wait)
    save(aapl, out, "aapl-5m-orders-later")  # the newest candle moved (in the session)
    for timeframe in ("1m", "15m", "1h", "1D", "5m"):
        aapl.set_timeframe(timeframe)
        await loaded(controller, AAPL, timeframe)
        await asyncio.sleep(1.0)
        save(aapl, out, f"aapl-{timeframe}")
    for key in INDICATORS:
        aapl.indicator_button.set_checked(key, True)
    await asyncio.sleep(wait)
    save(aapl, out, "aapl-5m-indicators")

    [(order_id, (order, line))] = overlays.lines.items()  # the limit: the market one filled
    view = aapl.panes.price.getViewBox()
    view.setYRange(order.price - 1.5, order.price + 1.5, padding=0)
    view.updateMatrix()
    drag(aapl.panes, sum(aapl.panes.view_range) / 2, order.price, order.price + 0.5, view)
    tickets = controller.presenters.ticket.tickets
    await until(lambda: tickets and tickets[-1].rules is not None)
    ticket = tickets[-1].dialog
    save(ticket, out, "aapl-drag-ticket")
    shown: list[QDialog] = []
    controller.presenters.ticket.steps.dialog_shown.connect(shown.append)
    ticket.send_button.click()
    await until(lambda: shown, 10)
    save(shown[0], out, "aapl-drag-confirm")
    shown[0].accept()
    await until(lambda: overlays.lines[order_id][1].value() != order.price, 15)
    await asyncio.sleep(0.5)
    save(aapl, out, "aapl-after-drag")

    msft = charts.open_chart(MSFT, "MSFT", "15m")
    msft.resize(1100, 700)
    await loaded(controller, MSFT, "15m")
    await asyncio.sleep(wait)
    assert msft.panes is not None
    x0, x1 = msft.panes.view_range
    index = int((x0 + x1) / 2)
    bar = charts.models[MSFT].series.bar(index)
    at = msft.panes.price.getViewBox().mapViewToScene(QPointF(index, bar.close))
    msft.panes.scene().sigMouseMoved.emit(at)
    await asyncio.sleep(0.3)
    save(msft, out, "msft-15m-crosshair")
    await controller.shutdown()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="screenshots", type=Path)
    parser.add_argument("--wait", default=3.0, type=float, help="seconds of live data per shot")
    parser.add_argument("--at", help="demo start, New York time (ISO), e.g. 2026-11-27T11:00")
    args = parser.parse_args()
    # a fresh demo account (the app keeps it in the user data directory): no earlier orders
    os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="ibkr-desktop-chart-shots-data-")

    async def scenario(app: QApplication) -> int:
        await shoot(args.out, args.wait, args.at)
        return 0

    return run_app(scenario, prefix="ibkr-desktop-chart-shots-")


if __name__ == "__main__":
    raise SystemExit(main())

"""The running app on its demo gateway: realized P&L, net cash and totals as a trader reads
them, and the exports of the real tables read back."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

from openpyxl import load_workbook

from ibkr_desktop.app.startup import App
from ibkr_desktop.models.position_totals import is_total
from ibkr_desktop.protocol.orders import OrderTicket, OrderType, Side
from tests.app.conftest import place, running_app
from tests.helpers import wait_until

AAPL = 265598


def held(c: App, key: str) -> float:
    row = c.positions.row_of(AAPL)
    value = None if row is None else c.positions.record(row).get(key)
    return float(value) if isinstance(value, int | float) else 0.0


def executions(c: App, side: str) -> list[dict[str, object]]:
    records = (c.fills.record(r) for r in range(c.fills.rowCount()))
    return [dict(r) for r in records if r.get("conid") == AAPL and r.get("side") == side]


async def test_a_sale_shows_realized_pnl_net_cash_totals_and_exports(qapp,
                                                                      tmp_path: Path) -> None:
    """Buy 100 AAPL, sell 40: the sale's realized P&L equals the change of the position's
    realizedPnl (IBKR's number), its net amount is the cash received after commission, the
    totals row sums the positions, and Positions/Executions export as numbers with formats."""
    async with running_app(qapp) as c:
        await wait_until(lambda: c.positions.rowCount() > 0)  # the demo account's holdings
        start = held(c, "quantity")
        await place(c, OrderTicket(AAPL, Side.BUY, 100, OrderType.MKT))
        await wait_until(lambda: held(c, "quantity") == start + 100, timeout=10)
        realized_before = held(c, "realized_pnl")
        await place(c, OrderTicket(AAPL, Side.SELL, 40, OrderType.MKT))
        await wait_until(lambda: any(e.get("realized_pnl") is not None
                                     for e in executions(c, "SELL")), timeout=10)
        await wait_until(lambda: held(c, "quantity") == start + 60, timeout=10)
        await wait_until(lambda: held(c, "realized_pnl") != realized_before, timeout=10)
        [sale] = executions(c, "SELL")
        assert isinstance(sale["realized_pnl"], float) and isinstance(sale["price"], float)
        assert abs(sale["realized_pnl"] - (held(c, "realized_pnl") - realized_before)) < 0.05
        commission = float(sale["commission"] or 0.0)  # type: ignore[arg-type]
        assert abs(float(sale["net_cash"]) - (40 * sale["price"] - commission)) < 0.01  # type: ignore[arg-type]
        [buy] = executions(c, "BUY")
        assert float(buy["net_cash"]) < 0  # type: ignore[arg-type]

        positions = c.positions

        def totals_add_up() -> bool:  # the totals row follows at the next frame
            rows = range(positions.rowCount())
            if not rows or not is_total(positions.keys()[-1]):
                return False
            total = positions.record(rows[-1])
            return all(abs(float(total[key])  # type: ignore[arg-type]
                           - sum(float(positions.record(r)[key]) for r in rows[:-1])) < 0.01
                       for key in ("market_value", "unrealized_pnl", "realized_pnl"))

        await wait_until(totals_add_up, timeout=5)
        assert positions.data(positions.index(positions.rowCount() - 1, 0)) == "Total"

        window = c.window
        await window.positions_table.export_to(tmp_path / "positions.csv")
        with (tmp_path / "positions.csv").open(encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
        assert rows[-1]["Symbol"] == "Total"
        aapl = next(r for r in rows if r["Symbol"].startswith("AAPL"))
        assert aapl["Position"] == str(int(start + 60))
        for row in rows:
            for title in ("Market value", "Unrealized P&L", "Avg cost"):
                digits = row[title].partition(".")[2]
                assert len(digits) <= 6, (title, row[title])  # no 732.000000000001

        await window.watchlist.table.export_to(tmp_path / "watchlist.csv")
        with (tmp_path / "watchlist.csv").open(encoding="utf-8-sig") as fh:
            quotes = list(csv.DictReader(fh))
        assert quotes and all(q["Volume"].isdigit() for q in quotes)  # 24200123, not "24.2M"

        await window.fills_table.export_to(tmp_path / "executions.xlsx")
        book = load_workbook(tmp_path / "executions.xlsx")
        assert book.sheetnames == ["Executions"]
        sheet = book["Executions"]
        header = [cell.value for cell in sheet[1]]
        for r in range(2, sheet.max_row + 1):
            if sheet.cell(r, header.index("Side") + 1).value == "SELL":
                break
        cell = {title: sheet.cell(r, header.index(title) + 1) for title in header}
        assert isinstance(cell["Time"].value, datetime)
        assert cell["Time"].number_format == "yyyy-mm-dd hh:mm:ss"
        assert cell["Quantity"].value == 40 and cell["Quantity"].number_format == "0"
        assert cell["Price"].number_format == "0.00##"
        assert abs(cell["Realized P&L"].value - sale["realized_pnl"]) < 0.0001
        assert cell["Net amount"].value > 0 and cell["Order ref"].value

"""Numbers a trader expects: totals rows, weights, change %, realized P&L and net cash per
execution, dates on times."""

from __future__ import annotations

from datetime import datetime

from ibkr_desktop.models.columns import Kind, format_value
from ibkr_desktop.models.fills import FillsModel
from ibkr_desktop.models.positions import PositionsModel
from ibkr_desktop.models.realized import CostBook, Holding
from ibkr_desktop.models.table import RecordTableModel, Role
from ibkr_desktop.protocol.events import Fill, Position

NOW_S = 1_796_000_000.0  # 2026-11-30


def text(model: RecordTableModel, row: int, key: str) -> str:
    return model.data(model.index(row, model.column_index(key)))


def position(conid: int, qty: float, price: float, avg: float, currency: str = "USD",
             realized: float = 0.0) -> Position:
    return Position("DU1", conid, f"S{conid}", qty, avg, price, qty * price,
                    qty * (price - avg), realized, currency)


def fill(exec_id: str, side: str, size: float, price: float, time_ms: int | None,
         commission: float = 1.0, conid: int = 1, net: float | None = None) -> Fill:
    return Fill(exec_id, "DU1", conid, f"S{conid}", side, size, price, time_ms, commission,
                "ref-1", "NASDAQ", net, None)


def test_totals_row_sums_money_per_currency_and_stays_last(qtmodeltester) -> None:
    """One totals row per currency under the positions, market value and P&L summed; a new
    position arrives above the totals."""
    model = PositionsModel(clock=lambda: NOW_S)
    model.set_positions([position(1, 100, 50.0, 40.0, realized=25.0),
                         position(2, -10, 20.0, 25.0, realized=-5.0)])
    model.flush()
    assert model.keys() == [1, 2, "total:USD"]
    assert text(model, 2, "symbol") == "Total"
    assert text(model, 2, "market_value") == "4,800.00"  # 5,000 - 200
    assert text(model, 2, "unrealized_pnl") == "+1,050.00"  # 1,000 + 50
    assert text(model, 2, "realized_pnl") == "+20.00"
    assert model.data(model.index(2, 0), Role.PINNED) is True
    assert model.data(model.index(0, 0), Role.PINNED) is False
    model.set_positions([position(1, 100, 50.0, 40.0), position(2, -10, 20.0, 25.0),
                         position(3, 5, 10.0, 10.0, currency="EUR")])
    model.flush()
    assert model.keys() == [1, 2, 3, "total:USD", "total:EUR"]
    assert [text(model, r, "symbol") for r in (3, 4)] == ["Total USD", "Total EUR"]
    assert text(model, 4, "market_value") == "50.00 EUR"  # units travel with the numbers
    assert model.conids() == [1, 2, 3]
    qtmodeltester.check(model)
    model.set_positions([])
    model.flush()
    assert model.keys() == []


def test_weight_is_the_share_of_gross_market_value_and_change_pct_comes_from_quotes() -> None:
    """Weight = market value / (longs + |shorts|) in the same currency; Chg % is the quote's."""
    model = PositionsModel(clock=lambda: NOW_S)
    model.set_positions([position(1, 100, 30.0, 30.0), position(2, -100, 10.0, 10.0)])
    model.apply_quotes({1: {"last": 30.0, "change_pct": 1.5, "updated_ms": NOW_S * 1000 + 1}})
    model.flush()
    assert text(model, 0, "weight") == "75.00%"
    assert text(model, 1, "weight") == "-25.00%"
    assert text(model, 0, "change_pct") == "+1.50%"
    assert model.columns[model.column_index("weight")].tooltip.startswith("Share of the gross")


def test_realized_pnl_of_closing_executions_against_average_cost() -> None:
    """Selling part of a long realizes (price - avg cost) x shares - commission; buying to
    cover a short realizes (avg cost - price) x shares; opening realizes 0."""
    book = CostBook()
    book.set_positions([(1, Holding(100, 40.0, 1.0, 1_000)), (2, Holding(-10, 25.0, 1.0, 1_000))])
    realized = book.realize([fill("s1", "SELL", 30, 50.0, 2_000),
                             fill("b2", "BUY", 10, 20.0, 2_000, conid=2),
                             fill("b3", "BUY", 10, 52.0, 3_000)])
    assert realized == {"s1": 30 * 10.0 - 1.0, "b2": 10 * 5.0 - 1.0, "b3": 0.0}
    assert book.realize([fill("s1", "SELL", 30, 50.0, 2_000)]) == {}  # each execution once


def test_executions_before_the_first_snapshot_wait_for_it() -> None:
    """The str history can arrive before any positions: no guessed 0, the P&L follows the
    first snapshot (which already counts the sale)."""
    book = CostBook()
    assert book.realize([fill("h1", "SELL", 10, 60.0, 500)]) == {}
    assert book.set_positions([(1, Holding(90, 40.0, 1.0, 1_000))]) == {"h1": 200.0 - 1.0}
    assert book.set_positions([(1, Holding(90, 40.0, 1.0, 2_000))]) == {}


def test_realized_pnl_when_the_snapshot_already_counts_the_close() -> None:
    """A position closed to zero (gone from the snapshot) keeps its cost: the closing
    execution, older than the snapshot, still gets its P&L; an option uses the multiplier."""
    book = CostBook()
    book.set_positions([(7, Holding(2, 150.0, 100.0, 1_000))])  # 2 contracts at 1.50
    book.set_positions([])  # read at 1_000 ms too: the close is in it
    assert book.realize([fill("c1", "SELL", 2, 2.0, 900, commission=2.0, conid=7)]) == {
        "c1": (200.0 - 150.0) * 2 - 2.0}


def test_fills_show_net_cash_by_side_realized_pnl_and_date() -> None:
    """Net amount: a buy pays value + commission (negative), a sale receives value -
    commission; realized P&L arrives before or after the row; times carry their date."""
    model = FillsModel()
    at = int(datetime(2026, 11, 27, 14, 31, 5).timestamp() * 1000)
    model.set_realized({"s": 99.0})
    model.add([fill("b", "BUY", 10, 100.0, at, net=1000.0),
               fill("s", "SELL", 10, 110.0, at + 1, commission=1.5)])
    assert model.keys() == ["s", "b"]
    assert text(model, 1, "net_cash") == "-1,001.00"
    assert text(model, 0, "net_cash") == "+1,098.50"
    assert text(model, 0, "realized_pnl") == "+99.00"
    model.set_realized({"b": 0.0})
    assert text(model, 1, "realized_pnl") == "+0.00"
    assert text(model, 1, "time") == "Nov 27 14:31:05"
    assert format_value(Kind.TIME, at) == "Nov 27 14:31:05"
    assert text(model, 0, "order_ref") == "ref-1"


def test_positions_hand_realized_pnl_of_new_fills_on() -> None:
    """PositionsModel.add_fills returns each new execution's realized P&L (for Executions)."""
    model = PositionsModel(clock=lambda: NOW_S)
    model.set_positions([position(1, 100, 50.0, 40.0)], as_of_ms=NOW_S * 1000)
    later = int(NOW_S * 1000) + 5_000
    assert model.add_fills([fill("x", "SELL", 100, 45.0, later)]) == {"x": 500.0 - 1.0}

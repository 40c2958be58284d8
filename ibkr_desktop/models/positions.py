"""Open positions of the selected account, kept live by the quote stream.

``Broker.positions_updated`` delivers the full set (REST, every few seconds at most); between
those, :meth:`PositionsModel.apply_quotes` re-prices each position from the last trade so market
value and P&L move with the watchlist instead of lagging by a refresh cycle.

Daily P&L is marked to market the way IBKR reports it: today's value of the position, minus its
value at the prior close, minus the cash paid for today's trades. Today's trades come from
:meth:`PositionsModel.add_fills`, so a position bought today does not show the whole day's move.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime

from PySide6.QtCore import QObject

from ibkr_desktop.models.columns import Column, Kind
from ibkr_desktop.models.table import Record, RecordTableModel
from ibkr_desktop.protocol.events import Fill, Position

POSITION_COLUMNS: tuple[Column, ...] = (
    Column("symbol", "Symbol", Kind.TEXT, chars=7),
    Column("account", "Account", Kind.TEXT, visible=False),
    Column("quantity", "Position", Kind.SIZE, tooltip="Shares held; negative = short"),
    Column("avg_cost", "Avg cost", Kind.PRICE, tooltip="Average cost per share"),
    Column("last", "Last", Kind.PRICE, tooltip="Last trade price"),
    Column("market_value", "Market value", Kind.MONEY),
    Column("unrealized_pnl", "Unrealized P&L", Kind.PNL),
    Column("daily_pnl", "Daily P&L", Kind.PNL,
           tooltip="Today's P&L: position x change since the prior close"),
    Column("realized_pnl", "Realized P&L", Kind.PNL, visible=False),
    Column("currency", "Ccy", Kind.TEXT, visible=False),
)


def _record(position: Position) -> Record:
    return {
        "symbol": position.symbol, "account": position.account, "quantity": position.quantity,
        "avg_cost": position.avg_cost, "last": position.market_price,
        "market_value": position.market_value, "unrealized_pnl": position.unrealized_pnl,
        "realized_pnl": position.realized_pnl, "currency": position.currency,
    }


class PositionsModel(RecordTableModel):
    """One row per conid with a non-zero position."""

    def __init__(self, parent: QObject | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__(POSITION_COLUMNS, parent)
        self._clock = clock
        self._changes: dict[int, float] = {}  # conid -> today's change per share
        self._day: date | None = None
        self._traded: dict[int, tuple[float, float]] = {}  # conid -> (shares, cash) bought today
        self._executions: set[str] = set()

    def conids(self) -> list[int]:
        """Conids held (the positions presenter holds their quotes in the quote feed)."""
        return [int(k) for k in self._keys]  # type: ignore[call-overload]

    def set_positions(self, positions: Iterable[Position]) -> None:
        """Replace the set with a full ``positions_updated`` payload (zero positions drop out)."""
        items = []
        for position in positions:
            if position.quantity == 0:
                continue
            record = _record(position)
            record["daily_pnl"] = self._daily_pnl(position.conid, record)
            items.append((position.conid, record))
        self._sync(items)

    def add_fills(self, fills: Iterable[Fill]) -> None:
        """Count today's executions (each once) so daily P&L treats today's shares right."""
        today = self._today()
        for fill in fills:
            if fill.execution_id in self._executions:
                continue
            self._executions.add(fill.execution_id)
            if (fill.time_ms is not None  # no trade time: /trades and str list today's fills
                    and datetime.fromtimestamp(fill.time_ms / 1000).date() != today):
                continue
            signed = fill.size if fill.side == "BUY" else -fill.size
            shares, cash = self._traded.get(fill.conid, (0.0, 0.0))
            self._traded[fill.conid] = (shares + signed, cash + signed * fill.price)
            self._reprice(fill.conid)

    def apply_quotes(self, batch: Mapping[int, Mapping[str, object]]) -> None:
        """Re-price held contracts from a quote batch (O(conids in the batch))."""
        for conid, values in batch.items():
            change = values.get("change")
            if isinstance(change, float | int):
                self._changes[conid] = float(change)
            row = self._row_of.get(conid)
            if row is None:
                continue
            last = values.get("last")
            if isinstance(last, float | int):
                self._records[row]["last"] = last
            self._reprice(conid)

    def _reprice(self, conid: int) -> None:
        row = self._row_of.get(conid)
        if row is None:
            return
        record = self._records[row]
        last = record.get("last")
        if isinstance(last, float | int):
            quantity = float(record["quantity"])  # type: ignore[arg-type]
            record["market_value"] = quantity * last
            avg_cost = record.get("avg_cost")
            if isinstance(avg_cost, float | int):
                record["unrealized_pnl"] = quantity * (last - avg_cost)
        record["daily_pnl"] = self._daily_pnl(conid, record)
        self._touch(row)

    def _daily_pnl(self, conid: int, record: Mapping[str, object]) -> float | None:
        """value now - value at prior close of the shares held then - cash for today's trades."""
        last = record.get("last")
        if not isinstance(last, float | int):
            return None
        quantity = float(record["quantity"])  # type: ignore[arg-type]
        shares, cash = self._traded.get(conid, (0.0, 0.0))
        held_overnight = quantity - shares
        if abs(held_overnight) < 1e-9:
            return quantity * last - cash
        change = self._changes.get(conid)
        if change is None:
            return None
        return quantity * last - held_overnight * (last - change) - cash

    def _today(self) -> date:
        today = datetime.fromtimestamp(self._clock()).date()
        if today != self._day:  # a new day: yesterday's trades are overnight positions now
            self._day = today
            self._traded.clear()
        return today

"""Open positions of the selected account, kept live by the quote stream.

``Broker.positions_updated`` delivers the full set (REST, every few seconds at most); between
those, :meth:`PositionsModel.apply_quotes` re-prices each position from the last trade so market
value and P&L move with the watchlist instead of lagging by a refresh cycle.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from PySide6.QtCore import QObject

from ibkr_desktop.models.columns import Column, Kind
from ibkr_desktop.models.table import Record, RecordTableModel
from ibkr_desktop.protocol.events import Position

POSITION_COLUMNS: tuple[Column, ...] = (
    Column("symbol", "Symbol", Kind.TEXT),
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

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(POSITION_COLUMNS, parent)
        self._changes: dict[int, float] = {}  # conid -> today's change per share

    def conids(self) -> list[int]:
        """Conids held (the app subscribes quotes for them)."""
        return [int(k) for k in self._keys]  # type: ignore[call-overload]

    def set_positions(self, positions: Iterable[Position]) -> None:
        """Replace the set with a full ``positions_updated`` payload (zero positions drop out)."""
        items = []
        for position in positions:
            if position.quantity == 0:
                continue
            record = _record(position)
            change = self._changes.get(position.conid)
            if change is not None:
                record["daily_pnl"] = position.quantity * change
            items.append((position.conid, record))
        self._sync(items)

    def apply_quotes(self, batch: Mapping[int, Mapping[str, object]]) -> None:
        """Re-price held contracts from a quote batch (O(conids in the batch))."""
        for conid, values in batch.items():
            change = values.get("change")
            if isinstance(change, float | int):
                self._changes[conid] = float(change)
            row = self._row_of.get(conid)
            if row is None:
                continue
            record = self._records[row]
            last = values.get("last")
            quantity = float(record["quantity"])  # type: ignore[arg-type]
            if isinstance(last, float | int):
                record["last"] = last
                record["market_value"] = quantity * last
                avg_cost = record.get("avg_cost")
                if isinstance(avg_cost, float | int):
                    record["unrealized_pnl"] = quantity * (last - avg_cost)
            if conid in self._changes:
                record["daily_pnl"] = quantity * self._changes[conid]
            self._touch(row)

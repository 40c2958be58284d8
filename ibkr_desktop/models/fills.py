"""Executions of the day, newest first, each execution id shown once.

Fills arrive from the ``str`` stream and again from the REST re-sync after a reconnect; keying
rows by execution id makes both paths safe to apply.

**Net amount** is the cash the execution moved, as a trader reads a statement: IBKR's
``net_amount`` is the unsigned value (size x price x multiplier, no commission, §5.9), so the
table shows ``-(value) - commission`` for a buy and ``value - commission`` for a sale.
**Realized P&L** is not in IBKR's trades; the positions model works it out against the
position's average cost and hands it over with :meth:`FillsModel.set_realized`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from PySide6.QtCore import QObject
from PySide6.QtGui import QColor

from ibkr_desktop.models.columns import Column, Kind
from ibkr_desktop.models.table import Record, RecordTableModel
from ibkr_desktop.protocol.events import Fill

FILL_COLUMNS: tuple[Column, ...] = (
    Column("time", "Time", Kind.TIME, sources=("time_ms",), tooltip="Execution date and time"),
    Column("symbol", "Symbol", Kind.TEXT, chars=7),
    Column("side", "Side", Kind.TEXT, chars=5),
    Column("size", "Quantity", Kind.SIZE),
    Column("price", "Price", Kind.PRICE),
    Column("commission", "Commission", Kind.MONEY),
    Column("net_cash", "Net amount", Kind.PNL,
           tooltip="Cash of the execution after commission: negative = paid (buy), "
                   "positive = received (sale)"),
    Column("realized_pnl", "Realized P&L", Kind.PNL,
           tooltip="P&L of the shares this execution closed, against the position's average "
                   "cost, after commissions (0 when it opens or adds)"),
    Column("order_ref", "Order ref", Kind.TEXT, chars=12,
           tooltip="Your order reference (the cOID the order was placed with)"),
    Column("exchange", "Exchange", Kind.TEXT),
    Column("account", "Account", Kind.TEXT, visible=False),
    Column("execution_id", "Execution id", Kind.TEXT, visible=False, chars=18),
)

_FIELDS = Fill.__slots__


class FillsModel(RecordTableModel):
    """Executions keyed by execution id."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(FILL_COLUMNS, parent)
        self._side_col = self.column_index("side")
        self._realized: dict[str, float | None] = {}

    def set_realized(self, values: Mapping[str, float | None]) -> None:
        """Realized P&L by execution id (shown now, or when the execution arrives)."""
        self._realized.update(values)
        for execution_id, value in values.items():
            row = self._row_of.get(execution_id)
            if row is not None and self._records[row].get("realized_pnl") != value:
                self._records[row]["realized_pnl"] = value
                self._touch(row)

    def add(self, fills: Iterable[Fill]) -> int:
        """Add new executions (duplicates ignored) as one block on top; returns how many."""
        fresh: dict[str, Fill] = {}
        for fill in fills:
            if fill.execution_id not in self._row_of:
                fresh[fill.execution_id] = fill
        # An execution without a trade time (§11) is still shown, below the timed ones.
        ordered = sorted(fresh.values(), key=lambda f: -1 if f.time_ms is None else f.time_ms,
                         reverse=True)
        self._insert([(f.execution_id, self._record(f)) for f in ordered], 0)
        return len(ordered)

    def _record(self, fill: Fill) -> Record:
        record: Record = {k: getattr(fill, k) for k in _FIELDS}
        value = fill.net_amount if fill.net_amount is not None else fill.size * fill.price
        cash = -abs(value) if fill.side == "BUY" else abs(value)
        record["net_cash"] = cash - (fill.commission or 0.0)
        record["realized_pnl"] = self._realized.get(fill.execution_id)
        return record

    def clear(self) -> None:
        """Forget every execution (account switch)."""
        self._reset([])

    def _foreground(self, row: int, col: int) -> QColor | None:
        if col == self._side_col:
            colors = self._palette(row)  # faded while the table is not current
            return colors.up if self._records[row].get("side") == "BUY" else colors.down
        return super()._foreground(row, col)

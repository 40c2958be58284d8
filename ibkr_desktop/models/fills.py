"""Executions of the day, newest first, each execution id shown once.

Fills arrive from the ``str`` stream and again from the REST re-sync after a reconnect; keying
rows by execution id makes both paths safe to apply.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QObject
from PySide6.QtGui import QColor

from ibkr_desktop.models.columns import Column, Kind
from ibkr_desktop.models.table import RecordTableModel
from ibkr_desktop.protocol.events import Fill

FILL_COLUMNS: tuple[Column, ...] = (
    Column("time", "Time", Kind.TIME, sources=("time_ms",)),
    Column("symbol", "Symbol", Kind.TEXT, chars=7),
    Column("side", "Side", Kind.TEXT, chars=5),
    Column("size", "Quantity", Kind.SIZE),
    Column("price", "Price", Kind.PRICE),
    Column("commission", "Commission", Kind.MONEY),
    Column("net_amount", "Net amount", Kind.MONEY, visible=False),
    Column("exchange", "Exchange", Kind.TEXT),
    Column("account", "Account", Kind.TEXT, visible=False),
    Column("order_ref", "Ref", Kind.TEXT, visible=False),
    Column("execution_id", "Execution id", Kind.TEXT, visible=False, chars=18),
)

_FIELDS = Fill.__slots__


class FillsModel(RecordTableModel):
    """Executions keyed by execution id."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(FILL_COLUMNS, parent)
        self._side_col = self.column_index("side")

    def add(self, fills: Iterable[Fill]) -> int:
        """Add new executions (duplicates ignored) as one block on top; returns how many."""
        fresh: dict[str, Fill] = {}
        for fill in fills:
            if fill.execution_id not in self._row_of:
                fresh[fill.execution_id] = fill
        # An execution without a trade time (§11) is still shown, below the timed ones.
        ordered = sorted(fresh.values(), key=lambda f: -1 if f.time_ms is None else f.time_ms,
                         reverse=True)
        self._insert([(f.execution_id, {k: getattr(f, k) for k in _FIELDS}) for f in ordered], 0)
        return len(ordered)

    def clear(self) -> None:
        """Forget every execution (account switch)."""
        self._reset([])

    def _foreground(self, row: int, col: int) -> QColor | None:
        if col == self._side_col:
            colors = self._palette(row)  # faded while the table is not current
            return colors.up if self._records[row].get("side") == "BUY" else colors.down
        return super()._foreground(row, col)

"""Account summary: the handful of numbers a trader checks, each row from one source.

One meaning per number: every row is fed by exactly one source, so no row flips between two
numbers that mean different things. ``pnl_updated`` (the ``spl`` stream and its REST twin
``/iserver/account/pnl/partitioned``, §6.11/§2.7) feeds daily/unrealized P&L, net and excess
liquidity and the *net* market value (``mv``: longs minus shorts). ``account_summary_updated``
(the ``ssd`` stream and its REST twin ``/portfolio/{acct}/summary``, §6.12/§2.4) feeds buying
power, funds, cash, margin and the *gross* position value (longs plus the absolute value of
shorts). The summary also carries net liquidation and unrealized P&L; those rows take them from
the P&L source only (it updates every second; the summary lags and rounds differently).
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QObject
from PySide6.QtGui import QColor

from ibkr_desktop.models.columns import Column, Kind, format_value, sign_of
from ibkr_desktop.models.table import Record, RecordTableModel
from ibkr_desktop.protocol.events import AccountSummaryUpdate, PnlUpdate

ACCOUNT_COLUMNS: tuple[Column, ...] = (
    Column("item", "Item", Kind.TEXT, chars=20),
    Column("value", "Value", Kind.MONEY),
)

PNL = "pnl"
"""Source of a row: ``PnlUpdate`` (``spl`` / partitioned P&L)."""
SUMMARY = "summary"
"""Source of a row: ``AccountSummaryUpdate`` (``ssd`` / REST summary)."""

# row key, label, kind, source, field in that source (PnlUpdate attribute or summary key)
_ROWS: tuple[tuple[str, str, Kind, str, str], ...] = (
    ("net_liquidation", "Net liquidation", Kind.MONEY, PNL, "net_liquidity"),
    ("daily_pnl", "Daily P&L", Kind.PNL, PNL, "daily_pnl"),
    ("unrealized_pnl", "Unrealized P&L", Kind.PNL, PNL, "unrealized_pnl"),
    ("buying_power", "Buying power", Kind.MONEY, SUMMARY, "buyingpower"),
    ("excess_liquidity", "Excess liquidity", Kind.MONEY, PNL, "excess_liquidity"),
    ("available_funds", "Available funds", Kind.MONEY, SUMMARY, "availablefunds"),
    ("cash", "Cash", Kind.MONEY, SUMMARY, "totalcashvalue"),
    ("market_value", "Market value (net)", Kind.MONEY, PNL, "market_value"),
    ("gross_position_value", "Gross position value", Kind.MONEY, SUMMARY,
     "grosspositionvalue"),
    ("maint_margin", "Maintenance margin", Kind.MONEY, SUMMARY, "maintmarginreq"),
)
_TIPS = {
    "market_value": "Longs minus shorts (P&L stream)",
    "gross_position_value": "Longs plus shorts, both counted positive (account summary)",
}


class AccountModel(RecordTableModel):
    """Fixed rows (net liquidation, buying power, ...) of the selected account."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(ACCOUNT_COLUMNS, parent)
        self.account: str | None = None
        self._by_summary = {name: key for key, _, _, src, name in _ROWS if src == SUMMARY}
        self._pnl_rows = [(key, name) for key, _, _, src, name in _ROWS if src == PNL]
        self._reset([(key, self._blank(label, kind)) for key, label, kind, _, _ in _ROWS])

    @staticmethod
    def _blank(label: str, kind: Kind) -> Record:
        return {"item": label, "value": None, "kind": kind}

    def select_account(self, account: str | None) -> None:
        """Show another account: every value blanks until its own updates arrive."""
        if account == self.account:
            return
        self.account = account
        for row, record in enumerate(self._records):
            record["value"] = None
            self._touch(row)

    def value(self, key: str) -> float | None:
        """Current value of a row (``"net_liquidation"``, ``"daily_pnl"``...)."""
        row = self._row_of.get(key)
        value = None if row is None else self._records[row].get("value")
        return value if isinstance(value, float | int) else None

    def apply_pnl(self, updates: Iterable[PnlUpdate]) -> None:
        """Take P&L rows of the selected account (others are ignored)."""
        for update in updates:
            if self.account is not None and update.account != self.account:
                continue
            for key, attr in self._pnl_rows:
                self._set(key, getattr(update, attr))

    def apply_summary(self, update: AccountSummaryUpdate) -> None:
        """Take summary values of the selected account."""
        if self.account is not None and update.account != self.account:
            return
        for name, value in update.values.items():
            key = self._by_summary.get(name.lower())
            if key is not None and isinstance(value, float | int):
                self._set(key, value)

    def _set(self, key: str, value: float | None) -> None:
        if value is None:
            return
        row = self._row_of[key]
        if self._records[row].get("value") != value:
            self._records[row]["value"] = value
            self._touch(row)

    def _render(self, row: int) -> list[str]:
        record = self._records[row]
        return [str(record["item"]), format_value(record["kind"], record["value"])]  # type: ignore[arg-type]

    def _foreground(self, row: int, col: int) -> QColor | None:
        colors = self._palette(row)
        record = self._records[row]
        sign = sign_of(record["kind"], record["value"]) if col == 1 else 0  # type: ignore[arg-type]
        if sign:
            return colors.up if sign > 0 else colors.down
        return colors.stale if colors is self._stale_colors else None

    def _tooltip(self, row: int, col: int) -> str | None:
        return super()._tooltip(row, col) or _TIPS.get(str(self._keys[row]))

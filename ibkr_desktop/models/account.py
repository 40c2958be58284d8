"""Account summary: the handful of numbers a trader checks, latest value wins.

Fed by ``pnl_updated`` (``spl``: daily/unrealized P&L, net and excess liquidity, market value) and
``account_summary_updated`` (``ssd``/REST summary: buying power, funds, cash, margin). Both
sources describe the same account; whichever spoke last is shown.
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

# row key, label, kind, summary key, PnlUpdate attribute
_ROWS: tuple[tuple[str, str, Kind, str | None, str | None], ...] = (
    ("net_liquidation", "Net liquidation", Kind.MONEY, "netliquidation", "net_liquidity"),
    ("daily_pnl", "Daily P&L", Kind.PNL, None, "daily_pnl"),
    ("unrealized_pnl", "Unrealized P&L", Kind.PNL, "unrealizedpnl", "unrealized_pnl"),
    ("buying_power", "Buying power", Kind.MONEY, "buyingpower", None),
    ("excess_liquidity", "Excess liquidity", Kind.MONEY, "excessliquidity", "excess_liquidity"),
    ("available_funds", "Available funds", Kind.MONEY, "availablefunds", None),
    ("cash", "Cash", Kind.MONEY, "totalcashvalue", None),
    ("market_value", "Gross position value", Kind.MONEY, "grosspositionvalue", "market_value"),
    ("maint_margin", "Maintenance margin", Kind.MONEY, "maintmarginreq", None),
)


class AccountModel(RecordTableModel):
    """Fixed rows (net liquidation, buying power, ...) of the selected account."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(ACCOUNT_COLUMNS, parent)
        self.account: str | None = None
        self._by_summary = {s: key for key, _, _, s, _ in _ROWS if s}
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
            for key, _, _, _, attr in _ROWS:
                if attr is not None:
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
        record = self._records[row]
        sign = sign_of(record["kind"], record["value"]) if col == 1 else 0  # type: ignore[arg-type]
        if sign:
            return self._colors.up if sign > 0 else self._colors.down
        return None

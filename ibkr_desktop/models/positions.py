"""Open positions of the selected account, kept live by the quote stream.

``Broker.positions_updated`` delivers the full set (REST, every few seconds at most); between
those, :meth:`PositionsModel.apply_quotes` re-prices each position from the last trade so market
value and P&L move with the watchlist instead of lagging by a refresh cycle.

**The freshest price wins.** Each shown price remembers its time: a REST snapshot's is when it
was read (``as_of_ms``), a quote's is the frame's ``updated_ms``. IBKR streams changes only, so a
quote's last price is still the last price at the time of any later frame of the same contract
(a bid change says the last did not move). A REST snapshot (IBKR's positions cache can be old,
§11) therefore never replaces a newer streamed price, and the next frame of a contract puts the
streamed price back over an older snapshot; market value and P&L follow the price shown.
(``updated_ms`` is the gateway's clock, ``as_of_ms`` this machine's: a clock skew larger than
the gap between two frames of a contract only delays the switch to the next frame.)

**Units** (§11 "Portfolio"): a derivative's ``mktPrice`` is per unit of the underlying while its
``mktValue`` and ``avgCost`` are per contract, so re-pricing multiplies by the contract
multiplier (the quote's ``multiplier`` when contract info supplied it, else read off the REST
snapshot: ``mktValue / (position x mktPrice)``). Money is in the position's currency, written
after the number when it is not the account's base currency. A price from a delayed or frozen
quote carries the same badge as in the watchlist (``"AAPL [D]"``).

Daily P&L is marked to market the way IBKR reports it: today's value of the position, minus its
value at the prior close, minus the cash paid for today's trades. Today's trades come from
:meth:`PositionsModel.add_fills`, so a position bought today does not show the whole day's move.

Below the positions, a totals row per currency sums market value, unrealized, realized and daily
P&L (:mod:`~ibkr_desktop.models.position_totals`; the view keeps it last in any sort); each
position's weight is its share of the gross market value in its currency. Both are worked out
once per frame, not per quote. :meth:`PositionsModel.add_fills` also returns each execution's
realized P&L (:class:`~ibkr_desktop.models.realized.CostBook`: IBKR's trades carry none).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Iterable, Mapping
from datetime import date, datetime

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QFont

from ibkr_desktop.models.availability import availability_label, with_badge
from ibkr_desktop.models.columns import Column, Kind
from ibkr_desktop.models.position_totals import is_total, totals, weights
from ibkr_desktop.models.realized import CostBook, Holding
from ibkr_desktop.models.table import Record, RecordTableModel
from ibkr_desktop.protocol.events import Fill, Position

POSITION_COLUMNS: tuple[Column, ...] = (
    Column("symbol", "Symbol", Kind.TEXT, chars=9,
           tooltip="Contract; [D] delayed or [F] frozen prices, as in the watchlist"),
    Column("account", "Account", Kind.TEXT, visible=False),
    Column("quantity", "Position", Kind.SIZE, tooltip="Shares or contracts held; negative = short"),
    Column("avg_cost", "Avg cost", Kind.PRICE,
           tooltip="Average cost per share (per contract for options and futures)"),
    Column("last", "Last", Kind.PRICE, tooltip="Last trade price (per share/unit)"),
    Column("change_pct", "Chg %", Kind.PERCENT,
           tooltip="Today's change of the price, in % of the prior close"),
    Column("market_value", "Market value", Kind.MONEY),
    Column("weight", "Weight", Kind.WEIGHT,
           tooltip="Share of the gross market value of the positions in the same currency "
                   "(longs plus shorts counted positive); negative for a short"),
    Column("unrealized_pnl", "Unrealized P&L", Kind.PNL),
    Column("daily_pnl", "Daily P&L", Kind.PNL,
           tooltip="Today's P&L: position x change since the prior close"),
    Column("realized_pnl", "Realized P&L", Kind.PNL,
           tooltip="P&L of the shares already closed (IBKR's realizedPnl for the position)"),
    Column("currency", "Ccy", Kind.TEXT, visible=False),
)

_MONEY_KINDS = frozenset({Kind.PRICE, Kind.MONEY, Kind.PNL})
_QUOTE_KEYS = ("last", "change_pct", "updated_ms", "availability", "availability_code",
               "multiplier")


def _multiplier(position: Position) -> float:
    """Contract multiplier read off a REST snapshot (1 for stocks; 100 for US equity options)."""
    price, value, quantity = position.market_price, position.market_value, position.quantity
    if not price or not value or not quantity:
        return 1.0
    ratio = value / (quantity * price)
    return float(round(ratio)) if ratio > 1.5 else 1.0


def _record(position: Position, as_of_ms: float) -> Record:
    return {
        "symbol": position.symbol, "account": position.account, "quantity": position.quantity,
        "avg_cost": position.avg_cost, "last": position.market_price,
        "market_value": position.market_value, "unrealized_pnl": position.unrealized_pnl,
        "realized_pnl": position.realized_pnl, "currency": position.currency,
        "multiplier": _multiplier(position), "_price_ms": as_of_ms,
    }


class PositionsModel(RecordTableModel):
    """One row per conid with a non-zero position.

    Attributes:
        base_currency: the account's base currency (None = not known: then a currency is
            written only when the positions are in more than one).
    """

    def __init__(self, parent: QObject | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__(POSITION_COLUMNS, parent)
        self._clock = clock
        self.base_currency: str | None = None
        self._quotes: dict[int, dict[str, object]] = {}  # conid -> merged price-relevant quote
        self._changes: dict[int, float] = {}  # conid -> today's change per share
        self._day: date | None = None
        self._traded: dict[int, tuple[float, float]] = {}  # conid -> (shares, cash) bought today
        self._executions: set[str] = set()
        self._mixed = False
        self._money_cols = [i for i, c in enumerate(self.columns) if c.kind in _MONEY_KINDS]
        self._symbol_col = self.column_index("symbol")
        self._book = CostBook()
        self._totals_due = False
        bold = QFont()
        bold.setBold(True)
        self._roles[int(Qt.ItemDataRole.FontRole.value)] = \
            lambda row, col: bold if self._pinned(row) else None

    def conids(self) -> list[int]:
        """Conids held, in row order (the totals rows, last, have none)."""
        return [k for k in self._keys if isinstance(k, int)]

    def set_base_currency(self, currency: str | None) -> None:
        """Money in this currency is written without a currency code."""
        self.base_currency = currency
        self._dirty.update(range(len(self._records)))
        self._text = [None] * len(self._records)

    def set_positions(self, positions: Iterable[Position],
                      as_of_ms: float | None = None) -> dict[str, float | None]:
        """Replace the set with a full ``positions_updated`` payload (zero positions drop out).

        Args:
            positions: the account's positions.
            as_of_ms: when the snapshot was read (epoch ms; default now). A held contract whose
                quote is newer keeps the quote's price.

        Returns:
            realized P&L of executions that arrived before the first snapshot, by execution id.
        """
        as_of = self._clock() * 1000 if as_of_ms is None else as_of_ms
        items = []
        book = []
        for position in positions:
            record = _record(position, as_of)
            book.append((position.conid, Holding(position.quantity, position.avg_cost,
                                                 float(record["multiplier"]), as_of)))  # type: ignore[arg-type]
            if position.quantity != 0:
                items.append((position.conid, record))
        realized = self._book.set_positions(book)
        self._mixed = len({r.get("currency") for _, r in items}) > 1
        kept = [(k, self._records[r]) for k, r in self._row_of.items() if is_total(k)]
        self._sync(items + kept, before=kept[0][0] if kept else None)
        self._totals_due = True
        for conid, _ in items:
            if conid in self._quotes:
                self._take_quote(conid)  # re-prices and computes daily P&L
            else:
                self._reprice(conid)
        return realized

    def add_fills(self, fills: Iterable[Fill]) -> dict[str, float | None]:
        """Count today's executions (each once) so daily P&L treats today's shares right.

        Returns:
            the realized P&L of each execution not seen before, by execution id (see
            :class:`~ibkr_desktop.models.realized.CostBook`; None: average cost unknown).
        """
        fills = list(fills)
        realized = self._book.realize(fills)
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
        return realized

    def apply_quotes(self, batch: Mapping[int, Mapping[str, object]]) -> None:
        """Re-price held contracts from a quote batch (O(conids in the batch))."""
        now_ms = self._clock() * 1000
        for conid, values in batch.items():
            change = values.get("change")
            if isinstance(change, float | int):
                self._changes[conid] = float(change)
            quote = self._quotes.setdefault(conid, {})
            quote.update((k, values[k]) for k in _QUOTE_KEYS if k in values)
            if "updated_ms" not in values:
                quote["updated_ms"] = now_ms  # a frame without a time: received now
            if conid in self._row_of:
                self._take_quote(conid)

    def _take_quote(self, conid: int) -> None:
        """Show the quote's price, availability and multiplier where the quote is newer."""
        quote = self._quotes.get(conid)
        row = self._row_of.get(conid)
        if quote is None or row is None:
            return
        record = self._records[row]
        record["availability"] = quote.get("availability")
        record["change_pct"] = quote.get("change_pct")
        record["availability_code"] = quote.get("availability_code")
        multiplier = quote.get("multiplier")
        if isinstance(multiplier, float | int) and multiplier > 0:
            record["multiplier"] = float(multiplier)
        last, at = quote.get("last"), quote.get("updated_ms")
        if (isinstance(last, float | int) and isinstance(at, float | int)
                and at >= float(record.get("_price_ms") or 0)):  # type: ignore[arg-type]
            record["last"] = last
            record["_price_ms"] = at
        self._reprice(conid)

    def _reprice(self, conid: int) -> None:
        row = self._row_of.get(conid)
        if row is None:
            return
        record = self._records[row]
        last = record.get("last")
        if isinstance(last, float | int):
            quantity = float(record["quantity"])  # type: ignore[arg-type]
            value = quantity * last * float(record.get("multiplier") or 1.0)  # type: ignore[arg-type]
            record["market_value"] = value
            avg_cost = record.get("avg_cost")
            if isinstance(avg_cost, float | int):
                record["unrealized_pnl"] = value - quantity * avg_cost
        record["daily_pnl"] = self._daily_pnl(conid, record)
        self._touch(row)
        self._totals_due = True

    def _before_flush(self) -> None:
        """Weights and totals rows, once per frame when a position changed."""
        if not self._totals_due:
            return
        self._totals_due = False
        rows = [r for r, key in enumerate(self._keys) if not is_total(key)]
        records = [self._records[r] for r in rows]
        for row, weight in zip(rows, weights(records), strict=True):
            if self._records[row].get("weight") != weight:
                self._records[row]["weight"] = weight
                self._touch(row)
        kept: list[tuple[Hashable, Record]] = [(self._keys[r], self._records[r]) for r in rows]
        self._sync([*kept, *totals(records)])  # positions unchanged (no repaint), totals synced

    def _pinned(self, row: int) -> bool:
        return is_total(self._keys[row])

    def _daily_pnl(self, conid: int, record: Mapping[str, object]) -> float | None:
        """value now - value at prior close of the shares held then - cash for today's trades
        (all per unit, times the contract multiplier)."""
        last = record.get("last")
        if not isinstance(last, float | int):
            return None
        multiplier = float(record.get("multiplier") or 1.0)  # type: ignore[arg-type]
        quantity = float(record["quantity"])  # type: ignore[arg-type]
        shares, cash = self._traded.get(conid, (0.0, 0.0))
        held_overnight = quantity - shares
        if abs(held_overnight) < 1e-9:
            return multiplier * (quantity * last - cash)
        change = self._changes.get(conid)
        if change is None:
            return None
        return multiplier * (quantity * last - held_overnight * (last - change) - cash)

    def _render(self, row: int) -> list[str]:
        text = super()._render(row)
        record = self._records[row]
        badge, _ = availability_label(record)
        text[self._symbol_col] = with_badge(text[self._symbol_col], badge)
        currency = record.get("currency")
        foreign = (currency != self.base_currency if self.base_currency is not None
                   else self._mixed)
        if currency and foreign:
            for col in self._money_cols:
                if text[col]:
                    text[col] = f"{text[col]} {currency}"
        return text

    def _tooltip(self, row: int, col: int) -> str | None:
        _, tip = availability_label(self._records[row])
        return tip or super()._tooltip(row, col)

    def _today(self) -> date:
        today = datetime.fromtimestamp(self._clock()).date()
        if today != self._day:  # a new day: yesterday's trades are overnight positions now
            self._day = today
            self._traded.clear()
        return today

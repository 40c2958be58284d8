"""The streaming watchlist table: one row per contract, fed quote batches by the quote feed.

:meth:`WatchlistModel.apply` is O(changed): it merges a batch into the rows it names, notes
up/down ticks for the flash and marks those rows dirty. The frame clock's :meth:`flush` repaints
dirty rows in contiguous spans, expires flashes and, once a second, refreshes the data-age column
and the stale (dimmed) state of every row. A row whose quote is not real-time (field 6509:
delayed, frozen...) carries a badge in its Symbol cell ("AAPL [D]") and says why in its tooltip.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor

from ibkr_desktop.models.availability import availability_label, with_badge
from ibkr_desktop.models.columns import Column, Kind, format_age
from ibkr_desktop.models.table import Record, RecordTableModel


@dataclass(frozen=True, slots=True)
class WatchItem:
    """A contract on a watchlist: what is saved and what a new row starts with."""

    conid: int
    symbol: str
    name: str = ""

    def to_json(self) -> dict[str, object]:
        """Plain dict for settings storage."""
        return {"conid": self.conid, "symbol": self.symbol, "name": self.name}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> WatchItem | None:
        """Tolerant inverse of :meth:`to_json`; None for a damaged entry."""
        try:
            conid = int(data["conid"])  # type: ignore[call-overload]
        except (KeyError, TypeError, ValueError):
            return None
        return cls(conid, str(data.get("symbol") or conid), str(data.get("name") or ""))


WATCHLIST_COLUMNS: tuple[Column, ...] = (
    Column("symbol", "Symbol", Kind.TEXT, chars=9,
           tooltip="Ticker symbol; [D] delayed, [F] frozen, [FD] frozen delayed, "
                   "[N/A] no market data"),
    Column("name", "Name", Kind.TEXT, sources=("name", "company_name"), visible=False,
           chars=24, tooltip="Company name"),
    Column("last", "Last", Kind.PRICE,
           tooltip="Last trade price (C = prior close, no trade yet; H = halted)"),
    Column("change", "Change", Kind.CHANGE, tooltip="Change from the prior close"),
    Column("change_pct", "Chg %", Kind.PERCENT, tooltip="Percent change from the prior close"),
    Column("bid", "Bid", Kind.PRICE),
    Column("ask", "Ask", Kind.PRICE),
    Column("bid_size", "Bid size", Kind.SIZE, tooltip="Shares bid"),
    Column("ask_size", "Ask size", Kind.SIZE, tooltip="Shares offered"),
    Column("last_size", "Last size", Kind.SIZE, visible=False, tooltip="Size of the last trade"),
    Column("volume", "Volume", Kind.VOLUME, sources=("volume_long", "volume"),
           tooltip="Shares traded today"),
    Column("high", "High", Kind.PRICE, tooltip="Today's high"),
    Column("low", "Low", Kind.PRICE, tooltip="Today's low"),
    Column("open", "Open", Kind.PRICE, tooltip="Today's open"),
    Column("close", "Close", Kind.PRICE, sources=("prior_close", "close"),
           tooltip="Prior session close"),
    Column("age", "Age", Kind.AGE,
           tooltip="Seconds since this row last updated; stale rows are dimmed"),
)

FLASH_FIELDS = ("last", "bid", "ask")
"""Quote fields whose cell flashes green/red on an up/down tick."""


class WatchlistModel(RecordTableModel):
    """Rows of contracts keyed by conid, with live quote values.

    Signals:
        contracts_changed(): rows were added, removed or replaced (the subscription set changed).
    """

    contracts_changed = Signal()

    def __init__(
        self,
        *,
        stale_after: float = 10.0,
        flash_ms: int = 450,
        clock: Callable[[], float] = time.monotonic,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(WATCHLIST_COLUMNS, parent)
        self.stale_after = stale_after
        self._flash_s = flash_ms / 1000
        self._clock = clock
        self._flashing: dict[int, float] = {}  # conid -> flash end time
        self._parked: dict[int, Record] = {}   # quote values of conids not on the list
        self._age_col = self.column_index("age")
        self._next_sweep = clock() + 1.0
        self._last_col = self.column_index("last")
        self._symbol_col = self.column_index("symbol")
        self._flash_cols = {self.column_index(f): f for f in FLASH_FIELDS}

    # -- contents -----------------------------------------------------------------------------
    def items(self) -> list[WatchItem]:
        """The list as saved: contracts in row order."""
        return [WatchItem(int(k), str(r.get("symbol") or k), str(r.get("name") or ""))  # type: ignore[call-overload]
                for k, r in zip(self._keys, self._records, strict=True)]

    def conids(self) -> list[int]:
        """Conids in row order (what the watchlist holds in the quote feed)."""
        return [int(k) for k in self._keys]  # type: ignore[call-overload]

    def set_items(self, items: Iterable[WatchItem]) -> None:
        """Show another list (switching named watchlists); keeps quotes already known."""
        for key, record in zip(self._keys, self._records, strict=True):
            self._parked[key] = record  # type: ignore[index]
        self._reset([(i.conid, self._new_record(i)) for i in _unique(items)])
        self.contracts_changed.emit()

    def add(self, item: WatchItem, at: int | None = None) -> bool:
        """Add a contract (no duplicates); returns False when it is already listed."""
        if item.conid in self._row_of:
            return False
        self._insert([(item.conid, self._new_record(item))], at)
        self.contracts_changed.emit()
        return True

    def remove_rows(self, rows: Iterable[int]) -> None:
        """Remove the given rows (any order)."""
        removed = False
        for row in sorted(set(rows), reverse=True):
            if 0 <= row < len(self._records):
                self._parked[self._keys[row]] = self._records[row]  # type: ignore[index]
                self._remove(row)
                removed = True
        if removed:
            self.contracts_changed.emit()

    def move_row(self, source: int, target: int) -> bool:
        """Reorder: move row ``source`` so it ends up at ``target``."""
        return self._move(source, target)

    # -- streaming ----------------------------------------------------------------------------
    def apply(self, batch: Mapping[int, Mapping[str, object]]) -> int:
        """Merge one quote batch (``{conid: changed values}``); O(conids). Returns rows touched."""
        now = self._clock()
        touched = 0
        row_of = self._row_of
        for conid, values in batch.items():
            row = row_of.get(conid)
            if row is None:
                self._parked.setdefault(conid, {}).update(values)
                continue
            record = self._records[row]
            flashes = _ticks(record, values)
            record.update(values)
            record["_updated"] = now
            record["_stale"] = False
            if flashes:
                record["_flash"] = flashes
                self._flashing[conid] = now + self._flash_s
            self._text[row] = None
            self._dirty.add(row)
            touched += 1
        return touched

    def age_of(self, row: int) -> float | None:
        """Seconds since the row's last update (None before the first one)."""
        updated = self._records[row].get("_updated")
        return None if updated is None else self._clock() - float(updated)  # type: ignore[arg-type]

    # -- hooks --------------------------------------------------------------------------------
    def _new_record(self, item: WatchItem) -> Record:
        record: Record = dict(self._parked.pop(item.conid, {}))
        record.update(symbol=item.symbol, name=item.name or record.get("company_name") or "")
        record.setdefault("_since", self._clock())
        record.pop("_flash", None)
        return record

    def _render(self, row: int) -> list[str]:
        text = super()._render(row)
        record = self._records[row]
        last_col = self._last_col
        if text[last_col] and record.get("halted"):
            text[last_col] = "H " + text[last_col]
        elif text[last_col] and record.get("last_is_close"):
            text[last_col] = "C " + text[last_col]
        age = self.age_of(row)
        text[self._age_col] = "" if age is None else format_age(age)
        badge, _ = availability_label(record)
        text[self._symbol_col] = with_badge(text[self._symbol_col], badge)
        return text

    def _tooltip(self, row: int, col: int) -> str | None:
        _, tip = availability_label(self._records[row])
        return tip or super()._tooltip(row, col)

    def _is_stale(self, row: int) -> bool:
        return bool(self._records[row].get("_stale"))

    def _flash(self, row: int, col: int) -> int:
        field = self._flash_cols.get(col)
        flashes = self._records[row].get("_flash")
        if field is None or not flashes:
            return 0
        return int(flashes.get(field, 0))  # type: ignore[attr-defined]

    def _background(self, row: int, col: int) -> QColor | None:
        direction = self._flash(row, col)
        if not direction:
            return None
        return self._colors.flash_up if direction > 0 else self._colors.flash_down

    def _before_flush(self) -> None:
        now = self._clock()
        if self._flashing:
            for conid, until in list(self._flashing.items()):
                if until <= now:
                    del self._flashing[conid]
                    row = self._row_of.get(conid)
                    if row is not None:
                        self._records[row].pop("_flash", None)
                        self._dirty.add(row)
        if now >= self._next_sweep:
            self._next_sweep = now + 1.0
            self._sweep(now)

    def _sweep(self, now: float) -> None:
        """Once a second: new age text for every row, and dim rows that went quiet."""
        if not self._records:
            return
        for row, record in enumerate(self._records):
            updated = record.get("_updated")
            since = record.get("_since", now) if updated is None else updated
            stale = now - float(since) > self.stale_after  # type: ignore[arg-type]
            if stale != bool(record.get("_stale")):
                record["_stale"] = stale
                self._dirty.add(row)
            text = self._text[row]
            if text is not None and updated is not None:
                text[self._age_col] = format_age(now - float(updated))  # type: ignore[arg-type]
        last = len(self._records) - 1
        self.dataChanged.emit(self.index(0, self._age_col), self.index(last, self._age_col))


def _ticks(record: Mapping[str, object], values: Mapping[str, object]) -> dict[str, int] | None:
    """Up/down direction of each flash field that moved in this update."""
    flashes: dict[str, int] | None = None
    for field in FLASH_FIELDS:
        new = values.get(field)
        old = record.get(field)
        if isinstance(new, float | int) and isinstance(old, float | int) and new != old:
            if flashes is None:
                flashes = {}
            flashes[field] = 1 if new > old else -1
    return flashes


def _unique(items: Iterable[WatchItem]) -> list[WatchItem]:
    seen: set[int] = set()
    out = []
    for item in items:
        if item.conid not in seen:
            seen.add(item.conid)
            out.append(item)
    return out

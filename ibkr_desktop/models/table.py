"""The shared table-model machinery: keyed records, cached cell text, and span-coalesced repaints.

Every table (watchlist, positions, orders, fills, account) is a list of keyed records shown through
typed :class:`~ibkr_desktop.models.columns.Column` specs. Updates only mark rows dirty (O(changed));
:meth:`RecordTableModel.flush`, driven by the frame clock, emits one ``dataChanged`` per contiguous
run of dirty rows (O(dirty spans)). That is how a heavy stream stays at ~30 repaints per second.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor

from ibkr_desktop.models.columns import Column, format_value, sign_of
from ibkr_desktop.models.freshness import Freshness

Index = QModelIndex | QPersistentModelIndex
Record = dict[str, object]

# plain ints: data() runs thousands of times per repaint, and enum comparisons are slow
_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole.value)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole.value)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)


class Role(IntEnum):
    """Custom item roles (tests and widgets read these; the default delegate ignores them)."""

    SORT = Qt.ItemDataRole.UserRole + 1   # the raw value (float/str), for sorting and export
    FLASH = Qt.ItemDataRole.UserRole + 2  # +1 up-tick / -1 down-tick while the cell flashes, else 0
    STALE = Qt.ItemDataRole.UserRole + 3  # True when the row (or the whole table) is dimmed
    KEY = Qt.ItemDataRole.UserRole + 4    # the row key: conid, order id, execution id...
    PINNED = Qt.ItemDataRole.UserRole + 5  # True for a row kept last in any sort (a totals row)


def _dim(color: QColor, alpha: int = 105) -> QColor:
    dimmed = QColor(color)
    dimmed.setAlpha(alpha)
    return dimmed


@dataclass(frozen=True)
class TableColors:
    """Colours the models hand to the default delegate; the theme replaces them as a whole."""

    up: QColor
    down: QColor
    stale: QColor
    flash_up: QColor
    flash_down: QColor
    muted: QColor

    @classmethod
    def for_theme(cls, dark: bool) -> TableColors:
        """Readable greens/reds for a dark or light background."""
        if dark:
            return cls(QColor("#3ddc84"), QColor("#ff6b6b"), QColor(150, 150, 150, 150),
                       QColor(46, 160, 67, 110), QColor(218, 54, 51, 110), QColor("#8b949e"))
        return cls(QColor("#0a7f3f"), QColor("#c62828"), QColor(110, 110, 110, 150),
                   QColor(46, 160, 67, 80), QColor(218, 54, 51, 80), QColor("#6e7781"))

    def dimmed(self) -> TableColors:
        """The same palette faded, for stale rows."""
        return replace(self, up=_dim(self.up), down=_dim(self.down), muted=_dim(self.muted))


class RecordTableModel(QAbstractTableModel):
    """A flat table of keyed records, repainted in coalesced spans.

    Subclasses feed records with :meth:`_insert`, :meth:`_remove`, :meth:`_sync` and
    :meth:`_touch`; the view only learns about value changes at :meth:`flush`.

    With a :attr:`freshness` set, each flush (one per frame-clock tick) asks it since when the
    data are not current; while they are not, every value is dimmed.

    Signals:
        stale_changed(object): epoch seconds since which the data are not current, or None
            when they are current again (the main window writes it into the dock title).
    """

    stale_changed = Signal(object)

    def __init__(self, columns: Sequence[Column], parent: object | None = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self._columns: tuple[Column, ...] = tuple(columns)
        self._align = [int(c.alignment) for c in self._columns]
        self._records: list[Record] = []
        self._keys: list[Hashable] = []
        self._row_of: dict[Hashable, int] = {}
        self._text: list[list[str] | None] = []
        self._dirty: set[int] = set()
        self._colors = TableColors.for_theme(dark=True)
        self._stale_colors = self._colors.dimmed()
        self._roles: dict[int, Callable[[int, int], object]] = {
            _ALIGN: lambda row, col: self._align[col],
            _FOREGROUND: self._foreground,
            _BACKGROUND: self._background,
            int(Role.SORT): self._raw,
            int(Role.KEY): lambda row, col: self._keys[row],
            int(Role.STALE): lambda row, col: self._dimmed(row),
            _TOOLTIP: self._tooltip,
            int(Role.FLASH): self._flash,
            int(Role.PINNED): lambda row, col: self._pinned(row),
        }
        self.flush_count = 0
        """Flushes that emitted at least one ``dataChanged`` (for tests and benchmarks)."""
        self.freshness: Freshness | None = None
        """Tells since when the table's data are not current (None: always current)."""
        self.stale_since: float | None = None
        """Epoch seconds since which the data are not current, as of the last flush."""

    # -- public API -------------------------------------------------------------------------
    @property
    def columns(self) -> tuple[Column, ...]:
        """The column specs, in model (logical) order."""
        return self._columns

    def column_index(self, key: str) -> int:
        """Logical column number of ``key``; raises ValueError for an unknown key."""
        for i, column in enumerate(self._columns):
            if column.key == key:
                return i
        raise ValueError(key)

    def set_colors(self, colors: TableColors) -> None:
        """Switch palette (theme change) and repaint everything once."""
        self._colors = colors
        self._stale_colors = colors.dimmed()
        self._dirty.update(range(len(self._records)))

    def keys(self) -> list[Hashable]:
        """Row keys in row order."""
        return list(self._keys)

    def row_of(self, key: Hashable) -> int | None:
        """Row number of ``key`` or None."""
        return self._row_of.get(key)

    def record(self, row: int) -> Mapping[str, object]:
        """Read-only view of one row's values."""
        return self._records[row]

    def pending_rows(self) -> int:
        """Rows waiting for the next flush."""
        return len(self._dirty)

    def flush(self) -> int:
        """Emit one ``dataChanged`` per contiguous run of dirty rows; returns how many were sent.

        Called by the frame clock ~30 times a second, never per update.
        """
        if self.freshness is not None:
            self._follow_freshness(self.freshness.stale_since())
        self._before_flush()
        if not self._dirty:
            return 0
        count = len(self._records)
        rows = sorted(r for r in self._dirty if r < count)
        self._dirty.clear()
        if not rows:
            return 0
        last_col = len(self._columns) - 1
        spans = 0
        start = prev = rows[0]
        for row in rows[1:]:
            if row != prev + 1:
                self.dataChanged.emit(self.index(start, 0), self.index(prev, last_col))
                spans += 1
                start = row
            prev = row
        self.dataChanged.emit(self.index(start, 0), self.index(prev, last_col))
        self.flush_count += 1
        return spans + 1

    # -- Qt model interface -----------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._records)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._columns)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY
    ) -> object:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self._columns):
            return None
        column = self._columns[section]
        if role == _DISPLAY:
            return column.title
        if role == _TOOLTIP:
            return column.tooltip or column.title
        if role == _ALIGN:
            return self._align[section]
        return None

    def data(self, index: Index, role: int = _DISPLAY) -> object:
        if role == _DISPLAY:
            row = index.row()
            text = self._text[row]
            if text is None:
                text = self._text[row] = self._render(row)
            return text[index.column()]
        handler = self._roles.get(role)
        return None if handler is None else handler(index.row(), index.column())

    def _follow_freshness(self, since: float | None) -> None:
        """Dim (or undim) every row once when the data stop (or start) being current."""
        if since != self.stale_since:
            self.stale_since = since
            self._dirty.update(range(len(self._records)))
            self.stale_changed.emit(since)

    def _dimmed(self, row: int) -> bool:
        """The row is drawn faded: the table's data are not current, or the row is old."""
        return self.stale_since is not None or self._is_stale(row)

    def _raw(self, row: int, col: int) -> object:
        return self._columns[col].value(self._records[row])

    # -- hooks for subclasses ---------------------------------------------------------------
    def _render(self, row: int) -> list[str]:
        record = self._records[row]
        return [format_value(c.kind, c.value(record)) for c in self._columns]

    def _palette(self, row: int) -> TableColors:
        """The colours of a row: faded while it is dimmed."""
        return self._stale_colors if self._dimmed(row) else self._colors

    def _foreground(self, row: int, col: int) -> QColor | None:
        colors = self._palette(row)
        column = self._columns[col]
        sign = sign_of(column.kind, column.value(self._records[row]))
        if sign:
            return colors.up if sign > 0 else colors.down
        return colors.stale if colors is self._stale_colors else None

    def _background(self, row: int, col: int) -> QColor | None:
        return None

    def _is_stale(self, row: int) -> bool:
        return False

    def _tooltip(self, row: int, col: int) -> str | None:
        """Cell tooltip (what a badge means, how old the data are); None = no tooltip."""
        if self.stale_since is not None:
            return "Not current: these values stopped updating (see the panel title)"
        return None

    def _flash(self, row: int, col: int) -> int:
        return 0

    def _pinned(self, row: int) -> bool:
        """True for a row the view keeps at the bottom whatever the sort (totals)."""
        return False

    def _before_flush(self) -> None:
        """Time-driven changes (flash expiry, ageing) mark rows here."""

    # -- record bookkeeping for subclasses --------------------------------------------------
    def _touch(self, row: int) -> None:
        """Mark a row changed: its text is re-rendered and it repaints at the next flush."""
        self._text[row] = None
        self._dirty.add(row)

    def _insert(self, items: Sequence[tuple[Hashable, Record]], at: int | None = None) -> None:
        """Insert new keyed records as one block (one rowsInserted for the batch)."""
        if not items:
            return
        first = len(self._records) if at is None else at
        self.beginInsertRows(QModelIndex(), first, first + len(items) - 1)
        self._keys[first:first] = [key for key, _ in items]
        self._records[first:first] = [record for _, record in items]
        self._text[first:first] = [None] * len(items)
        self._reindex(first)
        self.endInsertRows()

    def _remove(self, row: int) -> None:
        """Remove one row."""
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._row_of[self._keys[row]]
        del self._keys[row], self._records[row], self._text[row]
        self._reindex(row)
        self._dirty = {r if r < row else r - 1 for r in self._dirty if r != row}
        self.endRemoveRows()

    def _move(self, source: int, target: int) -> bool:
        """Move one row from ``source`` to position ``target`` (0-based, in the final order)."""
        count = len(self._records)
        if source == target or not (0 <= source < count and 0 <= target < count):
            return False
        destination = target + 1 if target > source else target
        if not self.beginMoveRows(QModelIndex(), source, source, QModelIndex(), destination):
            return False
        columns: tuple[list[Any], ...] = (self._keys, self._records, self._text)
        for seq in columns:
            seq.insert(target, seq.pop(source))
        self._reindex(min(source, target))
        self._dirty.clear()
        self.endMoveRows()
        return True

    def _sync(self, items: Iterable[tuple[Hashable, Record]],
              before: Hashable | None = None) -> None:
        """Make the table hold exactly ``items``: update rows in place, drop missing, add new
        ones at the end (or, with ``before``, in front of that row when it is there)."""
        wanted = dict(items)
        for row in range(len(self._keys) - 1, -1, -1):
            if self._keys[row] not in wanted:
                self._remove(row)
        new: list[tuple[Hashable, Record]] = []
        for key, values in wanted.items():
            at = self._row_of.get(key)
            if at is None:
                new.append((key, dict(values)))
            elif self._records[at] != values:
                self._records[at].update(values)
                self._touch(at)
        self._insert(new, self._row_of.get(before))

    def _reset(self, items: Sequence[tuple[Hashable, Record]]) -> None:
        """Replace every row at once (account switch, watchlist switch)."""
        self.beginResetModel()
        self._keys = [key for key, _ in items]
        self._records = [record for _, record in items]
        self._text = [None] * len(items)
        self._row_of = {}
        self._reindex(0)
        self._dirty.clear()
        self.endResetModel()

    def _reindex(self, first: int) -> None:
        for row in range(first, len(self._keys)):
            self._row_of[self._keys[row]] = row

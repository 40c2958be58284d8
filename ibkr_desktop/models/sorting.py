"""The sorting proxy of the tables: by the raw value, with pinned rows (totals) kept last."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt

from ibkr_desktop.models.table import Role


class PinnedLastProxy(QSortFilterProxyModel):
    """Sorts by :attr:`Role.SORT` (set by the view), keeping :attr:`Role.PINNED` rows last in
    either direction."""

    def lessThan(self, left: QModelIndex | QPersistentModelIndex,  # noqa: N802
                 right: QModelIndex | QPersistentModelIndex) -> bool:
        left_pinned = bool(left.data(Role.PINNED))
        if left_pinned != bool(right.data(Role.PINNED)):
            # descending order asks lessThan(right, left): the pinned row must win both ways
            return left_pinned == (self.sortOrder() == Qt.SortOrder.DescendingOrder)
        return super().lessThan(left, right)

"""Several named watchlists, the current one, and the default list a new user starts with.

Plain data with a JSON-friendly round trip; the app stores :meth:`WatchlistSet.to_json` in
QSettings and the watchlist panel edits it. The rows of the *current* list live in the
:class:`~ibkr_desktop.models.watchlist.WatchlistModel`; :meth:`WatchlistSet.store` copies them back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ibkr_desktop.models.watchlist import WatchItem

DEFAULT_NAME = "Default"

DEFAULT_ITEMS: tuple[WatchItem, ...] = (
    WatchItem(265598, "AAPL", "APPLE INC"),
    WatchItem(272093, "MSFT", "MICROSOFT CORP"),
    WatchItem(4815747, "NVDA", "NVIDIA CORP"),
    WatchItem(3691937, "AMZN", "AMAZON.COM INC"),
    WatchItem(208813719, "GOOGL", "ALPHABET INC-CL A"),
    WatchItem(107113386, "META", "META PLATFORMS INC-CLASS A"),
    WatchItem(76792991, "TSLA", "TESLA INC"),
    WatchItem(756733, "SPY", "SPDR S&P 500 ETF TRUST"),
    WatchItem(320227571, "QQQ", "INVESCO QQQ TRUST SERIES 1"),
    WatchItem(8314, "IBM", "INTL BUSINESS MACHINES CORP"),
)
"""Ten liquid US names (IBKR's real conids), shown on first start."""


class WatchlistSet:
    """Named lists of contracts plus which one is shown; names are never empty and unique
    ignoring case ("default" is taken while "Default" exists)."""

    def __init__(self, lists: Mapping[str, Iterable[WatchItem]] | None = None,
                 current: str | None = None) -> None:
        self._lists: dict[str, list[WatchItem]] = {
            name: list(items) for name, items in (lists or {}).items() if name.strip()
        }
        if not self._lists:
            self._lists[DEFAULT_NAME] = list(DEFAULT_ITEMS)
        self.current = current if current in self._lists else next(iter(self._lists))

    @property
    def names(self) -> list[str]:
        """List names in creation order."""
        return list(self._lists)

    def taken(self, name: str, own: str | None = None) -> bool:
        """Whether another list than ``own`` is called ``name``, ignoring case and the
        surrounding spaces (``own``, the list being renamed, may change its own case)."""
        key = name.strip().casefold()
        return any(key == other.casefold() for other in self._lists if other != own)

    def items(self, name: str | None = None) -> list[WatchItem]:
        """Contracts of one list (default: the current one)."""
        return list(self._lists[name or self.current])

    def store(self, items: Iterable[WatchItem], name: str | None = None) -> None:
        """Replace the contents of a list (the model's rows after an edit)."""
        self._lists[name or self.current] = list(items)

    def create(self, name: str, items: Iterable[WatchItem] = ()) -> str:
        """Add a list with a unique version of ``name`` and make it current; returns the name."""
        unique = self._unique_name(name)
        self._lists[unique] = list(items)
        self.current = unique
        return unique

    def rename(self, old: str, new: str) -> str:
        """Rename a list, keeping its position; returns the final (unique) name."""
        if old not in self._lists or not new.strip() or new == old:
            return old
        unique = self._unique_name(new, own=old)
        self._lists = {(unique if k == old else k): v for k, v in self._lists.items()}
        if self.current == old:
            self.current = unique
        return unique

    def delete(self, name: str) -> None:
        """Delete a list; the last list cannot be deleted (it is emptied instead)."""
        if name not in self._lists:
            return
        if len(self._lists) == 1:
            self._lists[name] = []
            return
        del self._lists[name]
        if self.current == name:
            self.current = next(iter(self._lists))

    def _unique_name(self, name: str, own: str | None = None) -> str:
        base = name.strip() or "Watchlist"
        candidate, n = base, 2
        while self.taken(candidate, own):
            candidate, n = f"{base} {n}", n + 1
        return candidate

    def to_json(self) -> dict[str, object]:
        """JSON-friendly dict for settings."""
        return {
            "current": self.current,
            "lists": {name: [i.to_json() for i in items] for name, items in self._lists.items()},
        }

    @classmethod
    def from_json(cls, data: object) -> WatchlistSet:
        """Tolerant inverse of :meth:`to_json`; damaged data gives the default list."""
        if not isinstance(data, Mapping):
            return cls()
        raw_lists = data.get("lists")
        lists: dict[str, list[WatchItem]] = {}
        if isinstance(raw_lists, Mapping):
            for name, raw_items in raw_lists.items():
                if isinstance(name, str) and isinstance(raw_items, list):
                    items = [WatchItem.from_json(d) for d in raw_items if isinstance(d, Mapping)]
                    lists[name] = [i for i in items if i is not None]
        current = data.get("current")
        return cls(lists, current if isinstance(current, str) else None)

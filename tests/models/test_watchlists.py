"""WatchlistSet: named lists survive a JSON round trip; names stay unique; damage is tolerated."""

from __future__ import annotations

import json

from ibkr_desktop.models.watchlist import WatchItem
from ibkr_desktop.models.watchlists import DEFAULT_ITEMS, WatchlistSet


def test_round_trip_and_editing() -> None:
    """Create, rename, delete and store lists; JSON brings back the same lists and current one."""
    lists = WatchlistSet()
    assert lists.items() == list(DEFAULT_ITEMS)
    tech = lists.create("Tech", [WatchItem(1, "A")])
    assert lists.create("Tech") == "Tech 2"
    assert lists.rename("Tech 2", "Banks") == "Banks"
    lists.store([WatchItem(2, "JPM")], "Banks")
    lists.delete("Default")
    lists.current = tech
    again = WatchlistSet.from_json(json.loads(json.dumps(lists.to_json())))
    assert again.names == ["Tech", "Banks"]
    assert again.current == "Tech"
    assert again.items("Banks") == [WatchItem(2, "JPM")]


def test_damaged_settings_fall_back_to_default() -> None:
    """Garbage in settings gives the default list instead of a crash."""
    assert WatchlistSet.from_json("nonsense").items() == list(DEFAULT_ITEMS)
    broken = WatchlistSet.from_json({"lists": {"A": [{"conid": "x"}, {"conid": 5}]}, "current": 3})
    assert broken.items() == [WatchItem(5, "5")]


def test_last_list_is_emptied_not_deleted() -> None:
    """Deleting the only list leaves an empty list rather than none."""
    lists = WatchlistSet()
    lists.delete(lists.current)
    assert lists.names == ["Default"] and lists.items() == []


def test_names_are_unique_ignoring_case() -> None:
    """"default" is taken while "Default" exists; a list may change its own name's case."""
    lists = WatchlistSet()
    assert lists.taken("default") and lists.taken(" DEFAULT ") and not lists.taken("Tech")
    assert not lists.taken("default", own="Default")
    assert lists.create("default") == "default 2"
    assert lists.rename("default 2", "DEFAULT") == "DEFAULT 2"
    assert lists.rename("Default", "default") == "default"
    assert lists.names == ["default", "DEFAULT 2"]

"""Reading a list answer item by item, keeping a reason for every item that cannot be read.

IBKR's lists (live orders, trades, positions, accounts) may hold items in shapes the app has
not met; such an item must never vanish silently. ``read_items`` parses what it can and
returns one reason per unreadable item, and ``unreadable_text`` words the user's warning,
naming the endpoint (reference §11: "an execution must still be shown").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

_MAX_REASON = 200  # characters of a parser's reason kept for the user


@dataclass(frozen=True, slots=True)
class ItemsRead(Generic[T]):
    """Parsed items in answer order, and one reason per item that could not be read."""

    items: tuple[T, ...]
    problems: tuple[str, ...]


def read_items(body: object, parse: Callable[[Mapping[str, object]], T]) -> ItemsRead[T]:
    """Parse each element of a JSON list (a non-list body has no items).

    An element that is not an object, or whose ``parse`` raises ``ValueError``, becomes a
    problem (the parser's message) instead of an item.
    """
    items: list[T] = []
    problems: list[str] = []
    for element in body if isinstance(body, list) else ():
        if not isinstance(element, Mapping):
            problems.append(f"not an object: {element!r}"[:_MAX_REASON])
            continue
        try:
            items.append(parse(element))
        except ValueError as exc:
            problems.append(str(exc)[:_MAX_REASON])
    return ItemsRead(tuple(items), tuple(problems))


def unreadable_text(problems: tuple[str, ...], noun: str, source: str) -> str:
    """``"Could not read 1 execution from /iserver/account/trades: <first reason>"``.

    ``noun`` is singular ("execution"); an "s" is added for several items.
    """
    count = len(problems)
    plural = noun if count == 1 else f"{noun}s"
    more = f" (and {count - 1} more)" if count > 1 else ""
    return f"Could not read {count} {plural} from {source}: {problems[0]}{more}"

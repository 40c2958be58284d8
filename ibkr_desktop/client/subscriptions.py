"""The stream's wanted set: what the app subscribed to, as the messages that (re)create it.

IBKR keeps no subscription across a reconnect (§8 item 7), and ``smd`` streams end by
themselves after 10-15 minutes (§6.6). So the worker never "remembers what it sent"; it keeps
this set of wishes, one entry per topic key, and asks it for the messages to send: everything
on a new connection (exactly once each), a delta when the app changes its mind, and the ``smd``
re-requests that fall due. Pure bookkeeping; ``now`` is passed in.
"""

from __future__ import annotations

from collections.abc import Iterable

from ibkr_desktop.protocol import frames


class Subscriptions:
    """Wanted subscriptions keyed by topic (``"smd+265598"``, ``"sor"``, ``"ssd+DU1"``...)."""

    def __init__(self) -> None:
        self._quotes: dict[int, tuple[str, ...]] = {}
        self._quote_sent_at: dict[int, float] = {}
        self._topics: dict[str, tuple[str, str]] = {}  # key -> (subscribe, unsubscribe)

    @property
    def keys(self) -> frozenset[str]:
        """Every wanted topic key (quotes as ``smd+<conid>``)."""
        return frozenset(self._topics) | {f"smd+{conid}" for conid in self._quotes}

    @property
    def quote_conids(self) -> frozenset[int]:
        """Conids with a wanted quote stream."""
        return frozenset(self._quotes)

    def add_quotes(self, conids: Iterable[int], fields: Iterable[str],
                   now: float) -> list[str]:
        """Want ``fields`` for ``conids`` (added to any already wanted); messages to send now.

        A conid is re-sent only when its field set grows: IBKR adds fields on a repeated
        ``smd``, so the union is what the server ends up streaming.
        """
        wanted = tuple(dict.fromkeys(str(f) for f in fields))
        messages = []
        for conid in dict.fromkeys(int(c) for c in conids):
            old = self._quotes.get(conid, ())
            merged = old + tuple(f for f in wanted if f not in old)
            if merged != old:
                self._quotes[conid] = merged
                self._quote_sent_at[conid] = now
                messages.append(frames.market_data_subscribe(conid, merged))
        return messages

    def remove_quotes(self, conids: Iterable[int]) -> list[str]:
        """Stop wanting quotes for ``conids``; unsubscribe messages for those that were wanted."""
        messages = []
        for conid in dict.fromkeys(int(c) for c in conids):
            if self._quotes.pop(conid, None) is not None:
                self._quote_sent_at.pop(conid, None)
                messages.append(frames.market_data_unsubscribe(conid))
        return messages

    def add_topic(self, key: str, subscribe: str, unsubscribe: str) -> list[str]:
        """Want a non-quote topic; the subscribe message unless it is wanted exactly so already."""
        if self._topics.get(key) == (subscribe, unsubscribe):
            return []
        self._topics[key] = (subscribe, unsubscribe)
        return [subscribe]

    def remove_topic(self, key: str) -> list[str]:
        """Stop wanting a topic; its unsubscribe message if it was wanted."""
        entry = self._topics.pop(key, None)
        return [entry[1]] if entry is not None else []

    def all_messages(self, now: float) -> list[str]:
        """One subscribe message per wanted key, for a fresh connection (no duplicates)."""
        messages = [subscribe for subscribe, _ in self._topics.values()]
        for conid, fields in self._quotes.items():
            messages.append(frames.market_data_subscribe(conid, fields))
            self._quote_sent_at[conid] = now
        return messages

    def due_refreshes(self, now: float, every_s: float) -> list[str]:
        """``smd`` re-requests for quote streams last requested ``every_s`` or more ago."""
        messages = []
        for conid, sent_at in self._quote_sent_at.items():
            if now - sent_at >= every_s:
                self._quote_sent_at[conid] = now
                messages.append(frames.market_data_subscribe(conid, self._quotes[conid]))
        return messages

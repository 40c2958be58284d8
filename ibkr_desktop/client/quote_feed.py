"""The quote feed: every consumer asks it for a contract's quotes; it alone talks ``smd``.

Consumers (watchlist, positions, a chart window, the order ticket) each open a
:class:`QuoteSubscription` and hold the conids they show. The feed counts holders per conid,
subscribes a conid on the broker's stream when its first holder arrives and unsubscribes it
when the last one leaves (ib_async's one ``Ticker`` per contract, shared by every user).

IBKR allows a limited number of concurrent market-data lines per account (default 100; see
``docs/ibkr-web-api.md`` "Market-data lines"). A conid held beyond the limit gets no line: it
waits, and the feed posts a :class:`~ibkr_desktop.client.notices.Notice` naming the symbol and
the reason. When a line frees up, the longest-waiting conid gets it.

Routing is one pass over each ``Broker.quotes_updated`` batch: every consumer is called at most
once per batch, with only its own conids (``{conid: values}``, values as the broker emits them:
the fields that changed). The feed keeps each live conid's latest values merged, so a consumer
that joins a conid already streaming gets them at once (one call from ``hold``) rather than
only the fields that happen to change later.
The feed survives a broker switch: :meth:`QuoteFeed.attach` re-subscribes every live conid on
the new broker.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Protocol

from PySide6.QtCore import QObject, Signal, SignalInstance, Slot

from ibkr_desktop.client.notices import Notice

QuoteValues = Mapping[str, object]
"""Parsed quote values of one conid (``protocol.fields.parse_fields`` names, ``updated_ms``)."""
QuoteBatch = Mapping[int, QuoteValues]
QuoteCallback = Callable[[QuoteBatch], object]
Contracts = Iterable[int] | Mapping[int, str]
"""Conids, or ``{conid: symbol}`` so a refusal can name the symbol."""

DEFAULT_LINE_LIMIT = 100
"""IBKR's default number of concurrent market-data lines per account."""


class QuoteSource(Protocol):
    """What the feed needs of a broker (``client.broker.Broker``)."""

    @property
    def quotes_updated(self) -> SignalInstance: ...

    def subscribe_quotes(self, conids: Iterable[int]) -> None: ...

    def unsubscribe_quotes(self, conids: Iterable[int]) -> None: ...


class QuoteSubscription:
    """One consumer's handle on the feed: the conids it holds and where their quotes go."""

    def __init__(self, feed: QuoteFeed, callback: QuoteCallback, name: str) -> None:
        self.name = name
        self.callback = callback
        self.conids: set[int] = set()
        self._feed = feed

    def hold(self, contracts: Contracts) -> None:
        """Start receiving quotes of ``contracts`` (held ones stay held; idempotent)."""
        symbols = _symbols(contracts)
        self._feed._hold(self, [c for c in symbols if c not in self.conids], symbols)

    def release(self, conids: Iterable[int]) -> None:
        """Stop receiving quotes of ``conids`` (ones not held are ignored)."""
        self._feed._release(self, [c for c in dict.fromkeys(conids) if c in self.conids])

    def set(self, contracts: Contracts) -> None:
        """Hold exactly ``contracts``: release the others, hold the new ones."""
        symbols = _symbols(contracts)
        self.release([c for c in self.conids if c not in symbols])
        self.hold(symbols)

    def close(self) -> None:
        """Release everything; the callback is never called again."""
        self.release(list(self.conids))
        self._feed._subscriptions.discard(self)


class QuoteFeed(QObject):
    """Holder-counted quote subscriptions within IBKR's market-data line limit.

    Signals:
        notice (Notice): a conid got no market-data line (the text names symbol and reason),
            or got one later.
    """

    notice = Signal(object)

    def __init__(self, *, line_limit: int = DEFAULT_LINE_LIMIT,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.line_limit = line_limit
        self.batches = 0
        """Quote batches received from the broker (start-up smoke check)."""
        self._broker: QuoteSource | None = None
        self._subscriptions: set[QuoteSubscription] = set()
        self._holders: dict[int, set[QuoteSubscription]] = {}  # conid -> who holds it
        self._live: set[int] = set()  # conids with a line (subscribed on the broker)
        self._waiting: dict[int, None] = {}  # held, no line yet; oldest first
        self._symbols: dict[int, str] = {}
        self._latest: dict[int, dict[str, object]] = {}  # live conid -> merged values

    # -- consumers ------------------------------------------------------------------------------
    def open(self, callback: QuoteCallback, name: str) -> QuoteSubscription:
        """A new consumer; ``callback`` gets ``{conid: values}`` of its conids once per batch."""
        subscription = QuoteSubscription(self, callback, name)
        self._subscriptions.add(subscription)
        return subscription

    def holders(self, conid: int) -> int:
        """How many consumers hold ``conid``."""
        return len(self._holders.get(conid, ()))

    @property
    def live(self) -> frozenset[int]:
        """Conids that have a market-data line."""
        return frozenset(self._live)

    @property
    def waiting(self) -> tuple[int, ...]:
        """Held conids refused a line, oldest first."""
        return tuple(self._waiting)

    # -- broker ---------------------------------------------------------------------------------
    def attach(self, broker: QuoteSource | None) -> None:
        """Take quotes from ``broker`` (None: no broker) and subscribe every live conid on it."""
        if self._broker is not None:
            self._broker.quotes_updated.disconnect(self._on_quotes)
        self._broker = broker
        if broker is not None:
            broker.quotes_updated.connect(self._on_quotes)
            if self._live:
                broker.subscribe_quotes(sorted(self._live))

    @Slot(object)
    def _on_quotes(self, batch: QuoteBatch) -> None:
        """Route one broker batch: one call per consumer that holds a conid in it."""
        self.batches += 1
        routed: dict[QuoteSubscription, dict[int, QuoteValues]] = {}
        holders, latest = self._holders, self._latest
        for conid, values in batch.items():
            subscribed = holders.get(conid)
            if not subscribed:
                continue  # released while this batch was under way
            known = latest.get(conid)
            if known is None:
                latest[conid] = dict(values)
            else:
                known.update(values)
            for subscription in subscribed:
                part = routed.get(subscription)
                if part is None:
                    routed[subscription] = part = {}
                part[conid] = values
        for subscription, part in routed.items():
            subscription.callback(part)

    # -- bookkeeping ----------------------------------------------------------------------------
    def _hold(self, subscription: QuoteSubscription, conids: list[int],
              symbols: Mapping[int, str]) -> None:
        new: list[int] = []
        joined: dict[int, QuoteValues] = {}
        for conid in conids:
            subscription.conids.add(conid)
            if symbols.get(conid):
                self._symbols[conid] = symbols[conid]
            holders = self._holders.setdefault(conid, set())
            holders.add(subscription)
            if len(holders) > 1:
                if conid in self._latest:
                    joined[conid] = self._latest[conid]
                continue
            if len(self._live) < self.line_limit:
                self._live.add(conid)
                new.append(conid)
            else:
                self._waiting[conid] = None
                self._post("warning", f"{self._symbol(conid)} gets no quotes: all "
                           f"{self.line_limit} market-data lines IBKR allows are in use "
                           f"(asked for by {subscription.name}). Remove a symbol to free one.")
        if new and self._broker is not None:
            self._broker.subscribe_quotes(new)
        if joined:
            subscription.callback(joined)

    def _release(self, subscription: QuoteSubscription, conids: list[int]) -> None:
        gone: list[int] = []
        for conid in conids:
            subscription.conids.discard(conid)
            holders = self._holders.get(conid)
            if holders is None:
                continue
            holders.discard(subscription)
            if holders:
                continue
            del self._holders[conid]
            self._symbols.pop(conid, None)
            self._latest.pop(conid, None)
            if conid in self._live:
                self._live.discard(conid)
                gone.append(conid)
            else:
                self._waiting.pop(conid, None)
        if gone and self._broker is not None:
            self._broker.unsubscribe_quotes(gone)
        self._grant_waiting()

    def _grant_waiting(self) -> None:
        """Give freed lines to the longest-waiting conids."""
        granted: list[int] = []
        while self._waiting and len(self._live) < self.line_limit:
            conid = next(iter(self._waiting))
            del self._waiting[conid]
            self._live.add(conid)
            granted.append(conid)
        if granted:
            if self._broker is not None:
                self._broker.subscribe_quotes(granted)
            names = ", ".join(self._symbol(c) for c in granted)
            self._post("info", f"A market-data line is free again: quotes for {names} start.")

    def _symbol(self, conid: int) -> str:
        return self._symbols.get(conid) or f"contract {conid}"

    def _post(self, level: str, text: str) -> None:
        self.notice.emit(Notice(level, text))


def _symbols(contracts: Contracts) -> dict[int, str]:
    """``{conid: symbol}`` from conids or a mapping (symbol "" when unknown), order kept."""
    if isinstance(contracts, Mapping):
        return {int(c): str(s or "") for c, s in contracts.items()}
    return {int(c): "" for c in contracts}

"""From received text to one typed batch per receive burst: the stream's hot path, sans I/O.

Market data is most of the traffic: hundreds of ``smd`` frames per second, each carrying a few
changed fields of one conid. Like ib_async's ``pendingTickers``, :class:`FrameBatcher` merges
them per conid until :meth:`FrameBatcher.drain`, and only then parses each conid's merged values
once (``protocol.fields.parse_fields``, the parser ``protocol.frames`` uses for ``smd``). A burst
of 500 frames over 100 conids costs 500 JSON decodes and dict merges but only 100 field parses.
Every other frame is decoded once and interpreted by ``protocol.frames.frame_events``.

The I/O layer only moves bytes: it feeds each received frame and emits what ``drain`` returns.
The JSON decoder is injected (``loads``) so that the client can use a faster library than the
standard ``json`` while this package stays stdlib-only; it must raise ``ValueError`` (or
``RecursionError``) for bad input, as ``json.loads`` and ``orjson.loads`` do.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from ibkr_desktop.protocol import frames
from ibkr_desktop.protocol._coerce import epoch_ms
from ibkr_desktop.protocol.events import (
    Event,
    Fill,
    LedgerUpdate,
    OrderUpdate,
    PnlUpdate,
    QuoteUpdate,
)
from ibkr_desktop.protocol.fields import parse_fields
from ibkr_desktop.protocol.quotes import Quote, QuoteBatch

Loads = Callable[[str | bytes], object]
"""A JSON decoder: text -> Python value; raises ValueError on bad input."""

_NOTHING: tuple[Event, ...] = ()


@dataclass(frozen=True, slots=True)
class Batch:
    """What one receive burst carried, coalesced.

    Attributes:
        quotes: conid -> the values that changed in the burst (later frames win), with
            ``updated_ms`` from the last frame that carried ``_updated``.
        orders, fills, pnl, ledger: every such event of the burst, in arrival order.
    """

    quotes: QuoteBatch
    orders: tuple[OrderUpdate, ...]
    fills: tuple[Fill, ...]
    pnl: tuple[PnlUpdate, ...]
    ledger: tuple[LedgerUpdate, ...]


class FrameBatcher:
    """Collects frames until :meth:`drain`; quotes merged per conid, others kept in order."""

    def __init__(self, loads: Loads = json.loads) -> None:
        self._loads = loads
        self._raw_quotes: dict[int, dict[str, object]] = {}
        self._parsed_quotes: QuoteBatch = {}
        self._orders: list[OrderUpdate] = []
        self._fills: list[Fill] = []
        self._pnl: list[PnlUpdate] = []
        self._ledger: list[LedgerUpdate] = []

    @property
    def pending(self) -> bool:
        """Whether anything waits for :meth:`drain`."""
        return bool(self._raw_quotes or self._parsed_quotes or self._orders or self._fills
                    or self._pnl or self._ledger)

    def feed(self, data: str | bytes) -> tuple[Event, ...] | list[Event]:
        """Take one frame; returns the events that are not batched (session, account, notices).

        An ``smd`` frame with an integer ``conid`` takes the fast path: its raw fields are
        merged into the conid's pending dict. Any other JSON object is interpreted by
        ``frames.frame_events``; input that is not one goes to ``frames.parse_frame``, which
        says why it is malformed. Never raises.
        """
        try:
            frame = self._loads(data)
        except (ValueError, RecursionError):
            return self._sort(frames.parse_frame(data))
        if type(frame) is not dict:
            return self._sort(frames.parse_frame(data))
        conid = frame.get("conid")
        topic = frame.get("topic")
        if type(conid) is int and type(topic) is str and topic.startswith("smd"):
            pending = self._raw_quotes.get(conid)
            if pending is None:
                self._raw_quotes[conid] = frame
            else:
                pending.update(frame)
            return _NOTHING
        return self._sort(frames.frame_events(frame, data))

    def drain(self) -> Batch:
        """Everything collected since the last drain; parses each conid's quote once."""
        quotes, self._parsed_quotes = self._parsed_quotes, {}
        for conid, raw in self._raw_quotes.items():
            values = parse_fields(raw)
            updated = epoch_ms(raw.get("_updated"))  # seconds or ms, as parse_frame reads it
            if updated is not None:
                values["updated_ms"] = updated
            earlier = quotes.get(conid)
            if earlier is None:
                quotes[conid] = values
            else:
                earlier.update(values)
        self._raw_quotes = {}
        batch = Batch(quotes, tuple(self._orders), tuple(self._fills), tuple(self._pnl),
                      tuple(self._ledger))
        self._orders, self._fills, self._pnl, self._ledger = [], [], [], []
        return batch

    def _sort(self, events: list[Event]) -> list[Event]:
        immediate: list[Event] = []
        for event in events:
            if isinstance(event, QuoteUpdate):
                values = self._parsed_quotes.setdefault(event.conid, Quote())
                values.update(event.values)
                if event.updated_ms is not None:
                    values["updated_ms"] = event.updated_ms
            elif isinstance(event, OrderUpdate):
                self._orders.append(event)
            elif isinstance(event, Fill):
                self._fills.append(event)
            elif isinstance(event, PnlUpdate):
                self._pnl.append(event)
            elif isinstance(event, LedgerUpdate):
                self._ledger.append(event)
            else:
                immediate.append(event)
        return immediate

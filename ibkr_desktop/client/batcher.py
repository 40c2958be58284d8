"""Coalescing of received frames into one batch per event-loop turn (the stream's hot path).

Market data is most of the traffic: hundreds of ``smd`` frames per second, each carrying a
few changed fields of one conid. Like ib_async's ``pendingTickers``, the batcher merges them
per conid until the loop turn ends, and only then parses each conid's merged values once
(``protocol.fields.parse_fields``, the same parser ``protocol.frames`` uses for ``smd``). A
burst of 500 frames over 100 conids costs 500 ``json.loads`` and dict merges but only 100
field parses. Every other frame goes through ``protocol.frames.parse_frame`` unchanged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ibkr_desktop.protocol import frames
from ibkr_desktop.protocol.events import (
    Event,
    Fill,
    LedgerUpdate,
    OrderUpdate,
    PnlUpdate,
    QuoteUpdate,
)
from ibkr_desktop.protocol.fields import parse_fields

_NOTHING: tuple[Event, ...] = ()
_decode = json.JSONDecoder().decode  # json.loads minus its per-call checks


@dataclass(frozen=True, slots=True)
class Batch:
    """What one loop turn received, coalesced."""

    quotes: dict[int, dict[str, object]]
    orders: tuple[OrderUpdate, ...]
    fills: tuple[Fill, ...]
    pnl: tuple[PnlUpdate, ...]
    ledger: tuple[LedgerUpdate, ...]


class FrameBatcher:
    """Collects frames until :meth:`drain`; quotes merged per conid, others kept in order."""

    def __init__(self) -> None:
        self._raw_quotes: dict[int, dict[str, object]] = {}
        self._parsed_quotes: dict[int, dict[str, object]] = {}
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
        merged into the conid's pending dict. Anything else, malformed input included, is
        parsed by ``parse_frame``.
        """
        try:
            frame = _decode(data) if type(data) is str else json.loads(data)
        except (ValueError, RecursionError):
            frame = None
        if type(frame) is dict:
            conid = frame.get("conid")
            topic = frame.get("topic")
            if type(conid) is int and type(topic) is str and topic.startswith("smd"):
                pending = self._raw_quotes.get(conid)
                if pending is None:
                    self._raw_quotes[conid] = frame
                else:
                    pending.update(frame)
                return _NOTHING
        return self._sort(frames.parse_frame(data))

    def drain(self) -> Batch:
        """Everything collected since the last drain; parses each conid's quote once."""
        quotes, self._parsed_quotes = self._parsed_quotes, {}
        for conid, raw in self._raw_quotes.items():
            values = parse_fields(raw)
            updated = raw.get("_updated")
            if type(updated) is int:
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
                values = self._parsed_quotes.setdefault(event.conid, {})
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

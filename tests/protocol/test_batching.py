"""The frame batcher: its quote fast path says exactly what protocol.frames.parse_frame says,
whichever JSON decoder it is given."""

from __future__ import annotations

import json

import orjson
import pytest

from ibkr_desktop.protocol.batching import FrameBatcher, Loads
from ibkr_desktop.protocol.events import AuthStatus, Heartbeat, MalformedFrame, QuoteUpdate
from ibkr_desktop.protocol.frames import parse_frame

FRAMES: list[dict[str, object]] = [
    {"topic": "smd+265598", "conid": 265598, "31": "C189.60", "84": "189.56", "86": "189.61",
     "88": "1,300", "7762": "24.2M", "6509": "DPB", "_updated": 1712596911593},
    {"topic": "smd+8314", "conid": 8314, "31": "H186.40", "83": "0.54%", "_updated": 1712596911600},
    {"topic": "smd+265598", "conid": 265598, "31": "189.70", "85": "500",
     "_updated": 1712596911650},
    {"topic": "smd+756733", "conid": "756733", "31": "556.20", "_updated": 1712596911700},
    {"topic": "smd+8314", "conid": 8314, "84": "186.30", "_updated": 1712596912},  # seconds
    {"topic": "smd+1"},
]


def _via_parse_frame(frames: list[dict[str, object]]) -> dict[int, dict[str, object]]:
    merged: dict[int, dict[str, object]] = {}
    for frame in frames:
        for event in parse_frame(json.dumps(frame)):
            assert isinstance(event, QuoteUpdate)
            values = merged.setdefault(event.conid, {})
            values.update(event.values)
            if event.updated_ms is not None:
                values["updated_ms"] = event.updated_ms
    return merged


@pytest.mark.parametrize("loads", [json.loads, orjson.loads], ids=["json", "orjson"])
def test_quote_fast_path_equals_parse_frame(loads: Loads) -> None:
    """Merged-then-parsed quotes equal parse_frame's events merged per conid."""
    batcher = FrameBatcher(loads)
    for frame in FRAMES:
        assert list(batcher.feed(json.dumps(frame))) == []
    quotes = batcher.drain().quotes
    assert quotes == _via_parse_frame(FRAMES)
    assert quotes[265598]["last"] == 189.7 and quotes[265598]["bid_size"] == 1300.0
    assert quotes[265598]["availability"] == "delayed" and quotes[8314]["halted"] is True
    assert quotes[265598]["updated_ms"] == 1712596911650
    assert not batcher.pending


@pytest.mark.parametrize("data", [b"\xff not json", "[1, 2]", '{"topic": ', "nul\u0000l"])
def test_bad_input_is_one_malformed_frame_with_either_decoder(data: str | bytes) -> None:
    """Whatever the decoder, input that is no JSON object comes back as one MalformedFrame."""
    for loads in (json.loads, orjson.loads):
        events = list(FrameBatcher(loads).feed(data))
        assert [type(e) for e in events] == [MalformedFrame]


def test_other_frames_go_through_parse_frame() -> None:
    """Orders and fills are batched; session events come back at once; junk is malformed."""
    batcher = FrameBatcher()
    immediate = [
        *batcher.feed('{"topic":"system","hb":1712596911593}'),
        *batcher.feed('{"topic":"sts","args":{"authenticated":false}}'),
        *batcher.feed(b"\xff not json"),
    ]
    assert [type(e) for e in immediate] == [Heartbeat, AuthStatus, MalformedFrame]
    assert list(batcher.feed(json.dumps({"topic": "sor", "args": [
        {"acct": "DU1", "orderId": 1, "status": "Submitted"}]}))) == []
    assert list(batcher.feed(json.dumps({"topic": "str", "args": [
        {"execution_id": "e1", "account": "DU1", "conid": "265598", "symbol": "AAPL",
         "side": "B", "size": 1, "price": "130.64", "trade_time_r": 1617919801000}]}))) == []
    batch = batcher.drain()
    assert [o.order_id for o in batch.orders] == [1]
    assert [f.execution_id for f in batch.fills] == ["e1"]

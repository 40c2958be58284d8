"""Property tests: the frame parser and the client-message reader never raise on any input."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from ibkr_desktop.protocol.events import MalformedFrame
from ibkr_desktop.protocol.frames import parse_client_message, parse_frame

TOPICS = ["system", "act", "sts", "tic", "blt", "ntf", "smd+8314", "smd+x", "smh+265598", "sor",
          "str", "spl", "ssd+DU1", "sld+DU1", "sbd+DU1+1", "error", "ech+hb", "", "+"]
KEYS = ["args", "result", "data", "hb", "success", "conid", "_updated", "31", "83", "orderId",
        "execution_id", "message", "error", "code", "serverId", "startTime", "barLength", "alive",
        "id", "lastAccessed", "isPaper", "accounts", "status", "side", "size", "price", "t", "o"]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=20),
    st.sampled_from(["C189.60", "1,300", "24.2M", "20231211-18:00:49", "265598", "B", "Filled"]),
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=5)), children,
                        max_size=5),
    ),
    max_leaves=25,
)
frames = st.builds(
    lambda topic, body: {"topic": topic, **body},
    st.sampled_from(TOPICS),
    st.dictionaries(st.sampled_from(KEYS), json_values, max_size=6),
)


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.text(max_size=200), st.binary(max_size=200)))
def test_parse_frame_never_raises_on_text_or_bytes(data: str | bytes) -> None:
    """Arbitrary text or bytes give a list of events, never an exception."""
    assert isinstance(parse_frame(data), list)


@settings(max_examples=150, deadline=None)
@given(json_values)
def test_parse_frame_never_raises_on_any_json(value: object) -> None:
    """Any JSON document gives a list; non-objects are one MalformedFrame."""
    events = parse_frame(json.dumps(value))
    assert isinstance(events, list)
    if not isinstance(value, dict):
        assert len(events) == 1 and isinstance(events[0], MalformedFrame)


@settings(max_examples=200, deadline=None)
@given(frames)
def test_parse_frame_never_raises_on_junk_of_known_topics(frame: dict[str, object]) -> None:
    """Known topics with random payload shapes still give a list of events."""
    assert isinstance(parse_frame(json.dumps(frame)), list)


@settings(max_examples=150, deadline=None)
@given(st.one_of(
    st.text(max_size=80),
    st.builds(lambda cmd, target, args: f"{cmd}+{target}+{json.dumps(args)}",
              st.sampled_from(["smd", "umd", "sor", "ssd", "tic", "x", ""]), st.text(max_size=8),
              json_values),
))
def test_parse_client_message_never_raises(text: str) -> None:
    """Any client text gives a ClientMessage or None."""
    parse_client_message(text)

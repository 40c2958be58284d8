"""Client topic strings (§6.5): every builder's exact text, and the gateway reading them back."""

from __future__ import annotations

import json

import pytest

from ibkr_desktop.protocol.frames import (
    ClientMessage,
    account_summary_subscribe,
    account_summary_unsubscribe,
    book_subscribe,
    book_unsubscribe,
    history_subscribe,
    history_unsubscribe,
    ledger_subscribe,
    ledger_unsubscribe,
    market_data_subscribe,
    market_data_unsubscribe,
    orders_subscribe,
    orders_unsubscribe,
    parse_client_message,
    pnl_subscribe,
    pnl_unsubscribe,
    session_frame,
    tic,
    trades_subscribe,
    trades_unsubscribe,
)

BUILT = [
    (market_data_subscribe(265598, ["31", "84", "86"]), 'smd+265598+{"fields":["31","84","86"]}'),
    (market_data_subscribe("265598@SMART", ("31",)), 'smd+265598@SMART+{"fields":["31"]}'),
    (market_data_unsubscribe(265598), "umd+265598+{}"),
    (orders_subscribe(), "sor+{}"),
    (orders_subscribe(["Submitted"]), 'sor+{"filters":["Submitted"]}'),
    (orders_unsubscribe(), "uor+{}"),
    (trades_subscribe(), "str+{}"),
    (trades_subscribe(realtime_only=True, days=1), 'str+{"realtimeUpdatesOnly":true,"days":1}'),
    (trades_unsubscribe(), "utr"),
    (pnl_subscribe(), "spl+{}"),
    (pnl_unsubscribe(), "upl+{}"),
    (account_summary_subscribe("DU1234567"), "ssd+DU1234567+{}"),
    (account_summary_subscribe("DU1", ["AccruedCash-S"], ["currency", "monetaryValue"]),
     'ssd+DU1+{"keys":["AccruedCash-S"],"fields":["currency","monetaryValue"]}'),
    (account_summary_unsubscribe("DU1234567"), "usd+DU1234567+{}"),
    (ledger_subscribe("DU1234567"), "sld+DU1234567+{}"),
    (ledger_subscribe("DU1", keys=["LedgerListBASE"]), 'sld+DU1+{"keys":["LedgerListBASE"]}'),
    (ledger_unsubscribe("DU1234567"), "uld+DU1234567+{}"),
    (history_subscribe(265598, "1d", "1min"),
     'smh+265598+{"period":"1d","bar":"1min","source":"trades","outsideRth":false,'
     '"format":"%o/%c/%h/%l/%v"}'),
    (history_subscribe(265598, "1w", "1h", source="midpoint", outside_rth=True, fmt="%o/%c",
                       exchange="ISLAND"),
     'smh+265598+{"period":"1w","bar":"1h","source":"midpoint","outsideRth":true,'
     '"format":"%o/%c","exchange":"ISLAND"}'),
    (history_unsubscribe("588547"), "umh+588547"),
    (book_subscribe("DU1234567", 265598), "sbd+DU1234567+265598"),
    (book_subscribe("DU1234567", 265598, "SMART"), "sbd+DU1234567+265598+SMART"),
    (book_unsubscribe("DU1234567"), "ubd+DU1234567"),
    (tic(), "tic"),
    (session_frame("bb665d0f55b6289d70bc7380089fc96f"),
     '{"session":"bb665d0f55b6289d70bc7380089fc96f"}'),
]


@pytest.mark.parametrize(("built", "expected"), BUILT)
def test_builder_strings(built: str, expected: str) -> None:
    """Each builder returns the exact §6.5 client string."""
    assert built == expected


@pytest.mark.parametrize(("built", "_"), BUILT)
def test_every_built_string_is_understood(built: str, _: str) -> None:
    """The gateway can read every string the client builds."""
    assert parse_client_message(built) is not None


def _msg(action: str, topic: str, target: str | None = None, extra: str | None = None,
         args: dict[str, object] | None = None) -> ClientMessage:
    return ClientMessage(action, topic, target, extra, args or {})  # type: ignore[arg-type]


VARIANTS = [
    ('smd+265598+{"fields":["31","84","86","88","85","7059"]}',
     _msg("s", "md", "265598", args={"fields": ["31", "84", "86", "88", "85", "7059"]})),
    ('smd+265598+{"fields": ["31", "84"]}',
     _msg("s", "md", "265598", args={"fields": ["31", "84"]})),
    ('smd+265598@SMART+{"fields":["31"]}',
     _msg("s", "md", "265598@SMART", args={"fields": ["31"]})),
    ("umd+265598+{}", _msg("u", "md", "265598")),
    ('smh+265598+{"period": "1d", "bar": "1min", "outsideRth": true}',
     _msg("s", "mh", "265598", args={"period": "1d", "bar": "1min", "outsideRth": True})),
    ("umh+588547", _msg("u", "mh", "588547")),
    ("sbd+DU1234567+265598", _msg("s", "bd", "DU1234567", "265598")),
    ("sbd+DU1234567+265598+SMART", _msg("s", "bd", "DU1234567", "265598+SMART")),
    ("ubd+DU1234567", _msg("u", "bd", "DU1234567")),
    ("sor+{}", _msg("s", "or")),
    ('sor+{"filters":["Submitted"]}', _msg("s", "or", args={"filters": ["Submitted"]})),
    ("sor", _msg("s", "or")),
    ("uor+{}", _msg("u", "or")),
    ("str+{}", _msg("s", "tr")),
    ('str+{"realtimeUpdatesOnly":true,"days":1}',
     _msg("s", "tr", args={"realtimeUpdatesOnly": True, "days": 1})),
    ("str", _msg("s", "tr")),
    ("utr", _msg("u", "tr")),
    ("utr+{}", _msg("u", "tr")),
    ("spl+{}", _msg("s", "pl")),
    ("spl", _msg("s", "pl")),
    ("upl+{}", _msg("u", "pl")),
    ("upl", _msg("u", "pl")),
    ('ssd+DU1234567+{"keys":["AccruedCash-S","ExcessLiquidity-S"],"fields":["currency"]}',
     _msg("s", "sd", "DU1234567",
          args={"keys": ["AccruedCash-S", "ExcessLiquidity-S"], "fields": ["currency"]})),
    ("ssd+DU1234567", _msg("s", "sd", "DU1234567")),
    ("usd+DU1234567+{}", _msg("u", "sd", "DU1234567")),
    ("usd+DU1234567", _msg("u", "sd", "DU1234567")),
    ('sld+DU1234567+{"keys": ["LedgerListBASE"], "fields": ["cashBalance"]}',
     _msg("s", "ld", "DU1234567", args={"keys": ["LedgerListBASE"], "fields": ["cashBalance"]})),
    ("sld+DU1234567", _msg("s", "ld", "DU1234567")),
    ("uld+DU1234567+{}", _msg("u", "ld", "DU1234567")),
    ("uld+DU1234567", _msg("u", "ld", "DU1234567")),
    ("tic", _msg("", "tic")),
    ("ech+hb", _msg("", "ech", "hb")),
    ('shs+exercise+{"CEX":"265598"}', _msg("s", "hs", "exercise", args={"CEX": "265598"})),
    ('{"session":"bb665d0f"}', _msg("", "session", args={"session": "bb665d0f"})),
    ('{"session": "bb665d0f"}', _msg("", "session", args={"session": "bb665d0f"})),
    ("  sor+{}\n", _msg("s", "or")),
]


@pytest.mark.parametrize(("text", "expected"), VARIANTS)
def test_parse_client_message_variants(text: str, expected: ClientMessage) -> None:
    """Every §6.5 variant (with/without +{}, spaces in JSON, session frame) is understood."""
    assert parse_client_message(text) == expected


def test_parse_client_message_bytes() -> None:
    """A client message sent as a binary frame is read like text."""
    assert parse_client_message(b"umd+1+{}") == _msg("u", "md", "1")


@pytest.mark.parametrize(
    "text", ["", "   ", "smd+1+{bad json", "smd+1+[1]", "smd++{}", "+{}", '{"a":1', "smd+1{}",
             "smd+1+" + json.dumps([1]), b"\xff"],
)
def test_parse_client_message_rejects_garbage(text: str | bytes) -> None:
    """Malformed client strings give None (the gateway answers with an error frame)."""
    assert parse_client_message(text) is None

"""Session and market-data endpoints: IBKR's answers read by the client, and the demo
gateway's answers in the same shapes (tickle, auth status, ssodh/init, reauthenticate,
question suppression, account switch, contract search, snapshot, history)."""

from __future__ import annotations

from typing import Any

import pytest

from ibkr_desktop.client.rest_queue import RestQueue
from ibkr_desktop.demo_gateway.server import GatewayConfig
from ibkr_desktop.protocol.bars import Bar, parse_history
from ibkr_desktop.protocol.events import ContractMatch, SessionKind
from ibkr_desktop.protocol.fields import parse_fields
from ibkr_desktop.protocol.portfolio import parse_search_results
from ibkr_desktop.protocol.session import parse_auth_status, parse_tickle, session_state
from tests.client.conftest import fast_config
from tests.contract.conftest import ACCOUNT, Replay
from tests.contract.shapes import assert_same_shape, load
from tests.demo_gateway.conftest import Api

AAPL = 265598
OTHER_ACCOUNT = "DU7654321"
# fixture -> (method, path, body) of the request, as the client sends it
REQUESTS: dict[str, tuple[str, str, Any]] = {
    "tickle": ("POST", "/tickle", {}),
    "auth_status": ("POST", "/iserver/auth/status", {}),
    "ssodh_init": ("POST", "/iserver/auth/ssodh/init", {"publish": True, "compete": True}),
    "reauthenticate": ("POST", "/iserver/reauthenticate", {}),
    "questions_suppress": ("POST", "/iserver/questions/suppress", {"messageIds": ["o163"]}),
    "switch_account": ("POST", "/iserver/account", {"acctId": OTHER_ACCOUNT}),
    "secdef_search": ("GET", "/iserver/secdef/search?symbol=AAPL", None),
    "history": ("GET", f"/iserver/marketdata/history?conid={AAPL}&period=1d&bar=1h", None),
}


@pytest.fixture
def gateway_config() -> GatewayConfig:
    """A login with two paper accounts, so that switching accounts has somewhere to go."""
    return fast_config(accounts=(ACCOUNT, OTHER_ACCOUNT))


# ---------------------------------------------------------------- the client reads IBKR


def test_tickle_gives_the_stream_session_and_a_connected_state() -> None:
    tickle = parse_tickle(load("tickle"))
    assert tickle.session_id == "0123456789abcdef0123456789abcdef"
    assert tickle.auth is not None
    assert session_state(tickle.auth).kind is SessionKind.AUTHENTICATED


@pytest.mark.parametrize("name", ["auth_status", "ssodh_init"])
def test_auth_status_reads_as_connected(name: str) -> None:
    state = session_state(parse_auth_status(load(name)))
    assert (state.kind, state.reason) == (SessionKind.AUTHENTICATED, "Connected")


@pytest.mark.parametrize("name", ["reauthenticate", "questions_suppress", "switch_account"])
async def test_acknowledgements_are_not_errors(name: str, replay: Replay,
                                               rest: RestQueue) -> None:
    """The client's REST queue takes IBKR's acknowledgement bodies as success."""
    method, path, body = REQUESTS[name]
    replay.answer(method, path, load(name))
    assert await rest.call(method, path, json=body, idempotent=True) == load(name)


def test_search_result_reads_as_a_contract() -> None:
    assert parse_search_results(load("secdef_search")) == [
        ContractMatch(conid=AAPL, symbol="AAPL", name="APPLE INC", exchange="NASDAQ",
                      sec_type="STK")]


def test_snapshot_reads_last_bid_ask() -> None:
    quote: Any = parse_fields(load("snapshot")[0])
    assert (quote["last"], quote["bid"], quote["ask"]) == (189.6, 189.56, 189.61)


def test_history_reads_bars() -> None:
    assert parse_history(load("history")) == [
        Bar(1702305000000, 192.0, 193.1, 191.8, 192.5, 1200.0)]


# ---------------------------------------------------------------- the gateway answers alike


@pytest.mark.parametrize("name", sorted(REQUESTS))
async def test_gateway_answer_shapes(api: Api, name: str) -> None:
    method, path, body = REQUESTS[name]
    status, answer = await api.call(method, path, json_body=body)
    assert status == 200, answer
    assert_same_shape(name, answer)


async def test_gateway_snapshot_shape(api: Api) -> None:
    """The first snapshot of a conid may be a pre-flight; the second carries the fields."""
    path = f"/iserver/marketdata/snapshot?conids={AAPL}&fields=31,84,86,6509"
    for _ in range(2):
        status, answer = await api.get(path)
        assert status == 200, answer
    assert_same_shape("snapshot", answer)

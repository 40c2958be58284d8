"""WebSocket topics the client reads (system, act, sts, smd, sor, str, spl, ssd): IBKR's
frames as the user sees them, and the demo gateway's frames in the same shapes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from PySide6.QtCore import Qt

from ibkr_desktop.demo_gateway.server import DemoGateway
from ibkr_desktop.models.account import AccountModel
from ibkr_desktop.models.fills import FillsModel
from ibkr_desktop.models.orders import OrdersModel
from ibkr_desktop.models.table import RecordTableModel
from ibkr_desktop.protocol.events import (
    AccountsInfo,
    AccountSummaryUpdate,
    AuthStatus,
    Fill,
    QuoteUpdate,
    SystemInfo,
)
from ibkr_desktop.protocol.frames import parse_frame
from tests.contract.conftest import ACCOUNT, place
from tests.contract.shapes import assert_same_shape, load, shape_mismatches
from tests.demo_gateway.conftest import Api

AAPL = 265598
Frame = dict[str, Any]


def events(name: str) -> list[Any]:
    """What the client's frame parser makes of a fixture frame."""
    return parse_frame(json.dumps(load(name)))


def cell(model: RecordTableModel, key: str) -> str:
    return model.data(model.index(0, model.column_index(key)), Qt.ItemDataRole.DisplayRole)


# ---------------------------------------------------------------- the client reads IBKR


def test_session_frames() -> None:
    assert events("ws_system") == [SystemInfo("demo_user", True)]
    assert events("ws_act") == [AccountsInfo((ACCOUNT,), ACCOUNT, True)]
    assert events("ws_sts") == [AuthStatus(True, False, True, "")]


def test_sor_limit_order_in_the_table() -> None:
    model = OrdersModel()
    model.apply(events("ws_sor"))
    assert [cell(model, k) for k in ("symbol", "side", "order_type", "price", "aux_price",
                                     "status", "remaining")] == [
        "AAPL", "BUY", "LMT", "372.00", "", "Submitted", "100"]


def test_str_execution_in_the_table() -> None:
    """§6.10: conid as a string, size as a number, price as a string."""
    model = FillsModel()
    model.add(events("ws_str"))
    assert [cell(model, k) for k in ("symbol", "side", "size", "price", "commission")] == [
        "AAPL", "BUY", "1", "130.64", "0.35"]


def test_spl_and_ssd_in_the_account_panel() -> None:
    model = AccountModel()
    model.select_account(ACCOUNT)
    model.apply_pnl(events("ws_spl"))
    [summary] = events("ws_ssd")
    assert summary == AccountSummaryUpdate(ACCOUNT, {"accountcode": ACCOUNT,
                                                     "excessliquidity-s": 1005353.88})
    assert model.value("daily_pnl") == -57520.0
    assert model.value("excess_liquidity") == 950000.0


def test_smd_quote() -> None:
    [quote] = events("ws_smd")
    assert isinstance(quote, QuoteUpdate) and quote.conid == AAPL
    assert (quote.values["last"], quote.values["bid"], quote.values["ask"]) == (
        189.6, 189.56, 189.61)


# ---------------------------------------------------------------- the gateway answers alike


class Socket:
    """The gateway's WebSocket, attached with the session cookie; frames kept by topic."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.seen: list[Frame] = []

    async def first(self, match: Callable[[Frame], bool], timeout: float = 5.0) -> Frame:
        """The first frame (already received or arriving) that matches."""
        for frame in self.seen:
            if match(frame):
                return frame

        async def receive() -> Frame:
            while True:
                message = await self.ws.receive()
                assert message.type == aiohttp.WSMsgType.TEXT, message
                frame = json.loads(message.data)
                self.seen.append(frame)
                if match(frame):
                    return frame  # type: ignore[no-any-return]

        return await asyncio.wait_for(receive(), timeout)


@pytest.fixture
async def socket(api: Api, gateway: DemoGateway) -> AsyncIterator[Socket]:
    session = await api.session_id()
    async with api.http.ws_connect(gateway.ws_url, headers={"Cookie": f"api={session}"}) as ws:
        yield Socket(ws)


def topic(name: str) -> Callable[[Frame], bool]:
    return lambda frame: frame.get("topic") == name and "hb" not in frame


async def test_gateway_session_frames(socket: Socket) -> None:
    for name in ("system", "act", "sts"):
        assert_same_shape(f"ws_{name}", await socket.first(topic(name)))


async def test_gateway_smd_shape(socket: Socket) -> None:
    await socket.ws.send_str(f'smd+{AAPL}+{{"fields":["31","84","86"]}}')
    frame = await socket.first(lambda f: f.get("topic") == f"smd+{AAPL}" and "31" in f)
    assert_same_shape("ws_smd", frame)


async def test_gateway_sor_shape(socket: Socket, api: Api, gateway: DemoGateway) -> None:
    price = round(gateway.market.quote(AAPL).bid * 0.99, 2)
    await place(api, {"conid": AAPL, "orderType": "LMT", "side": "BUY", "quantity": 1,
                      "price": price, "tif": "GTC", "cOID": "contract-sor"})
    await socket.ws.send_str("sor+{}")
    frame = await socket.first(lambda f: f.get("topic") == "sor" and any(
        item.get("orderType") == "Limit" for item in f.get("args", [])))
    limits = [item for item in frame["args"] if item.get("orderType") == "Limit"]
    assert_same_shape("ws_sor", {**frame, "args": limits})


async def test_gateway_str_shape(socket: Socket, api: Api) -> None:
    await place(api, {"conid": AAPL, "orderType": "MKT", "side": "BUY", "quantity": 1,
                      "tif": "DAY", "cOID": "contract-str"})
    await socket.ws.send_str("str+{}")
    frame = await socket.first(lambda f: f.get("topic") == "str" and bool(f.get("args")))
    assert_same_shape("ws_str", frame)


async def test_gateway_spl_shape(socket: Socket) -> None:
    await socket.ws.send_str("spl+{}")
    assert_same_shape("ws_spl", await socket.first(topic("spl")))


async def test_gateway_ssd_shape(socket: Socket) -> None:
    """Each fixture row is compared with the gateway's row of the same key."""
    await socket.ws.send_str(f"ssd+{ACCOUNT}+{{}}")
    frame = await socket.first(topic(f"ssd+{ACCOUNT}"))
    rows = {str(row.get("key", "")).lower(): row for row in frame["result"]}
    for want in load("ws_ssd")["result"]:
        got = rows.get(want["key"].lower())
        assert got is not None, f"no {want['key']} row"
        assert shape_mismatches(want, got) == []


async def test_gateway_str_without_times_is_read(socket: Socket, api: Api,
                                                 gateway: DemoGateway) -> None:
    """§11: executions without trade times over ``str`` are fills too, not malformed items."""
    gateway.faults.trim_trade_times()
    await place(api, {"conid": AAPL, "orderType": "MKT", "side": "BUY", "quantity": 1,
                      "tif": "DAY", "cOID": "contract-str-trimmed"})
    await socket.ws.send_str("str+{}")
    frame = await socket.first(lambda f: f.get("topic") == "str" and bool(f.get("args")))
    assert all("trade_time" not in item for item in frame["args"])
    read = parse_frame(json.dumps(frame))
    assert read and all(isinstance(e, Fill) and e.time_ms is None for e in read)

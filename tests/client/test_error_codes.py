"""Every failure the client logs or announces carries its code: HTTP status or socket errno."""

from __future__ import annotations

import errno
import socket

import pytest

from ibkr_desktop.client.http import HttpTransport
from ibkr_desktop.client.notices import NoticeBoard
from ibkr_desktop.client.stream_connect import StreamTimings, open_stream
from ibkr_desktop.protocol.errors import (
    ApiError,
    GatewayUnreachable,
    NoBridge,
    NotAuthenticated,
    describe_error,
)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_refused_rest_connection_names_the_socket_error_and_errno() -> None:
    transport = HttpTransport(f"http://127.0.0.1:{_closed_port()}")
    with pytest.raises(GatewayUnreachable) as caught:
        transport.request("GET", "/tickle")
    assert f"Connection refused (errno {errno.ECONNREFUSED} ECONNREFUSED)" in caught.value.message


async def test_a_refused_stream_connection_names_the_socket_error_and_errno() -> None:
    url = f"ws://127.0.0.1:{_closed_port()}/v1/api/ws"
    with pytest.raises(GatewayUnreachable) as caught:
        await open_stream(url, None, None, StreamTimings())
    assert caught.value.message == (f"the gateway's WebSocket at {url} is not reachable "
                                    f"(Connection refused (errno {errno.ECONNREFUSED} "
                                    "ECONNREFUSED))")


def test_describe_adds_the_http_status_once() -> None:
    assert describe_error(NotAuthenticated("no session", 401)) == "no session (HTTP 401)"
    assert describe_error(NotAuthenticated("refused: HTTP 401 Unauthorized", 401)) == (
        "refused: HTTP 401 Unauthorized")
    assert describe_error(ConnectionResetError(errno.ECONNRESET, "Connection reset by peer")) == (
        f"ConnectionResetError: Connection reset by peer (errno {errno.ECONNRESET} ECONNRESET)")


def test_a_failed_refresh_is_announced_with_its_http_status(qtbot) -> None:  # type: ignore[no-untyped-def]
    board = NoticeBoard()
    with qtbot.waitSignal(board.notice) as shown:
        board.on_refresh_failed(ApiError(400, "Bad Request: conid is not valid"))
    assert shown.args[0].text == "A refresh failed: Bad Request: conid is not valid (HTTP 400)"
    assert describe_error(NoBridge("no bridge", 200)) == "no bridge"  # no error status: no code

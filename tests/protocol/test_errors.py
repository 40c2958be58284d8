"""Error classification (§1.8) and the session states it implies."""

from __future__ import annotations

import pytest

from ibkr_desktop.protocol.errors import (
    AccountsNotQueried,
    ApiError,
    Failure,
    GatewayUnreachable,
    IbkrError,
    InvalidAddress,
    NoBridge,
    NotAuthenticated,
    RateLimited,
    RequestTimedOut,
    ServiceUnavailable,
    classify,
    classify_failure,
    error_body,
)
from ibkr_desktop.protocol.events import AuthStatus, SessionKind, TicReply
from ibkr_desktop.protocol.frames import parse_frame
from ibkr_desktop.protocol.session import (
    parse_auth_status,
    parse_tickle,
    session_state,
    session_state_for_error,
)


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (401, None, NotAuthenticated),
        (401, "", NotAuthenticated),
        (200, {"error": "no session"}, NotAuthenticated),
        (400, {"error": "Bad Request: no bridge"}, NoBridge),
        (401, {"error": "no bridge", "statusCode": 401}, NoBridge),
        (500, {"error": "Please query /accounts first"}, AccountsNotQueried),
        (400, {"error": "Bad Request: please query /accounts first"}, AccountsNotQueried),
        (429, {"error": "Too many requests"}, RateLimited),
        (429, None, RateLimited),
        (503, {"error": "Service Unavailable", "statusCode": "503"}, ServiceUnavailable),
        (500, "Internal Server Error", ServiceUnavailable),
        (500, None, ServiceUnavailable),
        (502, None, ServiceUnavailable),
        (500, {"error": "unknown"}, ApiError),
        (400, {"error": "Bad Request: Conid(s) missing", "statusCode": 400}, ApiError),
        (404, {"error": "not found"}, ApiError),
    ],
)
def test_classify(status: int, body: object, kind: type[IbkrError]) -> None:
    """Each §1.8 situation maps to its error class, keeping status and text."""
    err = classify(status, body)
    assert type(err) is kind
    assert err is not None and err.status == status and err.message


def test_classify_keeps_the_gateway_text() -> None:
    """The gateway's error text becomes the message."""
    err = classify(400, {"error": "Bad Request: Conid(s) missing", "statusCode": 400})
    assert err is not None and err.message == "Bad Request: Conid(s) missing"
    assert str(err) == "Bad Request: Conid(s) missing"


@pytest.mark.parametrize(
    ("status", "body"),
    [(200, {"authenticated": True}), (200, [{"order_id": "1"}]), (204, None),
     (200, {"error": "We cannot accept an order at the limit price you selected."})],
)
def test_success_is_not_an_error(status: int, body: object) -> None:
    """2xx answers are not errors (order rejections are left to the order parser)."""
    assert classify(status, body) is None


@pytest.mark.parametrize(
    ("err", "failure"),
    [
        (GatewayUnreachable("down"), Failure.RETRY), (RequestTimedOut("slow"), Failure.RETRY),
        (RateLimited("429", 429), Failure.RETRY), (ServiceUnavailable("503", 503), Failure.RETRY),
        (ConnectionRefusedError(111, "refused"), Failure.RETRY), (TimeoutError(), Failure.RETRY),
        (NotAuthenticated("401", 401), Failure.SESSION),
        (NoBridge("no bridge", 400), Failure.SESSION),
        (AccountsNotQueried("query", 500), Failure.RETRY),
        (ApiError(400, "bad"), Failure.FATAL), (ApiError(500, "unknown"), Failure.FATAL),
        (InvalidAddress("not a ws URL"), Failure.FATAL),
        (IbkrError("order refused"), Failure.FATAL), (ValueError("x"), Failure.FATAL),
        (429, Failure.RETRY), (503, Failure.RETRY), (502, Failure.RETRY), (500, Failure.RETRY),
        (401, Failure.SESSION), (400, Failure.FATAL), (403, Failure.FATAL), (404, Failure.FATAL),
        (200, Failure.FATAL), (302, Failure.FATAL),
    ],
)
def test_classify_failure(err: BaseException | int, failure: Failure) -> None:
    """One rule for REST and stream: transient -> RETRY, broken session -> SESSION, else FATAL.

    A bare status reads as ``classify(status, None)``: a bodiless 500 is IBKR restarting; a
    status that is no error where a failure was reported (a 200 or a redirect answering a
    WebSocket handshake) cannot be retried into success.
    """
    assert classify_failure(err) is failure


def test_error_body() -> None:
    """error_body builds IBKR-shaped bodies that classify back to the same text."""
    assert error_body("no bridge") == {"error": "no bridge"}
    assert error_body("Conid(s) missing", 400) == {"error": "Conid(s) missing", "statusCode": 400}
    err = classify(429, error_body("Too many requests", 429))
    assert isinstance(err, RateLimited) and err.message == "Too many requests"


TICKLE = {
    "session": "bb665d0f55b6289d70bc7380089fc96f", "ssoExpires": 460311, "collission": False,
    "userId": 123456789, "hmds": {"error": "no bridge"},
    "iserver": {"authStatus": {
        "authenticated": True, "competing": False, "connected": True, "message": "",
        "MAC": "98:F2:B3:23:BF:A0",
        "serverInfo": {"serverName": "JifN19053", "serverVersion": "Build 10.25.0p"},
    }},
}


def test_tickle() -> None:
    """The tickle answer gives the WS session id and a healthy status (hmds no bridge is benign)."""
    info = parse_tickle(TICKLE)
    assert info.session_id == "bb665d0f55b6289d70bc7380089fc96f"
    assert info.sso_expires_ms == 460311
    assert info.auth == AuthStatus(True, False, True, "")
    assert info.auth is not None and session_state(info.auth).kind is SessionKind.AUTHENTICATED


def test_tickle_without_auth_status() -> None:
    """A tickle without iserver.authStatus reports no status rather than guessing."""
    assert parse_tickle({"session": "x"}).auth is None
    assert parse_tickle("garbage").session_id is None


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ({"authenticated": True, "competing": False, "connected": True}, SessionKind.AUTHENTICATED),
        ({"authenticated": True}, SessionKind.AUTHENTICATED),
        ({"authenticated": False, "competing": False, "connected": True}, SessionKind.EXPIRED),
        ({"authenticated": False, "competing": False, "connected": False},
         SessionKind.NOT_LOGGED_IN),
        ({"authenticated": False, "competing": True, "connected": True}, SessionKind.COMPETING),
        ({"competing": True}, SessionKind.COMPETING),
    ],
)
def test_session_state_from_auth(body: dict[str, object], kind: SessionKind) -> None:
    """Auth status flags map to the state the status bar shows, with a reason."""
    state = session_state(parse_auth_status(body))
    assert state.kind is kind and state.reason


@pytest.mark.parametrize(
    ("err", "kind"),
    [
        (GatewayUnreachable("refused"), SessionKind.GATEWAY_UNREACHABLE),
        (NotAuthenticated("401", 401), SessionKind.NOT_LOGGED_IN),
        (NoBridge("no bridge", 400), SessionKind.AUTHENTICATING),
        (ServiceUnavailable("503", 503), SessionKind.MAINTENANCE),
        (ApiError(400, "bad"), None),
    ],
)
def test_session_state_for_error(err: IbkrError, kind: SessionKind | None) -> None:
    """Session-level errors reveal the session state; plain API errors do not."""
    state = session_state_for_error(err)
    assert (state.kind if state else None) is kind


def test_sts_and_tic_frames_feed_the_same_status() -> None:
    """An sts frame carries the same AuthStatus as REST; tic confirms the session."""
    [sts] = parse_frame('{"topic": "sts", "args": {"authenticated": false}}')
    assert isinstance(sts, AuthStatus)
    assert session_state(sts).kind is SessionKind.NOT_LOGGED_IN
    [reply] = parse_frame('{"topic":"tic","alive":true,"id":"s","lastAccessed":1}')
    assert reply == TicReply(True, "s", 1000)


def test_api_error_argument_order() -> None:
    """ApiError takes (status, message) as the contract says."""
    err = ApiError(400, "Bad Request")
    assert (err.status, err.message, str(err)) == (400, "Bad Request", "Bad Request")

"""Session status answers (auth status, tickle) and what they mean for the user (§1.5-1.8).

The client polls ``/tickle`` and ``/iserver/auth/status`` and receives ``sts`` frames; these
helpers read those answers and map them, and session-level errors, to one :class:`SessionState`
with a plain-language reason for the status bar.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ibkr_desktop.protocol import _coerce
from ibkr_desktop.protocol.errors import (
    AccountsNotQueried,
    GatewayUnreachable,
    IbkrError,
    NoBridge,
    NotAuthenticated,
    RequestTimedOut,
    ServiceUnavailable,
)
from ibkr_desktop.protocol.events import AuthStatus, SessionKind, SessionState


@dataclass(frozen=True, slots=True)
class TickleInfo:
    """``POST /tickle`` answer: the WebSocket session id and the embedded auth status."""

    session_id: str | None
    auth: AuthStatus | None
    sso_expires_ms: int | None


def parse_auth_status(body: object) -> AuthStatus:
    """``/iserver/auth/status``, ``ssodh/init`` or ``sts`` args -> AuthStatus (absent -> None)."""
    d = body if isinstance(body, Mapping) else {}
    return AuthStatus(
        _coerce.flag(d.get("authenticated")), _coerce.flag(d.get("competing")),
        _coerce.flag(d.get("connected")), _coerce.text(d.get("message")) or "",
    )


def parse_tickle(body: object) -> TickleInfo:
    """``/tickle`` -> TickleInfo; ``auth`` is None when ``iserver.authStatus`` is missing."""
    d = body if isinstance(body, Mapping) else {}
    iserver = d.get("iserver")
    auth_raw = iserver.get("authStatus") if isinstance(iserver, Mapping) else None
    auth = parse_auth_status(auth_raw) if isinstance(auth_raw, Mapping) else None
    sso = _coerce.number(d.get("ssoExpires"))
    return TickleInfo(_coerce.text(d.get("session")), auth, int(sso) if sso is not None else None)


def logged_out(origin: str = "") -> SessionState:
    """Nobody is logged in to the gateway (never, timed out or logged out): only the browser
    login on its page helps (§1.8), so the words say where."""
    return SessionState(SessionKind.NOT_LOGGED_IN,
                        f"Log in to the gateway: open {origin or 'its address'} in a browser "
                        "and log in; the app reconnects by itself.")


def session_state(auth: AuthStatus, origin: str = "") -> SessionState:
    """The user-facing state for an auth status (healthy = authenticated, connected, alone).

    Connected but not authenticated is the one state ``/iserver/reauthenticate`` (or
    ``ssodh/init``) can repair (EXPIRED); not connected means logged out (NOT_LOGGED_IN).
    """
    if auth.competing:
        return SessionState(SessionKind.COMPETING, "TWS, IBKR Mobile or the web portal is "
                            "logged in with this username. Take over to trade here.")
    if auth.authenticated and auth.connected is not False:
        return SessionState(SessionKind.AUTHENTICATED, "Connected")
    if auth.connected:
        return SessionState(SessionKind.EXPIRED, "The trading session timed out; re-opening "
                            "it. If that does not work, press Reauthenticate.")
    return logged_out(origin)


def unreachable_sentence(err: IbkrError, origin: str = "") -> str:
    """One sentence for a failed connection, with the socket's code when there is one.

    The client's messages already name the gateway and the cause ("The gateway at
    https://localhost:5000 is not reachable: Connection refused (errno 111 ECONNREFUSED).",
    "the gateway's WebSocket at ws://… is not reachable (…)"), so they are used as they are,
    made a sentence; only a message without one gets "Cannot reach the gateway at <origin>".
    """
    text = err.message.strip().rstrip(".")
    if not text:
        return f"Cannot reach the gateway at {origin or 'its address'}."
    return f"{text[0].upper()}{text[1:]}."


def session_state_for_error(err: IbkrError, origin: str = "") -> SessionState | None:
    """The session state a failed request reveals, or None when it says nothing about it.

    "no bridge" (400 on ``/iserver`` while the tickle says authenticated, §11) means the
    brokerage session is being set up (``ssodh/init``), not that the user must act.
    """
    if isinstance(err, GatewayUnreachable | RequestTimedOut):
        return SessionState(SessionKind.GATEWAY_UNREACHABLE,
                            f"{unreachable_sentence(err, origin)} Is it running? Retrying…")
    if isinstance(err, NotAuthenticated):
        return logged_out(origin)
    if isinstance(err, NoBridge | AccountsNotQueried):
        return SessionState(SessionKind.AUTHENTICATING,
                            "Setting up the trading session with IBKR…")
    if isinstance(err, ServiceUnavailable):
        return SessionState(SessionKind.MAINTENANCE,
                            f"IBKR is restarting or in maintenance ({err.message}). Retrying…")
    return None

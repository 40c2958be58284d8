"""The gateway's two-tier session (§1.5-1.7): the SSO login and the brokerage session on top.

One :class:`GatewaySession` per gateway, as with IBKR (one session per username). It answers
the questions every request asks first (logged in? brokerage session up? ``/iserver/accounts``
queried?) by raising :class:`~.web_util.ApiError` with IBKR's status and wording, and it tells
listeners (the WebSocket hub, the brokerage) when its state changes.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .web_util import ApiError, api_path

log = logging.getLogger(__name__)

SERVER_INFO = {"serverName": "JifN19053", "serverVersion": "Build 10.25.0p, Dec 5, 2023 5:48:12 PM"}
MAC = "98:F2:B3:23:BF:A0"

# /iserver paths that work without the brokerage session (they manage it).
_SESSION_PATHS = ("/iserver/auth/", "/iserver/reauthenticate")
# /iserver paths that work before GET /iserver/accounts (contract lookups, the call itself).
_NO_ACCOUNTS_NEEDED = ("/iserver/accounts", "/iserver/secdef/", "/iserver/contract/")

Listener = Callable[[str], None]
"""Called with the kind of change: "authenticated", "unauthenticated", "competing", "logged_out",
"expired" or "new_session" (a new brokerage session started: reset per-session state)."""


@dataclass(frozen=True, slots=True)
class SessionSettings:
    """The session-related part of the gateway configuration."""

    username: str = "demo_user"
    idle_timeout_s: float = 300.0
    reauth_delay_s: float = 1.0
    require_accounts_query: bool = True
    is_paper: bool = True


class GatewaySession:
    """State machine of the SSO + brokerage session.

    Args:
        settings: Username, timeouts and rules.
        rng: Source of session ids (seeded: ids are reproducible per seed).
        now_ms: Epoch-ms clock for timestamps in answers.
        monotonic: Real-time clock for the idle timeout.
    """

    def __init__(
        self,
        settings: SessionSettings,
        rng: random.Random,
        now_ms: Callable[[], int],
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self._rng = rng
        self._now_ms = now_ms
        self._monotonic = monotonic
        self._listeners: list[Listener] = []
        self._reauth: asyncio.TimerHandle | None = None
        self._reauth_force = False
        self.session_id = ""
        self.sess_uuid = ""
        self.logged_in = False
        self.authenticated = False
        self.competing = False
        self.connected = True
        self.accounts_queried = False
        self.generation = 0
        self.login_ms = 0
        self._last_activity = monotonic()
        self._last_tic_ms = 0
        self.log_in()

    # -- listeners ----------------------------------------------------------------------------

    def add_listener(self, callback: Listener) -> None:
        """Call ``callback(kind)`` on every state change."""
        self._listeners.append(callback)

    def _emit(self, kind: str) -> None:
        for callback in list(self._listeners):
            try:
                callback(kind)
            except Exception:  # one broken listener must not break the session
                log.exception("session listener failed")

    # -- transitions --------------------------------------------------------------------------

    def log_in(self) -> None:
        """The (demo) browser login: a fresh SSO session with a brokerage session on top."""
        self.session_id = f"{self._rng.getrandbits(128):032x}"
        self.sess_uuid = str(uuid.UUID(int=self._rng.getrandbits(128), version=4))
        self.logged_in = True
        self.login_ms = self._now_ms()
        self._last_activity = self._monotonic()
        self._start_brokerage()

    def _start_brokerage(self) -> None:
        """A new brokerage session: nothing queried yet, per-session state reset."""
        self._cancel_reauth()
        self.authenticated, self.competing, self.connected = True, False, True
        self.accounts_queried = False
        self.generation += 1
        self._emit("new_session")
        self._emit("authenticated")

    def log_out(self) -> None:
        """``POST /logout``: the SSO session ends; only a new login brings it back."""
        self._end("logged_out")

    def expire(self) -> None:
        """Idle timeout (or the expire fault): the session is gone, every call answers 401."""
        self._end("expired")

    def _end(self, kind: str) -> None:
        self._cancel_reauth()
        was = self.logged_in
        self.logged_in = self.authenticated = False
        self.accounts_queried = False
        if was:
            self._emit(kind)

    def set_competing(self, competing: bool) -> None:
        """Another platform logged in with this username (or left again).

        Competing drops ``authenticated``; when the other session goes away the brokerage
        session stays down until the client re-initialises it (ssodh/init or reauthenticate).
        """
        if not self.logged_in or competing == self.competing:
            return
        self.competing = competing
        if competing:
            self.authenticated = False
            self._cancel_reauth()
        self._emit("competing" if competing else "unauthenticated")

    def init_brokerage(self, compete: bool) -> None:
        """``/iserver/auth/ssodh/init``: open the brokerage session now (taking over if asked)."""
        if self.competing and not compete:
            return
        self._start_brokerage()

    def reauthenticate(self, force: bool) -> None:
        """``/iserver/reauthenticate``: finish asynchronously after ``reauth_delay_s``."""
        self._reauth_force = self._reauth_force or force
        if self._reauth is not None:
            return
        loop = asyncio.get_running_loop()
        self._reauth = loop.call_later(self.settings.reauth_delay_s, self._finish_reauth)

    def _finish_reauth(self) -> None:
        force, self._reauth, self._reauth_force = self._reauth_force, None, False
        if not self.logged_in or (self.competing and not force):
            return
        self._start_brokerage()

    def _cancel_reauth(self) -> None:
        if self._reauth is not None:
            self._reauth.cancel()
            self._reauth = None
        self._reauth_force = False

    def close(self) -> None:
        """Drop pending timers (gateway shutdown)."""
        self._cancel_reauth()

    # -- activity and expiry ------------------------------------------------------------------

    def touch(self) -> None:
        """A request arrived: the idle timer restarts."""
        self._last_activity = self._monotonic()

    def check_idle(self) -> bool:
        """Expire the session when it has been idle too long; True if it just expired."""
        idle = self._monotonic() - self._last_activity
        if self.logged_in and idle > self.settings.idle_timeout_s:
            self.expire()
            return True
        return False

    def sso_expires_ms(self) -> int:
        """Milliseconds until the idle timeout (tickle ``ssoExpires``, validate ``EXPIRES``)."""
        if not self.logged_in:
            return 0
        left = self.settings.idle_timeout_s - (self._monotonic() - self._last_activity)
        return max(0, int(left * 1000))

    def tic(self) -> int:
        """WebSocket ``tic``: the strictly increasing ``lastAccessed`` of the reply."""
        self._last_tic_ms = max(self._now_ms(), self._last_tic_ms + 1)
        return self._last_tic_ms

    def accept_ws_session(self, value: str) -> bool:
        """Whether a WebSocket cookie / first-frame session value names this session."""
        return self.logged_in and value in (self.session_id, self.sess_uuid)

    # -- request guards (the brokerage routes call these too) ---------------------------------

    def require_login(self, request: web.Request | None = None) -> None:
        """401 unless the SSO session exists."""
        self.check_idle()
        if not self.logged_in:
            raise ApiError(401, "not authenticated")

    def require_portfolio(self, request: web.Request | None = None) -> None:
        """Guard of non-``/iserver`` endpoints (``/portfolio``, ``/trsrv``...): SSO session only."""
        self.require_login(request)

    def require_brokerage(self, request: web.Request | None = None) -> None:
        """Guard of ``/iserver`` endpoints: login, brokerage session, then ``/accounts`` queried.

        Raises ApiError 401 (no session), 400 "no bridge" (no brokerage session) or 500
        "Please query /accounts first" (the §1.7 rule, when enabled in the settings).
        """
        self.require_login(request)
        path = api_path(request.path) if request is not None else ""
        if not self.authenticated:
            raise ApiError(400, "Bad Request: no bridge")
        if (
            self.settings.require_accounts_query
            and not self.accounts_queried
            and not path.startswith(_NO_ACCOUNTS_NEEDED)
        ):
            raise ApiError(500, "Please query /accounts first", status_code=False)

    def guard(self, request: web.Request) -> None:
        """Apply the guard a path needs (called for every API request by the middleware)."""
        path = api_path(request.path)
        if path.startswith(_SESSION_PATHS) or path in ("/tickle", "/sso/validate", "/logout"):
            return  # these handlers decide for themselves
        if path.startswith("/iserver/"):
            self.require_brokerage(request)
        else:
            self.require_portfolio(request)

    def mark_accounts_queried(self) -> None:
        """Record the ``/iserver/accounts`` call explicitly (the brokerage route does)."""
        self.accounts_queried = True

    # -- answers ------------------------------------------------------------------------------

    def auth_status(self) -> dict[str, Any]:
        """The ``/iserver/auth/status`` object."""
        return {
            "authenticated": self.authenticated, "competing": self.competing,
            "connected": self.connected and self.logged_in, "message": "", "MAC": MAC,
            "serverInfo": dict(SERVER_INFO), "hardware_info": "3b0679ee|98:A2:B3:23:BC:A0",
            "fail": "", "established": self.authenticated,
        }

    def sts_args(self) -> dict[str, Any]:
        """Args of the WebSocket ``sts`` message."""
        return {
            "authenticated": self.authenticated, "competing": self.competing,
            "connected": self.connected and self.logged_in, "established": self.authenticated,
            "message": "", "fail": "",
        }

    def tickle_payload(self) -> dict[str, Any]:
        """The ``/tickle`` answer (§1.6): session id plus the nested auth status."""
        status = self.auth_status()
        for key in ("hardware_info", "fail", "established"):
            status.pop(key)
        return {
            "session": self.session_id, "ssoExpires": self.sso_expires_ms(), "collission": False,
            "userId": 123456789, "hmds": {"error": "no bridge"},
            "iserver": {"authStatus": status},
        }

    def validate_payload(self) -> dict[str, Any]:
        """The ``/sso/validate`` answer (§1.6); ``LOGIN_TYPE`` 2 = paper."""
        name = self.settings.username
        return {
            "USER_ID": 123456789, "USER_NAME": name, "RESULT": True, "AUTH_TIME": self.login_ms,
            "SF_ENABLED": False, "IS_FREE_TRIAL": False, "CREDENTIAL": name, "IP": "127.0.0.1",
            "EXPIRES": self.sso_expires_ms(), "QUALIFIED_FOR_MOBILE_AUTH": None,
            "LANDING_APP": "UNIVERSAL", "IS_MASTER": False, "lastAccessed": self._now_ms(),
            "LOGIN_TYPE": 2 if self.settings.is_paper else 1, "PAPER_USER_NAME": name,
            "features": {"env": "PROD", "wlms": True, "realtime": True, "bond": True,
                         "optionChains": True, "calendar": True, "newMf": True},
            "region": "NJ",
        }

"""The session keeper: gets the gateway session usable, keeps it alive, and says how it is.

Runs the start-up sequence of reference §1.7 as one asyncio task on the qasync loop:
``/tickle`` until the brokerage session is authenticated (``ssodh/init`` when the gateway is
connected but not authenticated), then ``/iserver/accounts``, ``/portfolio/accounts`` and the
user's question suppression, and only then announces the session as ready. After that it
tickles about every minute. Every problem the REST queue or the stream reports lands here and
becomes one :class:`~ibkr_desktop.protocol.events.SessionState` with a plain-language reason.
Each new brokerage session (after an expiry, a take-over, a gateway restart) repeats the
accounts step, because IServer forgets it (§8 item 2).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal, Slot

from ibkr_desktop.client.http import client_logger
from ibkr_desktop.client.rest_queue import RestQueue
from ibkr_desktop.client.tasks import TaskSet, sleep_or_wake
from ibkr_desktop.client.tls import CertificateChanged, CertificateUntrusted
from ibkr_desktop.protocol.errors import (
    AccountsNotQueried,
    GatewayUnreachable,
    IbkrError,
    NoBridge,
    NotAuthenticated,
    RequestTimedOut,
    ServiceUnavailable,
)
from ibkr_desktop.protocol.events import AccountsInfo, AuthStatus, SessionKind, SessionState
from ibkr_desktop.protocol.portfolio import parse_accounts
from ibkr_desktop.protocol.session import parse_auth_status, parse_tickle

log = client_logger("ibkr_desktop.client.session")


@dataclass(frozen=True, slots=True)
class SessionTimings:
    """Intervals of the keeper (seconds); tests shrink them."""

    tickle_s: float = 60.0
    """Keep-alive period while authenticated (the gateway idles out after ~5 min)."""
    poll_s: float = 2.0
    """Re-check period while logging in, re-authenticating or competing."""
    retry_max_s: float = 30.0
    """Cap of the back-off while the gateway is unreachable or in maintenance."""


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """A usable brokerage session: accounts queried, questions suppressed.

    ``session_id`` authenticates the WebSocket; it is a secret and never logged.
    """

    session_id: str | None = field(repr=False)
    accounts: AccountsInfo


class SessionKeeper(QObject):
    """Brings up and watches the gateway session.

    Signals:
        state_changed (SessionState): the session state changed (kind or reason).
        session_ready (SessionInfo): a new brokerage session is usable; (re)open the stream
            and re-sync. Emitted once per new session.
        accounts_changed (AccountsInfo): ``/iserver/accounts`` answered.
    """

    state_changed = Signal(object)
    session_ready = Signal(object)
    accounts_changed = Signal(object)

    def __init__(self, queue: RestQueue, origin: str, *, timings: SessionTimings | None = None,
                 suppress_message_ids: Sequence[str] = (), parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._queue = queue
        self._origin = origin
        self._timings = timings or SessionTimings()
        self._suppress = tuple(suppress_message_ids)
        self._tasks = TaskSet(log)
        self._wake: asyncio.Event | None = None
        self._ready = False
        self._had_session = False
        self._failures = 0
        self.session_id: str | None = None
        self.accounts: AccountsInfo | None = None
        self.state = SessionState(SessionKind.AUTHENTICATING,
                                  f"Connecting to the gateway at {origin}…")
        queue.session_problem.connect(self.report_problem)

    def start(self) -> None:
        """Start the keeper task on the running loop (idempotent)."""
        if not self._tasks:
            self._wake = asyncio.Event()
            self._tasks.spawn(self._run(), name="session-keeper")

    async def stop(self) -> None:
        """Stop tickling (the gateway session itself stays up for other clients)."""
        await self._tasks.cancel_all()

    def set_suppressed_questions(self, message_ids: Sequence[str]) -> None:
        """Message ids the user always accepts; applied now and on every new session."""
        self._suppress = tuple(message_ids)
        if self._ready and self._suppress:
            self._tasks.spawn(self._suppress_questions(), name="suppress-questions")

    async def reauthenticate(self) -> None:
        """Ask the gateway to re-open the brokerage session, then watch it come back."""
        self._set(SessionKind.AUTHENTICATING, "Re-authenticating the brokerage session…")
        await self._queue.call("POST", "/iserver/reauthenticate", json={}, idempotent=True)
        self._lost()
        self.wake()

    async def take_over(self) -> None:
        """Open the brokerage session here, disconnecting the competing login (compete:true)."""
        self._set(SessionKind.AUTHENTICATING, "Taking over the brokerage session…")
        await self._init_brokerage(compete=True)
        self._lost()
        self.wake()

    def wake(self) -> None:
        """Check the session now instead of at the next tick."""
        if self._wake is not None:
            self._wake.set()

    @Slot(object)
    def report_problem(self, error: IbkrError) -> None:
        """A request failed in a way that says something about the session (queue/stream)."""
        if isinstance(error, AccountsNotQueried) and self._ready:
            self._tasks.spawn(self._query_accounts(), name="requery-accounts")
            return
        if isinstance(error, NotAuthenticated | NoBridge):
            self._lost()
        self.wake()

    @Slot(object)
    def on_auth_status(self, status: AuthStatus) -> None:
        """The stream's ``sts``: authentication lost or competing means check now."""
        if status.competing or status.authenticated is False:
            self._lost()
            self.wake()

    # -- the keeper task ------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            delay = await self._check_once()
            await self._sleep(delay)

    async def _check_once(self) -> float:
        """One round of the state machine; returns the seconds until the next round."""
        try:
            status = await self._tickle()
            self._failures = 0
            return await self._advance(status)
        except (CertificateChanged, CertificateUntrusted) as exc:
            self._lost()
            self._set(SessionKind.GATEWAY_UNREACHABLE, exc.message)
        except (GatewayUnreachable, RequestTimedOut) as exc:
            self._lost()
            self._set(SessionKind.GATEWAY_UNREACHABLE,
                      f"Cannot reach the gateway at {self._origin} ({exc.message}). Is it "
                      "running? Retrying…")
        except NotAuthenticated:
            self._lost()
            if self._had_session:
                self._set(SessionKind.EXPIRED, "The session expired. Trying to re-open it; if "
                          f"that fails, log in again at {self._origin}.")
                await self._try(self._init_brokerage(compete=False))
            else:
                self._set(SessionKind.NOT_LOGGED_IN, "Nobody is logged in to the gateway. Log "
                          f"in at {self._origin} in a browser; the app connects by itself.")
            return self._timings.poll_s
        except ServiceUnavailable as exc:
            self._lost()
            self._set(SessionKind.MAINTENANCE, "IBKR is restarting or in maintenance "
                      f"({exc.message}). Retrying…")
        except IbkrError as exc:
            log.info("session check failed: %s", exc.message)
            return self._timings.poll_s
        self._failures += 1
        return min(self._timings.retry_max_s, self._timings.poll_s * 2.0 ** (self._failures - 1))

    async def _advance(self, status: AuthStatus) -> float:
        if status.competing:
            self._lost()
            self._set(SessionKind.COMPETING, "Another login with this username (TWS, IBKR "
                      "Mobile or Client Portal) holds the brokerage session. Take over to "
                      "trade here.")
            return self._timings.poll_s
        if status.authenticated:
            if not self._ready:
                self._set(SessionKind.AUTHENTICATING, "Opening the brokerage session…")
                await self._open_session()
            return self._timings.tickle_s
        self._lost()
        if status.connected:
            self._set(SessionKind.AUTHENTICATING, "Logged in; opening the brokerage session…")
            await self._try(self._init_brokerage(compete=False))
        else:
            self._set(SessionKind.NOT_LOGGED_IN, "The gateway is not logged in to IBKR. Log "
                      f"in at {self._origin} in a browser; the app connects by itself.")
        return self._timings.poll_s

    async def _tickle(self) -> AuthStatus:
        tickle = parse_tickle(await self._queue.call("POST", "/tickle", json={}, idempotent=True))
        if tickle.session_id is not None and tickle.session_id != self.session_id:
            if self.session_id is not None:
                self._lost()  # a different session: everything must be set up again
            self.session_id = tickle.session_id
        if tickle.auth is not None:
            return tickle.auth
        answer = await self._queue.call("POST", "/iserver/auth/status", json={}, idempotent=True)
        return parse_auth_status(answer)

    async def _open_session(self) -> None:
        """§1.7 steps 2-4 for a new brokerage session, then announce it."""
        accounts = await self._query_accounts()
        await self._try(self._queue.call("GET", "/portfolio/accounts"))
        await self._suppress_questions()
        self._ready = self._had_session = True
        user = ", ".join(accounts.accounts) or "no accounts"
        self._set(SessionKind.AUTHENTICATED, f"Connected ({user}).")
        log.info("brokerage session ready for %d account(s)", len(accounts.accounts))
        self.session_ready.emit(SessionInfo(self.session_id, accounts))

    async def _query_accounts(self) -> AccountsInfo:
        accounts = parse_accounts(await self._queue.call("GET", "/iserver/accounts"))
        self.accounts = accounts
        self.accounts_changed.emit(accounts)
        return accounts

    async def _suppress_questions(self) -> None:
        if self._suppress:
            await self._try(self._queue.call("POST", "/iserver/questions/suppress",
                                             json={"messageIds": list(self._suppress)},
                                             idempotent=True))

    async def _init_brokerage(self, *, compete: bool) -> None:
        await self._queue.call("POST", "/iserver/auth/ssodh/init",
                               json={"publish": True, "compete": compete}, idempotent=True)

    async def _try(self, awaitable: Awaitable[object]) -> None:
        """Await a best-effort step; its failure is logged, the next round decides."""
        try:
            await awaitable
        except IbkrError as exc:
            log.info("session step failed: %s", exc.message)

    async def _sleep(self, delay: float) -> None:
        assert self._wake is not None
        await sleep_or_wake(self._wake, delay)
        self._wake.clear()

    def _lost(self) -> None:
        """The current brokerage session is gone; the next good one is a new session."""
        self._ready = False

    def _set(self, kind: SessionKind, reason: str) -> None:
        state = SessionState(kind, reason)
        if state != self.state:
            self.state = state
            log.info("session: %s", kind.value)
            self.state_changed.emit(state)

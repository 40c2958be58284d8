"""The session keeper: gets the gateway session usable, keeps it alive, and says how it is.

Runs the start-up sequence of reference §1.7 as one asyncio task on the qasync loop:
``/tickle`` until the brokerage session is authenticated (``ssodh/init`` when the gateway is
connected but not authenticated, or when ``/iserver`` answers "no bridge" although the tickle
says authenticated, §11), then ``/iserver/accounts``, ``/portfolio/accounts`` and the user's
question suppression, and only then announces the session as ready. After that it tickles
about every minute. While the session is not usable it re-checks with a back-off (2 s, 4 s, ...
capped at 30 s by default); a user action or good news from the stream starts the back-off over.

Every problem the REST queue or the stream reports lands in :meth:`SessionKeeper.report_problem`
and wakes the keeper, except a repeat of the problem it already knows (a burst of failing
background requests must not defeat the back-off). Each state becomes one
:class:`~ibkr_desktop.protocol.events.SessionState` with a plain-language reason. Each new
brokerage session (after an expiry, a take-over, a gateway restart) repeats the accounts step,
because IServer forgets it (§8 item 2).
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
    IbkrError,
    NoBridge,
    NotAuthenticated,
    describe_error,
)
from ibkr_desktop.protocol.events import AccountsInfo, AuthStatus, SessionKind, SessionState
from ibkr_desktop.protocol.portfolio import parse_accounts
from ibkr_desktop.protocol.session import (
    logged_out,
    parse_auth_status,
    parse_tickle,
    session_state,
    session_state_for_error,
)

log = client_logger("ibkr_desktop.client.session")

_USER_MUST_ACT = (SessionKind.NOT_LOGGED_IN, SessionKind.COMPETING, SessionKind.EXPIRED)


@dataclass(frozen=True, slots=True)
class SessionTimings:
    """Intervals of the keeper (seconds); tests shrink them."""

    tickle_s: float = 60.0
    """Keep-alive period while authenticated (the gateway idles out after ~5 min)."""
    poll_s: float = 2.0
    """First re-check delay while the session is not usable; doubles after each round."""
    retry_max_s: float = 30.0
    """Cap of that back-off."""
    action_wait_s: float = 20.0
    """How long Reauthenticate / Take over wait for the brokerage session (IBKR: ~10 s)."""


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
        checked (float): a check round ended; seconds until the next one (unless woken).
    """

    state_changed = Signal(object)
    session_ready = Signal(object)
    accounts_changed = Signal(object)
    checked = Signal(float)

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
        self._failures = 0
        self._known_problem: type[IbkrError] | None = None
        self._checking = False
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
        """Message ids the user always accepts; applied now and on every new session.

        IBKR only adds to a session's suppressed set (reference §5.3), so when an id is taken back
        ("always ask" again) the set is reset first and the remaining ids suppressed anew;
        otherwise IBKR would go on skipping that question until the next session.
        """
        old, self._suppress = self._suppress, tuple(message_ids)
        if not self._ready or set(old) == set(self._suppress):
            return
        reset = bool(set(old) - set(self._suppress))
        self._tasks.spawn(self._suppress_questions(reset=reset), name="suppress-questions")

    async def reauthenticate(self) -> None:
        """Ask the gateway to re-open the brokerage session and wait until it is back.

        Raises:
            IbkrError: it did not come back within ``action_wait_s``, or cannot (logged out).
        """
        self._set(SessionState(SessionKind.AUTHENTICATING,
                               "Re-authenticating the trading session…"))
        await self._act(self._queue.call("POST", "/iserver/reauthenticate", json={},
                                         idempotent=True))

    async def take_over(self) -> None:
        """Open the brokerage session here, disconnecting the competing login (compete:true).

        Raises:
            IbkrError: the session did not come here within ``action_wait_s``, or cannot.
        """
        self._set(SessionState(SessionKind.AUTHENTICATING, "Taking over the trading session…"))
        await self._act(self._init_brokerage(compete=True))

    def wake(self) -> None:
        """Check now and poll quickly again (a user action, good news): the back-off restarts."""
        self._failures = 0
        self._poke()

    @Slot(object)
    def report_problem(self, error: IbkrError) -> None:
        """A request failed in a way that says something about the session (queue/stream).

        Wakes the keeper, unless it already knows this kind of problem (then its back-off
        stands: a burst of failing requests must not turn into a burst of checks).
        """
        if isinstance(error, AccountsNotQueried):
            if self._ready:
                self._tasks.spawn(self._query_accounts(), name="requery-accounts")
            return
        if type(error) is self._known_problem or (self._checking and not self._ready):
            return  # nothing new, or a recovery round is under way (its requests fail too)
        self._known_problem = type(error)
        if isinstance(error, NotAuthenticated | NoBridge):
            self._lost()
        self._poke()

    @Slot(object)
    def on_auth_status(self, status: AuthStatus) -> None:
        """The stream's ``sts``: lost or competing means check now; so does "authenticated"
        while the keeper believes the user must act (good news: the back-off starts over)."""
        if status.competing or status.authenticated is False:
            self._lost()
            self._poke()
        elif status.authenticated and self.state.kind in _USER_MUST_ACT:
            self.wake()

    # -- the keeper task ------------------------------------------------------------------

    async def _run(self) -> None:
        assert self._wake is not None
        while True:
            self._wake.clear()  # problems caused by this round's own requests wake nobody
            delay = await self._check_once()
            self.checked.emit(delay)
            await sleep_or_wake(self._wake, delay)

    async def _check_once(self) -> float:
        """One round of the state machine; returns the seconds until the next round."""
        self._checking = True
        try:
            return await self._advance(await self._tickle())
        except IbkrError as exc:
            self._known_problem = type(exc)
            self._fail(exc)
            return self._backoff()
        finally:
            self._checking = False

    def _fail(self, exc: IbkrError) -> None:
        """Say what a failed request means for the session (nothing, for a stray failure)."""
        if isinstance(exc, CertificateChanged | CertificateUntrusted):
            state: SessionState | None = SessionState(SessionKind.GATEWAY_UNREACHABLE,
                                                      exc.message)
        else:
            state = session_state_for_error(exc, self._origin)
        if state is None:
            log.info("session check failed: %s", describe_error(exc))
            return
        self._lost()
        self._set(state)

    async def _advance(self, status: AuthStatus) -> float:
        state = session_state(status, self._origin)
        if state.kind is not SessionKind.AUTHENTICATED:
            self._lost()
            self._set(state)
            if state.kind is SessionKind.EXPIRED:  # connected: the gateway can re-open it
                await self._try(self._init_brokerage(compete=False))
            return self._backoff()
        if self._ready:
            return self._healthy()
        self._set(SessionState(SessionKind.AUTHENTICATING, "Opening the trading session…"))
        try:
            await self._open_session()
        except NoBridge as exc:  # §11: the tickle says authenticated, /iserver has no bridge
            self._fail(exc)
            await self._init_brokerage(compete=False)
            await self._open_session()  # often up at once; "no bridge" again: back off
        return self._healthy()

    def _healthy(self) -> float:
        self._failures = 0
        self._known_problem = None
        return self._timings.tickle_s

    def _backoff(self) -> float:
        """poll_s, 2 x poll_s, ... capped at retry_max_s; each call moves one step on."""
        self._failures += 1
        return min(self._timings.retry_max_s, self._timings.poll_s * 2.0 ** (self._failures - 1))

    async def _tickle(self) -> AuthStatus:
        tickle = parse_tickle(await self._queue.call("POST", "/tickle", json={}, idempotent=True))
        if tickle.session_id is not None and tickle.session_id != self.session_id:
            if self.session_id is not None:
                self._lost()  # a different session: everything must be set up again
            self.session_id = tickle.session_id
        if tickle.auth is not None:
            return tickle.auth
        return await self._auth_status()

    async def _auth_status(self) -> AuthStatus:
        answer = await self._queue.call("POST", "/iserver/auth/status", json={}, idempotent=True)
        return parse_auth_status(answer)

    async def _open_session(self) -> None:
        """§1.7 steps 2-4 for a new brokerage session, then announce it."""
        accounts = await self._query_accounts()
        await self._try(self._queue.call("GET", "/portfolio/accounts"))
        await self._suppress_questions()
        self._ready = True
        user = ", ".join(accounts.accounts) or "no accounts"
        self._set(SessionState(SessionKind.AUTHENTICATED, f"Connected ({user})."))
        log.info("brokerage session ready for %d account(s)", len(accounts.accounts))
        self.session_ready.emit(SessionInfo(self.session_id, accounts))

    async def _query_accounts(self) -> AccountsInfo:
        accounts = parse_accounts(await self._queue.call("GET", "/iserver/accounts"))
        self.accounts = accounts
        self.accounts_changed.emit(accounts)
        return accounts

    async def _suppress_questions(self, *, reset: bool = False) -> None:
        if reset:
            await self._try(self._queue.call("POST", "/iserver/questions/suppress/reset",
                                             json={}, idempotent=True))
        if self._suppress:
            await self._try(self._queue.call("POST", "/iserver/questions/suppress",
                                             json={"messageIds": list(self._suppress)},
                                             idempotent=True))

    async def _init_brokerage(self, *, compete: bool) -> None:
        await self._queue.call("POST", "/iserver/auth/ssodh/init",
                               json={"publish": True, "compete": compete}, idempotent=True)

    async def _act(self, request: Awaitable[object]) -> None:
        """A user's fix: send it, poll the auth status until the brokerage session is here.

        Whatever happens, the keeper checks at once afterwards (its back-off restarts).

        Raises:
            IbkrError: why the fix did not work, and what the user can do (the caller names
                the fix: "Re-authentication failed: ...").
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._timings.action_wait_s
        self._lost()  # whatever comes back is a new brokerage session
        try:
            await request
            while not (status := await self._auth_status()).authenticated or status.competing:
                if loop.time() >= deadline:
                    raise IbkrError("the trading session did not come back within "
                                    f"{self._timings.action_wait_s:.0f} s. "
                                    f"{logged_out(self._origin).reason}")
                await asyncio.sleep(self._timings.poll_s)
        except NotAuthenticated:
            raise IbkrError(f"the gateway is logged out. {logged_out(self._origin).reason}",
                            401) from None
        finally:
            self.wake()

    async def _try(self, awaitable: Awaitable[object]) -> None:
        """Await a best-effort step; its failure is logged, the next round decides."""
        try:
            await awaitable
        except IbkrError as exc:
            log.info("session step failed: %s", describe_error(exc))

    def _poke(self) -> None:
        """Check now; the back-off stands."""
        if self._wake is not None:
            self._wake.set()

    def _lost(self) -> None:
        """The current brokerage session is gone; the next good one is a new session."""
        self._ready = False

    def _set(self, state: SessionState) -> None:
        if state != self.state:
            self.state = state
            log.info("session: %s", state.kind.value)
            self.state_changed.emit(state)

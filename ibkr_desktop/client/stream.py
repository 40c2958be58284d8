"""The WebSocket worker: one live stream to the gateway, kept alive, emitting batched Qt signals.

Runs on the qasync loop (GUI thread), as websockets' reconnecting client does: connect with the
session cookie (falling back to the ``{"session": ...}`` first frame when the server asks),
send every wanted subscription once, ``tic`` every minute, re-request ``smd`` before the server
lets it expire, and reconnect with capped exponential back-off and jitter when the socket
drops, stalls (no heartbeat and no data within a bound) or loses authentication. After every
reconnect it asks for a REST re-sync (:attr:`StreamWorker.resync_requested`), since IBKR
replays nothing. A failed connection attempt is judged by ``protocol.errors.classify_failure``:
RETRY and SESSION (a 401 handshake) reconnect with back-off and also tell the session keeper
at once (:attr:`StreamWorker.session_problem`: a gateway restart shows here first); FATAL (an
invalid URL, a handshake refused with a 4xx) stops the worker with a plain message instead of
retrying for ever. Opening a connection and reading its failure live in
``client.stream_connect``.

The worker only moves bytes: each received frame goes to ``protocol.batching.FrameBatcher``
(decoded with orjson), and at the end of the event-loop turn the drained batch is emitted:
quotes as one ``{conid: Quote}`` dict, the other kinds as tuples, each kind at most once per
turn, like ib_async's ``pendingTickers``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable

import orjson
from PySide6.QtCore import QObject, Signal
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from ibkr_desktop.client.http import client_logger
from ibkr_desktop.client.stream_connect import StreamStatus, StreamTimings, backoff, open_stream
from ibkr_desktop.client.subscriptions import Subscriptions
from ibkr_desktop.client.tasks import TaskSet, sleep_or_wake
from ibkr_desktop.protocol import frames
from ibkr_desktop.protocol.batching import FrameBatcher
from ibkr_desktop.protocol.errors import Failure, IbkrError, classify_failure, describe_error
from ibkr_desktop.protocol.events import (
    AccountsInfo,
    AccountSummaryUpdate,
    AuthStatus,
    Bulletin,
    Heartbeat,
    MalformedFrame,
    Notification,
    ServerMessage,
    StreamError,
)

__all__ = ["StreamStatus", "StreamTimings", "StreamWorker"]  # the worker's public vocabulary

log = client_logger("ibkr_desktop.client.stream")
client_logger("websockets.client")  # its debug log prints the upgrade's Cookie header


class StreamWorker(QObject):
    """The gateway WebSocket with a wanted-subscription set and batched signals.

    Signals:
        quotes_updated (QuoteBatch): conid -> changed values as a ``protocol.quotes.Quote``
            (``parse_fields`` names, plus ``updated_ms``); one emit per loop turn.
        orders_updated (tuple[OrderUpdate, ...]): ``sor`` changes (None fields = unchanged).
        fills_received (tuple[Fill, ...]): ``str`` executions (not de-duplicated here).
        pnl_updated (tuple[PnlUpdate, ...]): ``spl`` rows.
        account_summary_updated (AccountSummaryUpdate): one ``ssd`` frame.
        ledger_updated (tuple[LedgerUpdate, ...]): ``sld`` rows.
        accounts_received (AccountsInfo): ``act``.
        auth_status_received (AuthStatus): ``sts``.
        message_received (object): Notification, Bulletin, StreamError or MalformedFrame
            (a frame that was skipped) for the user.
        state_changed (StreamStatus): connection state, reconnects, heartbeat.
        resync_requested (): a reconnect happened; re-fetch orders and trades over REST.
        session_problem (IbkrError): a (re)connection attempt failed and will be retried (a
            401 handshake, an unreachable gateway); wire it to the session keeper's
            ``report_problem`` so it checks now.
    """

    quotes_updated = Signal(object)
    orders_updated = Signal(object)
    fills_received = Signal(object)
    pnl_updated = Signal(object)
    account_summary_updated = Signal(object)
    ledger_updated = Signal(object)
    accounts_received = Signal(object)
    auth_status_received = Signal(object)
    message_received = Signal(object)
    state_changed = Signal(object)
    resync_requested = Signal()
    session_problem = Signal(object)

    def __init__(self, ws_url: str, *, tls_pin: str | None = None,
                 timings: StreamTimings | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._url = ws_url
        self._tls_pin = tls_pin
        self._t = timings or StreamTimings()
        self._subs = Subscriptions()
        self._tasks = TaskSet(log)
        self._session_id: str | None = None
        self._ws: ClientConnection | None = None
        self._outbox: asyncio.Queue[str] | None = None
        self._wake = asyncio.Event()
        self._last_rx = 0.0
        self._reconnects = 0
        self._connections = 0
        self._heartbeat_ms: int | None = None
        self._debug = log.isEnabledFor(logging.DEBUG)
        self._flush_scheduled = False
        self._loop: asyncio.AbstractEventLoop  # set by _serve before any frame arrives
        self._batcher = FrameBatcher(orjson.loads)
        self.status = StreamStatus(False, 0, None, "Not connected.")

    # -- lifecycle -----------------------------------------------------------------------------

    @property
    def wanted(self) -> frozenset[str]:
        """Keys of every wanted subscription (restored after each reconnect)."""
        return self._subs.keys

    @property
    def running(self) -> bool:
        """True between :meth:`start` and :meth:`stop`."""
        return bool(self._tasks)

    def set_tls_pin(self, pin: str | None) -> None:
        """Use a newly trusted certificate pin for the next connection attempt."""
        self._tls_pin = pin
        self._wake.set()

    def start(self, session_id: str | None) -> None:
        """Connect (and keep reconnecting) with ``session_id`` from ``/tickle``."""
        self._session_id = session_id
        if not self._tasks:
            self._tasks.spawn(self._run(), name="stream")

    def set_session(self, session_id: str | None) -> None:
        """A new brokerage session is ready: re-create every subscription on it.

        A different session id needs a new socket (the cookie names the session); the same
        id keeps the socket and re-sends the wanted set, because the gateway dropped the
        brokerage topics with the old brokerage session.
        """
        changed = session_id != self._session_id
        self._session_id = session_id
        if self._ws is not None and changed:
            self._ws.transport.abort()
        elif self._outbox is not None:
            for message in self._subs.all_messages(time.monotonic()):
                self._outbox.put_nowait(message)
        self._wake.set()

    def reconnect(self, reason: str) -> None:
        """Drop the current socket and reconnect (used for stalls and lost authentication)."""
        if self._ws is not None:
            log.info("stream: %s; reconnecting", reason)
            self._ws.transport.abort()

    async def stop(self) -> None:
        """Close the socket and stop reconnecting."""
        ws = self._ws
        await self._tasks.cancel_all()
        if ws is not None:
            await ws.close()
        self._set_status(False, "Stopped.")

    # -- subscriptions -------------------------------------------------------------------------

    def subscribe_quotes(self, conids: Iterable[int], fields: Iterable[str]) -> None:
        """Stream ``fields`` (ids) for ``conids``; adds to fields already streamed."""
        self._send(self._subs.add_quotes(conids, fields, time.monotonic()))

    def unsubscribe_quotes(self, conids: Iterable[int]) -> None:
        """Stop the quote streams of ``conids``."""
        self._send(self._subs.remove_quotes(conids))

    def subscribe_orders(self) -> None:
        """Live order updates (``sor``)."""
        self._send(self._subs.add_topic("sor", frames.orders_subscribe(),
                                        frames.orders_unsubscribe()))

    def subscribe_trades(self, days: int | None = None) -> None:
        """Executions (``str``): recent ones first, then live."""
        self._send(self._subs.add_topic("str", frames.trades_subscribe(days=days),
                                        frames.trades_unsubscribe()))

    def subscribe_pnl(self) -> None:
        """Account P&L (``spl``)."""
        self._send(self._subs.add_topic("spl", frames.pnl_subscribe(), frames.pnl_unsubscribe()))

    def subscribe_account_summary(self, account: str) -> None:
        """Account summary of ``account`` (``ssd``)."""
        self._send(self._subs.add_topic(f"ssd+{account}",
                                        frames.account_summary_subscribe(account),
                                        frames.account_summary_unsubscribe(account)))

    def subscribe_ledger(self, account: str) -> None:
        """Cash ledger of ``account`` (``sld``)."""
        self._send(self._subs.add_topic(f"sld+{account}", frames.ledger_subscribe(account),
                                        frames.ledger_unsubscribe(account)))

    def unsubscribe(self, key: str) -> None:
        """Stop a non-quote topic by key: ``sor``, ``str``, ``spl``, ``ssd+ACCT``, ``sld+ACCT``."""
        self._send(self._subs.remove_topic(key))

    def _send(self, messages: list[str]) -> None:
        if self._outbox is not None:
            for message in messages:
                self._outbox.put_nowait(message)

    # -- connection loop -------------------------------------------------------------------------

    async def _run(self) -> None:
        failures = 0
        while True:
            ws = await self._open(failures)
            if ws is Failure.FATAL:
                return
            if isinstance(ws, Failure):
                failures += 1
                continue
            received = await self._serve(ws)
            failures = 0 if received else failures + 1
            delay = backoff(self._t, failures)
            self._set_status(False, f"Connection lost; reconnecting in {delay:.1f} s.")
            await self._sleep(delay)

    async def _open(self, failures: int) -> ClientConnection | Failure:
        """One connection attempt, or the failure's classification.

        After a RETRY or SESSION failure it first waits out the back-off (a new session or pin
        cuts the wait short); a FATAL failure returns at once, with the state set.
        """
        self._wake.clear()  # this attempt uses the latest session; later news wakes the sleep
        try:
            return await open_stream(self._url, self._session_id, self._tls_pin, self._t)
        except IbkrError as exc:
            error = exc
        failure = classify_failure(error)
        if failure is Failure.FATAL:
            log.warning("stream: not retrying, %s", describe_error(error))
            self._set_status(False, f"Cannot open the stream: {error.message}.", fatal=True)
            return failure
        self.session_problem.emit(error)  # the keeper checks now (and ignores repeats)
        delay = backoff(self._t, failures + 1)
        log.info("stream connect failed (%s); retry in %.1f s", describe_error(error), delay)
        self._set_status(False, f"Cannot open the stream ({error.message}); retrying in "
                                f"{delay:.1f} s.")
        await self._sleep(delay)
        return failure

    async def _serve(self, ws: ClientConnection) -> bool:
        """Run one connection until it ends; True if any frame arrived on it."""
        outbox: asyncio.Queue[str] = asyncio.Queue()
        for message in self._subs.all_messages(time.monotonic()):
            outbox.put_nowait(message)
        self._ws, self._outbox = ws, outbox
        self._loop = asyncio.get_running_loop()
        self._connections += 1
        self._reconnects = self._connections - 1
        first_rx = self._last_rx = time.monotonic()
        helpers = [self._tasks.spawn(self._write(ws, outbox), name="stream-writer"),
                   self._tasks.spawn(self._watch(ws, outbox), name="stream-watchdog")]
        self._set_status(True, "Streaming.")
        if self._connections > 1:
            self.resync_requested.emit()
        on_frame, recv = self._on_frame, ws.recv
        try:
            while True:
                on_frame(await recv())
        except ConnectionClosed as exc:
            log.info("stream closed: %s", exc)
        finally:
            self._ws = self._outbox = None
            for task in helpers:
                task.cancel()
            self._flush()
        return self._last_rx > first_rx

    async def _write(self, ws: ClientConnection, outbox: asyncio.Queue[str]) -> None:
        try:
            while True:
                message = await outbox.get()
                if self._debug:
                    log.debug("stream send %s", message[:80])
                await ws.send(message)
        except ConnectionClosed:
            pass  # the reader sees the same close and starts the reconnect

    async def _watch(self, ws: ClientConnection, outbox: asyncio.Queue[str]) -> None:
        """Stall detection, ``tic`` and ``smd`` refreshes for one connection."""
        period = min(self._t.stall_s / 4, self._t.tic_s, self._t.smd_refresh_s / 2)
        next_tic = time.monotonic() + self._t.tic_s
        while True:
            await asyncio.sleep(period)
            now = time.monotonic()
            if now - self._last_rx > self._t.stall_s:
                self.reconnect(f"no heartbeat or data for {now - self._last_rx:.1f} s")
                return
            if now >= next_tic:
                outbox.put_nowait(frames.tic())
                next_tic = now + self._t.tic_s
            for message in self._subs.due_refreshes(now, self._t.smd_refresh_s):
                outbox.put_nowait(message)

    # -- frames --------------------------------------------------------------------------------

    def _on_frame(self, data: str | bytes) -> None:
        """Hot path: hand the frame to the batcher and make sure this turn ends in a flush."""
        for event in self._batcher.feed(data):
            self._on_event(event)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self._last_rx = time.monotonic()  # once per loop turn is precise enough
            self._loop.call_soon(self._flush)

    def _on_event(self, event: object) -> None:
        if isinstance(event, Heartbeat):
            self._heartbeat_ms = event.time_ms
            self._set_status(True, "Streaming.")
        elif isinstance(event, AccountSummaryUpdate):
            self.account_summary_updated.emit(event)
        elif isinstance(event, AccountsInfo):
            self.accounts_received.emit(event)
        elif isinstance(event, AuthStatus):
            # Not authenticated or competing: the keeper repairs the session, then calls
            # set_session (an expired session also closes the socket from the server side).
            self.auth_status_received.emit(event)
        elif isinstance(event, ServerMessage) and "waiting for session" in event.message:
            if self._session_id:  # the cookie was not taken: attach, then subscribe again
                self._send([frames.session_frame(self._session_id),
                            *self._subs.all_messages(time.monotonic())])
        elif isinstance(event, MalformedFrame):
            log.warning("stream: ignored a malformed frame (%s)", event.reason)
            self.message_received.emit(event)  # the user is told (once per topic)
        elif isinstance(event, Notification | Bulletin | StreamError):
            log.info("stream message: %s", event)
            self.message_received.emit(event)
        elif self._debug:
            log.debug("stream event %s", type(event).__name__)

    def _flush(self) -> None:
        """Emit what this loop turn collected: at most one signal per kind."""
        self._flush_scheduled = False
        if not self._batcher.pending:
            return
        batch = self._batcher.drain()
        if batch.quotes:
            self.quotes_updated.emit(batch.quotes)
        if batch.orders:
            self.orders_updated.emit(batch.orders)
        if batch.fills:
            self.fills_received.emit(batch.fills)
        if batch.pnl:
            self.pnl_updated.emit(batch.pnl)
        if batch.ledger:
            self.ledger_updated.emit(batch.ledger)

    # -- helpers -------------------------------------------------------------------------------

    async def _sleep(self, delay: float) -> None:
        """Sleep, unless a new session or pin (``_wake``) says to reconnect right away."""
        await sleep_or_wake(self._wake, delay)

    def _set_status(self, connected: bool, reason: str, *, fatal: bool = False) -> None:
        status = StreamStatus(connected, self._reconnects, self._heartbeat_ms, reason, fatal)
        if status != self.status:
            self.status = status
            self.state_changed.emit(status)


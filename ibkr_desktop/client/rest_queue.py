"""The paced REST queue: the only way the app calls the gateway's REST API.

A dispatcher on one ``QThread`` owns the ``requests`` session (:class:`HttpTransport`) and the
:class:`~ibkr_desktop.client.scheduler.Scheduler`; it hands each request that pacing allows to a
small pool of HTTP threads, so a slow history call never holds an order behind it. Results come
back two ways: the ``concurrent.futures.Future`` from :meth:`RestQueue.submit` (awaited from the
qasync loop by :meth:`RestQueue.call`), and Qt signals emitted on the thread the queue lives in.

Failures are classified by ``protocol.errors.classify_failure`` alone: the scheduler re-sends
retry-safe requests after a RETRY answer (429s back off for everyone), and every RETRY or
SESSION failure except a 429 (unreachable, timeouts, maintenance, accounts, 401, no bridge) is
also announced on :attr:`RestQueue.session_problem` for the session keeper. FATAL failures go to
the caller only. An order POST is never re-sent.
"""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from ibkr_desktop.client.http import TIMEOUTS, HttpAnswer, HttpTransport, Timeouts, client_logger
from ibkr_desktop.client.scheduler import RETRY, Job, Lane, RestRequest, RetryPolicy, Scheduler
from ibkr_desktop.protocol.errors import (
    ApiError,
    Failure,
    IbkrError,
    RateLimited,
    classify,
    classify_failure,
    describe_error,
)
from ibkr_desktop.protocol.pacing import Pacer

log = client_logger("ibkr_desktop.client.rest")


@dataclass(frozen=True, slots=True)
class RestResult:
    """A successful call: the request, its decoded JSON body and how long it took."""

    request: RestRequest
    body: object
    elapsed_s: float


@dataclass(frozen=True, slots=True)
class RestFailure:
    """A call that finally failed (after any retries)."""

    request: RestRequest
    error: IbkrError


@dataclass(frozen=True, slots=True)
class PacingStats:
    """What the pacing meter shows.

    Attributes:
        requests_per_s: Requests sent in the last second (the gateway allows 10).
        queue_depth: Requests waiting to be sent.
        rate_limited: 429 answers since start (should stay 0).
        throttling: True while the pacer is holding ready requests back.
        held: Waiting requests held by their endpoint's own IBKR limit, in words
            (``Scheduler.held``: "/iserver/account/orders allows 1 request per 5 s").
    """

    requests_per_s: float
    queue_depth: int
    rate_limited: int
    throttling: bool
    held: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Outcome:
    request: RestRequest
    body: object
    error: IbkrError | None
    elapsed_s: float
    final: bool = True  # False: the request is being retried (the keeper still hears of it)


class RestQueue(QObject):
    """Paced, prioritised REST calls with results as futures and Qt signals.

    Signals:
        request_finished (RestResult): a call succeeded.
        request_failed (RestFailure): a call failed for good.
        session_problem (IbkrError): a RETRY or SESSION failure other than a 429: the session
            or gateway is unwell; also while the request is being retried (for the keeper).
        pacing_changed (PacingStats): meter update, at most every ``stats_interval_s``.
        throttling_changed (bool): the pacer started/stopped holding requests back.

    Call :meth:`start` once the qasync loop runs and :meth:`stop` before quitting.
    """

    request_finished = Signal(object)
    request_failed = Signal(object)
    session_problem = Signal(object)
    pacing_changed = Signal(object)
    throttling_changed = Signal(bool)
    _outcome_ready = Signal(object)
    _stats_ready = Signal(object)

    def __init__(self, url: str, *, tls_pin: str | None = None, timeouts: Timeouts = TIMEOUTS,
                 retry: RetryPolicy = RETRY, pacer: Pacer | None = None,
                 max_in_flight: int = 6, stats_interval_s: float = 0.25,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._url = url
        self._tls_pin = tls_pin
        self._timeouts = timeouts
        self._cond = threading.Condition()
        self._scheduler = Scheduler(pacer, max_in_flight=max_in_flight, retry=retry)
        self._max_in_flight = max_in_flight
        self._stats_interval = stats_interval_s
        self._transport: HttpTransport | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._thread: _RestThread | None = None
        self._stopping = False
        self._throttling = False
        self.stats = PacingStats(0.0, 0, 0, False)
        self._outcome_ready.connect(self._deliver)
        self._stats_ready.connect(self._publish_stats)

    def start(self) -> None:
        """Open the session and start the dispatcher thread (idempotent)."""
        if self._thread is not None:
            return
        self._stopping = False
        self._transport = HttpTransport(self._url, tls_pin=self._tls_pin, timeouts=self._timeouts)
        self._pool = ThreadPoolExecutor(self._max_in_flight, thread_name_prefix="rest-http")
        self._thread = _RestThread(self)
        self._thread.start()

    def stop(self) -> None:
        """Stop dispatching, cancel what is still waiting and join the dispatcher."""
        if self._thread is None:
            return
        with self._cond:
            self._stopping = True
            abandoned = self._scheduler.drain()
            self._cond.notify_all()
        for job in abandoned:
            for future in job.futures:
                future.cancel()
        self._thread.wait()
        self._thread = None
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def set_tls_pin(self, pin: str | None) -> None:
        """Use a newly trusted certificate pin from the next request on."""
        self._tls_pin = pin
        transport = HttpTransport(self._url, tls_pin=pin, timeouts=self._timeouts)
        with self._cond:
            old, self._transport = self._transport, transport
        if old is not None:
            old.close()

    def submit(self, request: RestRequest, lane: Lane = Lane.USER) -> Future[object]:
        """Queue ``request``; the future resolves to the JSON body or an ``IbkrError``.

        Safe to call from any thread. Raises ``RuntimeError`` if the queue is not running.
        """
        future: Future[object] = Future()
        with self._cond:
            if self._thread is None or self._stopping:
                raise RuntimeError("the REST queue is not running")
            self._scheduler.add(request, lane, future)
            self._cond.notify_all()
        return future

    async def call(self, method: str, path: str, *, params: dict[str, Any] | None = None,
                   json: object = None, lane: Lane = Lane.USER,
                   idempotent: bool | None = None) -> object:
        """Send one request through the queue and await its JSON body on the qasync loop.

        Raises:
            IbkrError: the classified failure (after any retries the rules allow).
        """
        items = tuple(sorted((k, _param(v)) for k, v in (params or {}).items() if v is not None))
        request = RestRequest(method.upper(), path, items, json, idempotent)
        return await asyncio.wrap_future(self.submit(request, lane))

    # -- dispatcher side ---------------------------------------------------------------------

    def _dispatch_forever(self) -> None:
        """Body of the dispatcher thread: pick, pace, hand to the pool, publish stats.

        Everything happens under the condition's lock, and the thread sleeps only in
        ``wait``, so a new job or a finished one can never be missed.
        """
        last: PacingStats | None = None
        last_emit = 0.0
        with self._cond:
            while not self._stopping:
                now = time.monotonic()
                job, wait = self._scheduler.next(now)
                stats = self._snapshot(now)
                if stats != last and (last is None or stats.throttling != last.throttling
                                      or now - last_emit >= self._stats_interval):
                    self._stats_ready.emit(stats)
                    last, last_emit = stats, now
                if job is not None and self._pool is not None and self._transport is not None:
                    self._pool.submit(self._execute, job, self._transport)
                    continue
                if stats != last or stats.requests_per_s or stats.queue_depth:
                    # keep the meter moving (and decaying to zero) while anything happens
                    wait = self._stats_interval if wait is None else min(wait, self._stats_interval)
                self._cond.wait(wait)

    def _snapshot(self, now: float) -> PacingStats:
        return PacingStats(float(self._scheduler.requests_in_window(now)), self._scheduler.depth,
                           self._scheduler.rate_limited, self._scheduler.throttled,
                           self._scheduler.held(now))

    def _execute(self, job: Job, transport: HttpTransport) -> None:
        """Run on a pool thread: one HTTP exchange, then retry or deliver."""
        live = [f for f in job.futures if f.running() or f.set_running_or_notify_cancel()]
        job.futures = live
        answer: HttpAnswer | None = None
        try:
            answer = transport.request(job.request.method, job.request.path,
                                       params=job.request.params or None, json=job.request.body)
            error = classify(answer.status, answer.body)
        except IbkrError as exc:
            error = exc
        except Exception as exc:  # a bug must fail the caller's future, not strand it
            log.exception("unexpected failure in %s", job.request.describe())
            error = ApiError(None, f"Unexpected client error: {exc}")
        with self._cond:
            self._scheduler.finished(job, time.monotonic())
            if error is None or error.status != 429:
                self._scheduler.succeeded()
            retried = error is not None and self._scheduler.retry_or_give_up(
                job, error, time.monotonic(), answer.retry_after if answer else None)
            self._cond.notify_all()
        if retried and error is not None:
            log.info("%s answered %s; retrying (attempt %d)", job.request.describe(),
                     describe_error(error), job.attempts)
            self._outcome_ready.emit(_Outcome(job.request, None, error, 0.0, final=False))
            return
        body = answer.body if answer is not None else None
        for future in job.futures:
            if future.done():
                continue
            if error is None:
                future.set_result(body)
            else:
                future.set_exception(error)
        if error is not None:
            log.info("%s failed: %s", job.request.describe(), describe_error(error))
        elapsed = answer.elapsed_s if answer is not None else 0.0
        self._outcome_ready.emit(_Outcome(job.request, body, error, elapsed))

    # -- GUI side ------------------------------------------------------------------------------

    @Slot(object)
    def _deliver(self, outcome: _Outcome) -> None:
        if outcome.error is None:
            self.request_finished.emit(RestResult(outcome.request, outcome.body, outcome.elapsed_s))
            return
        if outcome.final:
            self.request_failed.emit(RestFailure(outcome.request, outcome.error))
        error = outcome.error
        if classify_failure(error) is not Failure.FATAL and not isinstance(error, RateLimited):
            self.session_problem.emit(error)

    @Slot(object)
    def _publish_stats(self, stats: PacingStats) -> None:
        self.stats = stats
        self.pacing_changed.emit(stats)
        if stats.throttling != self._throttling:
            self._throttling = stats.throttling
            self.throttling_changed.emit(stats.throttling)


class _RestThread(QThread):
    """The dispatcher thread; all state lives in the queue, guarded by its condition."""

    def __init__(self, queue: RestQueue) -> None:
        super().__init__()
        self.setObjectName("rest-dispatcher")
        self._queue = queue

    def run(self) -> None:
        """Dispatch until the queue stops."""
        self._queue._dispatch_forever()


def _param(value: Any) -> str:
    """Query values as IBKR documents them (``true``/``false``, comma lists)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple | set | frozenset):
        return ",".join(str(v) for v in value)
    return str(value)

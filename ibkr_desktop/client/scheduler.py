"""Which REST request goes next, and when: lanes, coalescing, pacing, in-flight caps, back-off.

Pure bookkeeping with the clock passed in (like ``protocol.pacing``), so the rules can be tested
without threads; :class:`~ibkr_desktop.client.rest_queue.RestQueue` drives it under its lock.

Rules, in order:

* a 429 penalty holds every lane until it has passed;
* jobs are considered by lane (ORDER, then USER, then BACKGROUND), FIFO inside a lane;
* a job goes when ``protocol.pacing`` says its global and endpoint windows allow it. Sends are
  recorded a small safety margin in the future, so that the gateway, which stamps requests on
  arrival, never counts more than its limit in any window;
* sends are spread evenly (one per ``1/10`` s plus the margin) instead of in bursts of ten: a
  sliding window that is refilled in bursts stays full for most of each second, and an order
  arriving then would wait up to a second. Spread out, the window always frees a slot within
  about 100 ms, and the ORDER lane, which ignores the spacing, takes the first one;
* at most ``max_in_flight`` requests run at once, one slot is kept free for the ORDER lane, and
  at most ``HISTORY_MAX_CONCURRENT`` history requests are in flight;
* an identical GET that is still waiting is joined rather than sent twice.
"""

from __future__ import annotations

import bisect
import itertools
from concurrent.futures import Future
from dataclasses import dataclass, field
from enum import IntEnum

from ibkr_desktop.protocol.errors import Failure, IbkrError, RateLimited, classify_failure
from ibkr_desktop.protocol.pacing import (
    GLOBAL_LIMIT,
    HISTORY_MAX_CONCURRENT,
    Pacer,
    normalize_path,
)

SAFETY_MARGIN_S = 0.02


class Lane(IntEnum):
    """Priority lanes; lower goes first."""

    ORDER = 0
    """Placement, replies, modify and cancel: the user is waiting on money."""
    USER = 1
    """Anything a user action asked for (search, history, snapshot, session calls)."""
    BACKGROUND = 2
    """Periodic refreshes and re-syncs."""


@dataclass(frozen=True, slots=True)
class RestRequest:
    """One REST call. ``path`` is relative to ``/v1/api``; ``body`` is sent as JSON.

    ``idempotent`` marks calls that may be re-sent after a 429/503 (defaults to GET only;
    an order POST is never re-sent).
    """

    method: str
    path: str
    params: tuple[tuple[str, str], ...] = ()
    body: object = None
    idempotent: bool | None = None

    @property
    def retry_safe(self) -> bool:
        """Whether the request may be sent again without the user's say-so."""
        return self.method == "GET" if self.idempotent is None else self.idempotent

    @property
    def is_history(self) -> bool:
        """History requests share the five-in-flight budget."""
        return self.path.rstrip("/").endswith("history")

    @property
    def key(self) -> tuple[str, str, tuple[tuple[str, str], ...]]:
        """Identity for coalescing (GETs carry no body)."""
        return (self.method, self.path, self.params)

    def describe(self) -> str:
        """``METHOD path`` for logs and messages (no query: it may carry account ids)."""
        return f"{self.method} {self.path}"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How the queue backs off; tests shrink the delays."""

    max_retries: int = 3
    rate_limit_base_s: float = 1.0
    rate_limit_cap_s: float = 60.0
    unavailable_base_s: float = 0.5


RETRY = RetryPolicy()

@dataclass(eq=False)
class Job:
    """A request waiting or in flight, with everyone who waits for its answer."""

    request: RestRequest
    lane: Lane
    futures: list[Future[object]] = field(default_factory=list)
    seq: int = 0
    attempts: int = 0
    not_before: float = 0.0
    sent_at: float = 0.0

    @property
    def order(self) -> tuple[int, int]:
        """Sort key: lane first, then arrival."""
        return (self.lane, self.seq)


class Scheduler:
    """Pending jobs plus the pacing windows. Not thread-safe: the owner holds a lock."""

    def __init__(self, pacer: Pacer | None = None, *, max_in_flight: int = 6,
                 retry: RetryPolicy = RETRY,
                 safety_margin_s: float = SAFETY_MARGIN_S) -> None:
        self._pacer = pacer if pacer is not None else Pacer()
        self._max_in_flight = max(2, max_in_flight)
        self._retry = retry
        self._margin = safety_margin_s
        self._pending: list[Job] = []
        self._waiting_gets: dict[tuple[str, str, tuple[tuple[str, str], ...]], Job] = {}
        self._seq = itertools.count()
        self._in_flight = 0
        self._history_in_flight = 0
        self._penalty_until = 0.0
        self._consecutive_429 = 0
        self._min_gap = (GLOBAL_LIMIT.per + safety_margin_s) / GLOBAL_LIMIT.count
        self._last_send = float("-inf")
        self.rate_limited = 0
        """429 answers seen since start."""
        self.throttled = False
        """True when a job was ready but the pacer (or a penalty) held it back."""

    @property
    def depth(self) -> int:
        """Jobs waiting to be sent."""
        return len(self._pending)

    @property
    def in_flight(self) -> int:
        """Jobs sent and not answered yet."""
        return self._in_flight

    def requests_in_window(self, now: float) -> int:
        """Requests sent in the last second (for the pacing meter)."""
        return self._pacer.requests_in_window(now)

    def held(self, now: float) -> tuple[str, ...]:
        """Waiting requests held back by their endpoint's own IBKR limit, in words, one per
        endpoint in queue order: ``("/iserver/account/orders allows 1 request per 5 s",)``."""
        words: dict[str, None] = {}
        for job in self._pending:
            limit = self._pacer.holding(job.request.method, job.request.path, now)
            if limit is not None:
                words[f"/{normalize_path(job.request.path)} {limit.describe()}"] = None
        return tuple(words)

    def add(self, request: RestRequest, lane: Lane, future: Future[object]) -> Job:
        """Queue ``request`` for ``future``; an identical waiting GET is joined instead."""
        if request.method == "GET":
            twin = self._waiting_gets.get(request.key)
            if twin is not None:
                twin.futures.append(future)
                if lane < twin.lane:
                    self._pending.remove(twin)
                    twin.lane = lane
                    bisect.insort(self._pending, twin, key=lambda j: j.order)
                return twin
        job = Job(request, lane, [future], next(self._seq))
        self._insert(job)
        return job

    def next(self, now: float) -> tuple[Job | None, float | None]:
        """The job to send now (already counted as sent), else how long to sleep.

        Returns ``(job, 0.0)``, or ``(None, seconds)`` until something may change by the
        clock, or ``(None, None)`` when only an answer or a new job can change anything.
        """
        self._drop_abandoned()
        if not self._pending:
            self.throttled = False
            return None, None
        if now < self._penalty_until:
            self.throttled = True
            return None, self._penalty_until - now
        wait: float | None = None
        paced = False
        for index, job in enumerate(self._pending):
            if job.not_before > now:
                wait = _soonest(wait, job.not_before - now)
                continue
            if not self._has_capacity(job):
                continue
            at = self._pacer.next_send_at(job.request.method, job.request.path, now)
            if job.lane != Lane.ORDER:
                at = max(at, self._last_send + self._min_gap)
            if at <= now:
                del self._pending[index]
                self._launch(job, now)
                return job, 0.0
            paced = True
            wait = _soonest(wait, at - now)
        self.throttled = paced
        return None, wait

    def finished(self, job: Job, now: float) -> None:
        """An answer (or a transport failure) arrived for ``job`` at ``now``."""
        self._pacer.record_answer(job.request.method, job.request.path, job.sent_at,
                                  now + self._margin)
        self._in_flight -= 1
        if job.request.is_history:
            self._history_in_flight -= 1

    def succeeded(self) -> None:
        """A non-429 answer arrived: the rate-limit back-off starts over."""
        self._consecutive_429 = 0

    def retry_or_give_up(self, job: Job, error: IbkrError, now: float,
                         retry_after: float | None = None) -> bool:
        """Apply the back-off for ``error``; True when ``job`` was queued again.

        What to do is ``protocol.errors.classify_failure``'s answer: only a RETRY answer
        (429, 503, "query /accounts first"...) re-sends a retry-safe request, after an
        exponential back-off; a 429 also holds every lane (the gateway's penalty box is per
        client). FATAL and SESSION failures go back to the caller at once (the queue tells the
        keeper of SESSION ones, and the keeper's own calls must not wait out retries). So does
        a RETRY failure without any answer (unreachable, timed out): a timed-out request may
        have run, and the callers that repeat such calls (the keeper's back-off, the refresh
        timers) keep their own cadence.
        """
        if classify_failure(error) is not Failure.RETRY or error.status is None:
            return False
        if isinstance(error, RateLimited):
            self.rate_limited += 1
            self._consecutive_429 += 1
            backoff = self._retry.rate_limit_base_s * 2 ** (self._consecutive_429 - 1)
            delay = min(self._retry.rate_limit_cap_s, max(backoff, retry_after or 0.0))
            self._penalty_until = max(self._penalty_until, now + delay)
        else:
            delay = self._retry.unavailable_base_s * 2**job.attempts
        if not job.request.retry_safe or job.attempts >= self._retry.max_retries:
            return False
        job.attempts += 1
        job.not_before = now + delay
        self._insert(job)
        return True

    def drain(self) -> list[Job]:
        """Remove and return every waiting job (shutdown)."""
        jobs, self._pending = self._pending, []
        self._waiting_gets.clear()
        return jobs

    def _insert(self, job: Job) -> None:
        bisect.insort(self._pending, job, key=lambda j: j.order)
        if job.request.method == "GET" and job.attempts == 0:
            self._waiting_gets.setdefault(job.request.key, job)

    def _launch(self, job: Job, now: float) -> None:
        self._forget_waiting(job)
        self._in_flight += 1
        if job.request.is_history:
            self._history_in_flight += 1
        self._last_send = now
        job.sent_at = now + self._margin
        self._pacer.record(job.request.method, job.request.path, job.sent_at)

    def _has_capacity(self, job: Job) -> bool:
        limit = self._max_in_flight if job.lane == Lane.ORDER else self._max_in_flight - 1
        if self._in_flight >= limit:
            return False
        return not (job.request.is_history and self._history_in_flight >= HISTORY_MAX_CONCURRENT)

    def _drop_abandoned(self) -> None:
        """Forget jobs whose every waiter was cancelled before the request went out."""
        for job in [j for j in self._pending if all(f.cancelled() for f in j.futures)]:
            self._pending.remove(job)
            self._forget_waiting(job)

    def _forget_waiting(self, job: Job) -> None:
        if job.request.method == "GET" and self._waiting_gets.get(job.request.key) is job:
            del self._waiting_gets[job.request.key]


def _soonest(current: float | None, candidate: float) -> float:
    return candidate if current is None else min(current, candidate)

"""Answering 429 as IBKR practises it: §7's limits per client, the penalty box, two modes.

The limits are IBKR's documented figures (:mod:`ibkr_desktop.protocol.pacing` holds them as
values both sides share: 10 requests/s overall, 1 per 5 s on ``/iserver/account/orders``...).
How they are enforced is the gateway's own business:

* ``"tolerant"`` (default): IBKR is "usually not that picky" about short bursts (§11). Each
  limit is a token bucket refilled at the documented rate and holding
  ``max(3 × count, rate × 30 s)`` tokens, i.e. the rate is judged over 30 s, so a burst passes
  and only a client that stays above the rate runs dry and gets 429s.
* ``"strict"``: every documented window exactly (a sliding window of ``count`` per ``per``
  seconds): the 11th request within a second is a 429.

In both modes each 429 is a strike; ``penalty_strikes`` strikes within :data:`STRIKE_WINDOW_S`
put the client (by IP, like IBKR) in the penalty box, where every request answers 429 for
``penalty_box_s``. Every 429 carries ``Retry-After`` (whole seconds) and logs one line naming
the rule that was broken. Time comes from an injected monotonic clock (seconds).
"""

from __future__ import annotations

import logging
import math
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

from ibkr_desktop.protocol.pacing import GLOBAL_LIMIT, EndpointLimit, SlidingWindow, limit_for

from .web_util import ApiError

log = logging.getLogger("ibkr_desktop.demo_gateway.pacing")

MODES = ("tolerant", "strict")
STRIKE_WINDOW_S = 60.0
TOLERANCE_WINDOW_S = 30.0
"""Tolerant mode judges each rate over this many seconds (bucket size = rate × window)."""
BURST_MULTIPLE = 3
"""Tolerant mode lets at least this many times a limit's count through at once."""


class Limiter(Protocol):
    """One limit's bookkeeping: when the next request may pass, and counting one."""

    def next_free(self, now: float) -> float: ...
    def record(self, now: float) -> None: ...


class TokenBucket:
    """``rate`` tokens per second up to ``capacity``; a request takes one. Starts full."""

    def __init__(self, rate: float, capacity: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self._tokens = capacity
        self._stamp: float | None = None

    def _refill(self, now: float) -> None:
        if self._stamp is not None:
            self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def next_free(self, now: float) -> float:
        """``now`` when a token is there, else when the next one will be."""
        self._refill(now)
        return now if self._tokens >= 1 else now + (1 - self._tokens) / self.rate

    def record(self, now: float) -> None:
        """Take a token for a request at ``now``."""
        self._refill(now)
        self._tokens -= 1


def make_limiter(mode: str, limit: EndpointLimit) -> Limiter:
    """The limiter of ``limit`` in ``mode`` (see the module docstring for the figures)."""
    if mode == "strict":
        return SlidingWindow(limit.count, limit.per)
    rate = limit.count / limit.per
    return TokenBucket(rate, max(BURST_MULTIPLE * limit.count, rate * TOLERANCE_WINDOW_S))


def describe(limit: EndpointLimit) -> str:
    """``"tickle (1 per 1 s)"``: how a 429's log line names the rule."""
    return f"{limit.key} ({limit.count} per {limit.per:g} s)"


class PacingGate:
    """Per-client limiters; repeated violations put the client in the penalty box.

    Args:
        mode: ``"tolerant"`` or ``"strict"``.
        penalty_strikes: 429s within :data:`STRIKE_WINDOW_S` that trigger the penalty box.
        penalty_box_s: How long every request of a boxed client answers 429.
        clock: Monotonic seconds (injected so tests move time by hand).

    Raises:
        ValueError: for an unknown ``mode``.
    """

    def __init__(self, mode: str, penalty_strikes: int, penalty_box_s: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if mode not in MODES:
            raise ValueError(f"pacing mode must be one of {MODES}, got {mode!r}")
        self.mode = mode
        self._strikes_allowed = penalty_strikes
        self._box_s = penalty_box_s
        self._clock = clock
        self._limiters: dict[tuple[str, str], Limiter] = {}
        self._strikes: dict[str, deque[float]] = {}
        self._boxed_until: dict[str, float] = {}

    def _limiter(self, client: str, limit: EndpointLimit) -> Limiter:
        key = (client, limit.key)
        limiter = self._limiters.get(key)
        if limiter is None:
            limiter = self._limiters[key] = make_limiter(self.mode, limit)
        return limiter

    def check(self, client: str, method: str, path: str) -> None:
        """Count a request, or raise ApiError 429 when it breaks a limit or the client is boxed.

        Args:
            client: Remote address (the penalty box is per IP, like IBKR's).
            method: HTTP method.
            path: Path relative to ``/v1/api``.
        """
        now = self._clock()
        until = self._boxed_until.get(client, 0.0)
        if now < until:
            log.warning("429 to %s on %s %s: penalty box", client, method, path)
            raise _too_many("Too many requests: penalty box", until - now)
        limits = [GLOBAL_LIMIT]
        endpoint = limit_for(method, path)
        if endpoint is not None:
            limits.append(endpoint)
        waits = [(self._limiter(client, lim).next_free(now), lim) for lim in limits]
        free_at, broken = max(waits, key=lambda pair: pair[0])
        if free_at <= now:
            for limit in limits:
                self._limiter(client, limit).record(now)
            return
        log.warning("429 to %s on %s %s: broke %s", client, method, path, describe(broken))
        if self._strike(client, now):
            log.warning("penalty box for %s: %d 429s within %g s; %g s", client,
                        self._strikes_allowed, STRIKE_WINDOW_S, self._box_s)
            raise _too_many("Too many requests: penalty box", self._box_s)
        raise _too_many("Too many requests", free_at - now)

    def _strike(self, client: str, now: float) -> bool:
        """Count a 429; True when it puts the client in the penalty box."""
        strikes = self._strikes.setdefault(client, deque())
        strikes.append(now)
        while strikes and strikes[0] <= now - STRIKE_WINDOW_S:
            strikes.popleft()
        if len(strikes) < self._strikes_allowed:
            return False
        strikes.clear()
        self._boxed_until[client] = now + self._box_s
        return True

    def release(self, client: str) -> None:
        """Let a client out of the penalty box (tests, the admin endpoint)."""
        self._boxed_until.pop(client, None)
        self._strikes.pop(client, None)


def _too_many(message: str, retry_after_s: float) -> ApiError:
    return ApiError(
        429, message, headers={"Retry-After": str(max(1, math.ceil(retry_after_s)))}
    )

"""Request pacing rules of reference §7 as pure sliding windows.

The client asks :class:`Pacer` when it may send so it never triggers a 429 (and the IP penalty
box); the demo gateway uses the same rules to answer 429. Time is always passed in (seconds, any
monotonic origin): nothing here reads a clock.
"""

from __future__ import annotations

import bisect
import re
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class EndpointLimit:
    """At most ``count`` requests per ``per`` seconds to paths matching ``pattern``.

    ``method`` None matches any method. Limits sharing a ``key`` share one window.
    """

    method: str | None
    pattern: re.Pattern[str]
    count: int
    per: float
    key: str

    def matches(self, method: str, path: str) -> bool:
        """Whether a request (path already normalised by :func:`normalize_path`) falls under it."""
        method_ok = self.method is None or self.method == method.upper()
        return method_ok and self.pattern.fullmatch(path) is not None

    def describe(self) -> str:
        """The limit in words: ``"allows 1 request per 5 s"``."""
        return f"allows {self.count} request{'s' if self.count != 1 else ''} per {self.per:g} s"


def _limit(method: str | None, pattern: str, count: int, per: float, key: str) -> EndpointLimit:
    return EndpointLimit(method, re.compile(pattern), count, per, key)


GLOBAL_LIMIT = _limit(None, r".*", 10, 1.0, "global")
"""10 requests per second per client through the CP Gateway."""

HISTORY_MAX_CONCURRENT = 5
"""Concurrent ``/iserver/marketdata/history`` (and ``smh``) requests; more -> 429."""

ENDPOINT_LIMITS: tuple[EndpointLimit, ...] = (
    _limit("GET", r"iserver/marketdata/snapshot", 10, 1.0, "snapshot"),
    _limit("GET", r"iserver/(account/)?orders", 1, 5.0, "orders"),
    _limit("GET", r"iserver/(account/)?trades", 1, 5.0, "trades"),
    _limit("GET", r"iserver/account/pnl/partitioned", 1, 5.0, "pnl"),
    _limit("GET", r"portfolio/(accounts|subaccounts)", 1, 5.0, "portfolio_accounts"),
    _limit("GET", r"iserver/scanner/params", 1, 900.0, "scanner_params"),
    _limit("POST", r"iserver/scanner/run", 1, 1.0, "scanner_run"),
    _limit("POST", r"pa/(performance|summary|transactions)", 1, 900.0, "pa"),
    _limit(None, r"fyi/.*", 1, 1.0, "fyi"),
    _limit(None, r"tickle", 1, 1.0, "tickle"),
    _limit("GET", r"sso/validate", 1, 60.0, "sso_validate"),
)
"""Per-endpoint limits of §7; endpoints not listed only have :data:`GLOBAL_LIMIT`."""

_PREFIXES = ("v1/api/", "v1/portal/")


def normalize_path(path: str) -> str:
    """``"/v1/api/iserver/account/trades/?days=1"`` -> ``"iserver/account/trades"``."""
    path = path.split("?", 1)[0].split("#", 1)[0].strip().strip("/")
    for prefix in _PREFIXES:
        if path.startswith(prefix):
            return path[len(prefix):].strip("/")
    return path


def limit_for(method: str, path: str) -> EndpointLimit | None:
    """The endpoint limit for a request (path relative to ``/v1/api``), or None if only global."""
    normalized = normalize_path(path)
    return next((lim for lim in ENDPOINT_LIMITS if lim.matches(method, normalized)), None)


class SlidingWindow:
    """At most ``count`` events in any half-open interval of ``per`` seconds.

    An event recorded at ``t`` stops counting at ``t + per``.
    """

    def __init__(self, count: int, per: float) -> None:
        if count < 1 or per <= 0:
            raise ValueError("a window needs count >= 1 and per > 0")
        self.count = count
        self.per = per
        self._times: deque[float] = deque()

    def _expire(self, now: float) -> None:
        # Same arithmetic as next_free (t + per), so a send at next_free() is always allowed.
        while self._times and self._times[0] + self.per <= now:
            self._times.popleft()

    def in_window(self, now: float) -> int:
        """Events that still count at ``now``."""
        self._expire(now)
        return len(self._times)

    def allows(self, now: float) -> bool:
        """Whether one more event at ``now`` keeps the window within its count."""
        return self.in_window(now) < self.count

    def next_free(self, now: float) -> float:
        """Earliest time >= ``now`` at which :meth:`allows` holds (given no further records)."""
        if self.allows(now):
            return now
        return self._times[len(self._times) - self.count] + self.per

    def record(self, now: float) -> None:
        """Count one event at ``now`` (times must not go backwards)."""
        self._expire(now)
        self._times.append(now)

    def move(self, recorded_at: float, now: float) -> None:
        """Re-date the event recorded at ``recorded_at`` to the later time ``now``.

        Still one event: the window's count is unchanged, only when it stops counting moves.
        An event that has already expired is not brought back.
        """
        if recorded_at not in self._times or now <= recorded_at:
            return
        self._times.remove(recorded_at)
        bisect.insort(self._times, now)


class Pacer:
    """The global window plus one window per endpoint key; pure, caller supplies ``now``."""

    def __init__(
        self,
        global_limit: EndpointLimit = GLOBAL_LIMIT,
        limits: tuple[EndpointLimit, ...] = ENDPOINT_LIMITS,
    ) -> None:
        self._limits = limits
        self._global = SlidingWindow(global_limit.count, global_limit.per)
        self._windows = {lim.key: SlidingWindow(lim.count, lim.per) for lim in limits}

    def _limit(self, method: str, path: str) -> EndpointLimit | None:
        normalized = normalize_path(path)
        return next((lim for lim in self._limits if lim.matches(method, normalized)), None)

    def _endpoint_window(self, method: str, path: str) -> SlidingWindow | None:
        limit = self._limit(method, path)
        return self._windows[limit.key] if limit else None

    def holding(self, method: str, path: str, now: float) -> EndpointLimit | None:
        """The endpoint's own limit when it is what holds this request back at ``now`` (its
        window is full); None when the endpoint is free or has only the global limit."""
        limit = self._limit(method, path)
        if limit is None or self._windows[limit.key].next_free(now) <= now:
            return None
        return limit

    def next_send_at(self, method: str, path: str, now: float) -> float:
        """Earliest time >= ``now`` at which this request keeps every window within limits."""
        at = self._global.next_free(now)
        window = self._endpoint_window(method, path)
        return max(at, window.next_free(now)) if window else at

    def record(self, method: str, path: str, now: float) -> None:
        """Count a request sent (client) or received (gateway) at ``now``."""
        self._global.record(now)
        window = self._endpoint_window(method, path)
        if window:
            window.record(now)

    def record_answer(self, method: str, path: str, sent_at: float, now: float) -> None:
        """Re-date a request recorded at ``sent_at`` in its endpoint window to its answer, ``now``.

        The gateway stamps a request when it arrives, which is somewhere between our send and
        the answer. For the slow endpoint windows (1 per 5 s) only the answer time is safely
        later than the gateway's stamp, so the next request waits from then. The request still
        counts once. The global window is left alone: its period is short and the send-time
        margin covers it.
        """
        window = self._endpoint_window(method, path)
        if window is not None:
            window.move(sent_at, now)

    def try_acquire(self, method: str, path: str, now: float) -> bool:
        """Record the request if it is allowed at ``now``; False means "answer/expect 429"."""
        if self.next_send_at(method, path, now) > now:
            return False
        self.record(method, path, now)
        return True

    def requests_in_window(self, now: float) -> int:
        """Requests counted by the global window at ``now`` (the budget meter's numerator)."""
        return self._global.in_window(now)

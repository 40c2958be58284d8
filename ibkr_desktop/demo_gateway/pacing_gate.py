"""Answering 429 like IBKR: the §7 pacing rules per client, plus the penalty box.

The rules themselves live in :mod:`ibkr_desktop.protocol.pacing` (the client paces with the
same ones, so a well-behaved client never sees a 429 from the demo gateway).
"""

from __future__ import annotations

import math
from collections import deque

from ibkr_desktop.protocol.pacing import Pacer

from .web_util import ApiError

STRIKE_WINDOW_S = 60.0


class PacingGate:
    """Per-client pacers; repeated violations put the client in the penalty box.

    Args:
        penalty_strikes: 429s within :data:`STRIKE_WINDOW_S` that trigger the penalty box.
        penalty_box_s: How long every request of a boxed client answers 429.
    """

    def __init__(self, penalty_strikes: int, penalty_box_s: float) -> None:
        self._strikes_allowed = penalty_strikes
        self._box_s = penalty_box_s
        self._pacers: dict[str, Pacer] = {}
        self._strikes: dict[str, deque[float]] = {}
        self._boxed_until: dict[str, float] = {}

    def check(self, client: str, method: str, path: str, now: float) -> None:
        """Count a request, or raise ApiError 429 when it breaks a limit or the client is boxed.

        Args:
            client: Remote address (the penalty box is per IP, like IBKR's).
            method: HTTP method.
            path: Path relative to ``/v1/api``.
            now: Monotonic seconds.
        """
        until = self._boxed_until.get(client, 0.0)
        if now < until:
            raise _too_many("Too many requests: penalty box", until - now)
        pacer = self._pacers.setdefault(client, Pacer())
        free_at = pacer.next_send_at(method, path, now)
        if free_at <= now:
            pacer.record(method, path, now)
            return
        strikes = self._strikes.setdefault(client, deque())
        strikes.append(now)
        while strikes and strikes[0] <= now - STRIKE_WINDOW_S:
            strikes.popleft()
        if len(strikes) >= self._strikes_allowed:
            strikes.clear()
            self._boxed_until[client] = now + self._box_s
            raise _too_many("Too many requests: penalty box", self._box_s)
        raise _too_many("Too many requests", free_at - now)

    def release(self, client: str) -> None:
        """Let a client out of the penalty box (tests, the admin endpoint)."""
        self._boxed_until.pop(client, None)
        self._strikes.pop(client, None)


def _too_many(message: str, retry_after_s: float) -> ApiError:
    return ApiError(
        429, message, headers={"Retry-After": str(max(1, math.ceil(retry_after_s)))}
    )

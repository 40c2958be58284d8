"""How current a panel's numbers are: when they stopped being current, and how the user is told.

Positions, orders, executions and the account are fed by the WebSocket stream and by REST
re-syncs after each reconnect. Their numbers are current while the session is authenticated,
the stream is connected and alive: its ``system`` heartbeat (every ~10 s, reference §6.4) or
its data (any quote, P&L or order batch, streamed or re-synced) are younger than the stall
bound. A stream that still delivers data without heartbeats keeps the panels current (their
numbers visibly move); the doctor still reports the missing heartbeat. A :class:`Freshness`
per panel follows those states and answers :meth:`Freshness.stale_since` (epoch seconds) once
per frame-clock tick; the table model dims its values and the main window puts
"— stale since 14:32:05" in the dock title.

The doctor's stream text (:func:`stream_text`) uses the same stall bound, so the status bar
never says "live" while the stream is silent.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from ibkr_desktop.client.stream_connect import StreamStatus, StreamTimings
from ibkr_desktop.models.columns import count_of
from ibkr_desktop.protocol.events import SessionKind, SessionState

if TYPE_CHECKING:
    from ibkr_desktop.client.broker import Broker

STALL_S = StreamTimings().stall_s
"""Seconds without a heartbeat after which the stream's data are no longer trusted (35 s)."""


class Freshness:
    """When one panel's data stopped being current (None while they are current).

    Args:
        needs_refresh: after an outage the data are current again only when the panel's own
            full refresh arrived (:meth:`refreshed`: positions, account P&L); False = as soon as
            the stream is back (orders and executions: the re-sync reports only changes).
        clock: epoch seconds (``time.time``); tests pass a fake one.
        stall_s: heartbeat age beyond which the stream counts as stalled.
    """

    def __init__(self, *, needs_refresh: bool, clock: Callable[[], float] = time.time,
                 stall_s: float = STALL_S) -> None:
        self.needs_refresh = needs_refresh
        self.stall_s = stall_s
        self._clock = clock
        self._stream_up = False
        self._session_up = True  # not known to be broken until the keeper says so
        self._up = False  # stream connected and session authenticated
        self._was_up = False  # an outage is a fall from up; start-up is not one
        self._down_since: float | None = None  # outage start, while down
        self._pending: float | None = None  # outage start, while up but awaiting the refresh
        self._heartbeat_s: float | None = None
        self._data_s: float | None = None

    def set_stream(self, status: StreamStatus) -> None:
        """Take a ``stream_state_changed`` payload (connected, last heartbeat)."""
        if status.last_heartbeat_ms:
            self._heartbeat_s = status.last_heartbeat_ms / 1000
        self._stream_up = status.connected
        self._update()

    def set_session(self, state: SessionState) -> None:
        """Take a ``session_state_changed`` payload: only an authenticated session is live."""
        self._session_up = state.kind is SessionKind.AUTHENTICATED
        self._update()

    def disconnected(self) -> None:
        """No broker at all (switching gateways, shutting down): what is shown is frozen."""
        self._stream_up = False
        self._update()

    def saw_data(self, _batch: object = None) -> None:
        """The stream delivered a batch (a sign of life as good as a heartbeat); O(1)."""
        self._data_s = self._clock()

    def refreshed(self) -> None:
        """The panel's full refresh arrived: current again if the stream is up, else current
        as of now (a REST refresh during a stream outage) and stale from now on."""
        self._pending = None
        if self._down_since is not None:
            self._down_since = self._clock()

    def stale_since(self) -> float | None:
        """Epoch seconds since which the data are not current, or None (cheap: O(1))."""
        if self._down_since is not None:
            return self._down_since
        if self._pending is not None:
            return self._pending
        alive = max(self._heartbeat_s or 0.0, self._data_s or 0.0)
        if alive and self._clock() - alive > self.stall_s:
            return alive
        return None

    def _update(self) -> None:
        up = self._stream_up and self._session_up
        if up == self._up:
            return
        self._up = up
        if not up:
            if self._was_up:  # an outage while awaiting a refresh continues the earlier one
                self._down_since = self._pending or self._clock()
            return
        self._was_up = True
        if self.needs_refresh and self._down_since is not None:
            self._pending = self._down_since
        self._down_since = None


def follow_connection(broker: Broker, freshness: Freshness) -> None:
    """Feed ``freshness`` from ``broker``'s stream and session states and its stream batches
    (one O(1) call per batch: quotes, P&L, orders)."""
    broker.stream_state_changed.connect(freshness.set_stream)
    broker.session_state_changed.connect(freshness.set_session)
    for batches in (broker.quotes_updated, broker.pnl_updated, broker.orders_updated):
        batches.connect(freshness.saw_data)


def clock_text(epoch_s: float) -> str:
    """Local wall time ``14:32:05`` of an epoch-seconds instant."""
    return datetime.fromtimestamp(epoch_s).strftime("%H:%M:%S")


def stale_title(title: str, since: float | None) -> str:
    """A dock title with its staleness: ``"Positions — stale since 14:32:05"``."""
    return title if since is None else f"{title} — stale since {clock_text(since)}"


def stream_text(connected: bool, last_heartbeat_ms: int | None, reconnects: int, now_s: float,
                stall_s: float = STALL_S) -> str:
    """The doctor's stream-health text from a ``StreamStatus``'s values and the time now.

    ``"Stream: live · heartbeat 4s ago · 0 reconnects"``; beyond ``stall_s`` without a heartbeat
    an open stream is not called live: ``"Stream: no heartbeat for 97 s · 0 reconnects"``.
    """
    age = None if not last_heartbeat_ms else max(0.0, now_s - last_heartbeat_ms / 1000)
    if connected and age is not None and age > stall_s:
        parts = [f"Stream: no heartbeat for {age:.0f} s"]
    else:
        parts = ["Stream: live" if connected else "Stream: down"]
        parts.append("no heartbeat yet" if age is None else f"heartbeat {age:.0f}s ago")
    parts.append(count_of(reconnects, "reconnect"))
    return " · ".join(parts)

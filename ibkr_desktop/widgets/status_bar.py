"""The status bar's two parts: the message line and the connection doctor.

:class:`MessageLine` (left) shows the latest user-facing notice with a severity icon and colour
until it times out; the app's notifier feeds it. :class:`ConnectionDoctor` (right) shows, left
to right: a coloured state dot and headline, what is going on or what the user must do (while
the session is not usable), the fix button (start the gateway, open the login page, take over,
reauthenticate), stream health (heartbeat age, reconnects), the request meter in plain words
("Requests: 3/s of 10/s allowed", how many wait their turn, how often IBKR asked the app to slow
down; the 429 count and pacing in its tooltip) and a progress indicator for long operations. It
reads plain value objects and emits ``action_requested``; the app acts.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QSizePolicy, QWidget

from ibkr_desktop.client.notices import Notice
from ibkr_desktop.models.freshness import stream_text
from ibkr_desktop.protocol.events import SessionKind, SessionState
from ibkr_desktop.protocol.pacing import GLOBAL_LIMIT
from ibkr_desktop.widgets.elided_label import ElidedLabel


class StreamInfo(Protocol):
    """What the doctor reads from ``Broker.stream_state_changed`` (client.stream.StreamStatus)."""

    @property
    def connected(self) -> bool: ...

    @property
    def reconnects(self) -> int: ...

    @property
    def last_heartbeat_ms(self) -> int | None: ...

    @property
    def reason(self) -> str: ...


class PacingInfo(Protocol):
    """What it reads from ``Broker.pacing_changed`` (client.rest_queue.PacingStats)."""

    requests_per_s: float
    queue_depth: int
    rate_limited: int
    throttling: bool
    held: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Advice:
    """Plain words for a session state and the action that fixes it ("" = none needed)."""

    headline: str
    action: str
    button: str
    level: str  # "ok" | "busy" | "bad"


ADVICE: dict[SessionKind, Advice] = {
    SessionKind.GATEWAY_UNREACHABLE: Advice("Gateway not reachable", "start_gateway",
                                            "How to start it…", "bad"),
    SessionKind.NOT_LOGGED_IN: Advice("Not logged in to the gateway", "login", "Open login page",
                                      "bad"),
    SessionKind.AUTHENTICATING: Advice("Connecting…", "", "", "busy"),
    SessionKind.AUTHENTICATED: Advice("Connected", "", "", "ok"),
    SessionKind.COMPETING: Advice("Session in use elsewhere (TWS, mobile or web)", "take_over",
                                  "Take over here", "bad"),
    SessionKind.EXPIRED: Advice("Trading session timed out", "reauthenticate", "Reauthenticate",
                                "bad"),
    SessionKind.MAINTENANCE: Advice("IBKR maintenance – retrying", "", "", "busy"),
}
"""Only EXPIRED (connected, not authenticated) offers Reauthenticate: logged out, only the
browser login on the gateway's page helps, so NOT_LOGGED_IN opens that page."""

IBKR_REQUESTS_PER_S = GLOBAL_LIMIT.count
"""IBKR's global REST limit per second (reference §7), what the request meter measures."""

_DETAIL_MAX_PX = 640
"""Widest the doctor's words may get (a longer reason is cut with "…"; the tooltip has all)."""

_STREAM_TIP = ("The stream is the live connection that brings quotes, order updates and fills "
               "as they happen.\nThe gateway sends a heartbeat (a sign of life) about every 10 s;"
               " reconnects counts how often the connection had to be opened again.")

_DOT = {"ok": "#2ea043", "busy": "#d29922", "bad": "#f85149"}

_SEVERITY = {"info": ("ℹ", "#58a6ff", 5000), "warning": ("⚠", "#d29922", 10000),
             "error": ("✖", "#f85149", 15000)}
"""level -> (icon, colour on a dark theme, milliseconds shown)."""
_ON_LIGHT = {"#58a6ff": "#0969da", "#d29922": "#9a6700", "#f85149": "#cf222e"}
"""The same colours dark enough to read on the light theme's status bar."""
_RANK = {"info": 0, "warning": 1, "error": 2}


class MessageLine(QLabel):
    """The latest notice, left in the status bar: icon and colour by severity, then it clears.

    A newer notice replaces the one shown, except that a less severe one waits until the shown
    one has been up for ``min_shown_ms`` (a warning is not wiped by "Connected" a moment
    later); only the latest waiting notice is kept. The full text is also the tooltip; a text
    too long for the space left of the doctor ends in "…" (``shown_text``), never cut off
    mid-word. ``level`` is what is shown ("" = none); ``text()`` is the notice as rich text.
    A warning or info that repeats what the status bar shows on the right (the doctor's
    sentence) is shown as :attr:`shorter` words instead: the state and the next step (an error
    is shown in full: it needs reading, and it also opens a dialog).
    """

    def __init__(self, parent: QWidget | None = None, *, min_shown_ms: int = 3000) -> None:
        super().__init__(parent)
        self.setObjectName("messageLine")
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(120)
        self.level = ""
        self._painted: tuple[str, str, str, str | None] | None = None
        """(icon, icon colour, plain text, text colour or None for the palette's)."""
        self._waiting: Notice | None = None
        self._expire = _single_shot(self, self.clear_message)
        self._protect = _single_shot(self, self._show_waiting)
        self._protect.setInterval(min_shown_ms)
        self.shorter: Callable[[str], str | None] = lambda _text: None
        """Other words for a notice text shown elsewhere already (None: show it as it is):
        :meth:`ConnectionDoctor.instead_of`."""

    def show_notice(self, notice: Notice) -> None:
        """Show ``notice`` (or queue it behind a more severe one); it clears after a while."""
        if self._protect.isActive() and _RANK.get(notice.level, 0) < _RANK.get(self.level, 0):
            self._waiting = notice
            return
        self._waiting = None
        icon, colour, timeout_ms = _SEVERITY.get(notice.level, _SEVERITY["info"])
        if self.palette().color(QPalette.ColorRole.Window).lightness() >= 128:
            colour = _ON_LIGHT[colour]
        self.level = notice.level
        plain = (notice.level != "error" and self.shorter(notice.text)) or notice.text
        text = html.escape(plain)
        if notice.level != "info":
            text = f'<span style="color:{colour}">{text}</span>'
        self._painted = (icon, colour, plain, None if notice.level == "info" else colour)
        self.setText(f'<span style="color:{colour}">{icon}</span> {text}')
        self.setToolTip(notice.text)
        self._expire.start(timeout_ms)
        self._protect.start()

    def clear_message(self) -> None:
        """Show nothing."""
        self._expire.stop()
        self._protect.stop()
        self.level = ""
        self._painted = None
        self.clear()
        self.setToolTip("")

    def shown_text(self) -> str:
        """The words as painted at the current width: icon, space, text (with "…" if cut)."""
        if self._painted is None:
            return ""
        icon, _colour, plain, _text_colour = self._painted
        return f"{icon} {self._elided(plain)}"

    def _elided(self, plain: str) -> str:
        room = self.contentsRect().width() - self.fontMetrics().horizontalAdvance(
            self._painted[0] + " " if self._painted else "")
        return self.fontMetrics().elidedText(plain, Qt.TextElideMode.ElideRight, max(room, 0))

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        """The icon in its colour, then the text cut with "…" to the width left."""
        if self._painted is None:
            return
        icon, colour, plain, text_colour = self._painted
        rect = self.contentsRect()
        align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        painter = QPainter(self)
        painter.setPen(QColor(colour))
        painter.drawText(rect, align, icon + " ")
        rest = rect.adjusted(self.fontMetrics().horizontalAdvance(icon + " "), 0, 0, 0)
        painter.setPen(QColor(text_colour) if text_colour
                       else self.palette().color(self.foregroundRole()))
        painter.drawText(rest, align, self._elided(plain))

    def _show_waiting(self) -> None:
        waiting, self._waiting = self._waiting, None
        if waiting is not None:
            self.show_notice(waiting)


def _single_shot(parent: QWidget, slot: Callable[[], None]) -> QTimer:
    timer = QTimer(parent)
    timer.setSingleShot(True)
    timer.timeout.connect(slot)
    return timer


class ConnectionDoctor(QWidget):
    """Status-bar widget; call ``set_session``/``set_stream``/``set_pacing`` with broker payloads.

    Signals:
        action_requested(str): "start_gateway", "login", "take_over" or "reauthenticate".
    """

    action_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("connectionDoctor")
        self.session: SessionState | None = None
        self.stream: StreamInfo | None = None
        self.pacing: PacingInfo | None = None
        self._busy: dict[int, str] = {}
        self._busy_seq = 0
        self.state_label = QLabel(self)
        self.state_label.setObjectName("sessionState")
        self.state_label.setTextFormat(Qt.TextFormat.RichText)
        self.detail_label = QLabel(self)
        self.detail_label.setObjectName("sessionDetail")
        self.detail_label.setMaximumWidth(_DETAIL_MAX_PX)  # the message line keeps its room
        self.detail_label.setMinimumWidth(160)  # a narrow window cuts it (the tooltip has all)
        self.fix_button = QPushButton(self)
        self.fix_button.setObjectName("fixButton")
        self.fix_button.hide()
        self.fix_button.clicked.connect(self._fix)
        self.stream_label = ElidedLabel(self)
        self.stream_label.setObjectName("streamHealth")
        self.pacing_bar = QProgressBar(self)
        self.pacing_bar.setObjectName("pacingMeter")
        self.pacing_bar.setRange(0, IBKR_REQUESTS_PER_S)
        self.pacing_bar.setFixedWidth(100)
        self.pacing_bar.setTextVisible(True)
        self.pacing_caption = ElidedLabel("Requests:", self)
        self.pacing_label = ElidedLabel(self)
        self.busy_bar = QProgressBar(self)
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setFixedWidth(80)
        self.busy_bar.hide()
        self.busy_label = ElidedLabel(self)
        self.busy_label.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(8)
        self._gauges = (_separator(self), self.stream_label, _separator(self),
                        self.pacing_caption, self.pacing_bar, self.pacing_label)
        layout.addWidget(self.state_label)
        layout.addWidget(self.detail_label)
        for widget in (self.fix_button, *self._gauges, self.busy_bar, self.busy_label):
            layout.addWidget(widget)
        layout.addStretch(1)
        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self._render_stream)
        self._ticker.start()
        self._render_session()
        self._render_stream()
        self.set_pacing(None)

    # -- inputs ---------------------------------------------------------------------------
    def set_session(self, state: SessionState) -> None:
        """Show a new session state and the action that fixes it."""
        self.session = state
        self._render_session()

    def set_stream(self, status: StreamInfo) -> None:
        """Show stream health (connected, reconnects, heartbeat)."""
        self.stream = status
        self._render_session()
        self._render_stream()

    def set_pacing(self, stats: PacingInfo | None) -> None:
        """Show the request budget in words: requests/s of IBKR's 10/s, requests waiting their
        turn, times IBKR asked the app to slow down (HTTP 429); the numbers in the tooltip."""
        self.pacing = stats
        rate = stats.requests_per_s if stats else 0.0
        queue = stats.queue_depth if stats else 0
        limited = stats.rate_limited if stats else 0
        throttled = bool(stats and stats.throttling)
        held = stats.held if stats else ()
        self.pacing_bar.setValue(min(IBKR_REQUESTS_PER_S, round(rate)))
        self.pacing_bar.setFormat(f"{rate:.0f}/s of {IBKR_REQUESTS_PER_S}/s")
        self.pacing_bar.setProperty("throttling", throttled)
        self.pacing_label.setText(pacing_words(queue, limited, throttled, held))
        limits = "".join(f"\nHeld by its endpoint's own IBKR limit: {words}." for words in held)
        tip = (f"Requests to the gateway in the last second: {rate:.1f} (IBKR allows "
               f"{IBKR_REQUESTS_PER_S} per second).\nWaiting in the app's queue: {queue}.{limits}"
               f"\nPacing: {'on' if throttled else 'off'} (when on, requests wait for their "
               "turn so IBKR never has to refuse them).\nHTTP 429 'Too Many Requests' answers "
               f"since the start: {limited}.")
        for widget in (self.pacing_caption, self.pacing_bar, self.pacing_label):
            widget.setToolTip(tip)

    # -- long operations ------------------------------------------------------------------
    def begin_busy(self, text: str) -> int:
        """Show a busy indicator with ``text``; returns a token for :meth:`end_busy`."""
        self._busy_seq += 1
        self._busy[self._busy_seq] = text
        self._render_busy()
        return self._busy_seq

    def end_busy(self, token: int) -> None:
        """Hide the indicator of one operation (others may still run)."""
        self._busy.pop(token, None)
        self._render_busy()

    # -- rendering ------------------------------------------------------------------------
    def headline(self) -> str:
        """The state in plain words (tests, tray tooltip)."""
        return self._advice().headline

    def detail(self) -> str:
        """What is going on or what the user must do, as shown ("" while all is well; a text
        too long for the room is cut with "…")."""
        return self.detail_label.text() if self.detail_label.isVisibleTo(self) else ""

    def instead_of(self, text: str) -> str | None:
        """What the message line says instead of ``text`` when that is the sentence shown here
        (the session's reason, while something is wrong): the state and the next step,
        ``"Gateway not reachable: see “How to start it…” on the right"``; else None."""
        advice = self._advice()
        if self.session is None or advice.level == "ok" or text != self.session.reason:
            return None
        if not advice.button:
            return advice.headline
        return f"{advice.headline}: see “{advice.button}” on the right"

    def _advice(self) -> Advice:
        if self.session is None:
            return Advice("Connecting…", "", "", "busy")
        advice = ADVICE[self.session.kind]
        if advice.level == "ok" and self.stream is not None and not self.stream.connected:
            return Advice("Connected · stream reconnecting", "", "", "busy")
        return advice

    def _render_session(self) -> None:
        advice = self._advice()
        dot = f'<span style="color:{_DOT[advice.level]}">●</span>'
        reason = self.session.reason if self.session else ""
        self.state_label.setText(f"{dot} <b>{html.escape(advice.headline)}</b>")
        self.state_label.setToolTip(reason)
        self.fix_button.setText(advice.button)
        self.fix_button.setProperty("action", advice.action)
        self.fix_button.setToolTip(reason)
        self.fix_button.setVisible(bool(advice.action))
        shown = self.detail_label.fontMetrics().elidedText(
            reason, Qt.TextElideMode.ElideRight, _DETAIL_MAX_PX) if advice.level != "ok" else ""
        self.detail_label.setText(shown)
        self.detail_label.setToolTip(reason)
        self._render_busy()
        for gauge in self._gauges:  # while the user must act, the words get the room
            gauge.setVisible(advice.level != "bad")

    def _render_stream(self) -> None:
        stream = self.stream
        if stream is None:
            self.stream_label.setText("Stream: not started")
            self.stream_label.setToolTip(_STREAM_TIP)
            return
        self.stream_label.setText(stream_text(stream.connected, stream.last_heartbeat_ms,
                                              stream.reconnects, time.time()))
        self.stream_label.setToolTip(f"{_STREAM_TIP}\n\nNow: {stream.reason}")

    def _render_busy(self) -> None:
        """A long operation's words replace the state's (they say what happens now)."""
        busy = bool(self._busy)
        self.busy_bar.setVisible(busy)
        self.busy_label.setVisible(busy)
        self.detail_label.setVisible(not busy and bool(self.detail_label.text()))
        if busy:
            self.busy_label.setText(next(reversed(self._busy.values())))

    def _fix(self) -> None:
        action = self.fix_button.property("action")
        if action:
            self.action_requested.emit(str(action))


def pacing_words(queue: int, limited: int, throttled: bool, held: tuple[str, ...]) -> str:
    """The request meter's words after "Requests: 3/s of 10/s": "" while all flows; "5 waiting
    their turn" while the app holds requests back, or "1 waiting for an IBKR limit" when an
    endpoint's own limit holds them (the tooltip names each: ``held``, e.g.
    "/iserver/account/orders allows 1 request per 5 s"; the words stay short so the message
    line keeps its room); "IBKR asked us to slow down 2 times" once the gateway answered 429."""
    parts = []
    if queue and held:
        parts.append(f"{queue} waiting for an IBKR limit")
    elif queue or throttled:
        parts.append(f"{queue} waiting their turn")
    if limited:
        parts.append(f"IBKR asked us to slow down {limited} time{'s' if limited != 1 else ''}")
    return " · ".join(parts)


def _separator(parent: QWidget) -> QLabel:
    label = QLabel("|", parent)
    label.setObjectName("statusSeparator")
    return label

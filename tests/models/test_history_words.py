"""Why a chart has no history, in words that name the cause: the connection (then it loads when
the session is back) or IBKR having none; an unreachable gateway used to read as the latter."""

from __future__ import annotations

from ibkr_desktop.models.bar_builder import Timeframe
from ibkr_desktop.models.history_loader import HistoryLoader, offline_reason
from ibkr_desktop.protocol.events import SessionKind, SessionState


def test_an_empty_answer_names_the_connection_when_the_session_is_not_up() -> None:
    def state(kind: SessionKind) -> SessionState:
        return SessionState(kind, "")

    assert offline_reason(None) == "Gateway not reachable"
    assert offline_reason(state(SessionKind.GATEWAY_UNREACHABLE)) == "Gateway not reachable"
    assert offline_reason(state(SessionKind.AUTHENTICATED)) is None
    assert offline_reason(state(SessionKind.EXPIRED)) == "Not logged in to the gateway"
    down = HistoryLoader(offline=lambda: offline_reason(state(SessionKind.GATEWAY_UNREACHABLE)))
    assert down.why_empty(Timeframe.M5) == (
        "Gateway not reachable: chart history will load when it is back")
    assert HistoryLoader().why_empty(Timeframe.M5) == (
        "No chart history for this instrument at 5m. Live prices still update the chart.")

"""Connection doctor, mode banner, orders panel and settings dialog: words, colours, actions."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest
from PySide6.QtCore import Qt

from ibkr_desktop.models.orders import OrdersModel
from ibkr_desktop.protocol.events import AccountsInfo, OrderUpdate, SessionKind, SessionState
from ibkr_desktop.protocol.orders import OrderStatus
from ibkr_desktop.protocol.portfolio import trading_mode
from ibkr_desktop.widgets.mode_banner import MODES, ModeBanner
from ibkr_desktop.widgets.orders_panel import OrdersTable
from ibkr_desktop.widgets.settings_dialog import SettingsChoice, SettingsDialog
from ibkr_desktop.widgets.status_bar import ConnectionDoctor


@dataclass
class Stream:
    connected: bool
    reconnects: int
    last_heartbeat_ms: int | None
    reason: str = ""


@dataclass
class Pacing:
    requests_per_s: float
    queue_depth: int
    rate_limited: int
    throttling: bool
    held: tuple[str, ...] = ()


@pytest.mark.parametrize(("kind", "headline", "button", "action"), [
    (SessionKind.GATEWAY_UNREACHABLE, "Gateway not reachable", "How to start it…", "start_gateway"),
    (SessionKind.NOT_LOGGED_IN, "Not logged in to the gateway", "Open login page", "login"),
    (SessionKind.COMPETING, "Session in use elsewhere (TWS, mobile or web)", "Take over here",
     "take_over"),
    (SessionKind.EXPIRED, "Trading session timed out", "Reauthenticate", "reauthenticate"),
])
def test_each_problem_state_offers_its_fix(qtbot, kind, headline, button, action) -> None:
    """Each bad session state is named in plain words, with what to do written out (the
    gauges make room for it) and the one button that fixes it."""
    doctor = ConnectionDoctor()
    qtbot.addWidget(doctor)
    doctor.set_session(SessionState(kind, "Open the login page and log in."))
    assert doctor.headline() == headline
    assert headline in doctor.state_label.text()
    assert doctor.detail() == "Open the login page and log in."
    assert not doctor.pacing_bar.isVisibleTo(doctor)
    assert doctor.fix_button.text() == button and doctor.fix_button.isVisibleTo(doctor)
    with qtbot.waitSignal(doctor.action_requested) as signal:
        qtbot.mouseClick(doctor.fix_button, Qt.MouseButton.LeftButton)
    assert signal.args == [action]


def test_connected_state_has_no_button_and_shows_gauges(qtbot) -> None:
    """Connected: no fix button; heartbeat age, reconnects and the pacing meter are shown."""
    doctor = ConnectionDoctor()
    qtbot.addWidget(doctor)
    doctor.set_session(SessionState(SessionKind.AUTHENTICATED, "Connected"))
    doctor.set_stream(Stream(True, 2, int(time.time() * 1000) - 3000))
    doctor.set_pacing(Pacing(6.4, 3, 1, True))
    assert doctor.headline() == "Connected"
    assert not doctor.fix_button.isVisibleTo(doctor)
    assert doctor.detail() == "" and doctor.pacing_bar.isVisibleTo(doctor)
    assert "heartbeat 3s ago" in doctor.stream_label.text()
    assert "2 reconnects" in doctor.stream_label.text()
    assert doctor.pacing_caption.text() == "Requests:"
    assert doctor.pacing_bar.value() == 6 and doctor.pacing_bar.format() == "6/s of 10/s"
    assert doctor.pacing_label.text() == "3 waiting their turn · IBKR asked us to slow down 1 time"
    assert "HTTP 429 'Too Many Requests' answers since the start: 1" in doctor.pacing_bar.toolTip()
    assert "Pacing: on" in doctor.pacing_label.toolTip()
    doctor.set_pacing(Pacing(2.0, 0, 0, False))
    assert doctor.pacing_bar.format() == "2/s of 10/s" and doctor.pacing_label.text() == ""
    doctor.set_stream(Stream(False, 3, None, "Reconnecting in 1 s"))
    assert doctor.headline() == "Connected · stream reconnecting"
    assert "Stream: down" in doctor.stream_label.text()


def test_a_request_held_by_its_endpoint_limit_is_explained(qtbot) -> None:
    """At start-up "1 waiting their turn" alone puzzled a tester: the words say an IBKR limit
    holds them (short: a longer label squeezed the message line below its room), the tooltip
    names every endpoint and its limit."""
    doctor = ConnectionDoctor()
    qtbot.addWidget(doctor)
    doctor.set_session(SessionState(SessionKind.AUTHENTICATED, "Connected"))
    orders = "/iserver/account/orders allows 1 request per 5 s"
    pnl = "/iserver/account/pnl/partitioned allows 1 request per 5 s"
    doctor.set_pacing(Pacing(0.0, 2, 0, True, (orders, pnl)))
    assert doctor.pacing_label.text() == "2 waiting for an IBKR limit"
    tip = doctor.pacing_label.toolTip()
    assert f"Held by its endpoint's own IBKR limit: {orders}." in tip
    assert f"Held by its endpoint's own IBKR limit: {pnl}." in tip


def test_setting_up_the_session_says_what_happens_without_a_button(qtbot) -> None:
    """While the app repairs the session itself ("no bridge"), the doctor says so; no button."""
    doctor = ConnectionDoctor()
    qtbot.addWidget(doctor)
    doctor.set_session(SessionState(SessionKind.AUTHENTICATING,
                                    "Setting up the trading session with IBKR…"))
    assert doctor.headline() == "Connecting…"
    assert doctor.detail() == "Setting up the trading session with IBKR…"
    assert not doctor.fix_button.isVisibleTo(doctor)
    assert doctor.pacing_bar.isVisibleTo(doctor)


def test_busy_indicator_for_long_operations(qtbot) -> None:
    """Long operations show a busy bar with their text until the last one ends."""
    doctor = ConnectionDoctor()
    qtbot.addWidget(doctor)
    first = doctor.begin_busy("Exporting…")
    second = doctor.begin_busy("Cancelling order 5…")
    assert doctor.busy_bar.isVisibleTo(doctor) and doctor.busy_label.text() == "Cancelling order 5…"
    doctor.end_busy(second)
    assert doctor.busy_label.text() == "Exporting…"
    doctor.end_busy(first)
    assert not doctor.busy_bar.isVisibleTo(doctor)


def test_busy_words_replace_the_state_words_until_done(qtbot) -> None:
    """While the user's fix runs, its words stand where the instructions were; then back."""
    doctor = ConnectionDoctor()
    qtbot.addWidget(doctor)
    doctor.set_session(SessionState(SessionKind.EXPIRED, "Press Reauthenticate."))
    token = doctor.begin_busy("Reauthenticating…")
    assert doctor.detail() == "" and doctor.busy_label.text() == "Reauthenticating…"
    doctor.end_busy(token)
    assert doctor.detail() == "Press Reauthenticate."


@pytest.mark.parametrize(("mode", "account", "words", "colour"), [
    ("DEMO", None, "DEMO", "#6f42c1"),
    ("PAPER", "DU1234567", "PAPER TRADING  ·  DU1234567", "#f0a020"),
    ("LIVE", "U7654321", "LIVE TRADING  ·  U7654321", "#c62828"),
])
def test_mode_banner_cannot_be_mistaken(qtbot, mode, account, words, colour) -> None:
    """Each mode has its own words and colour; LIVE says REAL MONEY."""
    banner = ModeBanner()
    qtbot.addWidget(banner)
    banner.set_mode(mode, account)
    assert banner.headline.text() == words
    assert colour in banner.styleSheet()
    if mode == "LIVE":
        assert "REAL MONEY" in banner.detail.text()


def test_account_selector_only_with_several_accounts(qtbot) -> None:
    """One account: no selector. Several: a selector that reports the user's pick."""
    banner = ModeBanner()
    qtbot.addWidget(banner)
    banner.set_accounts(AccountsInfo(("DU1",), "DU1", True))
    assert not banner.selector.isVisibleTo(banner)
    banner.set_accounts(AccountsInfo(("DU1", "DU2"), "DU1", True))
    assert banner.selector.isVisibleTo(banner)
    with qtbot.waitSignal(banner.account_selected) as signal:
        banner.selector.activated.emit(1)
    assert signal.args == ["DU2"]


def test_trading_mode_is_never_guessed(qtbot) -> None:  # type: ignore[no-untyped-def]
    """PAPER or LIVE only once the account is known; before that the banner says so."""
    assert trading_mode(account="DU1", demo=False) == "PAPER"
    assert trading_mode(account="U1", demo=False) == "LIVE"
    assert trading_mode(account="U1", demo=True) == "DEMO"
    assert trading_mode(account=None, demo=False) == "UNKNOWN"  # not connected: no guess
    assert trading_mode(account="DU1", demo=False, is_paper=False) == "LIVE"
    banner = ModeBanner()
    qtbot.addWidget(banner)
    banner.set_mode(trading_mode(account=None, demo=False), None)
    assert banner.headline.text() == "NOT CONNECTED"
    assert "REAL MONEY" not in banner.detail.text()


def test_cancel_only_for_working_orders(qtbot) -> None:
    """Delete / Cancel order asks to cancel working orders and never finished ones."""
    model = OrdersModel()
    model.apply([OrderUpdate(11, symbol="AAPL", status=OrderStatus.FILLED),
                 OrderUpdate(12, symbol="MSFT", status=OrderStatus.SUBMITTED)])
    table = OrdersTable(model)
    qtbot.addWidget(table)
    asked: list[int] = []
    table.cancel_requested.connect(asked.append)
    table.select_row(model.row_of(11))
    assert not table.build_menu().actions()[1].isEnabled()
    table.select_row(model.row_of(12))
    assert table.build_menu().actions()[1].text() == "Cancel order…"
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_Delete)
    assert asked == [] and table.confirmation is not None  # asks first (test_orders_panel)
    next(b for b in table.confirmation.buttons() if b.text() == "Cancel order").click()
    assert asked == [12]


def test_settings_dialog_validates_the_gateway_url(qtbot) -> None:
    """A real gateway needs an http(s) URL; OK is disabled until it is one."""
    dialog = SettingsDialog(SettingsChoice(True, "https://localhost:5000", "dark"))
    qtbot.addWidget(dialog)
    ok = dialog.buttons.buttons()[0]
    assert not dialog.url_edit.isEnabled()
    dialog.real_button.setChecked(True)
    dialog.url_edit.setText("localhost")
    assert not ok.isEnabled()
    dialog.url_edit.setText("https://10.0.0.5:5000")
    dialog.theme_box.setCurrentIndex(1)
    assert ok.isEnabled()
    assert dialog.choice() == SettingsChoice(False, "https://10.0.0.5:5000", "light")


def test_a_narrow_banner_cuts_its_detail_with_an_ellipsis(qtbot) -> None:  # type: ignore[no-untyped-def]
    """At 1280x800 scale 2 the demo's detail was cut mid-word ("…open around the cloc"): it
    ends in "…" now, the mode and account stay whole, the tooltip has every word."""
    banner = ModeBanner()
    qtbot.addWidget(banner)
    banner.set_mode("DEMO", "DU1234567")
    banner.resize(banner.headline.sizeHint().width() + 200, 30)
    banner.show()
    qtbot.waitExposed(banner)
    detail = MODES["DEMO"].detail
    shown = banner.detail.shown_text()
    assert shown.endswith("…") and detail.startswith(shown[:-1]) and len(shown) > 5
    assert banner.headline.width() >= banner.headline.sizeHint().width()
    assert detail in banner.toolTip()

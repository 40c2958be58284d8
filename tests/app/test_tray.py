"""Tray and pop-ups: the notifier -> tray (or in-window toast) path, and fills announced once,
including fills made while the stream was down (announced after the re-sync)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ibkr_desktop.app.settings import Keys
from ibkr_desktop.app.startup import App, build
from ibkr_desktop.client.notices import Notice
from ibkr_desktop.protocol.orders import OrderQuestion, OrderTicket, OrderType, Side
from ibkr_desktop.widgets.tray import DesktopNotifications
from tests.app.conftest import close, fault, running_app
from tests.client.conftest import fast_config
from tests.helpers import wait_until

MSFT = 272093


pytestmark = pytest.mark.qt_log_ignore("does not support raise")  # offscreen: tickets and
# windows shown again from the tray are raised, which the offscreen platform cannot do

@pytest.fixture(autouse=True)
def _no_desktop_notifications(monkeypatch) -> None:
    """Pop-ups stay in this process even where the developer's desktop has a notification
    service (the dunst test runs its own session bus in a subprocess)."""
    monkeypatch.setattr(DesktopNotifications, "available", lambda self: False)


def _fake_tray(app: App, monkeypatch) -> list[tuple[str, str]]:
    """Make the window's tray behave as a shown tray on a desktop; returns what it popped up."""
    tray = app.window.tray
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(tray, "isVisible", lambda: True)
    monkeypatch.setattr(tray, "supportsMessages", lambda: True)
    monkeypatch.setattr(tray, "showMessage", lambda title, text, *a: shown.append((title, text)))
    return shown


def test_without_a_tray_pop_ups_appear_in_the_window(qapp) -> None:
    """Offscreen there is no tray: a fill and an error pop up in the window's toast (and the
    message line); plain info stays in the message line only."""
    app = build(qapp)
    app.window.show()
    try:
        toast = app.presenters.notifications.toast
        app.notifier.post("info", "BUY 3 MSFT @ 425.50", title="Order filled")
        app.notifier.post("info", "Added NFLX")
        app.notifier.post("error", "IBKR refused the order: insufficient margin")
        assert toast.isVisible()
        assert toast.texts() == ["Order filled: BUY 3 MSFT @ 425.50",
                                 "IBKR refused the order: insufficient margin"]
        box = toast.geometry()  # a small top-level at the window's top-right corner
        window = app.window.frameGeometry()
        assert window.contains(box) and box.width() >= 240
        assert box.right() > window.center().x() and box.top() < window.center().y()
        assert "insufficient margin" in app.window.message_line.text()
    finally:
        close(app)


def test_the_toast_follows_the_window_and_stays_when_it_is_hidden(qapp, monkeypatch) -> None:
    """Never Qt's grey-on-yellow tray balloon, even where a tray exists: the themed toast at the
    window's corner, and at the screen's corner once the window is hidden to the tray."""
    app = build(qapp)
    app.window.show()
    try:
        shown = _fake_tray(app, monkeypatch)
        toast = app.presenters.notifications.toast
        app.notifier.publish(Notice("info", "BUY 3 MSFT @ 425.50", title="Order filled"))
        assert shown == [] and toast.texts() == ["Order filled: BUY 3 MSFT @ 425.50"]
        assert toast.isVisible()
        app.window.tray.toggle_window()  # Hide window
        app.notifier.publish(Notice("info", "SELL 3 MSFT @ 426.00", title="Order filled"))
        assert shown == [] and toast.isVisible() and len(toast.texts()) == 2
        area = app.window.screen().availableGeometry()
        assert area.contains(toast.geometry())
    finally:
        close(app)


def test_tray_menu_shows_hides_the_window_names_the_mode_and_keeps_the_sound(qapp) -> None:
    app = build(qapp)
    window, tray = app.window, app.window.tray
    window.show()
    try:
        window.set_mode("PAPER", "DU123")
        tray.menu.aboutToShow.emit()
        texts = [a.text() for a in tray.menu.actions() if a.text() and a.isVisible()]
        assert texts == ["Hide window", "Mode: PAPER TRADING · DU123", "Sound with pop-ups",
                         "Quit"]
        tray.set_connection("Gateway not reachable")
        assert tray.connection_action.isVisible() and not tray.connection_action.isEnabled()
        assert tray.connection_action.text() == "Connection: Gateway not reachable"
        assert tray.menu.actions().index(tray.connection_action) == 2  # under the mode
        tray.show_action.trigger()
        assert not window.isVisible() and tray.show_action.text() == "Show window"
        tray.show_action.trigger()
        assert window.isVisible() and tray.show_action.text() == "Hide window"
        assert not tray.sound_action.isChecked()
        tray.sound_action.trigger()
        assert Keys.POPUP_SOUND.get() is True
    finally:
        close(app)


DESKTOP_SCRIPT = """
import json, subprocess, sys, time
from PySide6.QtWidgets import QApplication
from ibkr_desktop.app.startup import build
from ibkr_desktop.client.notices import Notice
qapp = QApplication([])
app = build(qapp)
app.window.show()
app.notifier.publish(Notice("info", "BUY 3 MSFT @ 425.50 — it's filled", title="Order filled"))
for _ in range(600):  # wait for the pop-up to be displayed (bounded, not a threshold)
    if subprocess.run(["dunstctl", "count", "displayed"], capture_output=True,
                      text=True).stdout.strip() == "1":
        break
    time.sleep(0.05)
subprocess.run(["dunstctl", "close-all"], check=True)
shown = []
for _ in range(200):  # closed notifications move to the history; wait for it, not a clock
    history = json.loads(subprocess.run(["dunstctl", "history"], capture_output=True,
                                        text=True).stdout)
    shown = [(n["summary"]["data"], n["body"]["data"]) for n in history["data"][0]]
    if shown:
        break
    time.sleep(0.05)
print(json.dumps({"where": app.presenters.notifications.last_popup, "shown": shown,
                  "toast": app.presenters.notifications.toast.texts()}))
"""


@pytest.mark.skipif(not all(shutil.which(p) for p in ("xvfb-run", "dbus-run-session", "dunst",
                                                       "dunstctl", "gdbus")),
                    reason="needs xvfb-run, dbus-run-session, dunst and gdbus")
def test_the_desktops_notification_service_is_used_where_there_is_one(tmp_path) -> None:
    """A real session bus with dunst: the fill goes to the desktop's notifications, verbatim
    (quotes and dashes intact), and not to the in-window toast."""
    script = tmp_path / "desktop.py"
    script.write_text(DESKTOP_SCRIPT, encoding="utf-8")
    command = ("dunst >/dev/null 2>&1 & gdbus wait --session --timeout 60 "
               f"org.freedesktop.Notifications && QT_QPA_PLATFORM=offscreen "
               f"{sys.executable} {script}")
    done = subprocess.run(["xvfb-run", "-a", "dbus-run-session", "--", "sh", "-c", command],
                          capture_output=True, text=True, timeout=120, check=False,
                          cwd=Path(__file__).parents[2])
    assert done.stdout.strip(), done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"where": "desktop", "toast": [],
                      "shown": [["Order filled", "BUY 3 MSFT @ 425.50 — it's filled"]]}


async def _yes(question: OrderQuestion) -> bool:
    return True


def _fill_titles(notices: list[Notice]) -> list[str]:
    return [n.text for n in notices if n.title in ("Order filled", "Partial fill")]


def _buy_on_the_gateway(app: App, quantity: int) -> Any:
    """Drop every socket and, in the same gateway turn, fill a market order placed by another
    platform: the client can only learn of the fill from the re-sync after it reconnects."""
    threaded = app.presenters.session.gateway
    assert threaded is not None and app.account.account
    account = app.account.account
    ticket = {"conid": MSFT, "side": "BUY", "orderType": "MKT", "quantity": quantity,
              "tif": "DAY", "cOID": f"elsewhere-{quantity}"}

    def place() -> Any:
        gateway = threaded.gateway
        gateway.faults.drop_sockets()
        answer = gateway.brokerage.desk.place(account, {"orders": [ticket]})
        while isinstance(answer, list) and answer and "id" in answer[0] \
                and "message" in answer[0]:
            answer = gateway.brokerage.desk.reply(answer[0]["id"], True)
        return answer

    return threaded.call(place)


async def test_fills_made_while_disconnected_are_announced_once_after_the_resync(qapp) -> None:
    """Socket dropped, a fill happens, the app reconnects: Disconnected, Reconnected, and the
    fill announced exactly once (a second outage and re-sync does not repeat it)."""
    async with running_app(qapp) as app:
        notices: list[Notice] = []
        app.notifier.notice.connect(notices.append)
        await wait_until(lambda: app.account.account and app.window.doctor.stream is not None
                         and app.window.doctor.stream.connected, 8)
        answer = _buy_on_the_gateway(app, 11)
        assert answer[0].get("order_status") == "Filled" or answer[0].get("order_id"), answer
        await wait_until(lambda: _fill_titles(notices)
                         and "Reconnected" in [n.title for n in notices], 10)
        assert [n.title for n in notices if n.title in ("Disconnected", "Reconnected")] \
            == ["Disconnected", "Reconnected"]
        assert _fill_titles(notices) == [t for t in _fill_titles(notices) if "BUY 11" in t]
        assert len(_fill_titles(notices)) == 1
        assert any("BUY 11" in t for t in app.presenters.notifications.toast.texts())
        # a second outage re-syncs the same trades: nothing is announced again
        reconnects = app.window.doctor.stream.reconnects
        fault(app, "drop_sockets")
        await wait_until(lambda: app.window.doctor.stream.reconnects > reconnects
                         and app.window.doctor.stream.connected, 8)
        await app.broker.refresh_trades()
        assert len(_fill_titles(notices)) == 1
        assert [n.title for n in notices].count("Reconnected") == 2


async def test_a_restart_does_not_announce_the_days_fills_again(qapp, tmp_path) -> None:
    """The demo account (and its fills) survives a restart; the fill announced in the first
    run is listed again in Executions but not announced again."""
    config = fast_config(account_file=str(tmp_path / "demo-account.json"))
    async with running_app(qapp, config) as app:
        await wait_until(lambda: app.account.account, 8)
        assert app.broker is not None
        outcome = await app.broker.orders.place(OrderTicket(MSFT, Side.BUY, 4, OrderType.MKT),
                                                _yes)
        assert outcome.placed, outcome.summary
        toast = app.presenters.notifications.toast
        await wait_until(lambda: any("BUY 4 MSFT" in t for t in toast.texts()), 8)
    async with running_app(qapp, config) as app:
        await wait_until(lambda: any(app.fills.record(r).get("size") == 4
                                     for r in range(app.fills.rowCount())), 8)
        assert app.presenters.notifications.toast.texts() == []

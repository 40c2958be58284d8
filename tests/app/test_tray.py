"""Tray and pop-ups: the notifier -> tray (or in-window toast) path, and fills announced once,
including fills made while the stream was down (announced after the re-sync)."""

from __future__ import annotations

from typing import Any

import pytest

from ibkr_desktop.app.startup import App, build
from ibkr_desktop.client.notices import Notice
from tests.app.conftest import close, fault, running_app
from tests.helpers import wait_until

MSFT = 272093


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
        box = toast.geometry()
        assert app.window.rect().contains(box) and box.width() >= 240
        assert "insufficient margin" in app.window.message_line.text()
    finally:
        close(app)


def test_with_a_tray_pop_ups_go_to_the_tray_not_the_window(qapp, monkeypatch) -> None:
    app = build(qapp)
    app.window.show()
    try:
        shown = _fake_tray(app, monkeypatch)
        app.notifier.publish(Notice("info", "BUY 3 MSFT @ 425.50", title="Order filled"))
        assert shown == [("Order filled", "BUY 3 MSFT @ 425.50")]
        assert app.presenters.notifications.toast.texts() == []
    finally:
        close(app)


@pytest.mark.qt_log_ignore("does not support raise")  # the offscreen platform cannot raise
def test_tray_menu_shows_hides_the_window_and_names_the_mode(qapp) -> None:
    app = build(qapp)
    window, tray = app.window, app.window.tray
    window.show()
    try:
        window.set_mode("PAPER", "DU123")
        tray.menu.aboutToShow.emit()
        texts = [a.text() for a in tray.menu.actions() if a.text()]
        assert texts == ["Hide window", "Mode: PAPER TRADING · DU123", "Quit"]
        tray.show_action.trigger()
        assert not window.isVisible() and tray.show_action.text() == "Show window"
        tray.show_action.trigger()
        assert window.isVisible() and tray.show_action.text() == "Hide window"
    finally:
        close(app)


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
        await wait_until(lambda: _fill_titles(notices), 10)
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

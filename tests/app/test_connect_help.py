"""Help → How to connect speaks of the mode in use: the demo needs no login; a real gateway is
started and logged in to at its own address."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox, QWidget

from ibkr_desktop.app.dialogs import gateway_help_box
from tests.app.conftest import running_app


async def test_on_the_demo_the_help_says_no_login_and_how_to_reach_a_real_gateway(
        qapp, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    shown: list[QMessageBox] = []

    def exec_(box: QMessageBox) -> int:
        shown.append(box)
        return 0

    monkeypatch.setattr(QMessageBox, "exec", exec_)
    async with running_app(qapp) as app:
        menus = [a.menu() for a in app.window.menu_bar.actions() if a.menu()]
        items = {a.text().replace("&", ""): a for m in menus for a in m.actions()}
        items["How to connect to IBKR…"].trigger()
        assert len(shown) == 1
        text, demo_url = shown[0].text(), app.presenters.session.base_url
        assert [b.text() for b in shown[0].buttons()] == ["Close"]
        assert "It needs no login and no IBKR\naccount" in text
    assert demo_url not in text  # the demo's own address is no place to log in
    assert ('Open <a href="https://localhost:5000">https://localhost:5000</a> in your '
            "browser") in text
    assert "File → Settings…" in text and "--gateway https://localhost:5000" in text


def test_with_a_real_gateway_the_help_says_how_to_start_it_and_log_in_at_its_address(
        qtbot) -> None:  # type: ignore[no-untyped-def]
    parent = QWidget()
    qtbot.addWidget(parent)
    box, demo_button = gateway_help_box(parent, "https://gw.local:5001", demo=False)
    text = box.text()
    assert "bin/run.sh root/conf.yaml" in text
    assert 'Open <a href="https://gw.local:5001">https://gw.local:5001</a> in your browser and ' \
           "log in with your IBKR user name" in text
    assert "needs no login" not in text
    assert demo_button is not None and demo_button in box.buttons()

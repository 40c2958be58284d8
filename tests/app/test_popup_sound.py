"""The pop-up sound: a notice that pops up plays it when the user chose "Sound with pop-ups"."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from ibkr_desktop.app.settings import Keys
from ibkr_desktop.app.startup import build
from tests.app.conftest import close


def test_pop_ups_play_the_sound_only_when_chosen(qapp, monkeypatch) -> None:
    """PySide6-Essentials has no QtMultimedia, so the sound is the desktop's beep: once per
    pop-up with the tray's sound ticked, never for plain info or with it unticked."""
    beeps: list[bool] = []
    monkeypatch.setattr(QApplication, "beep", lambda: beeps.append(True))
    app = build(qapp)
    app.window.show()
    try:
        assert app.window.tray.sound.kind == "beep"
        app.notifier.post("info", "BUY 3 MSFT @ 425.50", title="Order filled")
        assert beeps == []  # the sound is off by default
        app.window.tray.sound_action.setChecked(True)
        app.notifier.post("info", "SELL 3 MSFT @ 426.00", title="Order filled")
        app.notifier.post("info", "Added NFLX")  # no pop-up, no sound
        assert beeps == [True]
    finally:
        Keys.POPUP_SOUND.set(False)
        close(app)

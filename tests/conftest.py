"""Shared test harness: offscreen Qt, a fresh qasync loop per async test, isolated settings.

Never call blocking ``qtbot.waitSignal``/``qtbot.wait`` inside an ``async def`` test (it hangs in
teardown); use :func:`tests.helpers.wait_signal` instead.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")

import PySide6  # noqa: E402,F401  -- import before qasync so it binds PySide6
import pytest  # noqa: E402
import qasync  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402


def _qasync_loop() -> qasync.QEventLoop:
    return qasync.QEventLoop(QApplication.instance() or QApplication([]))


def pytest_asyncio_loop_factories(config, item):  # type: ignore[no-untyped-def]
    """Every async test and async fixture runs on a fresh qasync loop (pytest-asyncio >= 1.x)."""
    return {"qasync": _qasync_loop}


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """Keep QSettings and app data of every test in its own temporary folder."""
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    yield tmp_path

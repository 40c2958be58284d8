"""Shared test harness: offscreen Qt, a fresh qasync loop per async test, isolated settings.

Never call blocking ``qtbot.waitSignal``/``qtbot.wait`` inside an ``async def`` test (it hangs in
teardown); use :func:`tests.helpers.wait_signal` instead.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if os.environ["QT_QPA_PLATFORM"] == "offscreen":  # a 1920x1080 desktop, not Qt's 800x800 default
    os.environ["QT_QPA_PLATFORM"] = "offscreen:configfile=" + os.path.join(
        os.path.dirname(__file__), "offscreen_screen.json")
os.environ.setdefault("QT_API", "pyside6")

import PySide6  # noqa: E402,F401  -- import before qasync so it binds PySide6
import pytest  # noqa: E402
import pytestqt.plugin  # noqa: E402
import qasync  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from tests.logfail import ErrorRecorder  # noqa: E402

_async_test_loop: qasync.QEventLoop | None = None
"""The qasync loop of the async test running now (its fixtures run on it too)."""


def _qasync_loop() -> qasync.QEventLoop:
    global _async_test_loop
    _async_test_loop = qasync.QEventLoop(QApplication.instance() or QApplication([]))
    return _async_test_loop


_process_qt_events = pytestqt.plugin._process_events


def _process_events_unless_the_test_loop_is_paused() -> None:
    """pytest-qt processes Qt events between test phases (after setup, after the call, before
    teardown). An async test's qasync loop is paused there: alive, not running. Processing Qt
    events would then run its due callbacks outside it, and a task resumed that way dies
    ("no running event loop", "... is bound to a different event loop"), which the app, whose
    loop runs whenever Qt events are processed, never does. So wait: the loop processes the
    events itself when the fixtures' teardown runs it, and pytest-qt's last call after the
    teardown (the loop closed) processes the rest."""
    loop = _async_test_loop
    if loop is not None and not loop.is_closed() and not loop.is_running():
        return
    _process_qt_events()


pytestqt.plugin._process_events = _process_events_unless_the_test_loop_is_paused


def pytest_asyncio_loop_factories(config, item):  # type: ignore[no-untyped-def]
    """Every async test and async fixture runs on a fresh qasync loop (pytest-asyncio >= 1.x)."""
    return {"qasync": _qasync_loop}


@pytest.fixture(autouse=True)
def fail_on_logged_errors(request):  # type: ignore[no-untyped-def]
    """Fail the test if an ERROR is logged or an asyncio task dies unobserved (tests/logfail.py).

    Autouse fixtures are set up first, so this one is torn down last: after the test's event loop
    has closed and its fixtures (gateways, clients) have stopped. Errors are expected only by
    tests marked ``expect_errors`` or using ``expected_errors``.
    """
    recorder = ErrorRecorder()
    recorder.install()
    try:
        yield recorder
    finally:
        recorder.uninstall()
    expected = request.node.get_closest_marker("expect_errors") is not None
    if recorder.records and not expected and "expected_errors" not in request.fixturenames:
        pytest.fail(recorder.report(), pytrace=False)


@pytest.fixture
def expected_errors(fail_on_logged_errors):  # type: ignore[no-untyped-def]
    """The test expects errors to be logged; it gets the recorder to assert on them."""
    return fail_on_logged_errors


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """Keep QSettings and app data of every test in its own temporary folder."""
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings")
    )
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    yield tmp_path


@pytest.fixture
def gateway_config():  # type: ignore[no-untyped-def]
    """Config of the `gateway`/`threaded_gateway` fixtures; override this fixture to change it."""
    from ibkr_desktop.demo_gateway.server import GatewayConfig

    return GatewayConfig(seed=7, tls=False, pacing=True)


@pytest.fixture
async def gateway(gateway_config):  # type: ignore[no-untyped-def]
    """A started DemoGateway on the test's qasync loop: plain HTTP, loopback, pacing on, seed 7."""
    from ibkr_desktop.demo_gateway.server import DemoGateway

    gw = DemoGateway(gateway_config)
    await gw.start()
    try:
        yield gw
    finally:
        await gw.stop()


@pytest.fixture
def threaded_gateway(gateway_config):  # type: ignore[no-untyped-def]
    """A DemoGateway on its own thread and loop, for sync tests (same config as `gateway`).

    The cyclic garbage collector is paused while the gateway thread runs: a collection that
    happens to run on that thread could destroy Qt objects left over by earlier tests off the
    GUI thread and crash Qt (the app collects on the GUI thread for the same reason).
    """
    import gc

    from ibkr_desktop.demo_gateway.server import ThreadedGateway

    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    gw = ThreadedGateway(gateway_config)
    try:
        gw.start()
        yield gw
    finally:
        gw.stop()
        if was_enabled:
            gc.enable()
        gc.collect()

"""App plumbing without a gateway: settings registry, log redaction, crash reporter, layout."""

from __future__ import annotations

import asyncio
import logging
import sys
import threading

import pytest
import shiboken6
from PySide6.QtCore import QSettings, Qt

from ibkr_desktop.app.crash import CrashReporter
from ibkr_desktop.app.main import choose_connection, parse_args
from ibkr_desktop.app.settings import LAYOUT_VERSION, Keys
from ibkr_desktop.app.startup import App, build
from ibkr_desktop.protocol.events import ContractMatch
from ibkr_desktop.protocol.redaction import RedactingFilter, redact


def test_settings_keys_round_trip_and_survive_garbage() -> None:
    """Typed keys store and read back; a wrong type in the store reads as the default."""
    Keys.USE_DEMO.set(False)
    Keys.WATCHLISTS.set({"current": "A", "lists": {"A": []}})
    Keys.GEOMETRY.set(b"\x01\x02")
    assert Keys.USE_DEMO.get() is False
    assert Keys.WATCHLISTS.get() == {"current": "A", "lists": {"A": []}}
    assert Keys.GEOMETRY.get() == b"\x01\x02"
    QSettings().setValue(Keys.LAYOUT_VERSION.name, "not a number")
    QSettings().setValue(Keys.WATCHLISTS.name, "{broken json")
    assert Keys.LAYOUT_VERSION.get() == 0
    assert Keys.WATCHLISTS.get() == {}


def test_log_redacts_sessions_cookies_and_tokens(caplog) -> None:
    """Session ids, cookies and tokens never reach a log line."""
    secret = "4f1c9a8be2d34c5f9a1b2c3d4e5f6a7b"
    assert secret not in redact(f"Cookie: api={secret}; path=/")
    assert secret not in redact(f'{{"session":"{secret}"}}')
    assert secret not in redact(f"tic+{secret}")
    assert redact("GET /iserver/accounts -> 200") == "GET /iserver/accounts -> 200"
    assert redact("session: authenticated") == "session: authenticated"
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "sent %s",
                               (f"x-sess-uuid={secret}",), None)
    RedactingFilter().filter(record)
    assert secret not in record.getMessage()


def test_crash_reporter_logs_and_announces_every_source(qtbot, caplog, tmp_path,
                                                        expected_errors) -> None:
    """sys.excepthook, threading.excepthook and the loop handler all end in one report."""
    reporter = CrashReporter(str(tmp_path / "app.log"), show_dialogs=False)
    reporter.install()
    seen: list[str] = []
    reporter.crashed.connect(lambda summary, details: seen.append(summary))
    try:
        try:
            raise ValueError("boom in a slot")
        except ValueError:
            sys.excepthook(*sys.exc_info())
        worker = threading.Thread(target=lambda: 1 / 0, name="worker")
        worker.start()
        worker.join()
        loop = asyncio.new_event_loop()
        reporter.install_loop(loop)
        loop.call_exception_handler({"message": "task failed", "exception": KeyError("k")})
        loop.close()
        qtbot.waitUntil(lambda: len(seen) == 3)
    finally:
        reporter.uninstall()
    assert sorted(seen) == ["KeyError: 'k'", "ValueError: boom in a slot",
                            "ZeroDivisionError: division by zero"]
    assert reporter.count == 3
    assert "unexpected error in thread worker" in caplog.text


def test_crash_dialog_shows_the_log_path(qtbot, tmp_path, expected_errors) -> None:
    """The error dialog names what failed and where the full report is."""
    reporter = CrashReporter(str(tmp_path / "app.log"))
    try:
        raise RuntimeError("export exploded")
    except RuntimeError as exc:
        reporter.report(type(exc), exc, exc.__traceback__, "test")
    qtbot.waitUntil(lambda: reporter._box is not None and reporter._box.isVisible())
    box = reporter._box
    assert "export exploded" in box.text()
    assert str(tmp_path / "app.log") in box.informativeText()
    assert "Traceback" in box.detailedText()
    box.close()


def test_command_line_and_gateway_choice() -> None:
    """--gateway is validated and remembered; --demo wins for one run; default is demo."""
    assert choose_connection(parse_args([])) == (True, "")
    args = parse_args(["--gateway", "https://localhost:5001"])
    assert choose_connection(args) == (False, "https://localhost:5001")
    assert choose_connection(parse_args([])) == (False, "https://localhost:5001")
    assert choose_connection(parse_args(["--demo"])) == (True, "")
    assert parse_args(["--smoke", "2.5"]).smoke == 2.5
    with pytest.raises(SystemExit):
        parse_args(["--gateway", "localhost:5000"])


def _new_controller(qapp) -> App:
    app = build(qapp)
    app.window.show()
    return app


def _close(app: App) -> None:
    app.window.close()
    shiboken6.delete(app.window)
    shiboken6.delete(app)


def test_watchlists_columns_and_layout_persist(qtbot, qapp) -> None:
    """Lists, rows, hidden/moved columns, dock layout and theme come back after a restart."""
    first = _new_controller(qapp)
    panel = first.window.watchlist
    assert [i.symbol for i in panel.lists.items()][:3] == ["AAPL", "MSFT", "NVDA"]
    panel.new_list("Banks")
    panel.add_contract(ContractMatch(1520593, "JPM", "JPMORGAN CHASE & CO", "NYSE", "STK"))
    table = panel.table
    table.horizontalHeader().setSectionHidden(first.watchlist.column_index("open"), True)
    header = table.horizontalHeader()
    header.moveSection(header.visualIndex(first.watchlist.column_index("volume")), 1)
    first.window.docks["Account"].hide()
    first.window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, first.window.docks["Orders"])
    first.presenters.settings.set_theme("light")
    columns = table.column_state()
    _close(first)
    assert Keys.LAYOUT_VERSION.get() == LAYOUT_VERSION

    second = _new_controller(qapp)
    try:
        lists = second.window.watchlist.lists
        assert lists.names == ["Default", "Banks"] and lists.current == "Banks"
        assert second.watchlist.conids() == [1520593]
        assert second.window.watchlist.table.column_state()["order"] == columns["order"]
        assert second.window.docks["Account"].isHidden()
        area = second.window.dockWidgetArea(second.window.docks["Orders"])
        assert area == Qt.DockWidgetArea.LeftDockWidgetArea
        assert second.presenters.settings.theme == "light"
        second.window.restore_default_layout()
        assert not second.window.docks["Account"].isHidden()
        assert "open" in second.window.watchlist.table.column_state()["order"]
    finally:
        _close(second)


def test_layout_from_another_version_is_ignored(qtbot, qapp) -> None:
    """A dock layout saved by a different layout version is not applied."""
    first = _new_controller(qapp)
    first.window.docks["Positions"].hide()
    _close(first)
    Keys.LAYOUT_VERSION.set(LAYOUT_VERSION - 1)
    second = _new_controller(qapp)
    try:
        assert not second.window.docks["Positions"].isHidden()
    finally:
        _close(second)


def test_keyboard_reaches_every_panel(qtbot, qapp) -> None:
    """Alt+1..5 focus the watchlist and each dock; Ctrl+F jumps to the symbol search."""
    controller = _new_controller(qapp)
    window = controller.window
    try:
        window.activateWindow()
        qtbot.waitUntil(lambda: qapp.activeWindow() is window)
        actions = {a.text(): a for m in window.menu_bar.actions() for a in m.menu().actions()}
        for text, widget in (("Focus &orders", window.orders_table),
                             ("Focus &account", window.account_table),
                             ("Focus &watchlist", window.watchlist.table)):
            actions[text].trigger()
            qtbot.waitUntil(widget.hasFocus)
        assert actions["Focus &positions"].shortcut().toString() == "Alt+2"
        assert actions["How to &connect to IBKR…"].shortcut().toString() == "F1"
        actions["&Add symbol…"].trigger()
        qtbot.waitUntil(window.watchlist.search.hasFocus)
    finally:
        _close(controller)


def test_garbage_is_collected_on_the_gui_thread_only(qtbot) -> None:  # type: ignore[no-untyped-def]
    """With the guard started, automatic GC is off and the GUI-thread timer frees cycles."""
    import gc
    import weakref

    from ibkr_desktop.app.gc_guard import GuiThreadGarbageCollector

    class Node:
        pass

    guard = GuiThreadGarbageCollector(interval_ms=10)
    guard.start()
    try:
        assert not gc.isenabled()
        node = Node()
        node.self_ref = node  # type: ignore[attr-defined]
        alive = weakref.ref(node)
        del node
        survivors = [[] for _ in range(gc.get_threshold()[0] + 1)]  # generation 0 is now due
        assert alive() is not None  # nothing collected it yet: automatic GC is off
        qtbot.waitUntil(lambda: alive() is None, timeout=5000)
        del survivors
    finally:
        guard.stop()
    assert gc.isenabled()


def test_the_market_data_line_setting_limits_the_watchlist(qtbot, qapp) -> None:
    """With 3 lines configured, the 4th watchlist symbol gets none and the status bar says so."""
    Keys.MARKET_DATA_LINES.set(3)
    app = _new_controller(qapp)
    try:
        symbols = [i.symbol for i in app.watchlist.items()]
        assert len(app.feed.live) == 3 and len(app.feed.waiting) == len(symbols) - 3
        qtbot.waitUntil(app.window.message_line.isVisible)
        text = app.window.message_line.toolTip()
        assert text.startswith(f"{symbols[-1]} gets no quotes") and "3 market-data lines" in text
    finally:
        _close(app)

"""``ibkr-desktop`` / ``python -m ibkr_desktop``: parse the command line, boot Qt + qasync, run.

A flat, logged start-up (qutebrowser's ``_init_modules``): logging and the crash reporter first,
then the QApplication and its qasync loop, then the app (``startup.build``: shared objects,
window, presenters), then the connection. Shutdown is one path: the window closes -> the
session presenter stops the broker and any demo gateway -> the loop ends.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import Future
from typing import Any


def launched_at() -> float:
    """When this process was launched, on the ``time.monotonic()`` clock (seconds).

    On Linux from the kernel's process start time (``/proc/self/stat`` field 22, in clock ticks
    since boot; 10 ms resolution), so start-up latency counts the interpreter's (or the
    PyInstaller bootloader's) start too; elsewhere the moment this module is imported.
    """
    now = time.monotonic()
    try:
        with open("/proc/self/stat", encoding="ascii") as stat:
            fields = stat.read().rpartition(")")[2].split()  # after "(comm)", field 3 onwards
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")
        age = time.clock_gettime(time.CLOCK_BOOTTIME) - started
    except (OSError, ValueError, IndexError, AttributeError):
        return now
    return now - age if 0 <= age < 60 else now


_PROCESS_START = launched_at()  # before the heavy imports: start-up latency counts them

os.environ.setdefault("QT_API", "pyside6")

import PySide6  # noqa: E402,F401  -- before qasync, so qasync binds PySide6
import qasync  # noqa: E402
from PySide6.QtCore import (  # noqa: E402
    QMessageLogContext,
    QSettings,
    QTimer,
    QtMsgType,
    qInstallMessageHandler,
)
from PySide6.QtWidgets import QApplication  # noqa: E402

from ibkr_desktop.app import log  # noqa: E402
from ibkr_desktop.app.crash import CrashReporter  # noqa: E402
from ibkr_desktop.app.embedded import (  # noqa: E402
    data_dir,
    self_test_config,
    start_demo_gateway,
)
from ibkr_desktop.app.gc_guard import GuiThreadGarbageCollector  # noqa: E402
from ibkr_desktop.app.settings import APPLICATION, ORGANISATION, Keys  # noqa: E402
from ibkr_desktop.app.single_instance import SingleInstance, bring_to_front  # noqa: E402
from ibkr_desktop.widgets.icons import app_icon  # noqa: E402
from ibkr_desktop.widgets.settings_dialog import valid_gateway_url  # noqa: E402

_log = log.get("app")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="ibkr-desktop",
        description="Desktop client for the IBKR Client Portal Web API. Without options it "
                    "starts a built-in demo gateway (simulated market), unless a real gateway "
                    "was chosen before.")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--gateway", metavar="URL",
                        help="use the IBKR Client Portal Gateway at URL (remembered), "
                             "e.g. https://localhost:5000")
    source.add_argument("--demo", action="store_true",
                        help="use the built-in demo gateway for this run")
    source.add_argument("--self-test", action="store_true",
                        help="check the app: run it offscreen on the built-in demo gateway "
                             "through its real windows (quotes, ticket, limit order, modify, "
                             "cancel, market order, fill), one line per step; exit 0, or the "
                             "number of the step that failed. Uses a scratch profile")
    parser.add_argument("--smoke", type=float, metavar="SECONDS",
                        help="quit after SECONDS; exit 1 if no quotes arrived or an error occurred")
    parser.add_argument("--theme", choices=("dark", "light"), help="colour theme (remembered)")
    parser.add_argument("--profile-dir", metavar="DIR",
                        help="keep settings in DIR instead of the user's settings")
    parser.add_argument("--debug", action="store_true", help="verbose logging")
    args = parser.parse_args(argv)
    if args.gateway and not valid_gateway_url(args.gateway):
        parser.error(f"--gateway needs an http(s) URL such as https://localhost:5000, "
                     f"not {args.gateway!r}")
    return args


def _use_profile_dir(path: str) -> None:
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, path)


def choose_connection(args: argparse.Namespace) -> tuple[bool, str]:
    """(use_demo, url): --demo/--self-test > --gateway (persisted) > saved choice > demo."""
    if args.demo or args.self_test:
        return True, ""
    if args.gateway:
        Keys.USE_DEMO.set(False)
        Keys.GATEWAY_URL.set(args.gateway)
        return False, args.gateway
    if Keys.USE_DEMO.get():
        return True, ""
    return False, Keys.GATEWAY_URL.get()


async def run(args: argparse.Namespace, app: QApplication, reporter: CrashReporter,
              demo_gateway: Future[Any] | None = None,
              instance: SingleInstance | None = None) -> int:
    """Build the app, connect, and wait until the window closes (a second start of the app
    on this profile, told by ``instance``, brings the window to the front)."""
    from ibkr_desktop.app.presenters.session import Endpoint
    from ibkr_desktop.app.self_test import SelfTest, verdict
    from ibkr_desktop.app.startup import build

    started = _PROCESS_START
    loop = asyncio.get_running_loop()
    reporter.install_loop(loop)
    parts = build(app)
    window = parts.window
    self_test = SelfTest(parts, lambda line: print(line, flush=True)) if args.self_test else None
    reporter.window = window
    if instance is not None:
        instance.raise_requested.connect(lambda: bring_to_front(window))
    if args.theme:
        parts.presenters.settings.set_theme(args.theme)
    closed = asyncio.Event()
    window.closing.connect(closed.set)
    window.show()
    window.tray.show_if_available()
    signal.signal(signal.SIGINT, lambda *_: loop.call_soon_threadsafe(window.close))
    wake = QTimer(parts)  # lets Python see SIGINT while Qt sleeps
    wake.start(250)
    if args.smoke:
        loop.call_later(args.smoke, window.close)
    demo, url = choose_connection(args)
    _log.info("starting (%s)", "demo gateway" if demo else f"gateway {url}")
    try:
        await parts.connect_to(Endpoint(demo, url), demo_gateway if demo else None)
    except Exception as exc:  # noqa: BLE001 -- startup failure must reach the user, not vanish
        reporter.report(type(exc), exc, exc.__traceback__, "start-up")
    if self_test is not None:
        code = await self_test.run()
        window.close()
    await closed.wait()
    wake.stop()
    await parts.shutdown()
    if args.smoke:
        first = parts.presenters.watchlist.first_quote_at
        latency = f"{first - started:.2f}s" if first is not None else "none"
        ok = reporter.count == 0 and (first is not None or not demo)
        print(f"SMOKE {'OK' if ok else 'FAILED'} quote_batches={parts.feed.batches} "
              f"first_quote={latency} errors={reporter.count}", flush=True)
        return 0 if ok else 1
    if self_test is not None:
        steps = len(self_test.steps)
        if code == 0 and reporter.count:
            code = steps + 1
        print(verdict(code, steps, reporter.count, args.scratch), flush=True)
        return code
    return 0


def _use_scratch_profile(args: argparse.Namespace) -> str:
    """The self-test touches nothing of the user's: settings, data (demo account, journal) and
    logs go to a new temporary folder, returned and kept in ``args.scratch`` (removed after a
    passing run, kept and named after a failing one); and Qt runs offscreen, its messages (the
    offscreen plugin's "does not support raise()"...) going to the log file, not the console."""
    scratch = tempfile.mkdtemp(prefix="ibkr-desktop-self-test-")
    args.scratch = scratch
    qInstallMessageHandler(_qt_message_to_log)
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    for variable in ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        os.environ[variable] = os.path.join(scratch, variable.lower())
    args.profile_dir = os.path.join(scratch, "settings")
    return scratch


def _already_running(instance: SingleInstance) -> int:
    """A second start on a held profile: ask the running copy for its window, say so on
    stderr; exit code 0 when it answered, else 1."""
    pid = instance.holder_pid()
    who = f"pid {pid}" if pid is not None else "pid unknown"
    if instance.ask_to_raise():
        print(f"ibkr-desktop is already running ({who}); its window was brought to front",
              file=sys.stderr, flush=True)
        return 0
    print(f"ibkr-desktop is already running ({who}) but did not answer; close that copy "
          f"(or end the process) and start again", file=sys.stderr, flush=True)
    return 1


_QT_LEVELS = {QtMsgType.QtDebugMsg: logging.DEBUG, QtMsgType.QtInfoMsg: logging.INFO,
              QtMsgType.QtWarningMsg: logging.WARNING}


def _qt_message_to_log(kind: QtMsgType, _context: QMessageLogContext, message: str) -> None:
    """Qt's own messages into the app log (``qt`` logger); critical and fatal ones as ERROR."""
    log.get("qt").log(_QT_LEVELS.get(kind, logging.ERROR), "%s", message)


def main(argv: Sequence[str] | None = None) -> int:
    """Console-script entry point; returns the process exit code."""
    args = parse_args(argv)
    scratch = _use_scratch_profile(args) if args.self_test else None
    instance = SingleInstance(data_dir())  # the self-test's scratch profile has its own
    if not instance.acquire():
        return _already_running(instance)
    try:
        return _run_app(args, scratch, instance)
    finally:
        instance.release()


def _run_app(args: argparse.Namespace, scratch: str | None, instance: SingleInstance) -> int:
    """Logging, Qt, the demo gateway, the loop: the app's life once the profile is ours."""
    log_path = log.setup_logging(logging.DEBUG if args.debug else logging.INFO,
                                 console=scratch is None)  # the self-test prints its steps only
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("ibkr-desktop")
    app.setDesktopFileName("ibkr-desktop")
    app.setWindowIcon(app_icon())
    app.setQuitOnLastWindowClosed(False)  # run() decides when to quit
    instance.listen()
    garbage_collector = GuiThreadGarbageCollector(app)
    garbage_collector.start()  # before the demo gateway's thread starts allocating
    if args.profile_dir:
        _use_profile_dir(args.profile_dir)
    reporter = CrashReporter(str(log_path), show_dialogs=not (args.smoke or args.self_test))
    reporter.install()
    _log.info("ibkr-desktop starting; log file %s", log_path)
    config = self_test_config() if args.self_test else None  # its demo clock in regular hours
    demo_gateway = start_demo_gateway(config) if choose_connection(args)[0] else None
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    code: int | None = None
    try:
        with loop:
            code = loop.run_until_complete(run(args, app, reporter, demo_gateway, instance))
            return code
    finally:
        reporter.uninstall()
        asyncio.set_event_loop(None)
        if scratch is not None and code == 0:
            shutil.rmtree(scratch, ignore_errors=True)
        elif scratch is not None and code is None:  # run() raised: no verdict was printed
            print(f"SELF-TEST FAILED: the app stopped; profile and log kept in {scratch}",
                  flush=True)

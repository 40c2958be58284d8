"""The embedded demo gateway, started on its own thread as early as possible.

Importing and starting the demo gateway (aiohttp, cryptography) takes a few tenths of a second.
Begun on a plain thread before the window is built, it overlaps with Qt's start-up, which helps
keep the first quotes within 1.5 s of launch (``tests/benchmarks/bench_startup.py``). Only the
demo imports the gateway's server: with a real gateway none of it is loaded.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from concurrent.futures import Future
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from platformdirs import user_data_dir

from ibkr_desktop.app.log import APP_NAME
from ibkr_desktop.client.journal import Journal

if TYPE_CHECKING:
    from ibkr_desktop.demo_gateway.server import GatewayConfig, ThreadedGateway

DEMO_ACCOUNT_FILE = "demo-account.json"
JOURNAL_FILES = {True: "demo-journal.sqlite", False: "journal.sqlite"}
"""The order journal of the demo (reset with the demo account) and of real gateways."""


def data_dir() -> Path:
    """The per-user data directory (demo account, order journals); not created here."""
    return Path(user_data_dir(APP_NAME, appauthor=False))


def open_journal(demo: bool) -> Journal:
    """The order journal for the demo or for real gateways (created on first use).

    Raises:
        sqlite3.Error: the file cannot be opened.
    """
    return Journal(data_dir() / JOURNAL_FILES[demo])


def default_config() -> GatewayConfig:
    """The app's demo gateway: loopback, free port, plain HTTP, IBKR pacing, seed 7, a market
    open around the clock, and the paper account kept in the user data directory."""
    from ibkr_desktop.demo_gateway.server import GatewayConfig

    return GatewayConfig(host="127.0.0.1", port=0, seed=7, tls=False, pacing=True,
                         market_hours="always", account_file=str(data_dir() / DEMO_ACCOUNT_FILE))


SELF_TEST_OPEN_AT = dt.time(10, 0)
"""New York time the self-test's demo clock starts at: regular hours, six hours before the
04:00-20:00 session that live chart bars are built in ends."""


def self_test_config(now_ms: int | None = None) -> GatewayConfig:
    """:func:`default_config` with the simulated clock started inside the US session, so live
    chart bars form (the chart drops ticks at night and at weekends, as IBKR's history has no
    bars there): :data:`SELF_TEST_OPEN_AT` on the last weekday before ``now_ms``'s New York
    date (epoch ms; default: now)."""
    from ibkr_desktop.models.bar_builder import NEW_YORK

    now = dt.datetime.fromtimestamp((now_ms if now_ms is not None else time.time() * 1000)
                                    / 1000, NEW_YORK)
    day = now.date() - dt.timedelta(days=1)
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    start = dt.datetime.combine(day, SELF_TEST_OPEN_AT, NEW_YORK)
    return replace(default_config(), start_ms=int(start.timestamp() * 1000))


def reset_demo_account(gateway: ThreadedGateway | None, journal: Journal | None) -> None:
    """"Reset demo account": cash, positions, orders and fills as new, the demo journal empty.

    Blocking (call from an executor thread, or accept a short wait). ``gateway`` is the running
    embedded gateway (None when none runs: then the saved account file is removed); ``journal``
    the demo journal the app holds (``broker.journal``; None: the file's rows are cleared
    directly). Afterwards re-read the account (``broker.sync.resync(everything=True)``): order
    updates arrive by themselves, positions and P&L do not.
    """
    if gateway is not None:
        gateway.reset_account()
    else:
        (data_dir() / DEMO_ACCOUNT_FILE).unlink(missing_ok=True)
    if journal is not None:
        journal.clear()
    elif (data_dir() / JOURNAL_FILES[True]).exists():
        demo_journal = open_journal(True)
        demo_journal.clear()
        demo_journal.close()


def start_demo_gateway(config: GatewayConfig | None = None) -> Future[ThreadedGateway]:
    """Import and start a ThreadedGateway on a background thread; the future gives it back."""
    future: Future[ThreadedGateway] = Future()

    def run() -> None:
        try:
            from ibkr_desktop.demo_gateway.server import ThreadedGateway

            gateway = ThreadedGateway(config or default_config())
            gateway.start()
        except BaseException as exc:  # noqa: BLE001 -- handed to the awaiting GUI code
            future.set_exception(exc)
        else:
            future.set_result(gateway)

    threading.Thread(target=run, name="demo-gateway-start", daemon=True).start()
    return future


def stop_quietly(gateway: Any) -> None:
    """Stop a ThreadedGateway (blocking: call from an executor thread)."""
    gateway.stop()

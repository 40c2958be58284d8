"""The reliability run: soak, fault storm and fuzzing, with figures.

``python tests/reliability/run.py [--quick|--long] [--json]``. The app (``startup.build``)
runs offscreen on a scratch profile against a demo-gateway process serving 200 symbols at
about 2,000 quote frames/s; the fuzzer runs meanwhile in its own process. With ``--json`` the
last line printed is one JSON object (``lost_fills``, ``duplicate_orders``,
``unhandled_exceptions``, ``recoveries``, ``faults``, ``fuzz_cases``, ``rss_growth_pct`` and
the other figures). Exit status 0 when every outcome holds, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True, slots=True)
class Mode:
    """How long and how hard one run goes."""

    soak_s: float
    order_every_s: float
    fill_every_s: float
    fuzz_cases: int
    fuzz_hypothesis_cases: int
    rss_every_s: float


MODES = {
    "quick": Mode(soak_s=30, order_every_s=2, fill_every_s=10, fuzz_cases=3000,
                  fuzz_hypothesis_cases=1500, rss_every_s=1),
    "long": Mode(soak_s=1800, order_every_s=3, fill_every_s=60, fuzz_cases=1_000_000,
                 fuzz_hypothesis_cases=60_000, rss_every_s=10),
}

MARKET_OPEN_MS = 1749044700000
"""Wednesday 2025-06-04 09:45 New York: the simulated session starts busy (quotes change at
nearly every step) and stays in regular hours for the long run's 5 simulated hours."""

GATEWAY_OPTIONS = ["--symbols", "200", "--market-step", "0.075", "--speed", "10",
                   "--start-ms", str(MARKET_OPEN_MS), "--market-hours", "always",
                   "--no-pacing", "--heartbeat", "1"]
"""200 instruments stepped 13 times a second, 0.8 simulated seconds per step: most quotes
change at each step, so about 2,000 ``smd`` frames/s reach a client that watches them all."""

ACCOUNT = "DU1234567"
"""The demo's paper account: its full number must not reach the log."""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_const", dest="mode", const="quick",
                      help="CI: a 30 s soak, one storm, a few thousand fuzz cases (default)")
    mode.add_argument("--long", action="store_const", dest="mode", const="long",
                      help="a 30 min soak, one storm, a million fuzz cases")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON last")
    parser.add_argument("--soak-s", type=float, help="override the soak's length (seconds)")
    parser.set_defaults(mode="quick")
    return parser.parse_args(argv)


def scratch_profile() -> Path:
    """Settings, data and logs in a new temporary folder; Qt offscreen (set before Qt loads)."""
    scratch = Path(tempfile.mkdtemp(prefix="ibkr-reliability-"))
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    for variable in ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"):
        os.environ[variable] = str(scratch / variable.lower())
    return scratch


def start_fuzzer(mode: Mode) -> subprocess.Popen[str]:
    """The fuzzer in its own process (the other core), printing JSON last."""
    return subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.fuzz", "--cases", str(mode.fuzz_cases),
         "--hypothesis-cases", str(mode.fuzz_hypothesis_cases)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)


def fuzz_result(process: subprocess.Popen[str]) -> dict[str, Any]:
    """The fuzzer's summary (its last stdout line), once it ends."""
    out, _ = process.communicate()
    lines = [line for line in out.splitlines() if line.startswith("{")]
    if not lines:
        return {"fuzz_cases": 0, "fuzz_failures": [{"target": "*", "error": "no summary"}]}
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def log_leaks(log_dir: Path, secrets: list[str]) -> int:
    """How many times any of ``secrets`` appears in the app's log files."""
    count = 0
    for path in log_dir.rglob("*.log*"):
        text = path.read_text(encoding="utf-8", errors="replace")
        count += sum(text.count(secret) for secret in secrets if secret)
    return count


async def run_app(mode: Mode, scratch: Path) -> dict[str, Any]:
    """Gateway process, app, soak, storm; the figures."""
    from PySide6.QtWidgets import QApplication

    from tests.helpers import wait_until
    from tests.reliability.gateway_process import GatewayProcess
    from tests.reliability.harness import Harness
    from tests.reliability.soak import soak
    from tests.reliability.storm import storm

    gateway = GatewayProcess(GATEWAY_OPTIONS, str(scratch / "gateway-account.json"))
    gateway.start()
    qapp = QApplication.instance()
    assert isinstance(qapp, QApplication)
    h = Harness(qapp, gateway)
    import asyncio

    h.errors.install(asyncio.get_running_loop())
    figures: dict[str, Any] = {}
    try:
        await h.connect()
        h.meter.rss_every_s = mode.rss_every_s
        h.meter.start()
        figures.update(await soak(h, mode.soak_s, mode.order_every_s, mode.fill_every_s))
        records = await storm(h)
        counters = await gateway.ask("counters")
        executions = counters["executions"]
        fills = h.app.fills

        def all_fills_shown() -> bool:
            fills.flush()
            return all(fills.row_of(e) is not None for e in executions)

        try:
            await wait_until(all_fills_shown, 30)
        except AssertionError:
            pass  # counted below
        lost = [e for e in executions if fills.row_of(e) is None]
        coids = Counter(o["coid"] for o in counters["orders"] if o["coid"])
        at_gateway = {str(o["order_id"]) for o in counters["orders"]}
        # an order the app never learnt of (a second copy sent) or a cOID used twice
        duplicates = sum(n - 1 for n in coids.values() if n > 1) + len(
            at_gateway - h.tally.order_ids)
        figures.update({
            "faults": len(records),
            "recoveries": sum(r["recovered"] for r in records),
            "fault_records": records,
            "fills_made": len(executions),
            "fills_shown": len(executions) - len(lost),
            "fills_notified": h.tally.fill_notices,
            "lost_fills": len(lost),
            "orders_placed": h.tally.placements,
            "orders_cancelled": h.tally.cancels,
            "notices_shown": dict(h.tally.notices),
            "orders_at_gateway": len(counters["orders"]),
            "orders_not_at_gateway": sorted(h.tally.order_ids - at_gateway),
            "duplicate_orders": duplicates,
            "gateway_starts": gateway.starts,
        })
    finally:
        h.meter.stop()
        await h.app.shutdown()
        h.app.window.close()
        gateway.stop()
        h.errors.uninstall()
    figures.update({
        "unhandled_exceptions": h.errors.unhandled + h.errors.error_lines,
        "error_log_lines": h.errors.error_lines,
        "error_texts": h.errors.texts,
    })
    return figures


def main(argv: list[str] | None = None) -> int:
    """Run; print the figures; 0 when every outcome holds."""
    args = parse_args(argv)
    mode = MODES[args.mode]
    if args.soak_s is not None:
        mode = replace(mode, soak_s=args.soak_s)
    sys.path.insert(0, str(ROOT))
    scratch = scratch_profile()
    started = time.monotonic()
    fuzzer = start_fuzzer(mode)

    import asyncio

    import qasync
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from ibkr_desktop.app import log
    from ibkr_desktop.app.settings import APPLICATION, ORGANISATION

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      str(scratch / "settings"))
    log_path = log.setup_logging(console=False)
    qapp = QApplication.instance() or QApplication(sys.argv[:1])
    qapp.setOrganizationName(ORGANISATION)
    qapp.setApplicationName(APPLICATION)
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    with loop:
        figures = loop.run_until_complete(run_app(mode, scratch))
    figures.update(fuzz_result(fuzzer))
    figures["account_ids_in_log"] = log_leaks(log_path.parent, [ACCOUNT])
    figures.update({"mode": args.mode, "run_s": round(time.monotonic() - started, 1),
                    "load_average": os.getloadavg()[0], "scratch": str(scratch)})
    ok = (figures["lost_fills"] == 0 and figures["duplicate_orders"] == 0
          and figures["unhandled_exceptions"] == 0 and figures["frames_dropped"] == 0
          and figures["recoveries"] == figures["faults"] and not figures["fuzz_failures"]
          and figures["account_ids_in_log"] == 0)
    figures["ok"] = ok
    for key, value in figures.items():
        if key != "fault_records" or not args.json:
            print(f"{key}: {value}", flush=True)
    if args.json:
        print(json.dumps(figures), flush=True)
    if ok:
        shutil.rmtree(scratch, ignore_errors=True)
    else:
        print(f"profile, logs and account file kept in {scratch}", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

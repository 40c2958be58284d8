"""Run the client benchmarks and print a table (and, with --json, one JSON object last).

    python tests/benchmarks/run.py                 # everything (about a minute)
    python tests/benchmarks/run.py --only stream   # one group: stream|pacer|watchlist|startup|chart
    python tests/benchmarks/run.py --json          # table, then the figures as JSON

Targets (issue 3): stream ingest >= 10x ibind and >= 70% of the raw websockets+json ceiling;
p99 <= 5 ms at 5,000 frames/s; pacer >= 9.5 req/s, never more than 10 in any 1-s window,
an order out within 150 ms with 100 background GETs queued. Issue 4: 500 watchlist rows at
20,000 updates/s keep the window responsive with at most ~30 repaints/s. Issue 12: first quotes
within 1.5 s of launch, from the venv and from the bundle (dist/, when built). Issue 10 (chart):
panning 1M bars >= 120 frames/s zoomed in and fully out; 5 live charts at 1,000 ticks/s each
>= 30 redraws/s per chart at <= 50% CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import bench_pacer  # noqa: E402
import bench_startup  # noqa: E402
import bench_stream  # noqa: E402
import PySide6  # noqa: E402,F401  -- before qasync, so it binds PySide6
import qasync  # noqa: E402
from PySide6.QtCore import QCoreApplication  # noqa: E402


def in_own_process(script: str, timeout: float) -> Callable[..., dict[str, float]]:
    """A group that runs ``script`` in its own process (it needs a widget QApplication).

    The script takes the seconds to run as its argument and prints one JSON object last.
    """

    def run(loop: object = None, *, quick: bool = False) -> dict[str, float]:
        result = subprocess.run(
            [sys.executable, str(Path(__file__).with_name(script)), "2" if quick else "5"],
            cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=True)
        figures: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
        return figures

    return run


GROUPS: dict[str, Callable[..., dict[str, float]]] = {
    "stream": bench_stream.run,
    "pacer": bench_pacer.run,
    "watchlist": in_own_process("bench_watchlist.py", 120),
    "startup": bench_startup.run,
    "chart": in_own_process("bench_chart.py", 180),
}

# key -> (label, unit, target text, check)
ROWS: dict[str, tuple[str, str, str, Callable[[dict[str, float]], bool | None]]] = {
    "stream.ours_fps": ("ingest: our StreamWorker -> Qt signal", "frames/s", "", lambda r: None),
    "stream.raw_fps": ("ingest: raw websockets + json (ceiling)", "frames/s", "", lambda r: None),
    "stream.ibind_fps": ("ingest: ibind IbkrWsClient, sync sink", "frames/s", "",
                         lambda r: None),
    "stream.ibind_default_fps": ("ingest: ibind IbkrWsClient, default sink", "frames/s", "",
                                 lambda r: None),
    "stream.ours_vs_raw": ("ingest: ours / raw", "ratio", ">= 0.70",
                           lambda r: r["stream.ours_vs_raw"] >= 0.7),
    "stream.ours_vs_ibind": ("ingest: ours / ibind (sync sink)", "x", ">= 10",
                             lambda r: r["stream.ours_vs_ibind"] >= 10),
    "stream.ours_vs_ibind_default": ("ingest: ours / ibind (default sink)", "x", "",
                                     lambda r: None),
    "stream.ours_p50_ms": ("latency p50 at 5,000 frames/s", "ms", "", lambda r: None),
    "stream.ours_p99_ms": ("latency p99 at 5,000 frames/s", "ms", "<= 5",
                           lambda r: r["stream.ours_p99_ms"] <= 5),
    "pacer.rps": ("pacer: sustained requests/s", "req/s", ">= 9.5",
                  lambda r: r["pacer.rps"] >= 9.5),
    "pacer.max_in_window": ("pacer: most requests in any 1 s", "requests", "<= 10",
                            lambda r: r["pacer.max_in_window"] <= 10),
    "pacer.order_wait_ms": ("pacer: order wait, 100 GETs queued (median)", "ms", "<= 150",
                            lambda r: r["pacer.order_wait_ms"] <= 150),
    "pacer.order_wait_max_ms": ("pacer: order wait, worst of the rounds", "ms", "",
                                lambda r: None),
    "watchlist.updates_per_s": ("watchlist: 500 rows, updates applied", "updates/s", "20,000",
                                lambda r: None),
    "watchlist.apply_cpu_pct": ("watchlist: GUI thread spent applying", "%", "",
                                lambda r: None),
    "watchlist.repaints_per_s": ("watchlist: repaints", "per s", "<= 31",
                                 lambda r: r["watchlist.repaints_per_s"] <= 31),
    "watchlist.input_lag_p50_ms": ("watchlist: input lag p50", "ms", "", lambda r: None),
    "watchlist.input_lag_p99_ms": ("watchlist: input lag p99", "ms", "<= 50",
                                   lambda r: r["watchlist.input_lag_p99_ms"] <= 50),
    "startup.load_1m": ("startup: load average before (quiet < 1.5)", "", "", lambda r: None),
    "startup.first_quote_s": ("startup: first quote, venv (median of 5)", "s", "<= 1.5",
                              lambda r: r["startup.first_quote_s"] <= 1.5),
    "startup.worst_s": ("startup: first quote, venv (worst)", "s", "", lambda r: None),
    "startup.bundle_first_quote_s": ("startup: first quote, bundle (median of 5)", "s",
                                     "<= 1.5", lambda r: r["startup.bundle_first_quote_s"] <= 1.5),
    "startup.bundle_worst_s": ("startup: first quote, bundle (worst)", "s", "",
                               lambda r: None),
    "chart.pan_fps": ("chart: pan 1M bars, 300 visible", "frames/s", ">= 120",
                      lambda r: r["chart.pan_fps"] >= 120),
    "chart.pan_out_fps": ("chart: pan 1M bars, all visible", "frames/s", ">= 120",
                          lambda r: r["chart.pan_out_fps"] >= 120),
    "chart.pan_cpu_ms": ("chart: pan zoomed in, CPU per frame", "ms", "", lambda r: None),
    "chart.pan_out_cpu_ms": ("chart: pan zoomed out, CPU per frame", "ms", "", lambda r: None),
    "chart.live_fps": ("chart: 5 live charts, redraws per chart", "per s", ">= 30",
                       lambda r: r["chart.live_fps"] >= 30),
    "chart.live_paints_per_s": ("chart: 5 live charts, paints per chart", "per s", "",
                                lambda r: None),
    "chart.live_cpu_pct": ("chart: 5 live charts, CPU (one core = 100)", "%", "<= 50",
                           lambda r: r["chart.live_cpu_pct"] <= 50),
}


def add_ratios(results: dict[str, float]) -> None:
    """Derived ingest ratios (ours against the ceiling and against ibind)."""
    if "stream.ours_fps" in results:
        ours = results["stream.ours_fps"]
        results["stream.ours_vs_raw"] = ours / results["stream.raw_fps"]
        results["stream.ours_vs_ibind"] = ours / results["stream.ibind_fps"]
        results["stream.ours_vs_ibind_default"] = ours / results["stream.ibind_default_fps"]


def table(results: dict[str, float]) -> str:
    """The figures as an aligned text table with a target/verdict column."""
    lines = [f"{'benchmark':46} {'value':>12} {'unit':9} {'target':26} ok"]
    lines.append("-" * len(lines[0]))
    for key, (label, unit, target, check) in ROWS.items():
        if key not in results:
            continue
        value = results[key]
        text = f"{value:,.0f}" if value >= 100 else f"{value:.2f}"
        try:
            verdict = check(results)
        except KeyError:
            verdict = None
        mark = "" if verdict is None else ("yes" if verdict else "NO")
        lines.append(f"{label:46} {text:>12} {unit:9} {target:26} {mark}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=sorted(GROUPS), help="run one group")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON last")
    parser.add_argument("--quick", action="store_true", help="smaller runs (smoke test)")
    args = parser.parse_args()
    app = QCoreApplication.instance() or QCoreApplication([])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    results: dict[str, float] = {}
    try:
        for name, run in GROUPS.items():
            if args.only in (None, name):
                results.update(run(loop, quick=args.quick))
    finally:
        loop.close()
    add_ratios(results)
    print(table(results))
    if args.json:
        print(json.dumps({k: round(v, 3) for k, v in results.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Start-up: seconds from launching the app to the first quote on screen, from the venv
(``python -m ibkr_desktop``) and, when it has been built (``packaging/build_linux.sh``), from
the bundle (``dist/ibkr-desktop/ibkr-desktop``).

Each run is a fresh process with an empty profile, starting the embedded demo gateway, exactly
as a new user's double-click does; the app's ``--smoke`` mode reports when the first quote
batch reached the watchlist, counted from the process launch (the kernel's start time, so the
interpreter's or the bootloader's start counts). Target (issue 12): within 1.5 s, both. Measure
on a quiet machine: ``startup.load_1m`` is the 1-minute load average before the runs (> 1.5:
other work shares the cores and the figures are not the app's).
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "dist" / "ibkr-desktop" / "ibkr-desktop"
_SMOKE = re.compile(r"SMOKE OK quote_batches=\d+ first_quote=([\d.]+)s")


def first_quote_seconds(command: Sequence[str]) -> float:
    """Launch the app once and return when its first quote arrived (from process launch)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    with tempfile.TemporaryDirectory() as scratch:
        env.update(XDG_DATA_HOME=f"{scratch}/data", XDG_STATE_HOME=f"{scratch}/state")
        result = subprocess.run(
            [*command, "--smoke", "3", "--profile-dir", f"{scratch}/profile"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    match = _SMOKE.search(result.stdout)
    if not match:
        raise RuntimeError(f"app did not report a first quote:\n{result.stdout}{result.stderr}")
    return float(match.group(1))


def _figures(prefix: str, command: Sequence[str], runs: int) -> dict[str, float]:
    times = [first_quote_seconds(command) for _ in range(runs)]
    return {f"{prefix}first_quote_s": statistics.median(times), f"{prefix}worst_s": max(times)}


def run(loop: object = None, *, quick: bool = False) -> dict[str, float]:
    """Median and worst first-quote time over 5 launches (quick: 2), venv then bundle."""
    runs = 2 if quick else 5
    figures = {"startup.load_1m": os.getloadavg()[0]}
    figures |= _figures("startup.", [sys.executable, "-m", "ibkr_desktop"], runs)
    if BUNDLE.exists():
        figures |= _figures("startup.bundle_", [str(BUNDLE)], runs)
    return figures

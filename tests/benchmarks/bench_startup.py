"""Start-up: seconds from launching ``python -m ibkr_desktop`` to the first quote on screen.

Each run is a fresh process with an empty profile, starting the embedded demo gateway, exactly
as a new user's double-click does; the app's ``--smoke`` mode reports when the first quote
batch reached the watchlist. Target (issue 4): within 2 s.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_SMOKE = re.compile(r"SMOKE OK quote_batches=\d+ first_quote=([\d.]+)s")


def first_quote_seconds() -> float:
    """Launch the app once and return when its first quote arrived (from process start)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [sys.executable, "-m", "ibkr_desktop", "--smoke", "3", "--profile-dir", profile],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    match = _SMOKE.search(result.stdout)
    if not match:
        raise RuntimeError(f"app did not report a first quote:\n{result.stdout}{result.stderr}")
    return float(match.group(1))


def run(loop: object = None, *, quick: bool = False) -> dict[str, float]:
    """Median and worst first-quote time over a few launches."""
    times = [first_quote_seconds() for _ in range(2 if quick else 3)]
    return {"startup.first_quote_s": statistics.median(times), "startup.worst_s": max(times)}

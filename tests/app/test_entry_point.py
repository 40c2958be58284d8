"""`python -m ibkr_desktop --smoke`: the real start-up path, as the packaging tests run it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_smoke_run_starts_the_demo_gateway_and_shows_quotes(tmp_path: Path) -> None:
    """The app starts its demo gateway, receives quotes, and quits cleanly.

    The 2-second start-up target is measured by `tests/benchmarks/run.py --only startup`, not
    asserted here: a loaded CI machine must not turn a timing into a red test.
    """
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-m", "ibkr_desktop", "--smoke", "6", "--profile-dir",
         str(tmp_path / "profile")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    match = re.search(r"SMOKE OK quote_batches=(\d+) first_quote=([\d.]+)s errors=0",
                      result.stdout)
    assert match, result.stdout + result.stderr
    assert int(match.group(1)) > 0
    assert float(match.group(2)) < 6.0
    assert "Traceback" not in result.stderr
    assert (tmp_path / "profile" / "ibkr-desktop" / "ibkr-desktop.ini").exists()

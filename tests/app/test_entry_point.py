"""`python -m ibkr_desktop --smoke`: the real start-up path, as the packaging tests run it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

HEAVY = ("pyqtgraph", "numpy", "openpyxl", "aiohttp", "cryptography",
         "ibkr_desktop.demo_gateway", "ibkr_desktop.widgets.chart.chart_window")
"""Modules the first window does without: charts (pyqtgraph, numpy, the chart window), the
Excel export (openpyxl) and, with a real gateway, the demo gateway's server (aiohttp,
cryptography)."""

_LOADED = """
import json, sys
from ibkr_desktop.app.main import main
code = main(sys.argv[1:])
print("LOADED " + json.dumps([m for m in json.loads(%r) if m in sys.modules]))
"""


def run_app(tmp_path: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run the app's real entry point offscreen with a scratch profile."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT),
               XDG_DATA_HOME=str(tmp_path / "data"), XDG_STATE_HOME=str(tmp_path / "state"))
    return subprocess.run([sys.executable, *args, "--profile-dir", str(tmp_path / "profile")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def loaded_heavy_modules(tmp_path: Path, *args: str) -> list[str]:
    """Which of HEAVY the app had imported when its window closed after ``--smoke``."""
    result = run_app(tmp_path, "-c", _LOADED % json.dumps(HEAVY), *args)
    match = re.search(r"^LOADED (.*)$", result.stdout, re.MULTILINE)
    assert match, result.stdout + result.stderr
    return list(json.loads(match.group(1)))


def test_smoke_run_starts_the_demo_gateway_and_shows_quotes(tmp_path: Path) -> None:
    """The app starts its demo gateway, receives quotes, and quits cleanly.

    The 1.5-second start-up target is measured by `tests/benchmarks/run.py --only startup`, not
    asserted here: a loaded CI machine must not turn a timing into a red test.
    """
    result = run_app(tmp_path, "-m", "ibkr_desktop", "--smoke", "6")
    assert result.returncode == 0, result.stdout + result.stderr
    match = re.search(r"SMOKE OK quote_batches=(\d+) first_quote=([\d.]+)s errors=0",
                      result.stdout)
    assert match, result.stdout + result.stderr
    assert int(match.group(1)) > 0
    assert float(match.group(2)) < 6.0
    assert "Traceback" not in result.stderr
    assert (tmp_path / "profile" / "ibkr-desktop" / "ibkr-desktop.ini").exists()


def test_demo_start_imports_the_gateway_but_no_chart_or_export_code(tmp_path: Path) -> None:
    """With the demo gateway: its server is loaded (aiohttp), no chart or export code is."""
    loaded = loaded_heavy_modules(tmp_path, "--demo", "--smoke", "2")
    assert "aiohttp" in loaded and "ibkr_desktop.demo_gateway" in loaded
    assert not {"pyqtgraph", "numpy", "ibkr_desktop.widgets.chart.chart_window",
                "openpyxl"} & set(loaded)


def test_real_gateway_start_imports_none_of_the_demo_gateway(tmp_path: Path) -> None:
    """With a real gateway (here one that does not answer) the first window, its connection
    attempts and the quit load none of HEAVY."""
    loaded = loaded_heavy_modules(tmp_path, "--gateway", "https://127.0.0.1:9", "--smoke", "1")
    assert loaded == []

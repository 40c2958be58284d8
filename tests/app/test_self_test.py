"""``ibkr-desktop --self-test``: passes on the demo as shipped; a failing step is named and
its number is the exit code."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ibkr_desktop.app.self_test import SelfTest, verdict
from ibkr_desktop.protocol.limits import Limits, OnBreach
from tests.app.conftest import running_app
from tests.helpers import wait_until


def test_self_test_passes_as_a_user_would_run_it(tmp_path) -> None:
    """The installed entry point, in its own process: nine ok lines, exit 0."""
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}  # it sets offscreen
    done = subprocess.run([sys.executable, "-m", "ibkr_desktop", "--self-test"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=240, check=False)
    output = (done.stdout + done.stderr).splitlines()
    lines = [line for line in output if line.startswith("[")]
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert output == [*lines, "SELF-TEST OK (9 steps)"]  # no Qt plugin noise, no log lines
    assert done.stderr == ""
    assert [line.split(":")[0] for line in lines] == [
        "[1/9] quotes", "[2/9] open ticket", "[3/9] limit order", "[4/9] orders panel",
        "[5/9] modify", "[6/9] cancel", "[7/9] market order", "[8/9] fill", "[9/9] chart"]
    assert all(": ok — " in line for line in lines)
    assert "questions o163" in lines[2]  # IBKR's question was answered through the dialog
    assert "cancelled" in lines[5] and "Order filled" in lines[7]
    assert "newest bar O " in lines[8]  # the chart drew history; live trades or quotes came


def test_the_verdict_names_the_failed_step_or_the_errors_and_the_kept_profile() -> None:
    """The last line: OK with the step count, or FAILED with the step / error count and where
    the scratch profile and log were kept."""
    assert verdict(0, 9, 0, "/tmp/p") == "SELF-TEST OK (9 steps)"
    assert verdict(3, 9, 0, "/tmp/p") == (
        "SELF-TEST FAILED: at step 3; profile and log kept in /tmp/p")
    assert verdict(10, 9, 2, "/tmp/p") == (
        "SELF-TEST FAILED: 2 error(s) reported; profile and log kept in /tmp/p")


@pytest.mark.qt_log_ignore("does not support raise")  # the offscreen platform cannot raise
async def test_a_failing_step_is_named_and_is_the_exit_code(qapp) -> None:
    """Own limits that block every order: step 3 fails, says why, and the run stops there."""
    async with running_app(qapp) as app:
        await wait_until(lambda: app.account.account, 8)
        assert app.broker is not None
        app.broker.orders.limits = Limits(max_quantity=0.5, on_breach=OnBreach.BLOCK)
        lines: list[str] = []
        code = await SelfTest(app, lines.append, timeout_s=20).run()
        assert code == 3
        assert [line.split(":")[0] for line in lines] == [
            "[1/9] quotes", "[2/9] open ticket", "[3/9] limit order"]
        assert lines[-1].startswith("[3/9] limit order: FAILED (the ticket says: Not sent")
        assert app.orders.rowCount() == 0  # nothing reached the gateway

"""``ibkr-desktop-gateway``: bad option values end in one usage line (never a traceback), and
two gateways on one ``--account-file`` are refused (they would overwrite each other's fills)."""

from __future__ import annotations

import os
import pathlib
import signal
import subprocess
import sys

import pytest

from ibkr_desktop.demo_gateway.cli import main
from ibkr_desktop.demo_gateway.persistence import AccountFileLock

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("option", "value", "words"), [
    ("--port", "99999", "--port: 99999 is out of range: a port must be at least 0 and at most "
                        "65535"),
    ("--port", "-1", "--port: -1 is out of range"),
    ("--port", "http", "--port: not a number: 'http'"),
    ("--speed", "nan", "--speed: nan is out of range: the value must be more than 0"),
    ("--speed", "inf", "--speed: inf is out of range"),
    ("--speed", "0", "--speed: 0 is out of range"),
    ("--heartbeat", "nan", "--heartbeat: nan is out of range"),
    ("--market-step", "0", "--market-step: 0 is out of range"),
    ("--symbols", "100000000", "--symbols: 100000000 is out of range"),
    ("--start-ms", "99999999999999999", "--start-ms: 99999999999999999 is out of range: the "
                                        "time (until 2100)"),
    ("--seed", "x", "--seed: invalid int value: 'x'"),
])
def test_a_bad_value_is_a_usage_error(capsys, option: str, value: str, words: str) -> None:  # type: ignore[no-untyped-def]
    """Exit status 2 and argparse's one-line message naming the option and the range."""
    with pytest.raises(SystemExit) as exited:
        main([option, value, "--no-tls"])
    err = capsys.readouterr().err
    assert exited.value.code == 2
    assert f"ibkr-desktop-gateway: error: argument {words}" in err
    assert "Traceback" not in err


def test_a_malformed_host_is_reported_not_raised(capsys) -> None:  # type: ignore[no-untyped-def]
    """A host name the resolver cannot even encode: exit 1 and a line, no traceback."""
    assert main(["--host", "bad..host", "--port", "0", "--no-tls"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("ibkr-desktop-gateway: cannot listen on bad..host:0: ")
    assert "Traceback" not in err


def _gateway(account: pathlib.Path) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen(
        [sys.executable, "-m", "ibkr_desktop.demo_gateway.cli", "--port", "0", "--no-tls",
         "--account-file", str(account)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env)


def test_a_second_gateway_on_one_account_file_is_refused(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """While one gateway keeps the account file, a second exits 1 naming the file and the
    first's pid; once the first has stopped, the file is free again."""
    account = tmp_path / "demo-account.json"
    first = _gateway(account)
    try:
        assert first.stdout is not None
        assert "listening on" in first.stdout.readline()
        assert main(["--port", "0", "--no-tls", "--account-file", str(account)]) == 1
        err = capsys.readouterr().err
        assert f"the demo account file {account} is in use by process {first.pid}" in err
        assert err.startswith("ibkr-desktop-gateway: not started: ")
        first.send_signal(signal.SIGINT)
        first.communicate(timeout=20)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    lock = AccountFileLock(account)
    lock.acquire()  # free again (a clean stop)
    lock.release()


def test_a_killed_gateway_leaves_no_stale_lock(tmp_path) -> None:
    """The operating system drops the lock with its process: after a SIGKILL the next
    gateway takes the file."""
    account = tmp_path / "demo-account.json"
    first = _gateway(account)
    try:
        assert first.stdout is not None
        assert "listening on" in first.stdout.readline()
    finally:
        first.kill()
        first.communicate(timeout=20)
    assert (tmp_path / "demo-account.json.lock").read_text().strip() == str(first.pid)
    lock = AccountFileLock(account)
    lock.acquire()
    assert lock.locked
    lock.release()

"""One running copy per profile: a second ``ibkr-desktop`` on the same profile brings the first
one's window to the front and exits, instead of running a second demo gateway on the same
demo account (which lost fills and reused order ids); a dead copy's lock is taken over."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

from ibkr_desktop.app.single_instance import LOCK_FILE, SingleInstance

ROOT = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path) -> dict[str, str]:
    return dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT),
                XDG_DATA_HOME=str(tmp_path / "data"), XDG_STATE_HOME=str(tmp_path / "state"),
                XDG_CACHE_HOME=str(tmp_path / "cache"))


def _command(tmp_path: Path) -> list[str]:
    return [sys.executable, "-m", "ibkr_desktop", "--demo", "--profile-dir",
            str(tmp_path / "profile")]


def _lines(stream: object) -> queue.Queue[str]:
    """The stream's lines as they come (read on a thread, so waiting on one can time out)."""
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in stream:  # type: ignore[attr-defined]
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def _wait_for(lines: queue.Queue[str], words: str, timeout: float = 60) -> None:
    seen = []
    while words not in (line := lines.get(timeout=timeout)):
        seen.append(line)
    assert words in line, "".join(seen)


def test_a_second_start_raises_the_first_window_and_exits(tmp_path: Path) -> None:
    """The second process exits 0 with the line naming the first's pid; the first is asked
    for its window (its log says so) and keeps running."""
    with subprocess.Popen(_command(tmp_path), cwd=ROOT, env=_env(tmp_path),
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) as first:
        try:
            log = _lines(first.stderr)
            _wait_for(log, "starting (demo gateway)")
            second = subprocess.run(_command(tmp_path), cwd=ROOT, env=_env(tmp_path),
                                    capture_output=True, text=True, timeout=60, check=False)
            assert second.returncode == 0, second.stderr
            assert second.stderr.splitlines() == [
                f"ibkr-desktop is already running (pid {first.pid}); its window was brought to "
                f"front"]
            _wait_for(log, "a second start asked for the window; bringing it to front")
            assert first.poll() is None
            first.send_signal(signal.SIGINT)
            assert first.wait(timeout=60) == 0
        finally:
            if first.poll() is None:
                first.kill()
    assert SingleInstance(tmp_path / "data" / "ibkr-desktop").acquire()  # released at exit


_DIE_HOLDING = """
import os, sys
from PySide6.QtCore import QLockFile
lock = QLockFile(sys.argv[1])
assert lock.tryLock(0)
os._exit(0)
"""


def test_a_dead_copys_lock_is_taken_over(tmp_path: Path) -> None:
    """A copy that died without unlocking (its pid no longer runs) does not block the next."""
    dead = subprocess.run([sys.executable, "-c", _DIE_HOLDING, str(tmp_path / LOCK_FILE)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert dead.returncode == 0, dead.stderr
    assert (tmp_path / LOCK_FILE).exists()
    instance = SingleInstance(tmp_path)
    assert instance.acquire()
    assert not SingleInstance(tmp_path).acquire()  # and now it is held
    instance.release()


def test_a_holder_that_does_not_answer_is_named_and_the_start_fails(tmp_path: Path) -> None:
    """The profile is held by a live process that never answers (here: this test, without
    a server): the second start says so, names the pid, exits 1 and starts nothing."""
    holder = SingleInstance(tmp_path / "data" / "ibkr-desktop")
    assert holder.acquire()
    try:
        second = subprocess.run(_command(tmp_path), cwd=ROOT, env=_env(tmp_path),
                                capture_output=True, text=True, timeout=60, check=False)
    finally:
        holder.release()
    assert second.returncode == 1, second.stderr
    assert second.stderr.splitlines() == [
        f"ibkr-desktop is already running (pid {os.getpid()}) but did not answer; close that "
        f"copy (or end the process) and start again"]
    assert not (tmp_path / "state").exists()  # no log: nothing started

"""The demo gateway as its own process (``ibkr-desktop-gateway``), so the run can kill it and
start it again on the same port, with the same account file (orders and fills persist)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from typing import Any

import requests

START_TIMEOUT_S = 60.0
"""Upper bound for the gateway to print its address (imports on a loaded machine)."""


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class GatewayProcess:
    """Start, ask (``/demo/admin/fault``), kill and restart one gateway process.

    Args:
        options: extra command-line options of ``ibkr-desktop-gateway`` (``--symbols 200``...).
        account_file: the paper account's file (kept across restarts).
    """

    def __init__(self, options: list[str], account_file: str) -> None:
        self.port = free_port()
        self.options = options
        self.account_file = account_file
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[str] | None = None
        self.starts = 0

    def start(self) -> None:
        """Launch the process; return once it listens (blocking).

        Raises:
            RuntimeError: it exited or printed nothing within :data:`START_TIMEOUT_S`.
        """
        command = [sys.executable, "-m", "ibkr_desktop.demo_gateway.cli", "--no-tls",
                   "--port", str(self.port), "--account-file", self.account_file,
                   *self.options]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True,
                                        env={**os.environ, "PYTHONUNBUFFERED": "1"})
        assert self.process.stdout is not None
        line = self.process.stdout.readline()  # the first line names the address
        if "listening on" not in line:
            self.process.kill()
            raise RuntimeError(f"the demo gateway did not start: {line!r}")
        self.starts += 1

    def kill(self) -> None:
        """SIGKILL: no goodbye to any client, no last save (the account file is saved every
        second while it runs)."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
            self.process = None

    def stop(self) -> None:
        """Stop it politely (SIGTERM), or kill it."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()
        self.process = None

    def admin(self, action: str, **body: Any) -> dict[str, Any]:
        """One ``POST /demo/admin/fault`` action (blocking); its JSON answer."""
        answer = requests.post(f"{self.base_url}/demo/admin/fault",
                               json={"action": action, **body}, timeout=30)
        answer.raise_for_status()
        result: dict[str, Any] = answer.json()
        return result

    async def ask(self, action: str, **body: Any) -> dict[str, Any]:
        """:meth:`admin` off the event loop (the app keeps running meanwhile)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, lambda: self.admin(action, **body))

    async def restart(self) -> None:
        """Kill it and start it again on the same port (off the event loop)."""
        self.kill()
        await asyncio.get_running_loop().run_in_executor(None, self.start)

"""Running the gateway: ThreadedGateway, TLS with its self-signed certificate, and the CLI."""

from __future__ import annotations

import os
import pathlib
import signal
import socket
import ssl
import subprocess
import sys
import threading

import aiohttp
import pytest
import requests
from cryptography import x509

from ibkr_desktop.demo_gateway.cli import main, parse_args
from ibkr_desktop.demo_gateway.server import DemoGateway, GatewayConfig, ThreadedGateway

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_threaded_gateway_serves_sync_clients(threaded_gateway) -> None:  # type: ignore[no-untyped-def]
    """requests can talk to a ThreadedGateway; call() runs code on the gateway thread."""
    response = requests.post(threaded_gateway.api_url + "/tickle", timeout=5)
    assert response.status_code == 200 and len(response.json()["session"]) == 32
    assert threaded_gateway.call(lambda: threading.current_thread().name) == "demo-gateway"
    threaded_gateway.call(threaded_gateway.market.set_price, 8314, 150.0)
    assert threaded_gateway.call(threaded_gateway.market.quote, 8314).last == 150.0
    assert threaded_gateway.ws_url.startswith("ws://127.0.0.1:")


def test_threaded_gateway_runs_coroutines_and_restarts(threaded_gateway) -> None:  # type: ignore[no-untyped-def]
    """call() awaits coroutine results (here a restart on the same port)."""
    port = threaded_gateway.port
    threaded_gateway.call(threaded_gateway.faults.restart)
    assert threaded_gateway.port == port
    assert requests.get(threaded_gateway.api_url + "/iserver/auth/status", timeout=5).ok


def test_threaded_gateway_reports_a_taken_port() -> None:
    """start() re-raises the bind error of a port already in use."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        gateway = ThreadedGateway(GatewayConfig(port=taken.getsockname()[1]))
        with pytest.raises(OSError):
            gateway.start()
        gateway.stop()


async def test_tls_serves_a_verifiable_self_signed_certificate(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """TLS mode serves HTTPS/WSS with an EC cert for localhost and 127.0.0.1 that can be pinned."""
    gw = DemoGateway(GatewayConfig(tls=True, pacing=False))
    await gw.start()
    try:
        assert gw.base_url.startswith("https://") and gw.ws_url.startswith("wss://")
        assert gw.certificate_pem is not None
        cert = x509.load_pem_x509_certificate(gw.certificate_pem.encode())
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert "localhost" in names.get_values_for_type(x509.DNSName)
        assert [str(ip) for ip in names.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
        context = ssl.create_default_context(cadata=gw.certificate_pem)
        async with aiohttp.ClientSession() as http:
            async with http.post(gw.api_url + "/tickle", ssl=context) as response:
                session = (await response.json())["session"]
            async with http.ws_connect(gw.ws_url, ssl=context,
                                       headers={"Cookie": f"api={session}"}) as ws:
                assert (await ws.receive_json(timeout=3))["topic"] == "system"
    finally:
        await gw.stop()


def test_cli_arguments() -> None:
    """CLI defaults mirror the real gateway (TLS on port 5000); --speed must be positive."""
    args = parse_args([])
    assert (args.port, args.no_tls, args.seed, args.speed) == (5000, False, 7, 1.0)
    args = parse_args(["--host", "0.0.0.0", "--port", "0", "--no-tls", "--speed", "30",
                       "--no-pacing", "--verbose", "--seed", "3"])
    assert (args.host, args.no_pacing, args.verbose, args.seed) == ("0.0.0.0", True, True, 3)
    with pytest.raises(SystemExit):
        parse_args(["--speed", "0"])


def test_cli_port_in_use_exits_with_error(capsys) -> None:  # type: ignore[no-untyped-def]
    """A taken port is reported on stderr with exit status 1."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        status = main(["--port", str(taken.getsockname()[1]), "--no-tls"])
    assert status == 1 and "cannot listen" in capsys.readouterr().err


def test_cli_prints_url_and_stops_on_ctrl_c() -> None:
    """The console script prints its URL, serves requests and exits 0 on SIGINT."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    process = subprocess.Popen(
        [sys.executable, "-m", "ibkr_desktop.demo_gateway.cli", "--port", "0", "--no-tls"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "listening on http://127.0.0.1:" in line
        url = line.split("listening on ", 1)[1].strip()
        assert requests.post(url + "/tickle", timeout=5).status_code == 200
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert "stopped" in out

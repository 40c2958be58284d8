"""``ibkr-desktop-gateway``: run the demo gateway from a terminal.

It listens like the real Client Portal Gateway (HTTPS on port 5000 by default), prints the URL
to point a client at, and stops cleanly on Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import math
import signal
import sys
from collections.abc import Callable, Sequence

from .market import MARKET_HOURS
from .persistence import AccountFileInUse, AccountFileLock
from .server import DemoGateway, GatewayConfig

_LATEST_START_MS = 4_102_444_800_000
"""2100-01-01 UTC: a later simulated start (run fast) overflows the calendar's year range."""


def _bounded(kind: Callable[[str], float], low: float, high: float, *, above: bool = False,
             what: str = "the value") -> Callable[[str], float]:
    """An argparse ``type``: ``kind(text)`` (int or float) that is finite and within
    [low, high] (``above``: strictly above low); argparse prints the clean usage error for a
    ValueError/ArgumentTypeError instead of a traceback."""

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not math.isfinite(value) or value < low or value > high or (above and value == low):
            floor = "more than" if above else "at least"
            raise argparse.ArgumentTypeError(f"{text} is out of range: {what} must be {floor} "
                                             f"{low:.15g} and at most {high:.15g}")
        return value

    parse.__name__ = kind.__name__  # argparse names the type in its message
    return parse


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        prog="ibkr-desktop-gateway",
        description="A local simulator of the IBKR Client Portal Gateway (paper demo account).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=_bounded(int, 0, 65535, what="a port"), default=5000,
                        help="port (default 5000; 0 = any)")
    parser.add_argument("--seed", type=int, default=7, help="market simulation seed")
    parser.add_argument("--no-tls", action="store_true", help="serve plain HTTP/WS")
    parser.add_argument("--speed", type=_bounded(float, 0, 10_000, above=True), default=1.0,
                        help="simulated seconds per real second (default 1)")
    parser.add_argument("--no-pacing", action="store_true", help="never answer 429")
    parser.add_argument("--pacing", choices=("tolerant", "strict"), default="tolerant",
                        help="tolerant (default): short bursts over IBKR's documented rates "
                             "pass, sustained excess gets 429; strict: every window exactly")
    parser.add_argument("--market-hours", choices=MARKET_HOURS, default="us",
                        help="us (default): orders trade in US regular hours, as at IBKR "
                             "(otherwise they wait PreSubmitted); always: the simulated market "
                             "is open around the clock")
    parser.add_argument("--account-file", metavar="PATH", default=None,
                        help="keep the paper account (cash, positions, orders, fills) in this "
                             "JSON file across restarts (default: memory only)")
    parser.add_argument("--symbols", type=_bounded(int, 0, 20_000), default=0, metavar="N",
                        help="serve at least N instruments: made-up SYN001... fill up the "
                             "built-in list (load tests; default: the built-in list)")
    parser.add_argument("--market-step", type=_bounded(float, 0, 60, above=True), default=None,
                        metavar="SECONDS",
                        help="real seconds between market steps (default: 0.05-0.3 by speed); "
                             "with --speed it sets the quote rate")
    parser.add_argument("--heartbeat", type=_bounded(float, 0, 3600, above=True), default=10.0,
                        metavar="SECONDS",
                        help="seconds between the stream's heartbeat frames (default 10)")
    parser.add_argument("--start-ms", type=_bounded(int, 0, _LATEST_START_MS,
                                                     what="the time (until 2100)"),
                        default=None, metavar="EPOCH_MS",
                        help="simulated start time (default: now)")
    parser.add_argument("--verbose", action="store_true", help="log one line per request")
    return parser.parse_args(argv)


async def serve(config: GatewayConfig) -> None:
    """Run a gateway until SIGINT/SIGTERM (or cancellation)."""
    gateway = DemoGateway(config)
    await gateway.start()
    print(f"IBKR demo gateway listening on {gateway.api_url}", flush=True)
    print(f"WebSocket: {gateway.ws_url}   (Ctrl-C to stop)", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await gateway.stop()
        print("demo gateway stopped", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Console-script entry point; returns the process exit status."""
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    config = GatewayConfig(
        host=args.host, port=args.port, seed=args.seed, tls=not args.no_tls, speed=args.speed,
        pacing=not args.no_pacing, pacing_mode=args.pacing, verbose=args.verbose,
        market_hours=args.market_hours, account_file=args.account_file, symbols=args.symbols,
        market_step_s=args.market_step, heartbeat_s=args.heartbeat, start_ms=args.start_ms,
    )
    lock = AccountFileLock(args.account_file) if args.account_file else None
    try:
        if lock is not None:
            lock.acquire()
        asyncio.run(serve(config))
    except KeyboardInterrupt:  # Ctrl-C before the signal handler was installed
        return 130
    except AccountFileInUse as exc:
        print(f"ibkr-desktop-gateway: not started: {exc}", file=sys.stderr)
        return 1
    except (OSError, UnicodeError) as exc:  # UnicodeError: a malformed --host name
        what = f"lock {lock.path}" if lock is not None and not lock.locked else \
            f"listen on {args.host}:{args.port}"
        print(f"ibkr-desktop-gateway: cannot {what}: {exc}", file=sys.stderr)
        return 1
    finally:
        if lock is not None:
            lock.release()
    return 0


if __name__ == "__main__":
    sys.exit(main())

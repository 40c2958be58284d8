"""The demo gateway's configuration: one frozen record of every tunable (tests shorten timings).

Read by every part of the gateway; it imports nothing of the gateway itself.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class GatewayConfig:
    """Everything that can be tuned about a demo gateway (tests shorten the timings).

    Attributes beyond the team contract: ``reauth_delay_s`` (reauthenticate completes after
    it), ``penalty_strikes``/``penalty_box_s`` (that many 429s within a minute put the client
    in the penalty box for that long), ``history_latency_s`` (how long a history request is
    "in flight", which is what the 5-concurrent limit counts), ``summary_interval_s`` (``ssd`` /
    ``sld`` push period), ``ws_session_grace_s`` (how long a cookie-less socket may take to
    send ``{"session": ...}`` before it is attached anyway), ``start_ms`` (simulated start
    time; default now), ``pacing_mode`` (``"tolerant"``: IBKR's practice, short bursts over a
    limit pass and only sustained excess gets 429; ``"strict"``: every documented window
    exactly; see :mod:`.pacing_gate`), ``positions_cache_s`` (how long
    ``/portfolio/{acct}/positions`` serves its cached list before it rebuilds it by itself), and
    ``opening_positions`` ((conid, quantity) pairs the first account
    holds from the prior day, so a new user sees live positions and P&L at once),
    ``market_hours`` (``"us"``: orders trade in US regular hours as at IBKR, otherwise they
    wait PreSubmitted; ``"always"``: the simulated market is open around the clock) and
    ``account_file`` (a JSON file keeping the paper accounts, orders and fills across
    restarts; None keeps them in memory only), ``symbols`` (at least this many instruments:
    made-up ones fill up the built-in list, for load tests; 0 = the built-in list) and
    ``market_step_s`` (real seconds between market steps; None = from ``speed``).
    """

    host: str = "127.0.0.1"
    port: int = 0
    seed: int = 7
    tls: bool = False
    speed: float = 1.0
    pacing: bool = True
    pacing_mode: str = "tolerant"
    verbose: bool = False
    username: str = "demo_user"
    accounts: tuple[str, ...] = ("DU1234567",)
    heartbeat_s: float = 10.0
    smd_lifetime_s: float = 900.0
    session_idle_timeout_s: float = 300.0
    require_accounts_query: bool = True
    reauth_delay_s: float = 1.0
    penalty_strikes: int = 20
    penalty_box_s: float = 600.0
    history_latency_s: float = 0.02
    summary_interval_s: float = 10.0
    ws_session_grace_s: float = 0.3
    start_ms: int | None = None
    positions_cache_s: float = 60.0
    market_hours: str = "us"
    account_file: str | None = None
    symbols: int = 0
    market_step_s: float | None = None
    opening_positions: tuple[tuple[int, float], ...] = (
        (265598, 100.0),  # AAPL
        (272093, 50.0),  # MSFT
        (756733, 200.0),  # SPY
        (4815747, 150.0),  # NVDA
        (76792991, -30.0),  # TSLA, short
    )

"""Pacing (§7): sliding windows never exceed their count, per-endpoint limits, next_send_at."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ibkr_desktop.protocol.pacing import (
    ENDPOINT_LIMITS,
    GLOBAL_LIMIT,
    HISTORY_MAX_CONCURRENT,
    Pacer,
    SlidingWindow,
    limit_for,
    normalize_path,
)


def test_sliding_window_counts_and_frees() -> None:
    """A 3-per-second window refuses the 4th event until the 1st one is a second old."""
    window = SlidingWindow(3, 1.0)
    for t in (0.0, 0.1, 0.2):
        assert window.allows(t)
        window.record(t)
    assert not window.allows(0.5)
    assert window.in_window(0.5) == 3
    assert window.next_free(0.5) == pytest.approx(1.0)
    assert window.allows(1.0)
    assert window.in_window(1.0) == 2
    assert window.next_free(1.0) == 1.0


def test_sliding_window_rejects_bad_limits() -> None:
    """A window must allow at least one event in a positive span."""
    with pytest.raises(ValueError):
        SlidingWindow(0, 1.0)
    with pytest.raises(ValueError):
        SlidingWindow(1, 0.0)


@settings(max_examples=150, deadline=None)
@given(
    st.integers(min_value=1, max_value=6),
    st.floats(min_value=0.1, max_value=5.0),
    st.lists(st.floats(min_value=0.0, max_value=2.0), min_size=1, max_size=60),
)
def test_window_never_exceeds_count(count: int, per: float, gaps: list[float]) -> None:
    """Sending at next_free() times never puts more than `count` events in any `per` span."""
    window = SlidingWindow(count, per)
    now, sent = 0.0, []
    for gap in gaps:
        now += gap
        at = window.next_free(now)
        assert at >= now
        assert window.allows(at)
        window.record(at)
        sent.append(at)
        now = at
    for start in sent:
        assert sum(1 for t in sent if start <= t < start + per) <= count


@pytest.mark.parametrize(
    ("method", "path", "count", "per", "key"),
    [
        ("GET", "/iserver/marketdata/snapshot", 10, 1.0, "snapshot"),
        ("GET", "iserver/account/orders", 1, 5.0, "orders"),
        ("GET", "/v1/api/iserver/account/orders?force=true", 1, 5.0, "orders"),
        ("GET", "/iserver/orders", 1, 5.0, "orders"),
        ("GET", "iserver/account/trades/", 1, 5.0, "trades"),
        ("get", "/iserver/account/trades?days=3", 1, 5.0, "trades"),
        ("GET", "/iserver/account/pnl/partitioned", 1, 5.0, "pnl"),
        ("GET", "/portfolio/accounts", 1, 5.0, "portfolio_accounts"),
        ("GET", "/portfolio/subaccounts", 1, 5.0, "portfolio_accounts"),
        ("GET", "/iserver/scanner/params", 1, 900.0, "scanner_params"),
        ("POST", "/iserver/scanner/run", 1, 1.0, "scanner_run"),
        ("POST", "/pa/performance", 1, 900.0, "pa"),
        ("POST", "/pa/transactions", 1, 900.0, "pa"),
        ("GET", "/fyi/unreadnumber", 1, 1.0, "fyi"),
        ("POST", "/fyi/settings/M8", 1, 1.0, "fyi"),
        ("POST", "/tickle", 1, 1.0, "tickle"),
        ("GET", "/tickle", 1, 1.0, "tickle"),
        ("GET", "/sso/validate", 1, 60.0, "sso_validate"),
    ],
)
def test_endpoint_limits(method: str, path: str, count: int, per: float, key: str) -> None:
    """Each §7 endpoint maps to its limit, whatever the prefix, slash or query string."""
    limit = limit_for(method, path)
    assert limit is not None
    assert (limit.count, limit.per, limit.key) == (count, per, key)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/iserver/account/DU1234567/orders"),
        ("POST", "/iserver/reply/abc"),
        ("GET", "/iserver/accounts"),
        ("GET", "/iserver/marketdata/history"),
        ("POST", "/iserver/account/orders"),
        ("GET", "/portfolio/DU1/positions/0"),
    ],
)
def test_unlisted_endpoints_have_only_the_global_limit(method: str, path: str) -> None:
    """Order placement, replies and other calls are limited only globally."""
    assert limit_for(method, path) is None


def test_global_and_history_constants() -> None:
    """Global limit 10/s; 5 concurrent history requests; every key has its own window."""
    assert (GLOBAL_LIMIT.count, GLOBAL_LIMIT.per) == (10, 1.0)
    assert HISTORY_MAX_CONCURRENT == 5
    assert len({lim.key for lim in ENDPOINT_LIMITS}) == len(ENDPOINT_LIMITS)


def test_normalize_path() -> None:
    """Prefixes, slashes, query strings and fragments are stripped."""
    assert normalize_path("/v1/api/iserver/account/trades/?days=1") == "iserver/account/trades"
    assert normalize_path("/v1/portal/sso/validate") == "sso/validate"
    assert normalize_path("tickle") == "tickle"


def test_pacer_orders_once_per_five_seconds() -> None:
    """A second live-orders poll must wait 5 s; other requests are not held up by it."""
    pacer = Pacer()
    assert pacer.next_send_at("GET", "/iserver/account/orders", 100.0) == 100.0
    pacer.record("GET", "/iserver/account/orders", 100.0)
    assert pacer.next_send_at("GET", "/iserver/account/orders", 101.0) == pytest.approx(105.0)
    assert pacer.next_send_at("GET", "/iserver/accounts", 101.0) == 101.0
    assert pacer.next_send_at("GET", "/iserver/account/orders", 105.0) == 105.0


def test_pacer_tickle_once_per_second() -> None:
    """A second tickle within a second is delayed to one second after the first."""
    pacer = Pacer()
    pacer.record("POST", "/tickle", 10.0)
    assert pacer.next_send_at("POST", "/tickle", 10.4) == pytest.approx(11.0)
    assert pacer.next_send_at("GET", "/tickle", 11.0) == 11.0


def test_pacer_global_window() -> None:
    """The 11th request within a second waits for the first to leave the window."""
    pacer = Pacer()
    for i in range(10):
        pacer.record("GET", f"/iserver/contract/{i}/info", 0.05 * i)
    assert pacer.requests_in_window(0.5) == 10
    assert pacer.next_send_at("GET", "/iserver/accounts", 0.5) == pytest.approx(1.0)
    assert pacer.requests_in_window(1.0) == 9


def test_pacer_takes_the_later_of_global_and_endpoint() -> None:
    """When both windows are busy the request waits for the later one."""
    pacer = Pacer()
    pacer.record("GET", "/iserver/account/trades", 0.0)
    for i in range(9):
        pacer.record("GET", "/iserver/accounts", 0.5 + 0.01 * i)
    assert pacer.next_send_at("GET", "/iserver/account/trades", 0.6) == pytest.approx(5.0)
    assert pacer.next_send_at("GET", "/iserver/accounts", 0.6) == pytest.approx(1.0)


def test_try_acquire_is_the_gateway_429_rule() -> None:
    """try_acquire admits requests within the limits and refuses (429) the rest."""
    pacer = Pacer()
    assert pacer.try_acquire("GET", "/iserver/account/pnl/partitioned", 0.0)
    assert not pacer.try_acquire("GET", "/iserver/account/pnl/partitioned", 4.9)
    assert pacer.try_acquire("GET", "/iserver/account/pnl/partitioned", 5.0)
    admitted = sum(pacer.try_acquire("GET", "/iserver/accounts", 10.0) for _ in range(15))
    assert admitted == 10


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([
                ("GET", "/iserver/account/orders"), ("POST", "/tickle"),
                ("GET", "/iserver/accounts"), ("GET", "/iserver/marketdata/snapshot"),
            ]),
            st.floats(min_value=0.0, max_value=0.7),
        ),
        min_size=1, max_size=80,
    )
)
def test_pacer_schedule_respects_every_limit(requests: list[tuple[tuple[str, str], float]]) -> None:
    """Sending every request at next_send_at never breaks the global or endpoint windows."""
    pacer = Pacer()
    now = 0.0
    log: list[tuple[str, str, float]] = []
    for (method, path), gap in requests:
        now += gap
        at = pacer.next_send_at(method, path, now)
        assert at >= now
        pacer.record(method, path, at)
        log.append((method, path, at))
        now = at
    for _, _, start in log:
        assert sum(1 for _, _, t in log if start <= t < start + 1.0) <= 10
    orders = [t for m, p, t in log if p.endswith("orders")]
    assert all(b - a >= 5.0 - 1e-9 for a, b in zip(orders, orders[1:], strict=False))
    tickles = [t for m, p, t in log if p == "/tickle"]
    assert all(b - a >= 1.0 - 1e-9 for a, b in zip(tickles, tickles[1:], strict=False))


def test_record_answer_moves_the_stamp_without_counting_twice() -> None:
    """Re-dating a request to its answer keeps the count: snapshots still get 10 per second."""
    from ibkr_desktop.protocol.pacing import Pacer

    pacer = Pacer()
    for i in range(10):
        sent = i * 0.09
        pacer.record("GET", "/iserver/marketdata/snapshot", sent)
        pacer.record_answer("GET", "/iserver/marketdata/snapshot", sent, sent + 0.005)
    assert pacer.next_send_at("GET", "/iserver/marketdata/snapshot", 1.01) <= 1.01
    pacer.record("GET", "/iserver/account/orders", 2.0)
    pacer.record_answer("GET", "/iserver/account/orders", 2.0, 2.4)
    assert pacer.next_send_at("GET", "/iserver/account/orders", 7.0) == 7.4

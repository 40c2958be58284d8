"""Fuzzing the frame parser and every REST answer handler of ``protocol/`` with hypothesis.

Each target gets malformed JSON text, JSON of the wrong types, objects with IBKR's keys
holding anything, missing keys and huge frames. The contract: a handler returns, or raises
only its documented exception (``ValueError``, or an ``IbkrError`` such as
``OrderRejectedError``) with a message that makes one clear log line (not empty, one line,
bounded); the frame parser never raises and says why a frame is unusable (``MalformedFrame``
with a reason). Run ``python -m tests.reliability.fuzz --cases N`` (prints a JSON summary).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from ibkr_desktop.protocol import (
    bars,
    contract_rules,
    frames,
    order_answers,
    order_records,
    placement_answers,
    portfolio,
    session,
)
from ibkr_desktop.protocol.batching import FrameBatcher
from ibkr_desktop.protocol.errors import IbkrError
from ibkr_desktop.protocol.events import MalformedFrame

ALLOWED = (ValueError, IbkrError)
"""What a REST answer handler may raise on bad input (documented in each ``Raises:``)."""

MAX_MESSAGE = 2000
"""A log line longer than this is not "clear"."""

KEYS = ("conid", "conidEx", "orderId", "order_id", "status", "order_status", "size", "price",
        "side", "execution_id", "symbol", "ticker", "topic", "args", "data", "error", "id",
        "message", "authenticated", "connected", "competing", "accounts", "selectedAccount",
        "position", "mktValue", "31", "84", "86", "6509", "_updated", "filledQuantity",
        "totalSize", "remainingQuantity", "orderType", "timeInForce", "lastExecutionTime_r",
        "trade_time_r", "amount", "value", "currency", "upnl", "dpl", "acctId", "iserver",
        "session", "ssoExpires", "collission", "mdAvailability", "priceFactor", "increment",
        "rules", "order_ref", "local_order_id", "cOID", "serverId", "hb", "success")
"""IBKR's keys (and a few near-misses), so generated objects reach the handlers' insides."""

scalars = (st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
           | st.floats(allow_nan=True, allow_infinity=True)
           | st.text(max_size=12) | st.sampled_from(["", "1", "-1", "1e400", "nan", "Filled",
                                                     "BUY", "SELL", "C", "265598", "1.5K"]))
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5)
    | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), inner, max_size=6),
    max_leaves=24,
)
objects = st.dictionaries(st.sampled_from(KEYS), json_values, max_size=10)
bodies = json_values | objects | st.lists(objects, max_size=4)


def _text_of(value: Any) -> str:
    try:
        return json.dumps(value, allow_nan=True)
    except (TypeError, ValueError, RecursionError):
        return repr(value)


huge = st.integers(min_value=1, max_value=8).map(
    lambda n: '{"topic":"smd+1","conid":1,"31":"' + "9" * (n * 250_000) + '"}')
frame_texts = (
    bodies.map(_text_of)
    | st.fixed_dictionaries({"topic": st.sampled_from(
        ["smd+265598", "sor", "str", "spl", "ssd+DU1", "sld+DU1", "system", "sts", "act",
         "ntf", "blt", "tic", "smh+1", "error", "smd"])}, optional={
        "args": json_values, "conid": json_values, "data": json_values, "31": json_values,
        "hb": json_values, "message": json_values}).map(_text_of)
    | st.text(max_size=40)
    | st.binary(max_size=40)
    | huge
)


def _check_message(exc: BaseException) -> None:
    text = str(exc)
    assert text.strip(), f"{type(exc).__name__} without a message"
    assert "\n" not in text and len(text) <= MAX_MESSAGE, f"unclear message: {text[:200]!r}"


def _rest(handler: Callable[[Any], object]) -> Callable[[Any], None]:
    def run(body: Any) -> None:
        try:
            handler(body)
        except ALLOWED as exc:
            _check_message(exc)
    return run


def _mapping(handler: Callable[[Mapping[str, object]], object]) -> Callable[[Any], None]:
    """A per-item parser: its input is always an object (the list reader checks that)."""
    checked = _rest(handler)

    def run(body: Any) -> None:
        checked(body if isinstance(body, dict) else {"value": body})
    return run


def _frame(data: str | bytes) -> None:
    events = frames.parse_frame(data)
    for event in events:
        if isinstance(event, MalformedFrame):
            assert event.reason.strip() and "\n" not in event.reason, event
    batcher = FrameBatcher()
    batcher.feed(data)
    batcher.drain()


@dataclass(frozen=True, slots=True)
class Target:
    """One function under fuzz: its name, its input strategy and the checking call."""

    name: str
    inputs: st.SearchStrategy[Any]
    check: Callable[[Any], object]


TARGETS: tuple[Target, ...] = (
    Target("frames.parse_frame+FrameBatcher", frame_texts, _frame),
    Target("frames.parse_client_message", frame_texts,
           lambda data: frames.parse_client_message(data)),
    Target("frames.parse_snapshot", bodies, _rest(frames.parse_snapshot)),
    Target("bars.parse_history", bodies, _rest(bars.parse_history)),
    Target("contract_rules.parse_contract_rules", bodies,
           _rest(lambda body: contract_rules.parse_contract_rules(body, 265598))),
    Target("order_records.parse_whatif", bodies, _rest(order_records.parse_whatif)),
    Target("placement_answers.parse_placement_response", bodies,
           _rest(placement_answers.parse_placement_response)),
    Target("order_answers.parse_live_order", objects, _mapping(order_answers.parse_live_order)),
    Target("order_answers.parse_order_status", objects,
           _mapping(order_answers.parse_order_status)),
    Target("order_answers.parse_trade", objects, _mapping(order_answers.parse_trade)),
    Target("portfolio.parse_accounts", bodies, _rest(portfolio.parse_accounts)),
    Target("portfolio.parse_position", objects, _mapping(portfolio.parse_position)),
    Target("portfolio.parse_positions", bodies, _rest(portfolio.parse_positions)),
    Target("portfolio.parse_pnl_partitioned", bodies, _rest(portfolio.parse_pnl_partitioned)),
    Target("portfolio.parse_summary", bodies,
           _rest(lambda body: portfolio.parse_summary("DU1234567", body))),
    Target("portfolio.parse_ledger", bodies,
           _rest(lambda body: portfolio.parse_ledger("DU1234567", body))),
    Target("portfolio.parse_search_results", bodies, _rest(portfolio.parse_search_results)),
    Target("session.parse_auth_status", bodies, _rest(session.parse_auth_status)),
    Target("session.parse_tickle", bodies, _rest(session.parse_tickle)),
)


def run_target(target: Target, cases: int) -> int:
    """Fuzz one target with ``cases`` examples (random each run); returns the examples run.

    Raises:
        Exception: the first failing example hypothesis found (shrunk), as the target raised it.
    """
    count = 0

    @settings(max_examples=cases, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck), phases=(Phase.generate, Phase.shrink))
    @given(target.inputs)
    def fuzz(value: Any) -> None:
        nonlocal count
        count += 1
        target.check(value)

    fuzz()
    return count


class _Random:
    """A fast generator of the same kinds of input as the strategies (no shrinking): what
    makes a million cases fit in minutes, where hypothesis runs a few hundred a second."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def scalar(self) -> Any:
        rng = self.rng
        return rng.choice((
            None, True, False, rng.randint(-(2**70), 2**70), rng.random() * 1e6 - 5e5,
            float("nan"), float("inf"), "", "1", "-1", "1e400", "nan", "Filled", "BUY", "C",
            "265598", "1.5K", "".join(rng.choice("aZ9.-_ é\x00") for _ in range(6))))

    def value(self, depth: int = 0) -> Any:
        kind = self.rng.random()
        if depth > 3 or kind < 0.5:
            return self.scalar()
        if kind < 0.75:
            return [self.value(depth + 1) for _ in range(self.rng.randint(0, 4))]
        return self.object(depth + 1)

    def object(self, depth: int = 0) -> dict[str, Any]:
        rng = self.rng
        return {rng.choice(KEYS): self.value(depth) for _ in range(rng.randint(0, 8))}

    def body(self) -> Any:
        kind = self.rng.random()
        if kind < 0.4:
            return self.object()
        if kind < 0.7:
            return [self.object() for _ in range(self.rng.randint(0, 3))]
        return self.value()

    def frame(self) -> str | bytes:
        rng = self.rng
        text = _text_of(self.body() if rng.random() < 0.5 else
                        {"topic": rng.choice(("smd+265598", "sor", "str", "spl", "ssd+DU1",
                                              "system", "sts", "ntf", "smh+1", "error")),
                         **self.object()})
        if rng.random() < 0.3:  # mutate: cut, or flip a byte
            cut = rng.randint(0, len(text))
            text = text[:cut] if rng.random() < 0.5 else text[:cut] + chr(rng.randint(0, 255)) \
                + text[cut + 1:]
        return text.encode("utf-8", "replace") if rng.random() < 0.2 else text


def run_random(target: Target, cases: int, seed: int) -> int:
    """``cases`` fast random inputs through ``target.check``; returns how many ran.

    Raises:
        AssertionError: a case failed, with the input's text (for a unit test).
    """
    gen = _Random(random.Random(seed))
    make = gen.frame if target.inputs is frame_texts else (
        gen.object if target.inputs is objects else gen.body)
    for _ in range(cases):
        value = make()
        try:
            target.check(value)
        except Exception as exc:
            raise AssertionError(f"{type(exc).__name__}: {exc} on {_text_of(value)[:500]}") \
                from exc
    return cases


def run_all(total_cases: int, out: Callable[[str], object] = print,
            hypothesis_cases: int | None = None) -> dict[str, Any]:
    """Fuzz every target with ``total_cases`` split between them; a summary dict.

    ``hypothesis_cases`` (default: all of them) go through hypothesis, the rest through the
    fast random generator. ``fuzz_cases`` counts the examples run (shrinking included);
    ``fuzz_failures`` lists ``{"target", "error"}`` per target that failed (the first line).
    """
    in_hypothesis = total_cases if hypothesis_cases is None else min(hypothesis_cases,
                                                                    total_cases)
    per_target = max(1, in_hypothesis // len(TARGETS))
    per_target_random = max(0, total_cases - in_hypothesis) // len(TARGETS)
    ran = ran_random = 0
    failures: list[dict[str, str]] = []
    started = time.monotonic()
    for index, target in enumerate(TARGETS):
        try:
            ran += run_target(target, per_target)
            ran_random += run_random(target, per_target_random, seed=random.randrange(2**32)
                                     + index)
        except Exception as exc:  # noqa: BLE001 -- a finding: reported, the others still run
            failures.append({"target": target.name,
                             "error": f"{type(exc).__name__}: {exc}".splitlines()[0][:300]})
            out(f"FUZZ FAIL {target.name}: {failures[-1]['error']}")
    return {"fuzz_cases": ran + ran_random, "fuzz_hypothesis_cases": ran,
            "fuzz_random_cases": ran_random, "fuzz_failures": failures,
            "fuzz_targets": len(TARGETS), "fuzz_s": round(time.monotonic() - started, 1)}


def main(argv: list[str] | None = None) -> int:
    """``python -m tests.reliability.fuzz --cases N``: the summary as JSON on the last line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000, help="examples in total")
    parser.add_argument("--hypothesis-cases", type=int, default=None,
                        help="of which through hypothesis (default: all)")
    args = parser.parse_args(argv)
    summary = run_all(args.cases, lambda line: print(line, file=sys.stderr, flush=True),
                      args.hypothesis_cases)
    print(json.dumps(summary), flush=True)
    return 1 if summary["fuzz_failures"] else 0


if __name__ == "__main__":
    sys.exit(main())

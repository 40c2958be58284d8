"""The fuzz targets as a normal test (a short run of each; ``run.py`` runs the many)."""

from __future__ import annotations

import pytest

from tests.reliability.fuzz import TARGETS, Target, _rest, objects, run_random, run_target


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
def test_handler_survives_malformed_input(target: Target) -> None:
    """Malformed JSON, wrong types, missing keys, huge frames: only documented exceptions,
    each with a one-line message."""
    assert run_target(target, 20) >= 20
    assert run_random(target, 200, seed=7) == 200


def test_the_fuzz_check_catches_an_undocumented_exception() -> None:
    """A handler that raises TypeError fails the check (the fuzz can find a crash)."""
    def crash(body: object) -> None:
        raise TypeError("boom")

    with pytest.raises(AssertionError, match="TypeError: boom"):
        run_random(Target("crash", objects, _rest(crash)), 5, seed=1)

"""The shape contract: a fixture's keys, JSON types and nesting must be in the gateway's answer.

``shape_mismatches(fixture, answer)`` lists every difference: a key of the fixture missing
from the answer, or present with an incompatible JSON type (int and float are both "number";
null only matches null). Objects are compared key by key, recursively; lists by their first
elements. Keys the answer has beyond the fixture are fine: the fixture holds what the client
relies on.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures"


def load(name: str) -> Any:
    """The JSON of ``fixtures/<name>.json``."""
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def json_type(value: object) -> str:
    """The JSON type name of a decoded value: object, array, string, number, boolean, null."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    raise TypeError(f"not a JSON value: {value!r}")


def shape_mismatches(fixture: object, answer: object, where: str = "$") -> list[str]:
    """Every place where ``answer`` lacks the fixture's key, type or nesting (empty = same)."""
    want, got = json_type(fixture), json_type(answer)
    if want != got:
        return [f"{where}: fixture has {want}, gateway has {got} ({answer!r:.60})"]
    if isinstance(fixture, dict) and isinstance(answer, dict):
        problems: list[str] = []
        for key, value in fixture.items():
            if key not in answer:
                problems.append(f"{where}.{key}: missing in the gateway's answer")
            else:
                problems += shape_mismatches(value, answer[key], f"{where}.{key}")
        return problems
    if isinstance(fixture, list) and isinstance(answer, list) and fixture:
        if not answer:
            return [f"{where}: the gateway's list is empty, nothing to compare"]
        return shape_mismatches(fixture[0], answer[0], f"{where}[0]")
    return []


def assert_same_shape(fixture_name: str, answer: object) -> None:
    """Fail with the list of mismatches when ``answer`` does not have the fixture's shape."""
    problems = shape_mismatches(load(fixture_name), answer)
    assert not problems, f"{fixture_name}: " + "; ".join(problems)

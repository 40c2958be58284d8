"""The shape-compare helper finds what it must: missing keys, wrong types, nesting, lists."""

from __future__ import annotations

import re

import pytest

from tests.contract.shapes import FIXTURES, load, shape_mismatches


def test_same_shape_with_extra_keys_and_other_values_matches() -> None:
    fixture = {"a": 1, "b": {"c": "x"}, "d": [{"e": 1.5}]}
    answer = {"a": 2.5, "b": {"c": "y", "z": 0}, "d": [{"e": 3, "f": None}, {}], "extra": True}
    assert shape_mismatches(fixture, answer) == []


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ({"b": {"c": "x"}, "d": []}, "$.a: missing"),
        ({"a": "1", "b": {"c": "x"}, "d": []}, "$.a: fixture has number, gateway has string"),
        ({"a": 1, "b": {}, "d": []}, "$.b.c: missing"),
        ({"a": 1, "b": {"c": None}, "d": []}, "$.b.c: fixture has string, gateway has null"),
        ({"a": 1, "b": {"c": "x"}, "d": [{"e": True}]}, "$.d[0].e: fixture has number"),
        ({"a": 1, "b": {"c": "x"}, "d": {}}, "$.d: fixture has array, gateway has object"),
    ],
)
def test_each_kind_of_difference_is_reported(answer: object, problem: str) -> None:
    fixture = {"a": 1, "b": {"c": "x"}, "d": [{"e": 1}]}
    problems = shape_mismatches(fixture, answer)
    assert problems and problems[0].startswith(problem), problems


def test_an_empty_gateway_list_cannot_pass_for_a_full_fixture() -> None:
    assert shape_mismatches([{"a": 1}], []) == [
        "$: the gateway's list is empty, nothing to compare"]


def test_every_fixture_is_json_without_personal_accounts() -> None:
    """Fixtures load, and name only placeholder accounts (U1234567 / DU1234567)."""
    names = sorted(p.stem for p in FIXTURES.glob("*.json"))
    assert len(names) >= 30
    for name in names:
        load(name)
        text = (FIXTURES / f"{name}.json").read_text(encoding="utf-8")
        accounts = set(re.findall(r"\bD?U\d{5,}\b", text))
        assert accounts <= {"U1234567", "DU1234567"}, (name, accounts)

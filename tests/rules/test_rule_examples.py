"""Every rule's VALID and INVALID cases run as tests (as Fixit does); those marked docs=True are
the examples its documentation shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from cachelint.rulecases import case_problems, cases, expected_lines
from cachelint.rules import ALL_RULES
from cachelint.rules._base import Invalid, Rule, Valid

CASES = [(case_id, rule, case) for rule in ALL_RULES for case_id, case in cases(rule)]


@pytest.mark.parametrize(("case_id", "rule", "case"), CASES, ids=[c[0] for c in CASES])
def test_rule_example(tmp_path: Path, case_id: str, rule: type[Rule], case: Valid | Invalid) -> None:
    assert case_problems(rule, case, tmp_path) == [], case_id


def test_every_rule_has_examples() -> None:
    for rule in ALL_RULES:
        assert rule.VALID and rule.INVALID, rule.code
        assert any(c.docs for c in rule.VALID) and any(c.docs for c in rule.INVALID), rule.code


def test_minimum_example_counts() -> None:
    # The core issue asks for at least 8 each for CL101/CL102 and 5 for CL103/CL201.
    need = {"CL101": 8, "CL102": 8, "CL103": 5, "CL201": 5}
    for rule in ALL_RULES:
        if rule.code in need:
            assert len(rule.VALID) >= need[rule.code], rule.code
            assert len(rule.INVALID) >= need[rule.code], rule.code


# --- the case runner itself must be able to fail


def _rule(code: str) -> type[Rule]:
    return next(r for r in ALL_RULES if r.code == code)


def test_expected_lines_reads_the_markers() -> None:
    case = Invalid("a = 1\nb = 2  # expect: CL101, CL102\nc = 3  # expect: CL102\n")
    assert expected_lines(case, "CL101") == [2]
    assert expected_lines(case, "CL102") == [2, 3]
    assert expected_lines(case, "CL201") == []


def test_a_case_that_does_not_hold_is_reported(tmp_path: Path) -> None:
    rule = _rule("CL101")
    reported = rule.INVALID[0]
    # The same code as a VALID case: the finding is unexpected.
    assert case_problems(rule, Valid(reported.code), tmp_path) != []
    # The marker moved to another line: the finding is on the wrong line.
    unmarked = reported.code.replace("  # expect: CL101", "")
    moved = unmarked.replace("input=question)", "input=question)  # expect: CL101")
    assert moved != reported.code
    assert case_problems(rule, Invalid(moved), tmp_path) != []
    # No marker at all.
    assert case_problems(rule, Invalid(unmarked), tmp_path) != []
    # A message that is not there.
    assert case_problems(rule, Invalid(reported.code, message="no such words"), tmp_path) != []
    # A VALID case that reports nothing holds.
    assert case_problems(rule, rule.VALID[0], tmp_path) == []

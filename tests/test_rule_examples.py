"""Every rule's documented VALID and INVALID examples run as tests (as Fixit does)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from cachelint.rules import ALL_RULES
from cachelint.rules._base import Invalid, Rule, Valid
from cachelint.run.lint import lint_files
from cachelint.settings import Settings

_EXPECT = re.compile(r"#\s*expect:\s*([A-Z0-9, ]+)")


def _cases() -> list[tuple[str, type[Rule], Valid | Invalid]]:
    out = []
    for rule in ALL_RULES:
        for i, v in enumerate(rule.VALID):
            out.append((f"{rule.code}-VALID-{i}", rule, v))
        for i, inv in enumerate(rule.INVALID):
            out.append((f"{rule.code}-INVALID-{i}", rule, inv))
    return out


CASES = _cases()


def _lint(tmp_path: Path, case: Valid | Invalid) -> tuple[list[tuple[int, str]], list[str]]:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'example'\n")
    (tmp_path / "example.py").write_text(case.code)
    for name, text in case.files.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    settings = replace(Settings(root=str(tmp_path)), **case.settings)  # type: ignore[arg-type]
    result = lint_files([str(tmp_path / "example.py")], settings, list(ALL_RULES))
    assert result.errors == []
    found = [(d.span.line, d.code) for d in result.diagnostics]
    messages = [d.message for d in result.diagnostics]
    return found, messages


@pytest.mark.parametrize(("case_id", "rule", "case"), CASES, ids=[c[0] for c in CASES])
def test_rule_example(tmp_path: Path, case_id: str, rule: type[Rule], case: Valid | Invalid) -> None:
    found, messages = _lint(tmp_path, case)
    mine = sorted(line for line, code in found if code == rule.code)
    if isinstance(case, Valid):
        assert mine == [], f"{case_id}: unexpected {rule.code} at lines {mine}"
        return
    expected = sorted(
        n for n, line in enumerate(case.code.splitlines(), start=1)
        for m in [_EXPECT.search(line)] if m and rule.code in m.group(1)
    )
    assert expected, f"{case_id}: an INVALID example must mark its expected lines"
    assert mine == expected, f"{case_id}: {rule.code} at {mine}, expected {expected}; all: {found}"
    if case.message is not None:
        assert any(case.message in msg for (_, code), msg in zip(found, messages, strict=True)
                   if code == rule.code), messages


def test_every_rule_has_examples() -> None:
    for rule in ALL_RULES:
        assert rule.VALID and rule.INVALID, rule.code


def test_minimum_example_counts() -> None:
    # The core issue asks for at least 8 each for CL101/CL102 and 5 for CL103/CL201.
    need = {"CL101": 8, "CL102": 8, "CL103": 5, "CL201": 5}
    for rule in ALL_RULES:
        if rule.code in need:
            assert len(rule.VALID) >= need[rule.code], rule.code
            assert len(rule.INVALID) >= need[rule.code], rule.code

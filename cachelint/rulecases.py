"""Running a rule's VALID and INVALID cases (its documented examples): what each expects and
what linting it reports. The rule tests and the scaffold's test use this; so can a rule author."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from cachelint.rules import ALL_RULES
from cachelint.rules._base import EXPECT, Invalid, Rule, Valid
from cachelint.run.lint import lint_files
from cachelint.settings import Settings


def cases(rule: type[Rule]) -> list[tuple[str, Valid | Invalid]]:
    """The rule's cases with their test ids (`CL101-VALID-0`), VALID first."""
    out: list[tuple[str, Valid | Invalid]] = [(f"{rule.code}-VALID-{i}", c) for i, c in enumerate(rule.VALID)]
    out += [(f"{rule.code}-INVALID-{i}", c) for i, c in enumerate(rule.INVALID)]
    return out


def expected_lines(case: Invalid, code: str) -> list[int]:
    """The lines of an INVALID case marked `# expect: ...` with `code`."""
    return [
        n for n, line in enumerate(case.code.splitlines(), start=1)
        for found in [EXPECT.search(line)] if found and code in found.group("codes")
    ]


def case_problems(rule: type[Rule], case: Valid | Invalid, workdir: Path) -> list[str]:
    """What is wrong when `case` is linted as `workdir/example.py` with every rule (and `rule`,
    if it is not registered yet); [] when the case holds."""
    (workdir / "pyproject.toml").write_text("[project]\nname = 'example'\n", encoding="utf-8")
    (workdir / "example.py").write_text(case.code, encoding="utf-8")
    for name, text in case.files.items():
        target = workdir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    settings = replace(Settings(root=str(workdir)), **case.settings)  # type: ignore[arg-type]
    rules = [*ALL_RULES, *([] if rule in ALL_RULES else [rule])]
    result = lint_files([str(workdir / "example.py")], settings, rules)
    if result.errors:
        return [f"errors: {result.errors}"]
    found = [(d.span.line, d.code) for d in result.diagnostics]
    mine = sorted(d.span.line for d in result.diagnostics if d.code == rule.code)
    if isinstance(case, Valid):
        return [f"unexpected {rule.code} at lines {mine}"] if mine else []
    expected = sorted(expected_lines(case, rule.code))
    if not expected:
        return ["an INVALID case must mark its expected lines with `# expect: CODE`"]
    if mine != expected:
        return [f"{rule.code} at {mine}, expected {expected}; all: {found}"]
    messages = [d.message for d in result.diagnostics if d.code == rule.code]
    if case.message is not None and not any(case.message in m for m in messages):
        return [f"no {rule.code} message contains {case.message!r}: {messages}"]
    return []

"""Running a rule's VALID and INVALID cases (its documented examples): what each expects and
what linting it reports. The rule tests and the scaffold's test use this; so can a rule author."""

from __future__ import annotations

import ast
from dataclasses import replace
from pathlib import Path

from cachelint.diagnostics import Diagnostic, LintWarning
from cachelint.fixes.apply import apply_fixes
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


def _lint(rule: type[Rule], case: Valid | Invalid, workdir: Path, code: str) -> tuple[list[Diagnostic], list[str]]:
    """The findings of every rule (and `rule`) on `code` as `workdir/example.py`, or errors."""
    (workdir / "pyproject.toml").write_text("[project]\nname = 'example'\n", encoding="utf-8")
    (workdir / "example.py").write_text(code, encoding="utf-8")
    for name, text in case.files.items():
        target = workdir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    settings = replace(Settings(root=str(workdir)), **case.settings)  # type: ignore[arg-type]
    rules = [*ALL_RULES, *([] if rule in ALL_RULES else [rule])]
    result = lint_files([str(workdir / "example.py")], settings, rules)
    errors = [e for e in result.errors if not isinstance(e, LintWarning)]  # warnings do not fail a case
    return result.diagnostics, [f"errors: {errors}"] if errors else []


def fix_problems(rule: type[Rule], case: Invalid, workdir: Path, found: list[Diagnostic]) -> list[str]:
    """What is wrong with the rule's fixes on an INVALID case: the fixed text must be the
    case's `expected_replacement`, parse, have none of the rule's findings left, and not change
    when fixed again; a case the rule fixes must pin its replacement."""
    mine = [d for d in found if d.code == rule.code]
    fixed, applied = apply_fixes(case.code, mine, unsafe=True)
    if case.expected_replacement is None:
        return [f"{rule.code} fixes this case: pin the result as expected_replacement"] if applied else []
    if fixed != case.expected_replacement:
        return [f"fixed text differs from expected_replacement:\n{fixed}"]
    try:
        ast.parse(fixed)
    except SyntaxError as exc:
        return [f"fixed text does not parse: {exc}"]
    again, errors = _lint(rule, case, workdir, fixed)
    if errors:
        return errors
    left = [d.span.line for d in again if d.code == rule.code]
    if left:
        return [f"{rule.code} still reported at lines {left} after fixing"]
    if apply_fixes(fixed, again, unsafe=True)[0] != fixed:
        return ["fixing the fixed text changes it again"]
    return []


def case_problems(rule: type[Rule], case: Valid | Invalid, workdir: Path) -> list[str]:
    """What is wrong when `case` is linted as `workdir/example.py` with every rule (and `rule`,
    if it is not registered yet); [] when the case holds."""
    diagnostics, errors = _lint(rule, case, workdir, case.code)
    if errors:
        return errors
    found = [(d.span.line, d.code) for d in diagnostics]
    mine = sorted(d.span.line for d in diagnostics if d.code == rule.code)
    if isinstance(case, Valid):
        return [f"unexpected {rule.code} at lines {mine}"] if mine else []
    expected = sorted(expected_lines(case, rule.code))
    if not expected:
        return ["an INVALID case must mark its expected lines with `# expect: CODE`"]
    if mine != expected:
        return [f"{rule.code} at {mine}, expected {expected}; all: {found}"]
    messages = [d.message for d in diagnostics if d.code == rule.code]
    if case.message is not None and not any(case.message in m for m in messages):
        return [f"no {rule.code} message contains {case.message!r}: {messages}"]
    return fix_problems(rule, case, workdir, diagnostics)

"""The suppression comment the language server offers: where it goes, and when it is not offered."""

from __future__ import annotations

import ast

from cachelint.diagnostics import Diagnostic, Severity, Span
from cachelint.server.edits import Insertion, suppression
from cachelint.suppress import filter_suppressed


def finding(line: int, column: int = 5) -> Diagnostic:
    span = Span("app.py", line, column, line, column + 3)
    return Diagnostic("CL101", "dynamic-before-static", Severity.ERROR, "m", span)


def applied(text: str, at: Insertion) -> str:
    lines = text.splitlines(keepends=True)
    line = lines[at.line - 1]
    lines[at.line - 1] = line[: at.column] + at.text + line[at.column:]
    return "".join(lines)


def test_the_comment_goes_at_the_end_of_the_finding_line() -> None:
    text = 'a = 1\nsystem = f"{user} " + RULES   \nb = 2\n'
    at = suppression(text, finding(2))
    assert at == Insertion(2, len('system = f"{user} " + RULES'), "  # cachelint: ignore[CL101]")
    fixed = applied(text, at)
    assert fixed == 'a = 1\nsystem = f"{user} " + RULES  # cachelint: ignore[CL101]   \nb = 2\n'
    assert filter_suppressed([finding(2)], fixed) == []


def test_a_comment_already_there_keeps_its_text() -> None:
    text = 'system = f"{user} " + RULES  # noqa: E501\n'
    at = suppression(text, finding(1))
    assert at is not None
    assert applied(text, at) == 'system = f"{user} " + RULES  # noqa: E501  # cachelint: ignore[CL101]\n'


def test_inside_a_multi_line_string_the_comment_goes_after_its_end() -> None:
    text = 'system = f"""Hello {user}.\n{RULES}\n"""\nx = 1\n'
    at = suppression(text, finding(1))
    assert at is not None and at.line == 3
    fixed = applied(text, at)
    ast.parse(fixed)
    assert fixed.splitlines()[0] == 'system = f"""Hello {user}.'  # the string is unchanged
    assert filter_suppressed([finding(1)], fixed) == []


def test_no_comment_after_a_line_continuation() -> None:
    text = 'system = f"{user} " + \\\n    RULES\n'
    assert suppression(text, finding(1)) is None


def test_no_comment_in_text_that_does_not_tokenize() -> None:
    assert suppression('system = f"{user} " + (\n', finding(1)) is None

"""Rule documentation: complete ruff-style docstrings, `cachelint rule`, and an up-to-date docs/rules.md."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import pytest

from cachelint.diagnostics import Severity
from cachelint.ruledocs import (
    OPTIONAL_SECTIONS,
    RENDER_SCRIPT,
    RULES_DOC,
    SECTIONS,
    anchor,
    rule_text,
    rules_markdown,
    section_problems,
    sections,
)
from cachelint.rules import ALL_RULES
from cachelint.rules._base import Invalid, Rule, Valid

RunCli = Callable[..., Any]

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("rule", ALL_RULES, ids=[r.code for r in ALL_RULES])
def test_every_rule_is_fully_documented(rule: type[Rule]) -> None:
    """All sections, in order, none empty; a summary; at least one VALID and one INVALID example
    (test_rule_examples.py runs them)."""
    assert section_problems(rule) == []
    assert [s.title for s in sections(rule) if s.title not in OPTIONAL_SECTIONS] == list(SECTIONS)


def test_committed_docs_are_up_to_date() -> None:
    committed = (REPO / RULES_DOC).read_text(encoding="utf-8")
    assert committed == rules_markdown(), f"{RULES_DOC} is out of date: run python {RENDER_SCRIPT}"


def test_docs_list_every_rule_in_order() -> None:
    text = rules_markdown()
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == [f"## {r.code} {r.name}" for r in ALL_RULES]
    for rule in ALL_RULES:
        assert f"[{rule.code}](#{anchor(rule)})" in text
    # Docstring sections sit one level below the rule's heading.
    assert text.count("### What it does") == len(ALL_RULES)
    assert "\n## What it does" not in text


def test_render_script(tmp_path: Path) -> None:
    out = tmp_path / "rules.md"

    def script(*args: str) -> tuple[int, str, str]:
        done = subprocess.run(
            [sys.executable, str(REPO / RENDER_SCRIPT), "--output", str(out), *args],
            capture_output=True,
            text=True,
            check=False,
        )
        return done.returncode, done.stdout, done.stderr

    assert script("--check") == (1, "", f"{out} is out of date: run python scripts/render_rule_docs.py\n")
    assert script() == (0, f"wrote {out}\n", "")
    assert out.read_text(encoding="utf-8") == rules_markdown()
    assert script("--check") == (0, f"{out} is up to date\n", "")


def test_rule_command_prints_every_section_in_order(project: Path, run: RunCli) -> None:
    for rule in ALL_RULES:
        for selector in (rule.code, rule.name):
            result = run("rule", selector)
            assert result.all == (0, rule_text(rule), "")
        out = rule_text(rule)
        assert out.startswith(f"# {rule.name} ({rule.code})\n\nSeverity: {Severity(rule.severity).value}; ")
        positions = [out.index(f"## {title}" if title != "Use instead:" else title) for title in SECTIONS]
        assert positions == sorted(positions)


def test_rule_all(project: Path, run: RunCli) -> None:
    assert run("rule", "--all").all == (0, "\n".join(rule_text(r) for r in ALL_RULES), "")


class _Documented(Rule):
    """
    ## What it does
    Checks things.

    ## Why is this bad?
    Because.

    ## Known problems
    None known.

    ## Example
    ```python
    ## a comment that looks like a heading
    x = 1
    ```

    Use instead:
    ```python
    x = 2
    ```

    ## Fix safety
    Safe.

    ## References
    - none
    """

    code = "CL999"
    name = "documented"
    severity = Severity.INFO
    summary = "A test rule"
    VALID: ClassVar[list[Valid]] = [Valid("x = 2")]
    INVALID: ClassVar[list[Invalid]] = [Invalid("x = 1  # expect: CL999")]


class _Undocumented(_Documented):
    """
    ## What it does
    Checks things.

    ## Example
    ```python
    x = 1
    ```

    ## Fix safety
    """

    VALID: ClassVar[list[Valid]] = []


def test_section_parser() -> None:
    found = sections(_Documented)
    assert [s.title for s in found] == ["What it does", "Why is this bad?", "Known problems", *SECTIONS[2:]]
    assert found[3].body == "```python\n## a comment that looks like a heading\nx = 1\n```"
    assert section_problems(_Documented) == []
    assert section_problems(_Undocumented) == [
        "sections are ['What it does', 'Example', 'Fix safety'], expected "
        "['What it does', 'Why is this bad?', 'Example', 'Use instead:', 'Fix safety', 'References']",
        "section 'Fix safety' is empty",
        "no VALID example",
    ]

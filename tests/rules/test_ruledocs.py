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
    README,
    RENDER_SCRIPT,
    RULES_DOC,
    SECTIONS,
    anchor,
    case_code,
    docstring,
    readme_rule_table,
    rule_text,
    rules_markdown,
    section_problems,
    sections,
    with_readme_rule_table,
)
from cachelint.rules import ALL_RULES
from cachelint.rules._base import Invalid, Rule, Valid

RunCli = Callable[..., Any]

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("rule", ALL_RULES, ids=[r.code for r in ALL_RULES])
def test_every_rule_is_fully_documented(rule: type[Rule]) -> None:
    """All sections, in order, none empty; a summary; at least one VALID and one INVALID example
    (test_rule_examples.py runs them)."""
    assert section_problems(rule) == []
    assert [s.title for s in sections(rule) if s.title not in OPTIONAL_SECTIONS] == list(SECTIONS)


def test_committed_docs_are_up_to_date() -> None:
    committed = (REPO / RULES_DOC).read_text(encoding="utf-8")
    assert committed == rules_markdown(), f"{RULES_DOC} is out of date: run python {RENDER_SCRIPT}"
    readme = (REPO / README).read_text(encoding="utf-8")
    assert readme == with_readme_rule_table(readme), f"{README}'s rule table is out of date: run python {RENDER_SCRIPT}"


def test_readme_rule_table_lists_every_rule() -> None:
    rows = readme_rule_table().splitlines()[2:]
    assert [row.split(" | ")[0] for row in rows] == [f"| {r.code}" for r in ALL_RULES]
    assert f"| {ALL_RULES[0].summary} |" in rows[0]


def test_readme_rule_table_replaces_only_what_is_between_the_markers() -> None:
    text = "intro\n<!-- begin: rule table (note) -->\nold\n<!-- end: rule table -->\noutro\n"
    assert with_readme_rule_table(text) == (
        "intro\n<!-- begin: rule table (note) -->\n" + readme_rule_table() + "<!-- end: rule table -->\noutro\n"
    )
    with pytest.raises(ValueError):
        with_readme_rule_table("no markers\n")


def test_docs_examples_are_the_marked_cases() -> None:
    for rule in ALL_RULES:
        text = docstring(rule)
        shown = [c for c in (*rule.INVALID, *rule.VALID) if c.docs]
        for case in shown:
            assert f"```python\n{case_code(case)}\n```" in text, rule.code
        unmarked = [c for c in (*rule.INVALID, *rule.VALID) if not c.docs]
        for case in unmarked:
            assert case_code(case) not in text, rule.code


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
    readme = tmp_path / "README.md"
    stale_readme = "# x\n<!-- begin: rule table -->\n| old |\n<!-- end: rule table -->\n"
    readme.write_text(stale_readme, encoding="utf-8")

    def script(*args: str) -> tuple[int, str, str]:
        done = subprocess.run(
            [sys.executable, str(REPO / RENDER_SCRIPT), "--output", str(out), "--readme", str(readme), *args],
            capture_output=True,
            text=True,
            check=False,
        )
        return done.returncode, done.stdout, done.stderr

    hint = "is out of date: run python scripts/render_rule_docs.py\n"
    assert script("--check") == (1, "", f"{out} {hint}{readme} {hint}")
    assert readme.read_text(encoding="utf-8") == stale_readme  # --check writes nothing
    assert script() == (0, f"wrote {out}\nwrote {readme}\n", "")
    assert out.read_text(encoding="utf-8") == rules_markdown()
    assert readme.read_text(encoding="utf-8") == with_readme_rule_table(stale_readme)
    assert script("--check") == (0, f"{out} and {readme} are up to date\n", "")
    readme.write_text("# no table\n", encoding="utf-8")
    code, _, err = script("--check")
    assert (code, err.startswith(f"error: {readme}: no ")) == (2, True)


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

    ## Fix safety
    Safe.

    ## References
    - none
    """

    code = "CL999"
    name = "documented"
    severity = Severity.INFO
    summary = "A test rule"
    VALID: ClassVar[list[Valid]] = [Valid("x = 2\n", docs=True), Valid("x = 3\n")]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("## a comment that looks like a heading\nx = 1  # expect: CL999\n", docs=True),
        Invalid("x = 4  # expect: CL999\n", docs=True),
    ]


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

    VALID: ClassVar[list[Valid]] = [Valid("x = 2\n", settings={"min_lost_tokens": 1}, docs=True)]
    INVALID: ClassVar[list[Invalid]] = [Invalid("x = 1  # expect: CL999\n")]


def test_section_parser() -> None:
    found = sections(_Documented)
    assert [s.title for s in found] == ["What it does", "Why is this bad?", "Known problems", *SECTIONS[2:]]
    # Examples come from the cases marked docs=True, before "Fix safety"; the expect marker reads as prose.
    assert found[3].body == (
        "```python\n## a comment that looks like a heading\nx = 1  # CL999 (reported)\n```\n\n"
        "```python\nx = 4  # CL999 (reported)\n```"
    )
    assert found[4].body == "```python\nx = 2\n```"
    assert section_problems(_Documented) == []
    assert section_problems(_Undocumented) == [
        "the docstring writes ['Example']: mark VALID/INVALID cases docs=True instead",
        "sections are ['What it does', 'Example', 'Use instead:', 'Fix safety'], expected "
        "['What it does', 'Why is this bad?', 'Example', 'Use instead:', 'Fix safety', 'References']",
        "section 'Fix safety' is empty",
        "no INVALID example marked docs=True",
        "a docs=True example needs extra files or settings the docs do not show",
    ]

"""Rule documentation from the rule docstrings: `cachelint rule`, docs/rules.md and SARIF rule help."""

from __future__ import annotations

import inspect
import re
from collections.abc import Sequence
from dataclasses import dataclass

from cachelint.diagnostics import Severity
from cachelint.rules import ALL_RULES
from cachelint.rules._base import Rule

REPOSITORY_URL = "https://github.com/cachelint/cachelint"
RULES_DOC = "docs/rules.md"
RULES_DOC_URL = f"{REPOSITORY_URL}/blob/main/{RULES_DOC}"
RENDER_SCRIPT = "scripts/render_rule_docs.py"

# The docstring sections every rule has, in this order. "Use instead:" is a plain line
# inside the example, as in ruff's rule docs.
SECTIONS: tuple[str, ...] = (
    "What it does",
    "Why is this bad?",
    "Example",
    "Use instead:",
    "Fix safety",
    "References",
)

# Sections a rule may add where it needs them, as ruff's docs do.
OPTIONAL_SECTIONS: tuple[str, ...] = ("Known problems", "Options")

_HEADING = re.compile(r"^##\s+(?P<title>\S.*?)\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


@dataclass(frozen=True)
class Section:
    title: str
    body: str  # markdown, stripped; "" when the section is empty


def docstring(rule: type[Rule]) -> str:
    """The rule's docstring, dedented and stripped ("" without one)."""
    return inspect.cleandoc(rule.__doc__) if rule.__doc__ else ""


def sections(rule: type[Rule]) -> list[Section]:
    """The docstring split at `## Title` headings and the `Use instead:` line, in order.

    Lines inside fenced code blocks never start a section. Text before the first heading
    is dropped (rules have none).
    """
    found: list[Section] = []
    title: str | None = None
    body: list[str] = []
    in_fence = False

    def close() -> None:
        if title is not None:
            found.append(Section(title, "\n".join(body).strip()))

    for line in docstring(rule).splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        if not in_fence:
            heading = _HEADING.match(line)
            if heading or line.strip() == "Use instead:":
                close()
                title = heading.group("title") if heading else "Use instead:"
                body = []
                continue
        body.append(line)
    close()
    return found


def section_problems(rule: type[Rule]) -> list[str]:
    """What is wrong with a rule's documentation; [] when it is complete.

    Checks that the sections are SECTIONS in order (OPTIONAL_SECTIONS may come between),
    each non-empty, and that the rule has a summary and at least one VALID and one
    INVALID example.
    """
    problems: list[str] = []
    titles = [s.title for s in sections(rule)]
    required = [t for t in titles if t not in OPTIONAL_SECTIONS]
    if required != list(SECTIONS):
        problems.append(f"sections are {titles}, expected {list(SECTIONS)}")
    for s in sections(rule):
        if not s.body:
            problems.append(f"section {s.title!r} is empty")
    if not getattr(rule, "summary", "").strip():
        problems.append("no summary")
    if not rule.VALID:
        problems.append("no VALID example")
    if not rule.INVALID:
        problems.append("no INVALID example")
    return problems


def section_text(rule: type[Rule], title: str) -> str:
    """The body of one section, or "" if the rule lacks it."""
    for s in sections(rule):
        if s.title == title:
            return s.body
    return ""


def anchor(rule: type[Rule]) -> str:
    """The GitHub anchor of the rule's heading in docs/rules.md (`cl101-dynamic-before-static`)."""
    return f"{rule.code.lower()}-{rule.name}"


def help_uri(rule: type[Rule]) -> str:
    return f"{RULES_DOC_URL}#{anchor(rule)}"


def _status(rule: type[Rule]) -> str:
    return "enabled by default" if rule.default else "off by default (preview)"


def rule_text(rule: type[Rule]) -> str:
    """What `cachelint rule CODE` prints: title, metadata, summary, then the docstring."""
    parts = [
        f"# {rule.name} ({rule.code})",
        f"Severity: {Severity(rule.severity).value}; {_status(rule)}.",
        rule.summary,
    ]
    doc = docstring(rule)
    if doc:
        parts.append(doc)
    return "\n\n".join(parts) + "\n"


def _demote(markdown: str) -> str:
    """`## Title` -> `### Title` outside code blocks, so a rule's sections nest under its heading."""
    out: list[str] = []
    in_fence = False
    for line in markdown.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        if not in_fence and _HEADING.match(line):
            line = "#" + line
        out.append(line)
    return "\n".join(out)


def rule_markdown(rule: type[Rule]) -> str:
    """One rule's section of docs/rules.md (also SARIF's `help.markdown`)."""
    parts = [
        f"## {rule.code} {rule.name}",
        f"Severity: **{Severity(rule.severity).value}**; {_status(rule)}. "
        f"Suppress with `# cachelint: ignore[{rule.code}]` or `# cachelint: ignore[{rule.name}]`.",
        rule.summary,
    ]
    doc = docstring(rule)
    if doc:
        parts.append(_demote(doc))
    return "\n\n".join(parts) + "\n"


def rules_markdown(rules: Sequence[type[Rule]] = ALL_RULES) -> str:
    """The whole of docs/rules.md."""
    lines = [
        "# Rules",
        "",
        f"<!-- Generated from the rule docstrings by {RENDER_SCRIPT}; do not edit by hand. -->",
        "",
        "`cachelint rule CODE` (or the rule's name) prints the same text in a terminal;",
        "`cachelint rule --all` prints every rule.",
        "",
        "| Code | Name | Severity | Default | Summary |",
        "| --- | --- | --- | --- | --- |",
    ]
    for rule in rules:
        default = "yes" if rule.default else "preview"
        summary = rule.summary.replace("|", "\\|")
        severity = Severity(rule.severity).value
        lines.append(f"| [{rule.code}](#{anchor(rule)}) | `{rule.name}` | {severity} | {default} | {summary} |")
    head = "\n".join(lines) + "\n"
    return head + "".join("\n" + rule_markdown(rule) for rule in rules)

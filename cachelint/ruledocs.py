"""Rule documentation from the rule modules: `cachelint rule`, docs/rules.md, the README's rule
table and SARIF rule help.

A rule's docstring holds its prose sections; its "Example" and "Use instead" sections are
rendered from the VALID/INVALID cases marked `docs=True`, the same cases that run as tests.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Sequence
from dataclasses import dataclass

from cachelint.diagnostics import Severity
from cachelint.rules import ALL_RULES
from cachelint.rules._base import EXPECT, Invalid, Rule, Valid

REPOSITORY_URL = "https://github.com/cachelint/cachelint"
RULES_DOC = "docs/rules.md"
RULES_DOC_URL = f"{REPOSITORY_URL}/blob/main/{RULES_DOC}"
RENDER_SCRIPT = "scripts/render_rule_docs.py"
README = "README.md"

# The sections every rule's documentation has, in this order. "Use instead:" is a plain line
# inside the example, as in ruff's rule docs.
SECTIONS: tuple[str, ...] = (
    "What it does",
    "Why is this bad?",
    "Example",
    "Use instead:",
    "Fix safety",
    "References",
)

# Rendered from the rule's cases marked `docs=True`, never written in the docstring.
CASE_SECTIONS: tuple[str, ...] = ("Example", "Use instead:")
# The rendered examples go before this section (after any optional section such as
# "Known problems").
_EXAMPLES_BEFORE = "## Fix safety"

# The README's rule table sits between these lines (the first may say more after "table").
_TABLE_BEGIN = "<!-- begin: rule table"
_TABLE_END = "<!-- end: rule table -->"

# Sections a rule may add where it needs them, as ruff's docs do.
OPTIONAL_SECTIONS: tuple[str, ...] = ("Known problems", "Options")

_HEADING = re.compile(r"^##\s+(?P<title>\S.*?)\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


@dataclass(frozen=True)
class Section:
    title: str
    body: str  # markdown, stripped; "" when the section is empty


def own_docstring(rule: type[Rule]) -> str:
    """The rule's docstring as written, dedented and stripped ("" without one)."""
    return inspect.cleandoc(rule.__doc__) if rule.__doc__ else ""


def docs_cases(rule: type[Rule]) -> tuple[list[Invalid], list[Valid]]:
    """The cases the documentation shows: INVALID ones as "Example", VALID ones as "Use instead"."""
    return [c for c in rule.INVALID if c.docs], [c for c in rule.VALID if c.docs]


def case_code(case: Valid | Invalid) -> str:
    """A case's code as the docs show it: `# expect: CL101` becomes `# CL101 (reported)`."""
    lines = []
    for line in case.code.strip("\n").splitlines():
        found = EXPECT.search(line)
        if found:
            line = f"{line[: found.start()]}  # {found.group('codes').strip()} (reported)"
        lines.append(line)
    return "\n".join(lines)


def _blocks(cases: Sequence[Valid | Invalid]) -> str:
    return "\n\n".join(f"```python\n{case_code(c)}\n```" for c in cases)


def examples_markdown(rule: type[Rule]) -> str:
    """The "Example" and "Use instead" sections, from the rule's docs cases ("" without any)."""
    invalid, valid = docs_cases(rule)
    parts = []
    if invalid:
        parts.append("## Example\n" + _blocks(invalid))
    if valid:
        parts.append("Use instead:\n" + _blocks(valid))
    return "\n\n".join(parts)


def docstring(rule: type[Rule]) -> str:
    """The rule's documentation: its docstring with the examples rendered from its docs cases
    inserted before "## Fix safety" (at the end without that section)."""
    own = own_docstring(rule)
    examples = examples_markdown(rule)
    if not examples:
        return own
    lines = own.splitlines()
    in_fence = False
    for i, line in enumerate(lines):
        if _FENCE.match(line):
            in_fence = not in_fence
        if not in_fence and line.strip() == _EXAMPLES_BEFORE:
            return "\n".join([*lines[:i], examples, "", *lines[i:]])
    return f"{own}\n\n{examples}" if own else examples


def sections(rule: type[Rule]) -> list[Section]:
    """The documentation split at `## Title` headings and the `Use instead:` line, in order.

    Lines inside fenced code blocks never start a section. Text before the first heading
    is dropped (rules have none).
    """
    return _split(docstring(rule))


def _split(text: str) -> list[Section]:
    found: list[Section] = []
    title: str | None = None
    body: list[str] = []
    in_fence = False

    def close() -> None:
        if title is not None:
            found.append(Section(title, "\n".join(body).strip()))

    for line in text.splitlines():
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
    each non-empty; that the docstring leaves the examples to the cases (at least one
    INVALID and one VALID marked `docs=True`, standing alone: no extra files or settings
    the docs would not show); and that the rule has a summary.
    """
    problems: list[str] = []
    written = [s.title for s in _split(own_docstring(rule)) if s.title in CASE_SECTIONS]
    if written:
        problems.append(f"the docstring writes {written}: mark VALID/INVALID cases docs=True instead")
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
    invalid, valid = docs_cases(rule)
    if not invalid:
        problems.append("no INVALID example marked docs=True")
    if not valid:
        problems.append("no VALID example marked docs=True")
    shown: list[Valid | Invalid] = [*invalid, *valid]
    if any(c.files or c.settings for c in shown):
        problems.append("a docs=True example needs extra files or settings the docs do not show")
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
        f"<!-- Generated from the rule modules by {RENDER_SCRIPT}; do not edit by hand. -->",
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


def readme_rule_table(rules: Sequence[type[Rule]] = ALL_RULES) -> str:
    """The README's rule table (what sits between its markers)."""
    lines = ["| code | name | provider | default | severity | summary |", "|---|---|---|---|---|---|"]
    for rule in rules:
        providers = "all" if set(rule.providers) == {"openai", "anthropic", "gemini"} else ", ".join(rule.providers)
        default = "on" if rule.default else "off (preview)"
        severity = Severity(rule.severity).value
        lines.append(f"| {rule.code} | `{rule.name}` | {providers} | {default} | {severity} | {rule.summary} |")
    return "\n".join(lines) + "\n"


def with_readme_rule_table(readme: str, rules: Sequence[type[Rule]] = ALL_RULES) -> str:
    """The README's text with its rule table regenerated; ValueError if it lost the markers."""
    begin = readme.find(_TABLE_BEGIN)
    start = readme.find("\n", begin) + 1 if begin >= 0 else -1
    end = readme.find(_TABLE_END, start) if start > 0 else -1
    if end < 0:
        raise ValueError(f"no {_TABLE_BEGIN} ... {_TABLE_END} markers")
    return readme[:start] + readme_rule_table(rules) + readme[end:]

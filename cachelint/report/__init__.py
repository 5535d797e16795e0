"""Output formats: pick an emitter by name and render diagnostics, summaries and statistics."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from cachelint.diagnostics import Diagnostic
from cachelint.report.github import iter_github
from cachelint.report.json import iter_json, render_json_statistics
from cachelint.report.locate import CellPosition, Location, Locator, plain_location
from cachelint.report.problems import Problem, problem
from cachelint.report.sarif import render_sarif
from cachelint.report.text import (
    SourceLines,
    iter_concise,
    iter_full,
    render_statistics,
    summary_line,
)
from cachelint.rules import ALL_RULES
from cachelint.rules._base import Rule

# User-facing names; "text" is an alias of "full" (the default).
FORMATS: tuple[str, ...] = ("full", "text", "concise", "json", "sarif", "github")
ALIASES = {"text": "full"}
# Formats read by programs: no colour, no summary line, nothing else on stdout.
MACHINE_FORMATS = frozenset({"json", "sarif", "github"})

__all__ = [
    "ALIASES",
    "FORMATS",
    "MACHINE_FORMATS",
    "CellPosition",
    "Location",
    "Locator",
    "Problem",
    "SourceLines",
    "canonical_format",
    "is_text_format",
    "plain_location",
    "problem",
    "render",
    "render_chunks",
    "render_statistics_for",
    "summary_line",
]


def canonical_format(name: str) -> str:
    """`text` -> `full`; other names unchanged. Raises ValueError for an unknown name."""
    if name not in FORMATS:
        raise ValueError(f"unknown output format {name!r}")
    return ALIASES.get(name, name)


def is_text_format(name: str) -> bool:
    """Whether the format is for people (coloured on a terminal, ends with a summary line)."""
    return canonical_format(name) not in MACHINE_FORMATS


def render(
    fmt: str,
    diagnostics: Sequence[Diagnostic],
    *,
    color: bool = False,
    source_lines: SourceLines | None = None,
    cwd: str | None = None,
    locate: Locator = plain_location,
    rules: Sequence[type[Rule]] = ALL_RULES,
    root: str | None = None,
    problems: Sequence[Problem] = (),
) -> str:
    """The findings in format `fmt`, without the summary line.

    `locate` maps spans to what is shown (notebook cells); `rules` (the rules that ran)
    and `root` (what paths are relative to, default cwd) are used by `sarif` and `github`.
    """
    return "".join(render_chunks(fmt, diagnostics, color=color, source_lines=source_lines, cwd=cwd,
                                 locate=locate, rules=rules, root=root, problems=problems))


def render_chunks(
    fmt: str,
    diagnostics: Sequence[Diagnostic],
    *,
    color: bool = False,
    source_lines: SourceLines | None = None,
    cwd: str | None = None,
    locate: Locator = plain_location,
    rules: Sequence[type[Rule]] = ALL_RULES,
    root: str | None = None,
    problems: Sequence[Problem] = (),
) -> Iterator[str]:
    """`render`, in pieces that join to it: a finding at a time, so a run with tens of
    thousands of findings is written out as it is rendered (SARIF, one document with
    the rules at its head, comes whole). `problems` (files that could not be checked) go
    into `json` and `sarif`; the other formats leave them to stderr."""
    fmt = canonical_format(fmt)
    if fmt == "json":
        return iter_json(diagnostics, cwd=cwd, locate=locate, problems=problems)
    if fmt == "sarif":
        return iter([render_sarif(diagnostics, rules=rules, root=root if root is not None else cwd, locate=locate,
                                  problems=problems)])
    if fmt == "github":
        return iter_github(diagnostics, root=root if root is not None else cwd, locate=locate)
    if fmt == "concise":
        return iter_concise(diagnostics, color=color, cwd=cwd, locate=locate)
    return iter_full(diagnostics, color=color, source_lines=source_lines, cwd=cwd, locate=locate)


def render_statistics_for(fmt: str, diagnostics: Sequence[Diagnostic], *, color: bool = False) -> str:
    """Per-rule counts in place of the findings (`--statistics`); JSON for `json`, else a table."""
    if canonical_format(fmt) == "json":
        return render_json_statistics(diagnostics)
    return render_statistics(diagnostics, color=color)

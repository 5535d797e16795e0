"""Output formats: pick an emitter by name and render diagnostics, summaries and statistics."""

from __future__ import annotations

from collections.abc import Sequence

from cachelint.diagnostics import Diagnostic
from cachelint.report.json import render_json, render_json_statistics
from cachelint.report.text import (
    SourceLines,
    render_concise,
    render_full,
    render_statistics,
    summary_line,
)

# User-facing names; "text" is an alias of "full" (the default).
FORMATS: tuple[str, ...] = ("full", "text", "concise", "json")
ALIASES = {"text": "full"}

__all__ = [
    "ALIASES",
    "FORMATS",
    "SourceLines",
    "canonical_format",
    "is_text_format",
    "render",
    "render_statistics_for",
    "summary_line",
]


def canonical_format(name: str) -> str:
    """`text` -> `full`; other names unchanged. Raises ValueError for an unknown name."""
    if name not in FORMATS:
        raise ValueError(f"unknown output format {name!r}")
    return ALIASES.get(name, name)


def is_text_format(name: str) -> bool:
    """Whether the format is for people (and so ends with a summary line)."""
    return canonical_format(name) != "json"


def render(
    fmt: str,
    diagnostics: Sequence[Diagnostic],
    *,
    color: bool = False,
    source_lines: SourceLines | None = None,
    cwd: str | None = None,
) -> str:
    """The findings in format `fmt`, without the summary line."""
    fmt = canonical_format(fmt)
    if fmt == "json":
        return render_json(diagnostics, cwd=cwd)
    if fmt == "concise":
        return render_concise(diagnostics, color=color, cwd=cwd)
    return render_full(diagnostics, color=color, source_lines=source_lines, cwd=cwd)


def render_statistics_for(fmt: str, diagnostics: Sequence[Diagnostic], *, color: bool = False) -> str:
    """Per-rule counts in place of the findings (`--statistics`)."""
    if canonical_format(fmt) == "json":
        return render_json_statistics(diagnostics)
    return render_statistics(diagnostics, color=color)

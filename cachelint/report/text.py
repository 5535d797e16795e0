"""Human-readable output: the `full` format with code frames, `concise` lines, summaries."""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence

import click

from cachelint.diagnostics import Diagnostic, Severity, Span
from cachelint.report.locate import Locator, plain_location

# path -> the file's lines without line endings, or None when they cannot be shown.
SourceLines = Callable[[str], Sequence[str] | None]

TAB_WIDTH = 4
_SEVERITY_COLORS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


class _Paint:
    """ANSI styling that is a no-op when colour is off."""

    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, *, fg: str | None = None, bold: bool = False) -> str:
        if not self.color:
            return text
        return click.style(text, fg=fg, bold=bold or None)


def _where(span: Span, cwd: str | None, locate: Locator) -> str:
    return locate(span).label(cwd)


def _char_width(char: str) -> int:
    if char == "\t":
        return TAB_WIDTH
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _width(text: str) -> int:
    return sum(_char_width(c) for c in text)


def _frame(span: Span, lines: Sequence[str] | None, paint: _Paint, fg: str, number: int) -> list[str]:
    """The source line, numbered `number`, with carets under the span; [] if the line is unknown."""
    if lines is None or not 1 <= span.line <= len(lines):
        return []
    text = lines[span.line - 1].rstrip("\r\n")
    start = min(max(span.column, 1), len(text) + 1) - 1
    # A span running onto later lines is underlined to the end of its first line.
    end = span.end_column - 1 if span.end_line == span.line else len(text)
    end = min(max(end, start), len(text))
    shown = text.replace("\t", " " * TAB_WIDTH).rstrip()
    carets = "^" * max(_width(text[start:end]), 1)
    gutter = " " * len(str(number))
    return [
        f"{gutter} |",
        f"{number} | {shown}".rstrip(),
        f"{gutter} | {' ' * _width(text[:start])}{paint(carets, fg=fg, bold=True)}",
        f"{gutter} |",
    ]


def render_full(
    diagnostics: Sequence[Diagnostic],
    *,
    color: bool = False,
    source_lines: SourceLines | None = None,
    cwd: str | None = None,
    locate: Locator = plain_location,
) -> str:
    """ruff-style blocks: header, location, code frame, notes, help; each ends with a blank line."""
    return "".join(iter_full(diagnostics, color=color, source_lines=source_lines, cwd=cwd, locate=locate))


def iter_full(
    diagnostics: Iterable[Diagnostic],
    *,
    color: bool = False,
    source_lines: SourceLines | None = None,
    cwd: str | None = None,
    locate: Locator = plain_location,
) -> Iterator[str]:
    """`render_full`, one finding's block at a time."""
    paint = _Paint(color)
    for d in diagnostics:
        out: list[str] = []
        fg = _SEVERITY_COLORS[Severity(d.severity)]
        where = locate(d.span)
        gutter = " " * len(str(where.frame_line))
        out.append(
            f"{paint(d.code, fg=fg, bold=True)} {paint(f'[{Severity(d.severity).value}]', fg=fg)}"
            f" {paint(d.message, bold=True)}"
        )
        out.append(f"{gutter}{paint('-->', fg='blue', bold=True)} {where.label(cwd)}")
        lines = source_lines(d.span.path) if source_lines is not None else None
        out.extend(_frame(d.span, lines, paint, fg, where.frame_line))
        for related in d.related:
            notes = paint(":::", fg="blue", bold=True)
            out.append(f"{gutter}{notes} {_where(related.span, cwd, locate)} {related.message}")
        if d.fix is not None and d.fix.title:
            out.append(f"{paint('help', fg='cyan', bold=True)}: {d.fix.title}")
        out.append("")
        yield "".join(line + "\n" for line in out)


def render_concise(
    diagnostics: Sequence[Diagnostic],
    *,
    color: bool = False,
    cwd: str | None = None,
    locate: Locator = plain_location,
) -> str:
    """One line per finding: `path:line:col: CODE message`."""
    return "".join(iter_concise(diagnostics, color=color, cwd=cwd, locate=locate))


def iter_concise(
    diagnostics: Iterable[Diagnostic],
    *,
    color: bool = False,
    cwd: str | None = None,
    locate: Locator = plain_location,
) -> Iterator[str]:
    """`render_concise`, one line at a time."""
    paint = _Paint(color)
    for d in diagnostics:
        code = paint(d.code, fg=_SEVERITY_COLORS[Severity(d.severity)], bold=True)
        yield f"{paint(_where(d.span, cwd, locate), bold=True)}: {code} {d.message}\n"


def _plural(count: int, word: str) -> str:
    if count == 1 or word == "info":
        return f"{count} {word}"
    return f"{count} {word}s"


def summary_line(diagnostics: Sequence[Diagnostic], failed_paths: int = 0) -> str:
    """`Found 3 findings (2 errors, 1 warning) in 2 files.` or `All checks passed!`.

    `failed_paths` counts paths that could not be checked: the line then says so
    instead of claiming everything passed.
    """
    failed = f"{_plural(failed_paths, 'path')} could not be checked" if failed_paths else ""
    if not diagnostics:
        return f"No findings, but {failed}." if failed else "All checks passed!"
    by_severity = Counter(Severity(d.severity) for d in diagnostics)
    parts = [
        _plural(by_severity[sev], sev.value)
        for sev in (Severity.ERROR, Severity.WARNING, Severity.INFO)
        if by_severity[sev]
    ]
    files = len({d.span.path for d in diagnostics})
    line = f"Found {_plural(len(diagnostics), 'finding')} ({', '.join(parts)}) in {_plural(files, 'file')}"
    return f"{line}; {failed}." if failed else f"{line}."


def rule_counts(diagnostics: Sequence[Diagnostic]) -> list[tuple[str, str, str, int]]:
    """(code, name, severity, count) per rule, most frequent first, then by code."""
    counts = Counter(d.code for d in diagnostics)
    first: dict[str, Diagnostic] = {}
    for d in diagnostics:
        first.setdefault(d.code, d)
    rows = [(code, first[code].name, Severity(first[code].severity).value, n) for code, n in counts.items()]
    return sorted(rows, key=lambda row: (-row[3], row[0]))


def render_statistics(diagnostics: Sequence[Diagnostic], *, color: bool = False) -> str:
    """A table with one line per rule: count, code, severity, name."""
    paint = _Paint(color)
    rows = rule_counts(diagnostics)
    if not rows:
        return ""
    count_width = max(len(str(row[3])) for row in rows)
    severity_width = max(len(row[2]) for row in rows)
    out = []
    for code, name, severity, count in rows:
        fg = _SEVERITY_COLORS[Severity(severity)]
        out.append(f"{count:>{count_width}}  {paint(code, fg=fg, bold=True)}  {severity:<{severity_width}}  {name}\n")
    return "".join(out)

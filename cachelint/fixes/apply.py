"""Applying fixes to a file's text: the one function `--fix`, `--diff` and the language server share.

Pure text work: the edits were written (with libcst) when the finding was made, so applying
them needs neither libcst nor the analysis."""

from __future__ import annotations

import re
from collections.abc import Sequence

from cachelint.diagnostics import Applicability, Diagnostic, Edit

# Python's own line breaks, as ast counts lines (str.splitlines would also split on \f, \x1c, ...).
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def line_starts(source: str) -> list[int]:
    """The offset where each line of `source` starts (index 0 is line 1)."""
    return [0, *(m.end() for m in _LINE_BREAK.finditer(source))]


def offset(starts: Sequence[int], source: str, line: int, column: int) -> int | None:
    """The offset of 1-based (line, column) in `source`; None when outside it."""
    if not 1 <= line <= len(starts):
        return None
    at = starts[line - 1] + column - 1
    end = starts[line] if line < len(starts) else len(source)
    return at if starts[line - 1] <= at <= end else None


def applicable(d: Diagnostic, unsafe: bool) -> bool:
    """Does `d` carry edits that this mode applies (safe ones; unsafe ones too when asked)?"""
    fix = d.fix
    if fix is None or not fix.edits:
        return False
    return fix.applicability == Applicability.SAFE or (unsafe and fix.applicability == Applicability.UNSAFE)


def apply_fixes(source: str, diagnostics: Sequence[Diagnostic], unsafe: bool,
                path: str | None = None) -> tuple[str, list[Diagnostic]]:
    """`source` with the fixes of `diagnostics` applied, and the findings whose fixes were.

    `path` names the file `source` is: only fixes whose edits land there are applied (a
    finding's fix may edit the helper module that writes the text). Without it, every fix
    given is taken to be for `source`.

    Safe fixes only, unless `unsafe`. A fix whose edits overlap an edit already taken, or fall
    outside the text, is left out: the findings are re-linted after fixing, and a fix that still
    applies then is taken in the next round (as ruff does). Applying the result's fixes again
    changes nothing, since each fix removes its finding."""
    starts = line_starts(source)
    taken: list[tuple[int, int]] = []  # offset ranges already edited
    chosen: list[tuple[int, int, str]] = []
    applied: list[Diagnostic] = []
    for d in sorted((d for d in diagnostics if applicable(d, unsafe)), key=Diagnostic.sort_key):
        assert d.fix is not None  # applicable() checked
        if path is not None and d.fix.target(d.span) != path:
            continue
        ranges = _ranges(d.fix.edits, starts, source)
        if ranges is None or any(_overlap(r, t) for r in ranges for t in taken):
            continue
        taken.extend((a, b) for a, b, _ in ranges)
        chosen.extend(ranges)
        applied.append(d)
    return _applied(source, chosen), applied


def apply_edits(source: str, edits: Sequence[Edit]) -> str:
    """`source` with `edits` applied (they must not overlap); unchanged when one falls outside it."""
    ranges = _ranges(edits, line_starts(source), source)
    return source if ranges is None else _applied(source, ranges)


def _applied(source: str, ranges: Sequence[tuple[int, int, str]]) -> str:
    out = source
    # From the end, so earlier offsets stay valid; insertions at one offset keep their order.
    for start, end, content in sorted(ranges, key=lambda r: (r[0], r[1]), reverse=True):
        out = out[:start] + content + out[end:]
    return out


def _ranges(edits: Sequence[Edit], starts: Sequence[int], source: str) -> list[tuple[int, int, str]] | None:
    out = []
    for e in edits:
        a = offset(starts, source, e.line, e.column)
        b = offset(starts, source, e.end_line, e.end_column)
        if a is None or b is None or b < a:
            return None
        out.append((a, b, e.content))
    return out


def _overlap(r: tuple[int, int, str] | tuple[int, int], t: tuple[int, int]) -> bool:
    """Do two ranges touch? Two insertions at one point count as overlapping: their order
    would be a guess."""
    a, b = r[0], r[1]
    c, d = t
    if a == b or c == d:
        return c <= a <= d or a <= c <= b
    return a < d and c < b

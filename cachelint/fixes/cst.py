"""Writing a fix with libcst: rewrite the expression at a finding's range, keep everything else.

The analysis runs on `ast`, which drops comments and formatting; a fix is written on libcst's
concrete tree of just the expression the finding points at, so its comments, line breaks and
quotes come back as written, and the edits are the characters that changed."""

from __future__ import annotations

import ast
import difflib
import importlib.util
from collections.abc import Callable
from typing import TYPE_CHECKING

from cachelint.diagnostics import Edit, Span
from cachelint.fixes.apply import line_starts, offset

if TYPE_CHECKING:
    import libcst as cst

# What to install when it is missing (pyproject.toml: the `fix` extra).
INSTALL_HINT = "pip install 'cachelint-llm[fix]'"

Transform = Callable[["cst.BaseExpression"], "cst.BaseExpression | None"]


def can_write_fixes() -> bool:
    """Is libcst installed? It is an optional extra: without it findings carry no edits (their
    fixes are advice) and --fix says what to install."""
    try:
        return importlib.util.find_spec("libcst") is not None
    except (ImportError, ValueError):  # a finder that refuses it, or a broken installation
        return False


def span_text(text: str, span: Span) -> str | None:
    """The text `span` covers in `text`; None when the span is not inside it."""
    starts = line_starts(text)
    a = offset(starts, text, span.line, span.column)
    b = offset(starts, text, span.end_line, span.end_column)
    return None if a is None or b is None or b < a else text[a:b]


def rewrite(text: str | None, span: Span, transform: Transform) -> tuple[Edit, ...]:
    """The edits that replace the expression at `span` in `text` by `transform` of its libcst
    node; () when there is no text, the range is not one expression, `transform` declines
    (returns None) or its result would not parse."""
    if text is None:
        return ()
    snippet = span_text(text, span)
    if not snippet:
        return ()
    try:
        # A quarter of a second to import: paid only by a run that writes a fix.
        import libcst as cst  # why: optional (the `fix` extra), and slow to import
    except ImportError:
        return ()

    try:
        # In parentheses: an expression that spans lines inside a call's brackets parses alone.
        wrapped = cst.parse_expression("(" + snippet + ")")
    except cst.ParserSyntaxError:
        return ()
    if not wrapped.lpar or not wrapped.rpar:
        return ()
    node = wrapped.with_changes(lpar=wrapped.lpar[1:], rpar=wrapped.rpar[:-1])
    new = transform(node)
    if new is None:
        return ()
    code = cst.Module(body=[]).code_for_node(new)
    if code == snippet:
        return ()
    try:
        ast.parse("(" + code + ")", mode="eval")
    except SyntaxError:
        return ()
    return edits_between(snippet, code, span.line, span.column)


def edits_between(old: str, new: str, line: int, column: int) -> tuple[Edit, ...]:
    """The character edits that turn `old` (written from `line`:`column`) into `new`."""
    starts = line_starts(old)

    def position(at: int) -> tuple[int, int]:
        n = max(i for i, s in enumerate(starts) if s <= at)
        return (line + n, (column if n == 0 else 1) + at - starts[n])

    out = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        inserted = new[j1:j2]
        if op == "insert":
            i1, inserted = _readable_insertion(old, i1, inserted)
            i2 = i1
        (l1, c1), (l2, c2) = position(i1), position(i2)
        out.append(Edit(l1, c1, l2, c2, inserted))
    return tuple(out)


def _readable_insertion(old: str, at: int, inserted: str) -> tuple[int, str]:
    """The same insertion, moved right past punctuation it starts with: the matcher may align
    `join(` + `sorted(` as `join` + `(sorted` + `(`, the same text but an edit no one would write."""
    while inserted and at < len(old) and inserted[0] == old[at] and not (inserted[0].isalnum() or inserted[0] == "_"):
        inserted = inserted[1:] + old[at]
        at += 1
    return at, inserted


def replace_span(text: str, at: Span, source: Span, movable: Callable[[str], bool]) -> tuple[Edit, ...]:
    """The edit that writes the expression at `source` in place of the one at `at` (both in
    `text`); () unless both are expressions and every name `source` uses is `movable` (means
    the same at `at`)."""
    old, new = span_text(text, at), span_text(text, source)
    if not old or not new or old == new:
        return ()
    try:
        import libcst as cst  # why: optional (the `fix` extra) and slow to import: loaded only when a fix is written
    except ImportError:
        return ()
    try:
        for snippet in (old, new):
            cst.parse_expression("(" + snippet + ")")
        tree = ast.parse("(" + new + ")", mode="eval")
    except (cst.ParserSyntaxError, SyntaxError):
        return ()
    if not all(movable(n.id) for n in ast.walk(tree) if isinstance(n, ast.Name)):
        return ()
    if any(isinstance(n, ast.Call | ast.Lambda | ast.NamedExpr | ast.Await) for n in ast.walk(tree)):
        return ()  # evaluated once more, or somewhere else: not the same value
    return (Edit(at.line, at.column, at.end_line, at.end_column, new),)

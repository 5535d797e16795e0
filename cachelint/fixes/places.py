"""Where a fix may edit: questions about the file's own tree (parsed with `ast`, as the analysis
does), asked only when a fix is written."""

from __future__ import annotations

import ast
from collections.abc import Sequence

from cachelint.diagnostics import Span
from cachelint.fixes.apply import line_starts

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def parse(text: str) -> ast.Module | None:
    """The file's tree, parsed again for each question: only a finding's fix asks."""
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError):
        return None


def scope_of(text: str, line: int) -> tuple[int, int] | None:
    """The lines of the innermost function or class around `line` ((0, 0): module level);
    None when the text does not parse."""
    tree = parse(text)
    if tree is None:
        return None
    best = (0, 0)
    for node in ast.walk(tree):
        if isinstance(node, _SCOPES):
            start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", ()))])
            end = node.end_lineno or node.lineno
            if start <= line <= end and (best == (0, 0) or end - start < best[1] - best[0]):
                best = (start, end)
    return best


def same_scope(text: str, a: Span, b: Span) -> bool:
    """Are `a` and `b` written in the same function (both in one file, and that function the
    innermost one around each)? A value written in the function that makes a call serves that
    call only."""
    if a.path != b.path:
        return False
    first = scope_of(text, a.line)
    return first is not None and first == scope_of(text, b.line) == scope_of(text, b.end_line)


def defined_at_module_level(text: str, name: str) -> bool:
    """Is `name` assigned (or imported) at the top level of the module, so it means the same
    anywhere in it?"""
    tree = parse(text)
    if tree is None:
        return False
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                return True
        elif isinstance(node, ast.Import | ast.ImportFrom) and any(
                (a.asname or a.name.split(".")[0]) == name for a in node.names):
            return True
    return False


def char_span(text: str, node: ast.AST, path: str, starts: Sequence[int] | None = None) -> Span:
    """Where `node` is written, with columns in characters (ast counts UTF-8 bytes), as Span has
    them. `starts`: the text's line_starts, when the caller asks for many nodes of one text."""
    if starts is None:
        starts = line_starts(text)

    def column(line: int, byte: int) -> int:
        begin = starts[line - 1] if line <= len(starts) else len(text)
        return len(text[begin:begin + byte].encode("utf-8")[:byte].decode("utf-8", errors="ignore")) + 1

    line = getattr(node, "lineno", 1)
    end_line = getattr(node, "end_lineno", None) or line
    end = getattr(node, "end_col_offset", None) or 0
    return Span(path, line, column(line, getattr(node, "col_offset", 0)), end_line, column(end_line, end))


def enclosing_function(tree: ast.Module, line: int) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The innermost function whose body holds `line`."""
    best: ast.FunctionDef | ast.AsyncFunctionDef | None = None
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.lineno <= line <= (
                node.end_lineno or node.lineno) and (best is None or node.lineno >= best.lineno):
            best = node
    return best

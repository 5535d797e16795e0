"""Where a fix may edit: questions about the file's own tree (parsed with `ast`, as the analysis
does), asked only when a fix is written."""

from __future__ import annotations

import ast

from cachelint.diagnostics import Span

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def _tree(text: str) -> ast.Module | None:
    """The file's tree, parsed again for each question: only a finding's fix asks."""
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError):
        return None


def scope_of(text: str, line: int) -> tuple[int, int] | None:
    """The lines of the innermost function or class around `line` ((0, 0): module level);
    None when the text does not parse."""
    tree = _tree(text)
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
    tree = _tree(text)
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

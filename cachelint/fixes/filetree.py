"""One file's `ast` tree, indexed for the questions moving fixes (CL101, CL102) ask many times:
each node's parent, the expressions that start on each line, the functions and scopes. Parsed
once per file and lint of a module (RuleContext keeps them), not once per finding: a module
with hundreds of findings would otherwise be parsed and walked hundreds of times."""

from __future__ import annotations

import ast
from collections.abc import Callable

from cachelint.diagnostics import Span
from cachelint.fixes.apply import line_starts
from cachelint.fixes.places import char_span, parse

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)

Function = ast.FunctionDef | ast.AsyncFunctionDef
TreeOf = Callable[[str], "FileTree | None"]


class FileTree:
    """A parsed file with each node's parent and its expressions by first line."""

    def __init__(self, text: str, tree: ast.Module, path: str) -> None:
        self.text = text
        self.tree = tree
        self.path = path
        self.starts = line_starts(text)
        self.parents: dict[int, ast.AST] = {}
        self.by_line: dict[int, list[ast.expr]] = {}
        # (first line, last line, node) of each function, class and lambda
        self.scopes: list[tuple[int, int, ast.AST]] = []
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                self.parents[id(child)] = node
            if isinstance(node, ast.expr):
                self.by_line.setdefault(node.lineno, []).append(node)
            if isinstance(node, _SCOPES):
                start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", ()))])
                self.scopes.append((start, node.end_lineno or node.lineno, node))

    @staticmethod
    def of(text: str | None, path: str) -> FileTree | None:
        module = None if text is None else parse(text)
        return None if text is None or module is None else FileTree(text, module, path)

    def parent(self, node: ast.AST) -> ast.AST | None:
        return self.parents.get(id(node))

    def span(self, node: ast.AST) -> Span:
        return char_span(self.text, node, self.path, self.starts)

    def at(self, span: Span) -> ast.expr | None:
        """The expression written exactly at `span`, else the smallest one starting on its
        line around it, else the smallest one around it."""
        best = self._smallest(self.by_line.get(span.line, []), span)
        if best is None:
            best = self._smallest([n for line, nodes in self.by_line.items() if line <= span.line for n in nodes
                                   if span.line <= (n.end_lineno or n.lineno)], span)
        return best

    def _smallest(self, nodes: list[ast.expr], span: Span) -> ast.expr | None:
        best: ast.expr | None = None
        best_size: tuple[int, int] | None = None
        for node in nodes:
            s = self.span(node)
            if not inside(span, s):
                continue
            size = (s.end_line - s.line, s.end_column - s.column if s.end_line == s.line else 10**6)
            if best_size is None or size < best_size:
                best, best_size = node, size
        return best

    def call_at(self, span: Span) -> ast.Call | None:
        """The call written exactly at `span`."""
        return next((n for n in self.by_line.get(span.line, []) if isinstance(n, ast.Call) and self.span(n) == span),
                    None)

    def function_at(self, line: int) -> Function | None:
        """The innermost function whose lines hold `line`."""
        found: list[tuple[int, Function]] = [
            (start, node) for start, end, node in self.scopes
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.lineno <= line <= end]
        return max(found, key=lambda f: f[0])[1] if found else None

    def scope_at(self, line: int) -> tuple[int, int]:
        """The lines of the innermost function, class or lambda around `line` ((0, 0): module level)."""
        found = [(start, end) for start, end, _ in self.scopes if start <= line <= end]
        return min(found, key=lambda s: s[1] - s[0]) if found else (0, 0)

    def same_scope(self, a: Span, b: Span) -> bool:
        """Are `a` and `b` written in the same innermost function (or class, or lambda)?"""
        return a.path == b.path == self.path and self.scope_at(a.line) == self.scope_at(b.line) == \
            self.scope_at(b.end_line)

    def function_of(self, node: ast.AST) -> Function | None:
        at = self.parent(node)
        while at is not None and not isinstance(at, _SCOPES):
            at = self.parent(at)
        return at if isinstance(at, ast.FunctionDef | ast.AsyncFunctionDef) else None

    def single_use(self, assign: ast.Assign | ast.AnnAssign) -> ast.Name | None:
        """For `name = value` in a function, where `name` is bound there once and read once
        (after it): that read."""
        target: ast.expr | None = None
        if isinstance(assign, ast.Assign) and len(assign.targets) == 1:
            target = assign.targets[0]
        elif isinstance(assign, ast.AnnAssign) and assign.value is not None:
            target = assign.target
        if not isinstance(target, ast.Name):
            return None
        function = self.function_of(assign)
        if function is None:
            return None
        name = target.id
        stores: list[ast.Name] = []
        loads: list[ast.Name] = []
        for node in ast.walk(function):
            if isinstance(node, ast.Name) and node.id == name:
                (loads if isinstance(node.ctx, ast.Load) else stores).append(node)
            elif (isinstance(node, ast.Global | ast.Nonlocal) and name in node.names) or (
                    isinstance(node, ast.arg) and node.arg == name):
                return None
        if stores != [target] or len(loads) != 1 or self.function_of(loads[0]) is not function:
            return None
        if (loads[0].lineno, loads[0].col_offset) < (assign.lineno, assign.col_offset):
            return None
        return loads[0]

    def within(self, node: ast.AST, outer: ast.AST) -> bool:
        """Is `node` `outer` or inside it?"""
        at: ast.AST | None = node
        while at is not None:
            if at is outer:
                return True
            at = self.parent(at)
        return False


def inside(inner: Span, outer: Span) -> bool:
    return inner.path == outer.path and (outer.line, outer.column) <= (inner.line, inner.column) and \
        (inner.end_line, inner.end_column) <= (outer.end_line, outer.end_column)

"""How a value written in a prompt's text reaches the request, read from the file's own tree:
through which string-building expressions (f-strings, `+`, `.format`, `%`, `sep.join([...])`)
and variables used once, and where the text ends up (a keyword of a call, a dict value, a
positional argument, a `return`). A fix that moves the value to the end of that text asks it."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from cachelint.fixes.filetree import FileTree


@dataclass(frozen=True)
class Level:
    """One string-building expression on the way: `node` builds the text, `piece` is its part
    the value is in (a placeholder, an operand, a keyword, an argument, an element), `items`
    the list literal a `join` joins (written where the list is)."""

    kind: str  # "fstring", "chain", "format", "percent" or "join"
    node: ast.expr
    piece: ast.AST
    items: ast.List | ast.Tuple | None = None


@dataclass(frozen=True)
class Flow:
    levels: tuple[Level, ...]  # innermost first
    top: ast.expr  # the whole text, as it reaches `sink`
    sink: ast.AST | None  # what takes the text: a keyword, a Dict, a Call, a Return


def climb(tree: FileTree, start: ast.expr) -> Flow:
    """The way of the text holding `start` to where it is used."""
    levels: list[Level] = []
    at: ast.expr = start
    while True:
        parent = tree.parent(at)
        if isinstance(parent, ast.FormattedValue) and parent.value is at:
            holder = tree.parent(parent)
            if not isinstance(holder, ast.JoinedStr) or isinstance(tree.parent(holder), ast.FormattedValue):
                return Flow(tuple(levels), at, None)  # a format spec: not text of its own
            levels.append(Level("fstring", holder, parent))
            at = holder
        elif isinstance(parent, ast.BinOp) and isinstance(parent.op, ast.Add):
            top: ast.expr = parent
            while isinstance(up := tree.parent(top), ast.BinOp) and isinstance(up.op, ast.Add):
                top = up
            piece = next(o for o in operands(top) if o is at or _contains(o, at))
            levels.append(Level("chain", top, piece))
            at = top
        elif (template := _percent(tree, at)) is not None:
            levels.append(Level("percent", template, at))
            at = template
        elif isinstance(parent, ast.keyword) and parent.arg and _is_format(tree.parent(parent)):
            call = tree.parent(parent)
            assert isinstance(call, ast.Call)  # _is_format checked
            levels.append(Level("format", call, parent))
            at = call
        elif isinstance(parent, ast.List | ast.Tuple) and at in parent.elts and not _starred(parent):
            use: ast.expr = parent
            owner = tree.parent(parent)
            if isinstance(owner, ast.Assign | ast.AnnAssign):
                read = tree.single_use(owner)
                if read is None:
                    return Flow(tuple(levels), at, parent)
                use = read
            call = tree.parent(use)
            if not (isinstance(call, ast.Call) and call.args == [use] and not call.keywords
                    and isinstance(call.func, ast.Attribute) and call.func.attr == "join"
                    and _is_str(call.func.value)):
                return Flow(tuple(levels), at, parent)
            levels.append(Level("join", call, at, parent))
            at = call
        elif isinstance(parent, ast.Assign | ast.AnnAssign) and parent.value is at:
            read = tree.single_use(parent)
            if read is None:
                return Flow(tuple(levels), at, parent)
            at = read
        else:
            return Flow(tuple(levels), at, parent)


def _percent(tree: FileTree, at: ast.expr) -> ast.BinOp | None:
    """The `"..." % (...)` that formats `at` (its one argument, or one of its tuple's)."""
    parent = tree.parent(at)
    holder = tree.parent(parent) if isinstance(parent, ast.Tuple) else parent
    if isinstance(holder, ast.BinOp) and isinstance(holder.op, ast.Mod) and _is_str(holder.left) and (
            holder.right is at or (isinstance(parent, ast.Tuple) and holder.right is parent)):
        return holder
    return None


def operands(chain: ast.expr) -> list[ast.expr]:
    """The operands of `a + b + c`, left to right."""
    if isinstance(chain, ast.BinOp) and isinstance(chain.op, ast.Add):
        return [*operands(chain.left), *operands(chain.right)] if not _grouped_right(chain) else \
            [*operands(chain.left), chain.right]
    return [chain]


def _grouped_right(chain: ast.BinOp) -> bool:
    # `a + (b + c)`: the right operand is grouped, and stays one operand.
    return isinstance(chain.right, ast.BinOp) and isinstance(chain.right.op, ast.Add)


def _contains(outer: ast.AST, inner: ast.AST) -> bool:
    return any(n is inner for n in ast.walk(outer))


def _is_str(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _is_format(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"


def _starred(items: ast.List | ast.Tuple) -> bool:
    return any(isinstance(e, ast.Starred) for e in items.elts)

"""`sorted(...)` around what a `str.join` iterates: the same items, in one order in every process
(CL103; CL202 for tools)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from cachelint.diagnostics import Edit, Span
from cachelint.fixes.cst import can_write_fixes, rewrite, span_text
from cachelint.fixes.places import char_span, enclosing_function, parse

if TYPE_CHECKING:
    import libcst as cst

# Calls whose result has no fixed order, or keeps the order of what they are given.
_UNORDERED_CALLS = {"set", "frozenset", "listdir", "scandir", "glob", "iglob", "iterdir", "rglob", "keys", "values",
                    "list", "tuple", "union", "intersection", "difference", "symmetric_difference"}


def sorted_join(text: str | None, span: Span) -> tuple[Edit, ...]:
    """`sep.join(items)` at `span` -> `sep.join(sorted(items))`. Only for a join: what it
    iterates are strings, so `sorted` always works, and the joined text keeps its form (a set
    formatted whole, `f"{TAGS}"`, would print as a list: not the same text, so no fix)."""
    return rewrite(text, span, _sort_join_argument)


def _sort_join_argument(node: cst.BaseExpression) -> cst.BaseExpression | None:
    import libcst as cst  # why: optional (the `fix` extra) and slow to import: loaded only when a fix is written

    if not (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "join"):
        return None
    if len(node.args) != 1 or node.args[0].keyword is not None or node.args[0].star:
        return None
    arg = node.args[0]
    if not _iterable_to_sort(arg.value):
        return None
    wrapped = cst.Call(func=cst.Name("sorted"), args=[cst.Arg(value=arg.value)])
    return node.with_changes(args=[arg.with_changes(value=wrapped)])


def _iterable_to_sort(value: cst.BaseExpression) -> bool:
    """Is `value` the unordered thing itself (a name holding it, a set, a listing, or a
    comprehension over one), rather than text built around it (`a + list(s)`: sorting that
    would also reorder the ordered part)?"""
    import libcst as cst  # why: optional (the `fix` extra) and slow to import: loaded only when a fix is written

    if isinstance(value, cst.Name | cst.Attribute | cst.Set | cst.SetComp):
        return True
    if isinstance(value, cst.Call):
        func = value.func
        name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
        return name in _UNORDERED_CALLS
    if isinstance(value, cst.GeneratorExp | cst.ListComp):
        return isinstance(value.for_in.inner_for_in, type(None))  # one `for`: one order to fix
    return False


# Listings of the file system: paths or names, which sort among themselves.
_LISTINGS = frozenset({"listdir", "glob", "iglob", "iterdir", "rglob"})


def sorted_tools_source(text: str | None, call: Span, source: Span) -> tuple[Edit, ...]:
    """`for n in sorted(ENABLED)` where the call's `tools=` list is built by a comprehension over
    the unordered value written at `source` (a set of strings, a directory listing), directly or
    through a name assigned it in the calling function or at module level (CL202). Sorting those
    always works and the tools are the same, in one order."""
    if text is None or not can_write_fixes():
        return ()
    tree = parse(text)
    written = span_text(text, source)
    if tree is None or written is None or not _sortable(written):
        return ()
    found = next((n for n in ast.walk(tree) if isinstance(n, ast.Call) and char_span(text, n, call.path) == call),
                 None)
    tools = next((k.value for k in found.keywords if k.arg == "tools"), None) if found is not None else None
    if tools is None:
        return ()
    names = _names_of(tree, text, call, source)
    for comp in ast.walk(tools):
        if not isinstance(comp, ast.ListComp | ast.GeneratorExp) or len(comp.generators) != 1:
            continue
        it = comp.generators[0].iter
        at = char_span(text, it, call.path)
        if at == source or (isinstance(it, ast.Name) and it.id in names):
            return rewrite(text, at, _wrapped_in_sorted)
    return ()


def _sortable(written: str) -> bool:
    """Is the value a set of strings, or a listing of the file system?"""
    try:
        node = ast.parse("(" + written + ")", mode="eval").body
    except SyntaxError:
        return False
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("set", "frozenset") \
            and len(node.args) == 1 and not node.keywords:
        node = node.args[0]
    if isinstance(node, ast.Set | ast.List | ast.Tuple):
        return all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts)
    if isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        return name in _LISTINGS
    return False


def _names_of(tree: ast.Module, text: str, call: Span, source: Span) -> set[str]:
    """Names assigned the value at `source` once, at module level or in the calling function."""
    function = enclosing_function(tree, call.line)
    bodies: list[ast.AST] = [*tree.body, *([function] if function is not None else [])]
    out: set[str] = set()
    assigned: dict[str, int] = {}
    for body in bodies:
        nodes = ast.walk(body) if body is function else [body]
        for n in nodes:
            if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name):
                name = n.targets[0].id
                assigned[name] = assigned.get(name, 0) + 1
                if char_span(text, n.value, call.path) == source:
                    out.add(name)
    return {n for n in out if assigned[n] == 1}


def _wrapped_in_sorted(node: cst.BaseExpression) -> cst.BaseExpression | None:
    import libcst as cst  # why: optional (the `fix` extra) and slow to import: loaded only when a fix is written

    return cst.Call(func=cst.Name("sorted"), args=[cst.Arg(value=node)])

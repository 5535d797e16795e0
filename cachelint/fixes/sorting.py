"""`sorted(...)` around what a `str.join` iterates: the same items, in one order in every process
(CL103; CL202 for tools)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cachelint.diagnostics import Edit, Span
from cachelint.fixes.cst import rewrite

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

"""`sort_keys=True` on a `json.dumps` call: the same data, its keys in one order on every call (CL104)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cachelint.diagnostics import Edit, Span
from cachelint.fixes.cst import rewrite

if TYPE_CHECKING:
    import libcst as cst


def sort_json_keys(text: str | None, span: Span) -> tuple[Edit, ...]:
    """`json.dumps(data, ...)` at `span` -> `json.dumps(data, ..., sort_keys=True)` (or
    `sort_keys=False` made `True`)."""
    return rewrite(text, span, _with_sort_keys)


def _with_sort_keys(node: cst.BaseExpression) -> cst.BaseExpression | None:
    import libcst as cst  # why: optional (the `fix` extra) and slow to import: loaded only when a fix is written

    if not isinstance(node, cst.Call) or not node.args:
        return None
    func = node.func
    name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
    if name != "dumps" or any(a.star for a in node.args):
        return None  # `**options` may already carry sort_keys
    args = list(node.args)
    for i, a in enumerate(args):
        if a.keyword is not None and a.keyword.value == "sort_keys":
            if not (isinstance(a.value, cst.Name) and a.value.value == "False"):
                return None
            args[i] = a.with_changes(value=cst.Name("True"))
            return node.with_changes(args=args)
    last = args[-1]
    added = cst.Arg(value=cst.Name("True"), keyword=cst.Name("sort_keys"),
                    equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                                          whitespace_after=cst.SimpleWhitespace("")))
    if isinstance(last.comma, cst.Comma):
        # A trailing comma (often before a closing bracket on its own line): the new argument
        # takes it, and the last one gets the separator written between the others (else what
        # follows the `(`, without its comment).
        between = _separator(node)
        args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=between))
        args.append(added.with_changes(comma=last.comma))
    else:
        args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        args.append(added)
    return node.with_changes(args=args)


def _separator(node: cst.Call) -> cst.BaseParenthesizableWhitespace:
    import libcst as cst  # why: optional (the `fix` extra) and slow to import: loaded only when a fix is written

    if len(node.args) > 1 and isinstance(node.args[-2].comma, cst.Comma):
        return node.args[-2].comma.whitespace_after
    first = node.whitespace_before_args
    if isinstance(first, cst.ParenthesizedWhitespace):
        return first.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=())
    return first if isinstance(first, cst.SimpleWhitespace) and first.value else cst.SimpleWhitespace(" ")

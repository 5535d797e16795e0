"""Moving a changing value to the end of the text it is written in (CL101, CL102): the line of
an f-string or `.format`/`%` template, the operand of a `+` chain or the item of a
`sep.join([...])` that holds it goes last, with the line breaks that separated it.

Unsafe: the model reads the same facts in another place. The text stays where it is written
(a helper or prompt module of the project, the template's own definition), so every call that
sends it gets the same order; it is written only where that text is certainly the whole of what
the request receives there (passed as a keyword, a message's content, the wrapper's argument,
or returned by a helper whose call is used so), so the value ends up after all of it."""

from __future__ import annotations

import ast
import itertools
import re
from collections.abc import Callable, Sequence

from cachelint.diagnostics import Edit, Span
from cachelint.fixes.apply import apply_edits, line_starts, offset
from cachelint.fixes.cst import can_write_fixes, edits_between, span_text
from cachelint.fixes.definitions import definition
from cachelint.fixes.filetree import FileTree, TreeOf
from cachelint.fixes.textflow import Flow, Level, climb, operands
from cachelint.fixes.textlines import Token, Written, cut_line, lines_of, trailing_breaks, written

# A `%` conversion: `%s`, `%(name)s`, `%-10.2f`; `%%` takes no argument.
_SPEC = re.compile(r"%(?:\((?P<key>[^)]*)\))?[#0\- +]*(?P<width>\*|\d+)?(?:\.(?P<prec>\*|\d+))?[hlL]?"
                   r"(?P<conv>[diouxXeEfFgGcrsa%])")
_COMMENT = re.compile(r"#[^\n]*")
# The keys and keywords under which a request takes a text whole (a message's content, a
# block's text, the instructions); text passed under another name may be put into more text.
_TEXT_KEYS = frozenset({"content", "text", "system", "instructions", "system_instruction", "input"})


def move_to_end(tree_of: TreeOf, members: Sequence[Span], returned_at: Sequence[Span],
                call: Span, values: Sequence[str] = ()) -> tuple[str, tuple[Edit, ...]]:
    """The file and edits that move the value at `members` to the end of its text; ("", ())
    where that cannot be written for certain. `returned_at`: the calls (innermost helper
    first) that return the text, when it is built in helpers; `call`: the request call;
    `values`: each member's value as written, where the analysis names it (a `%` template's
    member is the whole `%` expression: the value tells which argument it is)."""
    if not members or not can_write_fixes() or any(m.path != members[0].path for m in members):
        return "", ()
    path = members[0].path
    tree = tree_of(path)
    if tree is None:
        return "", ()
    flows = []
    for n, m in enumerate(members):
        node = tree.at(m)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            node = _percent_argument(tree, node, values[n] if n < len(values) else "")
        if node is None:
            return "", ()
        flows.append(climb(tree, node))
    if not flows[0].levels or any(not f.levels or f.top is not flows[0].top for f in flows):
        return "", ()
    if not _whole(tree, flows[0], call, list(returned_at), tree_of):
        return "", ()
    outer = flows[0].levels[-1]
    pieces = [f.levels[-1].piece for f in flows]
    if any(f.levels[-1].node is not outer.node for f in flows):
        return "", ()
    where, edits = _edits(tree, outer, pieces, flows[0], members, tree_of)
    changed = tree_of(where) if edits else None
    if changed is None:
        return "", ()
    try:
        ast.parse(apply_edits(changed.text, edits))
    except (SyntaxError, ValueError):
        return "", ()
    return where, edits


def _percent_argument(tree: FileTree, node: ast.BinOp, value: str) -> ast.expr | None:
    """The argument of `"...%s..." % (a, b)` written as `value`, when exactly one is."""
    args = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
    found = [a for a in args if value and span_text(tree.text, tree.span(a)) == value]
    return found[0] if len(found) == 1 else None


def _whole(tree: FileTree, flow: Flow, call: Span, returned_at: list[Span], tree_of: TreeOf) -> bool:
    """Is the text `flow` ends in the whole of what its receiver gets (nothing added after it)?"""
    sink = flow.sink
    if isinstance(sink, ast.keyword) and sink.arg:
        used = tree.parent(sink)
        return sink.arg in _TEXT_KEYS or (isinstance(used, ast.Call) and tree.span(used) == call)
    if isinstance(sink, ast.Dict):
        return any(v is flow.top and isinstance(k, ast.Constant) and k.value in _TEXT_KEYS
                   for k, v in zip(sink.keys, sink.values, strict=True))
    if isinstance(sink, ast.Call):
        return any(a is flow.top for a in sink.args) and tree.span(sink) == call
    if isinstance(sink, ast.Return) and returned_at:
        # A helper's text: its call (where the next helper out, or the request, uses it).
        site = returned_at[0]
        there = tree_of(site.path)
        node = None if there is None else there.call_at(site)
        if there is None or node is None:
            return False
        outer = climb(there, node)
        return not outer.levels and _whole(there, outer, call, returned_at[1:], tree_of)
    return False


def _edits(tree: FileTree, outer: Level, pieces: Sequence[ast.AST], flow: Flow, members: Sequence[Span],
           tree_of: TreeOf) -> tuple[str, tuple[Edit, ...]]:
    if outer.kind == "fstring":
        return tree.path, _fstring(tree, outer.node, members)
    if outer.kind == "chain":
        if len({id(p) for p in pieces}) != 1:
            return "", ()
        inner = flow.levels[-2] if len(flow.levels) > 1 else None
        return tree.path, _chain(tree, outer.node, pieces[0], inner)
    if outer.kind == "join":
        if len({id(p) for p in pieces}) != 1 or outer.items is None:
            return "", ()
        items = outer.items
        k = next(i for i, e in enumerate(items.elts) if e is pieces[0])
        return tree.path, _permute(tree, items.elts, _last(len(items.elts), [k]), ",", {})
    if outer.kind == "format":
        names = {p.arg for p in pieces if isinstance(p, ast.keyword) and p.arg}
        return _format(tree, outer.node, names, tree_of)
    if outer.kind == "percent":
        assert isinstance(outer.node, ast.BinOp)  # a `%` level is one
        return tree.path, _percent(tree, outer.node, pieces)
    return "", ()


def _last(n: int, moved: Sequence[int]) -> list[int]:
    """The order that puts the indices `moved` last."""
    return [i for i in range(n) if i not in moved] + list(moved)


def _relative(tree: FileTree, outer: ast.AST, inner: Span) -> int:
    starts = line_starts(tree.text)
    at = tree.span(outer)
    base = offset(starts, tree.text, at.line, at.column) or 0
    return (offset(starts, tree.text, inner.line, inner.column) or 0) - base


def _fstring(tree: FileTree, node: ast.expr, members: Sequence[Span]) -> tuple[Edit, ...]:
    at = tree.span(node)
    snippet = span_text(tree.text, at)
    shape = None if snippet is None else written(snippet)
    if snippet is None or shape is None:
        return ()
    offsets = [_relative(tree, node, m) for m in members]
    new = _line_last(shape, lambda t: t.kind == "expr" and any(t.start <= a < t.end for a in offsets))
    return () if new is None else edits_between(snippet, new, at.line, at.column)


def _line_last(shape: Written, member: Callable[[Token], bool]) -> str | None:
    """The string with the one line that holds the members (and only placeholders before them
    besides) moved last, before any breaks it ends with; None when it cannot be."""
    tokens = shape.tokens
    lines = lines_of(tokens)
    hit = [n for n, line in enumerate(lines) if any(member(tokens[i]) for i in line)]
    if len(hit) != 1:
        return None
    line = lines[hit[0]]
    first = next(i for i in line if member(tokens[i]))
    if any(tokens[i].kind == "expr" and not member(tokens[i]) for i in line if i > first):
        return None  # another value after it on its line: it would stay behind the moved one
    if not any(lines[n] for n in range(hit[0] + 1, len(lines))):
        return None  # already the last line
    cut = cut_line(tokens, hit[0])
    if cut is None:
        return None
    body, trail = _split_trailing(cut.rest)
    return shape.start + body + cut.breaks + cut.text + trail + shape.end


def _split_trailing(raw: str) -> tuple[str, str]:
    """`raw` (a string's parts as written) without the line breaks it ends with, and those."""
    n = len(raw)
    while True:
        if raw[:n].endswith("\\n"):
            n -= 2
        elif raw[:n].endswith("\n"):
            n -= 1
        else:
            return raw[:n], raw[n:]


def _chain(tree: FileTree, top: ast.expr, piece: ast.AST, inner: Level | None) -> tuple[Edit, ...]:
    parts = operands(top)
    k = next((i for i, p in enumerate(parts) if p is piece), None)
    if k is None or k == len(parts) - 1:
        return ()
    replace: dict[int, str] = {}
    extra: tuple[Edit, ...] = ()
    if k + 1 < len(parts) - 1 and _blank(parts[k + 1]):
        order = _last(len(parts), [k + 1, k])  # the separator goes with it, before it
    else:
        order = _last(len(parts), [k])
        moved = _leading_breaks(tree, parts[k])
        if moved is not None:
            replace[k] = moved
        elif isinstance(parts[k], ast.Name) and inner is not None and inner.kind == "fstring":
            # A variable holding an f-string used once here: its breaks move to its front.
            at = tree.span(inner.node)
            snippet = span_text(tree.text, at)
            new = None if snippet is None else _leading_breaks_text(snippet)
            if snippet is None or new is None:
                return ()
            extra = edits_between(snippet, new, at.line, at.column)
        else:
            return ()  # nothing separates it from the text it would follow
    edits = _permute(tree, parts, order, "+", replace)
    return (*edits, *extra) if edits else ()


def _blank(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value != "" and \
        node.value.strip() == ""


def _leading_breaks(tree: FileTree, node: ast.expr) -> str | None:
    """A string literal or f-string ending in line breaks, written with them at its start."""
    if not isinstance(node, ast.Constant | ast.JoinedStr):
        return None
    snippet = span_text(tree.text, tree.span(node))
    return None if snippet is None else _leading_breaks_text(snippet)


def _leading_breaks_text(snippet: str) -> str | None:
    shape = written(snippet)
    if shape is None:
        return None
    body, breaks = trailing_breaks(shape.tokens)
    if not breaks or not body:
        return None
    return shape.start + breaks + body + shape.end


def _permute(tree: FileTree, parts: Sequence[ast.expr], order: Sequence[int], separator: str,
             replace: dict[int, str]) -> tuple[Edit, ...]:
    """The edit that writes `parts` (consecutive, separated by `separator` and whitespace or
    comments) in `order`, each as written (or as `replace` has it); the separators and line
    breaks between them stay where they were."""
    spans = [tree.span(p) for p in parts]
    texts = [span_text(tree.text, s) for s in spans]
    starts = line_starts(tree.text)
    bounds = [(offset(starts, tree.text, s.line, s.column), offset(starts, tree.text, s.end_line, s.end_column))
              for s in spans]
    if any(t is None for t in texts) or any(a is None or b is None for a, b in bounds):
        return ()
    gaps = []
    for (_, end), (start, _) in itertools.pairwise(bounds):
        assert end is not None and start is not None  # checked above
        gap = tree.text[end:start]
        if _COMMENT.sub("", gap).strip() != separator:
            return ()  # grouped in parentheses, or not one flat run
        gaps.append(gap)
    out = ""
    for n, i in enumerate(order):
        out += replace.get(i, texts[i] or "") + (gaps[n] if n < len(gaps) else "")
    first, last = spans[0], spans[-1]
    old = span_text(tree.text, Span(tree.path, first.line, first.column, last.end_line, last.end_column))
    if old is None:
        return ()
    return edits_between(old, out, first.line, first.column)


def _format(tree: FileTree, call: ast.expr, fields: set[str], tree_of: TreeOf) -> tuple[str, tuple[Edit, ...]]:
    """`TEMPLATE.format(name=...)`: the template's line (or operand) holding the fields goes last,
    where the template is written (a literal in the call, or a module-level constant of this
    module or of the project module it is imported from)."""
    assert isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)  # a `format` level
    template = call.func.value
    owner = tree
    if isinstance(template, ast.Name):
        found = definition(tree, template.id, tree_of)
        if found is None or not isinstance(found.node, ast.Assign | ast.AnnAssign) or found.node.value is None:
            return "", ()
        owner, template = found.tree, found.node.value
    pattern = re.compile(r"(?<!\{)\{(" + "|".join(map(re.escape, sorted(fields))) + r")(?:[.\[!:][^{}]*)?\}")
    anyfield = re.compile(r"(?<!\{)\{[^{}]*\}")
    if isinstance(template, ast.Constant) and isinstance(template.value, str):
        at = owner.span(template)
        snippet = span_text(owner.text, at)
        shape = None if snippet is None else written(snippet)
        if snippet is None or shape is None or shape.is_fstring:
            return "", ()
        new = _template_line_last(shape, pattern, anyfield)
        return (owner.path, edits_between(snippet, new, at.line, at.column)) if new else ("", ())
    if isinstance(template, ast.BinOp) and isinstance(template.op, ast.Add):
        parts = operands(template)
        hit = [i for i, p in enumerate(parts) if isinstance(p, ast.Constant) and isinstance(p.value, str)
               and pattern.search(p.value)]
        if len(hit) != 1 or any(not (isinstance(p, ast.Constant | ast.Name | ast.Attribute)) for p in parts):
            return "", ()
        return owner.path, _chain(owner, template, parts[hit[0]], None)
    return "", ()


def _template_line_last(shape: Written, fields: re.Pattern[str], anyfield: re.Pattern[str]) -> str | None:
    lines = lines_of(shape.tokens)
    texts = ["".join(shape.tokens[i].raw for i in line) for line in lines]
    hit = [n for n, t in enumerate(texts) if fields.search(t)]
    if len(hit) != 1:
        return None
    line = texts[hit[0]]
    first = fields.search(line)
    assert first is not None  # hit
    if any(not fields.fullmatch(m.group(0)) for m in anyfield.finditer(line, first.start())):
        return None  # another field after it on its line: it would stay behind
    marker = shape.tokens[lines[hit[0]][0]]
    return _line_last(shape, lambda t: t is marker)


def _percent(tree: FileTree, node: ast.BinOp, pieces: Sequence[ast.AST]) -> tuple[Edit, ...]:
    """`"...%s..." % (a, b)`: the template line holding the moved arguments' conversions goes
    last, and those arguments with it."""
    at = tree.span(node.left)
    snippet = span_text(tree.text, at)
    shape = None if snippet is None else written(snippet)
    if snippet is None or shape is None or shape.is_fstring:
        return ()
    lines = lines_of(shape.tokens)
    texts = ["".join(shape.tokens[i].raw for i in line) for line in lines]
    specs: list[list[str]] = [[m.group("conv") for m in _SPEC.finditer(t)] for t in texts]
    if any(m.group("width") == "*" or m.group("prec") == "*" or m.group("key") is not None
           for t in texts for m in _SPEC.finditer(t)):
        return ()  # a width taken from the arguments, or a mapping: not one argument per conversion
    args = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
    owner: list[int] = []  # the line of each argument
    for n, convs in enumerate(specs):
        owner.extend(n for c in convs if c != "%")
    if len(owner) != len(args):
        return ()
    moved = [i for i, a in enumerate(args) if any(a is p for p in pieces)]
    hit = {owner[i] for i in moved}
    if len(hit) != 1:
        return ()
    line = hit.pop()
    first = min(moved)
    if any(owner[i] == line and i > first and i not in moved for i in range(len(args))):
        return ()
    marker = shape.tokens[lines[line][0]] if lines[line] else None
    new = None if marker is None else _line_last(shape, lambda t: t is marker)
    if new is None:
        return ()
    edits = edits_between(snippet, new, at.line, at.column)
    if len(args) > 1:
        order = _last(len(args), [i for i in range(len(args)) if owner[i] == line])
        permuted = _permute(tree, args, order, ",", {})
        if not permuted:
            return ()
        edits = (*edits, *permuted)
    return edits

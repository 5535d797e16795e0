"""Moving a changing value out of the shared prefix into the last user message (CL101, CL102):
the line of the f-string that holds it leaves the instructions and opens the user's message.

Unsafe: the model reads the same facts in another place. Written only where it is certainly
the same request otherwise: the f-string and the call (or the project wrapper's call) are
written in one function (a helper's text serves other calls too), the line holds the moved
values and, before them, only text and other values (after them, only module-level number
constants), none of its names is bound again before the call, and the last user message is
written in that function (fixes/destination.py) as an f-string, a parameter annotated `str`, or
a call of a project function annotated `-> str`; a list that ends with the conversation
history gets a new user message after it."""

from __future__ import annotations

import ast
from collections.abc import Sequence

from cachelint.diagnostics import Edit, Span
from cachelint.fixes.apply import apply_edits, line_starts, offset
from cachelint.fixes.cst import can_write_fixes, edits_between, span_text
from cachelint.fixes.definitions import definition, returns_str
from cachelint.fixes.destination import Destination, last_user_message
from cachelint.fixes.filetree import FileTree, TreeOf
from cachelint.fixes.places import char_span
from cachelint.fixes.textlines import Line, Token, Written, cut_line, lines_of, written


def move_to_user(tree_of: TreeOf, call: Span, api: str, members: Sequence[Span], last_slot: str) -> tuple[Edit, ...]:
    """The edits that move the line holding `members` (placeholders of one f-string) to the
    start of the call's last user message; () where that cannot be written for certain."""
    tree = tree_of(call.path)
    if tree is None or not members or not can_write_fixes():
        return ()
    text = tree.text
    node = _innermost_fstring(tree, members[0])
    if node is None:
        return ()
    at = tree.span(node)
    if not all(_inside(m, at) for m in members) or not tree.same_scope(call, at):
        return ()
    destination = last_user_message(tree, call, api, last_slot)
    if destination is None:
        return ()
    target = destination.content if destination.content is not None else destination.after
    assert target is not None  # one of the two is set
    where = tree.span(target)
    if _inside(where, at) or _inside(at, where):
        return ()
    snippet = span_text(text, at)
    shape = None if snippet is None else written(snippet)
    if snippet is None or shape is None or not shape.is_fstring:
        return ()
    cut = _cut(tree.tree, shape, [_relative(text, at, m, tree.starts) for m in members])
    if cut is None or _rebound(tree, node, at, shape, cut, call):
        return ()
    removal = _removal(tree, node, at, snippet, shape, cut.rest)
    addition = _addition(tree_of, tree, call, destination, shape, cut)
    if removal is None or addition is None:
        return ()
    edits = (*removal, *addition)
    try:
        ast.parse(apply_edits(text, edits))
    except (SyntaxError, ValueError):
        return ()
    return edits


def _inside(inner: Span, outer: Span) -> bool:
    return (outer.line, outer.column) <= (inner.line, inner.column) and \
        (inner.end_line, inner.end_column) <= (outer.end_line, outer.end_column)


def _innermost_fstring(tree: FileTree, member: Span) -> ast.JoinedStr | None:
    """The f-string the value at `member` is a placeholder of (not a format spec's)."""
    at: ast.AST | None = tree.at(member)
    while at is not None and (not isinstance(at, ast.JoinedStr) or isinstance(tree.parent(at), ast.FormattedValue)):
        at = tree.parent(at)
    return at if isinstance(at, ast.JoinedStr) else None


def _relative(text: str, outer: Span, inner: Span, starts: Sequence[int] | None = None) -> tuple[int, int]:
    starts = line_starts(text) if starts is None else starts
    base = offset(starts, text, outer.line, outer.column) or 0
    a = offset(starts, text, inner.line, inner.column) or 0
    b = offset(starts, text, inner.end_line, inner.end_column) or 0
    return a - base, b - base


def _cut(tree: ast.Module, shape: Written, members: Sequence[tuple[int, int]]) -> Line | None:
    """The one line of the f-string that holds the members, cut out; None unless every value
    on it after the first member is a member or a module-level number constant."""
    tokens = shape.tokens

    def member(t: Token) -> bool:
        return t.kind == "expr" and any(t.start <= a and b <= t.end for a, b in members)

    lines = lines_of(tokens)
    hit = [n for n, line in enumerate(lines) if any(member(tokens[i]) for i in line)]
    if len(hit) != 1:
        return None
    line = lines[hit[0]]
    if not all(any(tokens[i].start <= a and b <= tokens[i].end for i in line) for a, b in members):
        return None
    first = next(i for i in line if member(tokens[i]))
    numbers = _number_constants(tree)
    for i in line:
        t = tokens[i]
        if i > first and t.kind == "expr" and not member(t) and not _only_names(t.raw, numbers):
            return None  # another value after it: it may be the static text the move is for
    return cut_line(tokens, hit[0])


def _number_constants(tree: ast.Module) -> set[str]:
    out = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                and isinstance(node.value, ast.Constant) and isinstance(node.value.value, int | float):
            out.add(node.targets[0].id)
    return out


def _only_names(raw: str, allowed: set[str]) -> bool:
    try:
        expr = ast.parse(raw.strip()[1:-1].split("!")[0].split(":")[0].strip(), mode="eval")
    except SyntaxError:
        return False
    return isinstance(expr.body, ast.Name) and expr.body.id in allowed


def _rebound(tree: FileTree, node: ast.JoinedStr, at: Span, shape: Written, cut: Line, call: Span) -> bool:
    """Is a name the moved line uses bound again between the f-string and the call (so it
    would not mean the same in the user message)?"""
    low, high = shape.tokens[cut.first].start, shape.tokens[cut.last].end
    used: set[str] = set()
    for value in node.values:
        if isinstance(value, ast.FormattedValue):
            a, b = _relative(tree.text, at, tree.span(value.value), tree.starts)
            if low <= a and b <= high:
                used |= {n.id for n in ast.walk(value.value) if isinstance(n, ast.Name)}
    function = tree.function_at(call.line)
    if function is None:
        return False
    for found in ast.walk(function):
        line = getattr(found, "lineno", 0)
        if not at.end_line < line <= call.end_line:
            continue
        if isinstance(found, ast.Name) and isinstance(found.ctx, ast.Store | ast.Del) and found.id in used:
            return True
        if isinstance(found, ast.Global | ast.Nonlocal) and used & set(found.names):
            return True
    return False


def _removal(tree: FileTree, node: ast.JoinedStr, at: Span, snippet: str, shape: Written,
             rest: str) -> tuple[Edit, ...] | None:
    text = tree.text
    start, end = shape.start, shape.end
    if rest:
        opening = start if "{" in rest or "}" in rest else start.replace("f", "").replace("F", "")
        return edits_between(snippet, opening + rest + end, at.line, at.column)
    # Nothing left: `f"...{x}\n\n" + POLICY` loses its first operand; so does `intro + POLICY`
    # where `intro = f"...{x}\n\n"` is used only there, and that assignment goes.
    operand: ast.expr = node
    dropped: tuple[Edit, ...] = ()
    owner = tree.parent(node)
    if isinstance(owner, ast.Assign | ast.AnnAssign):
        read = tree.single_use(owner)
        gone = _statement_lines(text, owner)
        if read is None or gone is None:
            return None  # `x = ""` would be left, a variable no one needs
        operand, dropped = read, (gone,)
    parent = tree.parent(operand)
    if isinstance(parent, ast.BinOp) and isinstance(parent.op, ast.Add):
        whole = tree.span(parent)
        other = tree.span(parent.right if parent.left is operand else parent.left)
        old, new = span_text(text, whole), span_text(text, other)
        if old is None or new is None:
            return None
        return (*dropped, *edits_between(old, new, whole.line, whole.column))
    return None  # a lone f-string would become "": the text it was is better moved to its end


def _statement_lines(text: str, stmt: ast.stmt) -> Edit | None:
    """The edit that deletes `stmt` with its lines, when nothing else is written on them."""
    lines = text.splitlines(keepends=True)
    first, last = stmt.lineno, stmt.end_lineno or stmt.lineno
    span = char_span(text, stmt, "")
    if lines[first - 1][:span.column - 1].strip() or lines[last - 1][span.end_column - 1:].strip():
        return None
    if last >= len(lines):
        return None
    return Edit(first, 1, last + 1, 1, "")


def _addition(tree_of: TreeOf, tree: FileTree, call: Span, destination: Destination, shape: Written,
              cut: Line) -> tuple[Edit, ...] | None:
    text = tree.text
    start, end = shape.start, shape.end
    moved = cut.text + (cut.breaks or "\\n\\n")
    if destination.after is not None:
        return _new_message(tree, destination.after, start + cut.text + end)
    node = destination.content
    assert node is not None  # not `after`: a content
    at = tree.span(node)
    old = span_text(text, at)
    if old is None:
        return None
    if isinstance(node, ast.JoinedStr):
        other = written(old)
        if other is None or (other.start, other.end) != (start, end):
            return None  # other quotes: the moved placeholders may not be written inside them
        new = start + moved + old[len(start):]
    elif isinstance(node, ast.Name) and _is_str_parameter(tree, call, node.id):
        new = start + moved + "{" + node.id + "}" + end
    elif isinstance(node, ast.Call) and _returns_str(tree_of, tree, node) and _embeddable(old, start):
        new = start + moved + "{" + old + "}" + end
    else:
        return None  # not known to be a string: prefixing text could change its type
    return edits_between(old, new, at.line, at.column)


def _new_message(tree: FileTree, history: ast.expr, content: str) -> tuple[Edit, ...] | None:
    """A user message with `content` after `history`, the last item of the list: on a line of
    its own (as the item before it) when the list is written one item a line."""
    text, at, starts = tree.text, tree.span(history), tree.starts
    end = offset(starts, text, at.end_line, at.end_column)
    if end is None:
        return None
    after = text[end:]
    stripped = after.lstrip(" \t")
    message = '{"role": "user", "content": ' + content + "}"
    if stripped.startswith(","):
        # `*history,` then a line break: the new item goes on its own line, indented alike.
        comma = end + (len(after) - len(stripped)) + 1
        line_start = starts[at.line - 1]
        indent = text[line_start:line_start + len(text[line_start:]) - len(text[line_start:].lstrip(" \t"))]
        rest = text[comma:].lstrip(" \t")
        if not rest.startswith(("\n", "\r")) or text[line_start:offset(starts, text, at.line, at.column)].strip():
            return None
        line, column = _position(starts, comma)
        return (Edit(line, column, line, column, "\n" + indent + message + ","),)
    line, column = _position(starts, end)
    return (Edit(line, column, line, column, ", " + message),)


def _position(starts: Sequence[int], at: int) -> tuple[int, int]:
    n = max(i for i, s in enumerate(starts) if s <= at)
    return n + 1, at - starts[n] + 1


def _embeddable(expr: str, start: str) -> bool:
    """Can `expr` be written inside an f-string opened with `start` on every Python version?"""
    quote = start.lstrip("fFrRbBuU")[:1]
    return not any(c in expr for c in ("\\", "\n", "\r", "{", "}", "#", quote, "'" if quote == '"' else '"'))


def _returns_str(tree_of: TreeOf, tree: FileTree, node: ast.Call) -> bool:
    if not isinstance(node.func, ast.Name):
        return False
    found = definition(tree, node.func.id, tree_of)
    return found is not None and returns_str(found.node)


def _is_str_parameter(tree: FileTree, call: Span, name: str) -> bool:
    """Is `name` a parameter annotated `str` of the function that makes the call?"""
    function = tree.function_at(call.line)
    if function is None:
        return False
    args = function.args
    for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs):
        if arg.arg == name:
            note = arg.annotation
            return (isinstance(note, ast.Name) and note.id == "str") or (
                isinstance(note, ast.Constant) and note.value == "str")
    return False

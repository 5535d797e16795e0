"""Moving a changing value out of the shared prefix into the last user message (CL101, CL102):
the line of the f-string that holds it leaves the instructions and opens the user's message.

Unsafe: the model reads the same facts in another place. Written only where it is certainly
the same request otherwise: the f-string and the call are written in one function (a helper's
text serves other calls too), the line holds nothing but the moved values and text, and the last
user message is written in the call as a `str` parameter or an f-string."""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass

from cachelint.diagnostics import Edit, Span
from cachelint.fixes.apply import apply_edits, line_starts, offset
from cachelint.fixes.cst import can_write_fixes, edits_between, span_text
from cachelint.fixes.places import char_span, enclosing_function, parse, same_scope

# Where the last user message is, by API: the keyword, and whether it may be the message itself
# (a string) rather than a list of messages.
_USER_KEYWORD = {"responses": ("input", True), "chat.completions": ("messages", False),
                 "messages": ("messages", False), "models": ("contents", True)}


@dataclass(frozen=True)
class _Token:
    kind: str  # "text", "nl" (a line break, escaped or real) or "expr" (a placeholder)
    raw: str  # as written
    start: int  # offset in the f-string's text
    end: int


def move_to_user(text: str | None, call: Span, api: str, members: Sequence[Span]) -> tuple[Edit, ...]:
    """The edits that move the line holding `members` (placeholders of one f-string) to the
    start of the call's last user message; () where that cannot be written for certain."""
    if text is None or not members or not can_write_fixes():
        return ()
    tree = parse(text)
    if tree is None:
        return ()
    fstring = _innermost_fstring(tree, text, members[0])
    if fstring is None:
        return ()
    node, at = fstring
    if not all(_inside(m, at) for m in members) or not same_scope(text, call, at):
        return ()
    content = _user_content(tree, text, call, api)
    if content is None or _inside(content[1], at) or _inside(at, content[1]):
        return ()
    snippet = span_text(text, at)
    if snippet is None:
        return ()
    split = _split(snippet, [_relative(text, at, m) for m in members])
    if split is None:
        return ()
    start, moved, rest, end = split
    removal = _removal(tree, text, node, at, snippet, start, rest, end)
    addition = _addition(tree, text, call, content, start, moved, end)
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


def _innermost_fstring(tree: ast.Module, text: str, member: Span) -> tuple[ast.JoinedStr, Span] | None:
    best: tuple[ast.JoinedStr, Span] | None = None
    specs = {id(n.format_spec) for n in ast.walk(tree) if isinstance(n, ast.FormattedValue) and n.format_spec}
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr) and id(node) not in specs:
            span = char_span(text, node, member.path)
            if _inside(member, span) and (best is None or _inside(span, best[1])):
                best = (node, span)
    return best


def _relative(text: str, outer: Span, inner: Span) -> tuple[int, int]:
    starts = line_starts(text)
    base = offset(starts, text, outer.line, outer.column) or 0
    a = offset(starts, text, inner.line, inner.column) or 0
    b = offset(starts, text, inner.end_line, inner.end_column) or 0
    return a - base, b - base


def _tokens(snippet: str) -> tuple[str, list[_Token], str] | None:
    """The f-string's opening (prefix and quote), its parts cut at line breaks, and its closing."""
    import libcst as cst  # why: optional (the `fix` extra) and slow to import: loaded only when a fix is written

    try:
        node = cst.parse_expression(snippet)
    except cst.ParserSyntaxError:
        return None
    if not isinstance(node, cst.FormattedString) or "r" in node.prefix.lower():
        return None  # implicit concatenation, or a raw string (where `\n` is no line break)
    module = cst.Module(body=[])
    tokens: list[_Token] = []
    at = len(node.start)
    for part in node.parts:
        raw = module.code_for_node(part)
        if isinstance(part, cst.FormattedStringExpression):
            tokens.append(_Token("expr", raw, at, at + len(raw)))
        else:
            tokens.extend(_text_tokens(raw, at))
        at += len(raw)
    return node.start, tokens, node.end


def _text_tokens(raw: str, at: int) -> list[_Token]:
    out: list[_Token] = []
    i, last = 0, 0
    while i < len(raw):
        width = 2 if raw[i] == "\\" else 1
        if raw[i:i + 2] == "\\n" or raw[i] == "\n":
            if last < i:
                out.append(_Token("text", raw[last:i], at + last, at + i))
            out.append(_Token("nl", raw[i:i + width], at + i, at + i + width))
            last = i + width
        i += width
    if last < len(raw):
        out.append(_Token("text", raw[last:], at + last, at + len(raw)))
    return out


def _split(snippet: str, members: Sequence[tuple[int, int]]) -> tuple[str, str, str, str] | None:
    """(opening, the moved line with its line breaks, the rest, closing), or None unless the
    members are the placeholders of one line of the f-string."""
    parsed = _tokens(snippet)
    if parsed is None:
        return None
    start, tokens, end = parsed
    lines: list[list[int]] = [[]]  # token indices of each line, line breaks left out
    for i, t in enumerate(tokens):
        if t.kind == "nl":
            lines.append([])
        else:
            lines[-1].append(i)

    def member(t: _Token) -> bool:
        return t.kind == "expr" and any(t.start <= a and b <= t.end for a, b in members)

    hit = [n for n, line in enumerate(lines) if any(member(tokens[i]) for i in line)]
    if len(hit) != 1:
        return None
    line = lines[hit[0]]
    if not all(member(tokens[i]) for i in line if tokens[i].kind == "expr"):
        return None  # the line holds other values too (static text, perhaps): not only the moved ones
    if not all(any(tokens[i].start <= a and b <= tokens[i].end for i in line) for a, b in members):
        return None
    first, last = line[0], line[-1]
    after = last + 1
    while after < len(tokens) and tokens[after].kind == "nl":
        after += 1
    breaks = "".join(t.raw for t in tokens[last + 1:after])
    if breaks:
        cut = (first, after)
    else:
        # The last line: the breaks before it go with it.
        before = first
        while before > 0 and tokens[before - 1].kind == "nl":
            before -= 1
        breaks = "".join(t.raw for t in tokens[before:first])
        cut = (before, last + 1)
    moved = "".join(tokens[i].raw for i in range(first, last + 1)) + (breaks or "\\n\\n")
    rest = "".join(t.raw for i, t in enumerate(tokens) if not cut[0] <= i < cut[1])
    return start, moved, rest, end


def _removal(tree: ast.Module, text: str, node: ast.JoinedStr, at: Span, snippet: str, start: str, rest: str,
             end: str) -> tuple[Edit, ...] | None:
    if rest:
        opening = start if "{" in rest or "}" in rest else start.replace("f", "").replace("F", "")
        return edits_between(snippet, opening + rest + end, at.line, at.column)
    # Nothing left: `f"...{x}\n\n" + POLICY` loses its first operand, a lone f-string becomes "".
    for parent in ast.walk(tree):
        if isinstance(parent, ast.BinOp) and isinstance(parent.op, ast.Add) and node in (parent.left, parent.right):
            whole = char_span(text, parent, at.path)
            other = char_span(text, parent.right if parent.left is node else parent.left, at.path)
            old, new = span_text(text, whole), span_text(text, other)
            if old is None or new is None:
                return None
            return edits_between(old, new, whole.line, whole.column)
    empty = start.replace("f", "").replace("F", "")
    return edits_between(snippet, empty + end, at.line, at.column)


def _user_content(tree: ast.Module, text: str, call: Span, api: str) -> tuple[ast.expr, Span] | None:
    """The content of the call's last message, when it is written in the call and is the user's."""
    keyword, may_be_text = next((v for k, v in _USER_KEYWORD.items() if api.startswith(k)), ("", False))
    if not keyword:
        return None
    found = next((n for n in ast.walk(tree) if isinstance(n, ast.Call) and char_span(text, n, call.path) == call),
                 None)
    if found is None:
        return None
    value = next((k.value for k in found.keywords if k.arg == keyword), None)
    if value is None:
        return None
    if isinstance(value, ast.List):
        if not value.elts or not isinstance(value.elts[-1], ast.Dict):
            return None
        entries = dict(zip(value.elts[-1].keys, value.elts[-1].values, strict=True))
        role = next((v for k, v in entries.items() if isinstance(k, ast.Constant) and k.value == "role"), None)
        content = next((v for k, v in entries.items() if isinstance(k, ast.Constant) and k.value == "content"), None)
        if not (isinstance(role, ast.Constant) and role.value == "user") or content is None:
            return None
        value = content
    elif not may_be_text:
        return None
    return value, char_span(text, value, call.path)


def _addition(tree: ast.Module, text: str, call: Span, content: tuple[ast.expr, Span], start: str, moved: str,
              end: str) -> tuple[Edit, ...] | None:
    node, at = content
    old = span_text(text, at)
    if old is None:
        return None
    if isinstance(node, ast.JoinedStr):
        parsed = _tokens(old)
        if parsed is None or (parsed[0], parsed[2]) != (start, end):
            return None  # other quotes: the moved placeholders may not be written inside them
        new = start + moved + old[len(start):]
    elif isinstance(node, ast.Name) and _is_str_parameter(tree, call, node.id):
        new = start + moved + "{" + node.id + "}" + end
    else:
        return None  # not known to be a string: prefixing text could change its type
    return edits_between(old, new, at.line, at.column)


def _is_str_parameter(tree: ast.Module, call: Span, name: str) -> bool:
    """Is `name` a parameter annotated `str` of the function that makes the call?"""
    function = enclosing_function(tree, call.line)
    if function is None:
        return False
    args = function.args
    for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs):
        if arg.arg == name:
            note = arg.annotation
            return (isinstance(note, ast.Name) and note.id == "str") or (
                isinstance(note, ast.Constant) and note.value == "str")
    return False

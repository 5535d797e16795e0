"""A stable `prompt_cache_key` in place of one that changes on every request (CL301).

Unsafe: it changes how requests are routed (the model's input is the same). The key keeps
what it shares between requests: `f"{user_id}-{time.time()}"` loses its clock and stays a key
per user; a key that is nothing but the changing value (`str(uuid.uuid4())`) becomes the name
of the prompt family, the module and function that make the call (`"returns.reply"`)."""

from __future__ import annotations

import ast
import os

from cachelint.diagnostics import Edit, Span
from cachelint.fixes.cst import can_write_fixes, edits_between, span_text
from cachelint.fixes.places import char_span, enclosing_function, parse, same_scope

# Names a key wholly made of the changing value may use besides it: `str(uuid.uuid4())`,
# `uuid.uuid4().hex`, `str(int(time.time()))`.
_WRAPPERS = frozenset({"str", "int", "hex", "format", "repr"})
_SEPARATORS = "-_/:.|@ "


def stable_key(text: str | None, call: Span, key: Span, origin: Span | None) -> tuple[Edit, ...]:
    """The edits that make the key at `key` (as written in the call) stable, where `origin` (the
    changing value) is; () where it cannot be written for certain."""
    if text is None or origin is None or not can_write_fixes():
        return ()
    tree = parse(text)
    if tree is None or not same_scope(text, call, origin):
        return ()
    nodes = [n for n in ast.walk(tree) if isinstance(n, ast.expr)]
    written = next((n for n in nodes if char_span(text, n, call.path) == key), None)
    if written is None:
        return ()
    if _inside(origin, key) and _only(written, text, origin, call.path):
        return _family(text, tree, call, key)
    # The changing value is a placeholder of an f-string written in this function: drop it.
    holder = next((n for n in nodes if isinstance(n, ast.FormattedValue)
                   and _inside(origin, char_span(text, n.value, call.path))), None)
    fstring = next((n for n in nodes if isinstance(n, ast.JoinedStr) and holder in n.values), None)
    if holder is None or fstring is None:
        return ()
    if not [v for v in fstring.values if v is not holder]:
        return _family(text, tree, call, char_span(text, fstring, call.path))
    return _without(text, fstring, holder, call.path)


def _inside(inner: Span, outer: Span) -> bool:
    return inner.path == outer.path and (outer.line, outer.column) <= (inner.line, inner.column) and \
        (inner.end_line, inner.end_column) <= (outer.end_line, outer.end_column)


def _only(written: ast.expr, text: str, origin: Span, path: str) -> bool:
    """Is the key nothing but the changing value (wrapped in str(), .hex, ...)?"""
    for n in ast.walk(written):
        if isinstance(n, ast.Name) and n.id not in _WRAPPERS and not _inside(char_span(text, n, path), origin):
            return False
        if isinstance(n, ast.JoinedStr | ast.BinOp):
            return False  # text around the value: see _without
    return True


def _family(text: str, tree: ast.Module, call: Span, key: Span) -> tuple[Edit, ...]:
    old = span_text(text, key)
    function = enclosing_function(tree, call.line)
    if old is None or function is None:
        return ()
    module = os.path.splitext(os.path.basename(call.path))[0]
    return edits_between(old, f'"{module}.{function.name}"', key.line, key.column)


def _without(text: str, fstring: ast.JoinedStr, holder: ast.FormattedValue, path: str) -> tuple[Edit, ...]:
    """The f-string without the placeholder `holder` and one separator next to it: what is
    left (a value per user or tenant, or text) is shared between requests."""
    at = char_span(text, fstring, path)
    gone = char_span(text, holder.value, path)  # the placeholder's own span is the f-string's before 3.12
    old = span_text(text, at)
    if old is None or gone.line != gone.end_line or at.line != gone.line:
        return ()  # on one line only: the offsets below are columns
    start, end = gone.column - at.column, gone.end_column - at.column
    # The `{...}` around the value: FormattedValue spans it on Python 3.12+, not before.
    while start > 0 and old[start] != "{":
        start -= 1
    while end < len(old) and old[end - 1] != "}":
        end += 1
    if old[start] != "{" or old[end - 1] != "}":
        return ()
    if start > 0 and old[start - 1] in _SEPARATORS:
        start -= 1
    elif end < len(old) and old[end] in _SEPARATORS:
        end += 1
    new = old[:start] + old[end:]
    quote = min((i for i in (new.find('"'), new.find("'")) if i >= 0), default=-1)
    plain = not any(isinstance(v, ast.FormattedValue) for v in fstring.values if v is not holder)
    if plain and quote > 0 and "{" not in new and "}" not in new:
        new = new[:quote].replace("f", "").replace("F", "") + new[quote:]  # no placeholder left
    try:
        ast.parse(new, mode="eval")
    except SyntaxError:
        return ()
    return edits_between(old, new, at.line, at.column)

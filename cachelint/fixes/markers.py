"""Anthropic `cache_control` fixes: a marker where a request has none (CL401), and markers
given the TTL that keeps 1-hour entries first (CL405)."""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

from cachelint.diagnostics import Edit, Span
from cachelint.fixes.cst import can_write_fixes, replace_span, rewrite, span_text
from cachelint.fixes.places import char_span, defined_at_module_level, parse, same_scope

if TYPE_CHECKING:
    import libcst as cst

EPHEMERAL = '{"type": "ephemeral"}'
# A call's argument or a dict's entry: what _appended lays out after the others.
Item = TypeVar("Item", "cst.Arg", "cst.BaseDictElement")


def add_top_level_marker(text: str | None, call: Span) -> tuple[Edit, ...]:
    """`cache_control={"type": "ephemeral"}` as the call's last keyword: the marker lands on the
    last block and moves forward as a conversation grows."""
    return rewrite(text, call, _with_top_level_marker)


def mark_system(text: str | None, call: Span) -> tuple[Edit, ...]:
    """A marker on the end of the call's `system=`: a plain value becomes one text block that
    carries it (the same text for the model; a plain string cannot carry a block marker), and a
    list of block literals gets it on its last block."""
    return rewrite(text, call, _with_marked_system)


def _with_top_level_marker(node: cst.BaseExpression) -> cst.BaseExpression | None:
    import libcst as cst  # why: optional (the `fix` extra) and slow to import: loaded only when a fix is written

    if not isinstance(node, cst.Call) or not node.args:
        return None
    if any(a.keyword is not None and a.keyword.value == "cache_control" for a in node.args):
        return None
    marker = cst.Arg(keyword=cst.Name("cache_control"), value=cst.parse_expression(EPHEMERAL),
                     equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")))
    return node.with_changes(args=_appended(list(node.args), marker))


def _appended(items: Sequence[Item], new: Item) -> list[Item]:
    """`items` (arguments, or the entries of a dict) and `new` after them, laid out as the items
    already are: the new one takes the last one's trailing comma (if any), and the last one the
    comma that separates the others."""
    import libcst as cst  # why: optional (the `fix` extra) and slow to import: loaded only when a fix is written

    last = items[-1]
    between = items[-2].comma if len(items) > 1 else cst.MaybeSentinel.DEFAULT
    if not isinstance(between, cst.Comma):
        between = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    out = list(items[:-1])
    out.append(last.with_changes(comma=between))
    out.append(new.with_changes(comma=last.comma))
    return out


def _with_marked_system(node: cst.BaseExpression) -> cst.BaseExpression | None:
    import libcst as cst  # why: optional (the `fix` extra) and slow to import: loaded only when a fix is written

    if not isinstance(node, cst.Call):
        return None
    args = list(node.args)
    for i, arg in enumerate(args):
        if arg.keyword is None or arg.keyword.value != "system":
            continue
        value = _marked(arg.value)
        if value is None:
            return None
        args[i] = arg.with_changes(value=value)
        return node.with_changes(args=args)
    return None


def _marked(value: cst.BaseExpression) -> cst.BaseExpression | None:
    import libcst as cst  # why: optional (the `fix` extra) and slow to import: loaded only when a fix is written

    if isinstance(value, cst.List):
        if not value.elements:
            return None
        last = value.elements[-1]
        block = last.value
        if not isinstance(block, cst.Dict) or not isinstance(last, cst.Element):
            return None
        keys = [e.key.evaluated_value for e in block.elements
                if isinstance(e, cst.DictElement) and isinstance(e.key, cst.SimpleString)]
        if "cache_control" in keys or len(keys) != len(block.elements):
            return None  # a marker already, or keys the fix cannot see (`**base`)
        entry = cst.DictElement(cst.SimpleString('"cache_control"'), cst.parse_expression(EPHEMERAL))
        elements: list[cst.BaseDictElement] = _appended(list(block.elements), entry)
        return value.with_changes(elements=[*value.elements[:-1], last.with_changes(
            value=block.with_changes(elements=elements))])
    if isinstance(value, cst.List | cst.Tuple | cst.Dict | cst.Set | cst.ListComp | cst.GeneratorExp | cst.Lambda):
        return None
    # A str: one text block with the same text (the analysis showed it is the text of `system`).
    return cst.List([cst.Element(cst.Dict([
        cst.DictElement(cst.SimpleString('"type"'), cst.SimpleString('"text"')),
        cst.DictElement(cst.SimpleString('"text"'), value),
        cst.DictElement(cst.SimpleString('"cache_control"'), cst.parse_expression(EPHEMERAL)),
    ]))])


def raise_ttls(text: str | None, call: Span, long: Span, short: Sequence[Span]) -> tuple[Edit, ...]:
    """Each 5-minute marker in `short` replaced by the 1-hour marker written at `long`, so that
    no 1-hour entry comes after a 5-minute one. Only where every marker is written in the
    function that makes the call (a marker in a shared helper or constant serves other calls)
    and the 1-hour marker's text means the same at each place (a literal, or a module constant)."""
    if text is None or not short:
        return ()
    spans = [long, *short]
    if any(s.path != call.path for s in spans) or not all(same_scope(text, call, s) for s in spans):
        return ()
    edits: list[Edit] = []
    for s in short:
        found = replace_span(text, s, long, movable=lambda name: defined_at_module_level(text, name))
        if not found:
            return ()
        edits.extend(found)
    return tuple(edits)


def repair_marker(text_of: Callable[[str], str | None], at: Span, definitions: Sequence[Span]) -> tuple[
        str, tuple[Edit, ...]]:
    """The file and edits that turn an invalid `cache_control` value into the one valid value it
    can mean (CL406): `"ephemeral"` or `True` into `{"type": "ephemeral"}`, any other `type` into
    `"ephemeral"` (the only one), a missing `type` added, a TTL written another way (`"60m"`,
    `3600`, `"5min"`) as `"1h"` or `"5m"`. Edited where the value is written as a literal: at the
    marker, or where the constant it names is defined (wrong for every use alike)."""
    for span in (at, *reversed(definitions)):
        edits = rewrite(text_of(span.path), span, _repaired)
        if edits:
            return span.path, edits
    return "", ()


def _repaired(node: cst.BaseExpression) -> cst.BaseExpression | None:
    import libcst as cst  # why: optional (the `fix` extra) and slow to import: loaded only when a fix is written

    if (isinstance(node, cst.SimpleString) and node.evaluated_value == "ephemeral") or (
            isinstance(node, cst.Name) and node.value == "True"):
        return cst.parse_expression(EPHEMERAL)
    if not isinstance(node, cst.Dict) or not node.elements:
        return None
    entries = [e for e in node.elements if isinstance(e, cst.DictElement) and isinstance(e.key, cst.SimpleString)]
    if len(entries) != len(node.elements):
        return None  # `**base` or computed keys: what the marker holds is not all seen
    elements: list[cst.BaseDictElement] = []
    for e in entries:
        key = e.key.evaluated_value if isinstance(e.key, cst.SimpleString) else None
        if key == "type" and not _is_literal(e.value, "ephemeral"):
            if not isinstance(e.value, cst.SimpleString):
                return None  # a value computed at run time is not known to be wrong
            e = e.with_changes(value=cst.SimpleString('"ephemeral"'))
        elif key == "ttl":
            ttl = _ttl(e.value)
            if ttl is None:
                return None
            if not _is_literal(e.value, ttl):
                e = e.with_changes(value=cst.SimpleString(f'"{ttl}"'))
        elements.append(e)
    if "type" not in [e.key.evaluated_value for e in entries if isinstance(e.key, cst.SimpleString)]:
        first = cst.DictElement(cst.SimpleString('"type"'), cst.SimpleString('"ephemeral"'),
                                comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        elements.insert(0, first)
    return node.with_changes(elements=elements)


def _is_literal(value: cst.BaseExpression, wanted: str) -> bool:
    import libcst as cst  # why: optional (the `fix` extra) and slow to import: loaded only when a fix is written

    return isinstance(value, cst.SimpleString) and value.evaluated_value == wanted


# A TTL written another way: its length in seconds, by unit.
_UNITS = {"s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1, "m": 60, "min": 60, "mins": 60, "minute": 60,
          "minutes": 60, "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600}


def _ttl(value: cst.BaseExpression) -> str | None:
    """"5m" or "1h" when `value` is one of the two however written; None otherwise."""
    import libcst as cst  # why: optional (the `fix` extra) and slow to import: loaded only when a fix is written

    if isinstance(value, cst.Integer):
        seconds: float = int(value.value.replace("_", ""), 0)
    elif isinstance(value, cst.SimpleString) and isinstance(value.evaluated_value, str):
        found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*", value.evaluated_value.lower())
        if found is None or found.group(2) not in _UNITS:
            return None
        seconds = float(found.group(1)) * _UNITS[found.group(2)]
    else:
        return None
    return {300: "5m", 3600: "1h"}.get(int(seconds)) if seconds == int(seconds) else None


def move_marker_back(text: str | None, call: Span, block: Span) -> tuple[Edit, ...]:
    """The `cache_control` entry of the block literal at `block` moved onto the block before it
    in the same list literal (CL403: the marked block holds what changes, the one before it is
    the end of the shared part). Only where both are dict literals written in the function that
    makes the call, and the one before carries no marker."""
    if text is None or not can_write_fixes() or not same_scope(text, call, block):
        return ()
    tree = parse(text)
    if tree is None:
        return ()
    for node in ast.walk(tree):
        if not isinstance(node, ast.List):
            continue
        spans = [char_span(text, e, block.path) for e in node.elts]
        if block not in spans:
            continue
        i = spans.index(block)
        if i == 0 or not isinstance(node.elts[i - 1], ast.Dict) or not isinstance(node.elts[i], ast.Dict):
            return ()
        marked = span_text(text, block)
        value = _marker_value(marked) if marked else None
        if value is None:
            return ()
        removed = rewrite(text, block, _without_marker)
        added = rewrite(text, spans[i - 1], functools.partial(_with_marker, value=value))
        return (*added, *removed) if removed and added else ()
    return ()


def _marker_value(code: str) -> str | None:
    """The `cache_control` value of a dict literal, as written."""
    import libcst as cst  # why: optional (the `fix` extra) and slow to import: loaded only when a fix is written

    try:
        node = cst.parse_expression("(" + code + ")")
    except cst.ParserSyntaxError:
        return None
    if not isinstance(node, cst.Dict):
        return None
    for e in node.elements:
        if isinstance(e, cst.DictElement) and isinstance(e.key, cst.SimpleString) and \
                e.key.evaluated_value == "cache_control":
            return cst.Module(body=[]).code_for_node(e.value)
    return None


def _without_marker(node: cst.BaseExpression) -> cst.BaseExpression | None:
    import libcst as cst  # why: optional (the `fix` extra) and slow to import: loaded only when a fix is written

    if not isinstance(node, cst.Dict):
        return None
    elements = list(node.elements)
    at = next((i for i, e in enumerate(elements) if isinstance(e, cst.DictElement)
               and isinstance(e.key, cst.SimpleString) and e.key.evaluated_value == "cache_control"), None)
    if at is None or at == 0:
        return None
    if at == len(elements) - 1:
        # The last entry: the one before it takes its trailing comma (or none).
        elements[at - 1] = elements[at - 1].with_changes(comma=elements[at].comma)
    del elements[at]
    return node.with_changes(elements=elements)


def _with_marker(node: cst.BaseExpression, value: str) -> cst.BaseExpression | None:
    import libcst as cst  # why: optional (the `fix` extra) and slow to import: loaded only when a fix is written

    if not isinstance(node, cst.Dict) or not node.elements:
        return None
    keys = [e.key.evaluated_value for e in node.elements
            if isinstance(e, cst.DictElement) and isinstance(e.key, cst.SimpleString)]
    if "cache_control" in keys or len(keys) != len(node.elements):
        return None
    entry = cst.DictElement(cst.SimpleString('"cache_control"'), cst.parse_expression(value))
    elements: list[cst.BaseDictElement] = _appended(list(node.elements), entry)
    return node.with_changes(elements=elements)

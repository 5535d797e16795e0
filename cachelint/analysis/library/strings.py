"""str methods and formatting: `str.format`, `format_map`, `%`, `join`, and the methods that
transform text (`strip`, `replace`, `upper`, ...) applied to the parts known statically."""

from __future__ import annotations

import ast
import importlib
import re
import string
from collections.abc import Callable, Iterator
from typing import Any

from cachelint.analysis.env import Env
from cachelint.analysis.library.api import EvaluatorAPI
from cachelint.analysis.library.registry import ANY, Registry
from cachelint.analysis.statics import NotStatic, TooWide, format_value, to_python
from cachelint.analysis.values import (
    MAX_TEXT,
    Alt,
    AltV,
    ConstV,
    DictV,
    Hole,
    Item,
    ListV,
    OpaqueV,
    Piece,
    SetV,
    StrV,
    Text,
    Value,
    map_text,
    merge_pieces,
    pieces_stability,
    text_of,
    value_stability,
    worst,
)
from cachelint.fastinit import replace
from cachelint.prompt import Stability

MAX_SPLIT = 256 * 4  # parts of a `split()` kept
# A `%` conversion, and one that formats text like format() with a width and a conversion.
_PERCENT = re.compile(r"%(?:\((\w+)\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]")
_PERCENT_TEXT = re.compile(r"%(-?)(\d*)(?:\.(\d+))?([sra])\Z")
# Methods applied to the text as Python applies them, when it and the arguments are known.
_SIMPLE: dict[str, Callable[..., str]] = {
    "strip": str.strip, "lstrip": str.lstrip, "rstrip": str.rstrip,
    "upper": str.upper, "lower": str.lower, "title": str.title, "capitalize": str.capitalize,
    "casefold": str.casefold, "replace": str.replace, "removeprefix": str.removeprefix,
    "removesuffix": str.removesuffix, "expandtabs": str.expandtabs, "center": str.center,
    "ljust": str.ljust, "rjust": str.rjust, "zfill": str.zfill, "swapcase": str.swapcase,
}


def text_transform(ev: EvaluatorAPI, v: Value, fn: Callable[[str], str], env: Env, node: ast.AST) -> Value:
    """`fn` applied to the text of `v` where it is known (each alternative of it); the parts
    not known are kept as they are."""
    if isinstance(v, StrV):
        out = map_text(v.pieces, fn)
        if out is not None:
            return StrV(merge_pieces(out))
        return StrV(v.pieces)  # keep the parts: the transform only changes whitespace/case
    if isinstance(v, AltV):
        return AltV(tuple(text_transform(ev, o, fn, env, node) for o in v.options),
                    ev.loc(env, node), ev.src(env, node))
    return v if isinstance(v, OpaqueV) else ev.to_str(v, env, node)


def str_method(ev: EvaluatorAPI, recv: StrV, meth: str, node: ast.Call, env: Env) -> Value:
    """Any other method of a string: applied to its text when the text is known."""
    args = node.args
    if meth in _SIMPLE:
        argv: list[Any] = []
        for a in args:
            av = ev.eval(a, env)
            if isinstance(av, StrV) and text_of(av.pieces) is not None:
                argv.append(text_of(av.pieces))
            elif isinstance(av, ConstV):
                argv.append(av.value)
            else:
                return ev.opaque(env, node, worst(pieces_stability(recv.pieces), value_stability(av),
                                                    Stability.STABLE), f"str.{meth}()")
        if _too_long(meth, recv.pieces, argv):
            return ev.opaque(env, node, worst(pieces_stability(recv.pieces), Stability.STABLE),
                               f"str.{meth}() longer than the evaluator builds")
        fn = _SIMPLE[meth]
        return text_transform(ev, recv, lambda s: fn(s, *argv), env, node)
    if meth in ("split", "rsplit", "splitlines") and text_of(recv.pieces) is not None:
        t = text_of(recv.pieces) or ""
        try:
            argv2 = [to_python(ev.eval(a, env)) for a in args]
            parts = t.splitlines(*argv2) if meth == "splitlines" else getattr(t, meth)(*argv2)
            return ListV(tuple(Item(StrV((Text(p, ev.loc(env, node)),))) for p in parts[:MAX_SPLIT]))
        except (NotStatic, TypeError, ValueError):
            pass
    if meth == "encode":
        return ev.opaque(env, node, worst(pieces_stability(recv.pieces), Stability.STABLE), "bytes")
    stab = pieces_stability(recv.pieces)
    return ev.opaque(env, node, stab if stab != Stability.STATIC else Stability.STABLE, f"str.{meth}()")


def join(ev: EvaluatorAPI, sep: StrV, it: Value, env: Env, node: ast.AST) -> Value:
    """`sep.join(items)`: the items in order with the separator between them."""
    sep_text = text_of(sep.pieces)
    src = ev.src(env, node)
    loc = ev.loc(env, node)
    if sep_text is None:
        return ev.opaque(env, node, worst(pieces_stability(sep.pieces), value_stability(it)), "join")
    if isinstance(it, ListV):
        pieces: list[Piece] = []
        for n, item in enumerate(it.items):
            if item.repeated:
                stab = value_stability(item.value)
                if isinstance(item.value, OpaqueV):
                    ip: tuple[Piece, ...] = ev.as_pieces(item.value, env, node)
                    if len(ip) == 1 and isinstance(ip[0], Hole):
                        pieces.append(replace(ip[0], passthrough=False))
                    else:
                        pieces.append(Hole(stab, src, loc, "items of " + src))
                else:
                    pieces.append(Hole(stab if stab != Stability.STATIC else Stability.STABLE,
                                       src, loc, "items added in a loop"))
                pieces.append(Text(sep_text, loc))
                continue
            part = list(ev.as_pieces(item.value, env, node))
            if n < len(it.items) - 1:
                part.append(Text(sep_text, loc))
            if item.optional:
                pieces.append(Alt((tuple(part), ()), loc, src))
            else:
                pieces.extend(part)
        return StrV(merge_pieces(pieces))
    if isinstance(it, SetV):
        if len(it.elements) <= 1:
            return join(ev, sep, ListV(tuple(Item(e) for e in it.elements)), env, node)
        return StrV((Hole(Stability.UNORDERED, src, loc, "iteration order of a set"),))
    if isinstance(it, DictV):
        return join(ev, sep, ListV(tuple(Item(StrV((Text(k, None),))) for k, _ in dict(it.entries).items())),
                         env, node)
    if isinstance(it, StrV):
        t = text_of(it.pieces)
        if t is not None:
            return StrV((Text(sep_text.join(t), loc),))
    if isinstance(it, AltV):
        return ev.map_alt(it, lambda o: join(ev, sep, o, env, node), node, env)
    if isinstance(it, OpaqueV):
        stab = it.elements or it.stability
        return StrV((Hole(stab, src, loc, it.cause, it.hops),))
    stab = value_stability(it)
    return StrV((Hole(stab if stab != Stability.STATIC else Stability.UNKNOWN, src, loc, "join"),))


def str_format(ev: EvaluatorAPI, template: StrV, node: ast.Call, env: Env, mapping: Value | None) -> Value:
    """`template.format(...)` (or `format_map(mapping)`): each field the argument it names."""
    t = text_of(template.pieces)
    loc = ev.loc(env, node)
    if t is None:
        stab = worst(pieces_stability(template.pieces), *(value_stability(v) for v in ev.arg_values(node, env)))
        return ev.opaque(env, node, stab, "str.format on a computed template")
    pos_args = [a for a in node.args]
    kw_nodes = {k.arg: k.value for k in node.keywords if k.arg}
    has_star_kw = any(k.arg is None for k in node.keywords)
    cache: dict[object, Value] = {}

    def arg_value(key: str | int) -> tuple[Value, ast.AST] | None:
        if isinstance(key, int):
            if key < len(pos_args) and not isinstance(pos_args[key], ast.Starred):
                a = pos_args[key]
                if key not in cache:
                    cache[key] = ev.eval(a, env)
                return cache[key], a
            return None
        if mapping is not None:
            if isinstance(mapping, DictV):
                got = mapping.get(key)
                if got is not None:
                    return got, node
            return None
        if key in kw_nodes:
            if key not in cache:
                cache[key] = ev.eval(kw_nodes[key], env)
            return cache[key], kw_nodes[key]
        if has_star_kw:
            for k in node.keywords:
                if k.arg is None:
                    d = ev.eval(k.value, env)
                    if isinstance(d, DictV) and d.get(key) is not None:
                        return d.get(key), k.value  # type: ignore[return-value]
        return None

    pieces: list[Piece] = []
    auto = 0
    try:
        parsed = list(string.Formatter().parse(t))
    except ValueError:
        return ev.opaque(env, node, Stability.UNKNOWN, "malformed format string")
    for literal, field_name, spec, conv in parsed:
        if literal:
            pieces.append(Text(literal, template.pieces[0].loc if isinstance(template.pieces[0], Text) else loc,
                               template.pieces[0].hops if isinstance(template.pieces[0], Text) else ()))
        if field_name is None:
            continue
        first, rest = _split_field(field_name)
        key: str | int
        if first == "":
            key = auto
            auto += 1
        elif first.isdigit():
            key = int(first)
        else:
            key = first
        got = arg_value(key)
        placeholder = "{" + field_name + (f"!{conv}" if conv else "") + (f":{spec}" if spec else "") + "}"
        if got is None:
            pieces.append(Hole(Stability.UNKNOWN, placeholder, loc, "format argument not found"))
            continue
        val, at = got
        for is_attr, part in rest:
            val = ev.attribute(val, str(part), at, env) if is_attr else ev.index(
                val, StrV((Text(str(part), None),)) if isinstance(part, str) else ConstV(part), at, env)
        if spec and "{" in spec:
            spec = "?"
        arg_src = ev.src(env, at) if at is not node else first
        shown = placeholder if arg_src == first else f"{placeholder}={arg_src}"
        pieces.extend(ev.as_pieces(val, env, at, spec=spec or None, conv=conv, source=shown))
    return StrV(merge_pieces(pieces))


def percent_format(ev: EvaluatorAPI, template: StrV, args: Value, env: Env, node: ast.AST) -> Value:
    """`template % args`: each conversion the argument it takes."""
    t = text_of(template.pieces)
    loc = ev.loc(env, node)
    if t is None:
        return ev.opaque(env, node, worst(pieces_stability(template.pieces), value_stability(args)),
                           "% on a computed template")
    if isinstance(args, ListV) and args.is_tuple:
        if any(i.repeated or i.optional for i in args.items):
            return ev.opaque(env, node, value_stability(args), "% with unknown arguments")
        positional: list[Value] | None = [i.value for i in args.items]
        mapping = None
    elif isinstance(args, DictV):
        positional, mapping = None, args
    else:
        positional, mapping = [args], None
    pieces: list[Piece] = []
    pos = 0
    n = 0
    for m in _PERCENT.finditer(t):
        if m.start() > pos:
            pieces.append(Text(t[pos:m.start()], loc))
        pos = m.end()
        spec = m.group(0)
        if spec == "%%":
            pieces.append(Text("%", loc))
            continue
        key = m.group(1)
        if key is not None:
            val = mapping.get(key) if mapping is not None else None
        else:
            val = positional[n] if positional is not None and n < len(positional) else None
            n += 1
        if val is None:
            pieces.append(Hole(Stability.UNKNOWN, spec, loc, "% argument not found"))
            continue
        py_spec = "%" + spec[1:] if key is None else "%" + spec[len(key) + 3:]
        if isinstance(val, ConstV) or (isinstance(val, StrV) and text_of(val.pieces) is not None):
            try:
                pv = val.value if isinstance(val, ConstV) else text_of(val.pieces)
                pieces.append(Text(format_value(pv, py_spec, percent=True), loc))
                continue
            except TooWide:
                pieces.append(Hole(Stability.STABLE, spec, loc, "formatted value"))
                continue
            except (TypeError, ValueError):
                pass
        if isinstance(val, StrV) and py_spec == "%s":
            pieces.extend(val.pieces)
            continue
        # %5s, %-6r, %.2s: the same as format() with a width, an alignment and a conversion.
        ps = _PERCENT_TEXT.match(py_spec)
        if ps is None:
            pieces.extend(ev.as_pieces(val, env, node, source=spec))
            continue
        left, width, precision, kind = ps.groups()
        fspec = (("<" if left else ">") + width if width else "") + ("." + precision if precision else "")
        pieces.extend(ev.as_pieces(val, env, node, spec=fspec or None, conv=None if kind == "s" else kind,
                                     source=spec))
    if pos < len(t):
        pieces.append(Text(t[pos:], loc))
    return StrV(merge_pieces(pieces))

# ------------------------------------------------------------------ helpers


def str_format_method(ev: EvaluatorAPI, recv: StrV, meth: str, node: ast.Call, env: Env) -> Value | None:
    """`.format(...)` and `.format_map(mapping)` of a string."""
    if meth == "format":
        return str_format(ev, recv, node, env, None)
    if len(node.args) == 1:  # format_map
        return str_format(ev, recv, node, env, ev.eval(node.args[0], env))
    return None


def join_method(ev: EvaluatorAPI, recv: StrV, meth: str, node: ast.Call, env: Env) -> Value | None:
    """`.join(items)` of a string."""
    if len(node.args) != 1:
        return None
    return join(ev, recv, ev.eval(node.args[0], env), env, node)


def percent(ev: EvaluatorAPI, left: Value, right: Value, op: ast.operator, env: Env, node: ast.AST) -> Value | None:
    """`"..." % args`."""
    return percent_format(ev, left, right, env, node) if isinstance(left, StrV) else None


def _split_field(field_name: str) -> tuple[str, list[tuple[bool, str | int]]]:
    try:
        first, rest = _formatter_field_name_split(field_name)
    except ValueError:
        return field_name, []
    return str(first), [(bool(is_attr), part) for is_attr, part in rest]


def _formatter_field_name_split(field_name: str) -> tuple[Any, Iterator[tuple[bool, Any]]]:
    # `_string` holds the field-name parser str.format itself uses.
    split: Any = importlib.import_module("_string").formatter_field_name_split
    result: tuple[Any, Iterator[tuple[bool, Any]]] = split(field_name)
    return result


def _too_long(meth: str, pieces: tuple[Piece, ...], argv: list[Any]) -> bool:
    """Would `str.<meth>(*argv)` on these pieces build more than MAX_TEXT characters?"""
    text = "".join(p.text for p in pieces if isinstance(p, Text))
    size = len(text) + sum(1 for p in pieces if not isinstance(p, Text))
    try:
        if meth in ("center", "ljust", "rjust", "zfill") and argv:
            return int(argv[0]) > MAX_TEXT
        if meth == "expandtabs":
            return size + text.count("\t") * int(argv[0] if argv else 8) > MAX_TEXT
        if meth == "replace" and len(argv) >= 2 and isinstance(argv[0], str) and isinstance(argv[1], str):
            hits = size + 1 if argv[0] == "" else text.count(argv[0])
            if len(argv) > 2 and int(argv[2]) >= 0:
                hits = min(hits, int(argv[2]))
            return size + hits * (len(argv[1]) - len(argv[0])) > MAX_TEXT
    except (TypeError, ValueError, OverflowError):
        return False  # the call itself fails the same way, and the transform gives up
    return False


def register(reg: Registry) -> None:
    reg.method(StrV, ("format", "format_map"), str_format_method)
    reg.method(StrV, ("join",), join_method)
    reg.method(StrV, (ANY,), str_method)
    reg.operator(ast.Mod, percent)

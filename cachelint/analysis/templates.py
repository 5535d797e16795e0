"""Follow templates: `string.Template` and a subset of Jinja, rendered without importing jinja2.

The template text is static; each placeholder takes the value passed for it, located
at the argument expression in the caller, so findings land where the value is written.
A placeholder nothing is passed for is `unknown`. A template that cannot be parsed
renders as stable text that is not known.

Jinja `{% include %}` and `{% extends %}` (with `{% block %}` overrides and `super()`) are
followed when the name is a literal and the environment's loader folders are known: the
file is found with the same search path and read like any prompt file (inside the root,
regular, at most 1 MiB). Anything else there (a computed or missing name, an unreadable
file, a cycle, nesting deeper than MAX_NESTING) is `unknown`.

This is the rendering machinery; the library model cachelint.analysis.library.templates
makes the template objects and calls `render` where a template is rendered.
"""

from __future__ import annotations

import ast
import bisect
import posixpath
import string
from collections.abc import Callable
from dataclasses import dataclass, field

from cachelint.analysis.env import MAX_UNROLL, Env
from cachelint.analysis.files import FileRead, file_loc
from cachelint.analysis.library.api import EvaluatorAPI
from cachelint.analysis.library.strings import join

# The syntax tree under the names the renderer below has always used for it.
from cachelint.analysis.template_syntax import KEYWORDS as _KEYWORDS
from cachelint.analysis.template_syntax import SENTINEL as _SENTINEL
from cachelint.analysis.template_syntax import Bind as _Bind
from cachelint.analysis.template_syntax import Block as _Block
from cachelint.analysis.template_syntax import Extends as _Extends
from cachelint.analysis.template_syntax import For as _For
from cachelint.analysis.template_syntax import If as _If
from cachelint.analysis.template_syntax import Include as _Include
from cachelint.analysis.template_syntax import JinjaOptions, Unparseable
from cachelint.analysis.template_syntax import Node as _Node
from cachelint.analysis.template_syntax import Out as _Out
from cachelint.analysis.template_syntax import TextN as _TextN
from cachelint.analysis.template_syntax import Unknown as _Unknown
from cachelint.analysis.template_syntax import blocks_in as _blocks_in
from cachelint.analysis.template_syntax import body_names as _body_names
from cachelint.analysis.template_syntax import expr_tokens as _tokens
from cachelint.analysis.template_syntax import has_include as _has_include
from cachelint.analysis.template_syntax import parse as _parse
from cachelint.analysis.template_syntax import root_names as _root_names
from cachelint.analysis.values import (
    MAX_TEXT,
    VARYING,
    Alt,
    AltV,
    ConstV,
    DictV,
    Hole,
    Item,
    ListV,
    Loc,
    OpaqueV,
    Piece,
    StrV,
    Text,
    Value,
    merge_pieces,
    part_of,
    text_of,
    value_stability,
    worst,
)
from cachelint.diagnostics import Span
from cachelint.prompt import Hop, Stability

MAX_RENDER = 20_000  # template nodes rendered for one call (nested loops unrolled)
MAX_RENDER_TEXT = 4 * MAX_TEXT  # template text emitted for one call (includes in loops multiply it)
MAX_NESTING = 16  # templates included or extended inside one another


# ---------------------------------------------------------------- values


@dataclass(frozen=True)
class TemplateV(OpaqueV):
    """A template object: its source text (None when not known) and how it renders."""

    kind: str = "string"  # "string" (string.Template) | "jinja"
    text: StrV | None = None
    file: str | None = None  # real path when the source is one file read whole: locations are computed
    options: JinjaOptions = field(default_factory=JinjaOptions)
    search_path: tuple[str, ...] | None = None  # the folders of its environment's loader, when known


@dataclass(frozen=True)
class LoaderV(OpaqueV):
    """A Jinja loader: the folders it looks in (None when they are not known)."""

    search_path: tuple[str, ...] | None = None


@dataclass(frozen=True)
class JinjaEnvV(OpaqueV):
    """A Jinja Environment: its loader's folders and the options that shape rendering."""

    search_path: tuple[str, ...] | None = None
    options: JinjaOptions = field(default_factory=JinjaOptions)


# ---------------------------------------------------------------- the template source


class _Source:
    """The joined text of a template's pieces, with a way back from offsets to pieces."""

    def __init__(self, pieces: tuple[Piece, ...], file: str | None, default: Loc) -> None:
        self.pieces = pieces
        self.file = file
        self.default = default
        buf: list[str] = []
        self.starts: list[int] = []
        pos = 0
        holes = 0
        for p in pieces:
            self.starts.append(pos)
            if isinstance(p, Text):
                if p.truncated:
                    raise Unparseable("template text too long to follow")
                buf.append(p.text)
                pos += len(p.text)
            else:
                buf.append(chr(_SENTINEL + holes))
                holes += 1
                pos += 1
        self.text = "".join(buf)
        if sum(1 for c in self.text if ord(c) >= _SENTINEL) != holes:
            raise Unparseable("template text holds private-use characters")
        self._lines: list[int] | None = None

    def piece_at(self, offset: int) -> tuple[int, Piece] | None:
        i = bisect.bisect_right(self.starts, offset) - 1
        if 0 <= i < len(self.pieces):
            return self.starts[i], self.pieces[i]
        return None

    def loc_at(self, offset: int) -> Loc:
        found = self.piece_at(offset)
        if found is None:
            return self.default
        _, p = found
        if self.file is not None and isinstance(p, Text):
            if self._lines is None:
                self._lines = [i for i, c in enumerate(self.text) if c == "\n"]
            line = bisect.bisect_left(self._lines, offset)
            col = offset - (self._lines[line - 1] + 1 if line else 0)
            return file_loc(self.file, line + 1, col)
        if isinstance(p, Text):
            return p.loc or self.default
        return p.loc

    def slice(self, a: int, b: int, newlines: bool) -> list[Piece]:
        """The pieces covering text[a:b]: text keeps its location and hops, holes come back whole."""
        out: list[Piece] = []
        if a >= b:
            return out
        i = max(0, bisect.bisect_right(self.starts, a) - 1)
        while i < len(self.pieces) and self.starts[i] < b:
            p = self.pieces[i]
            start = self.starts[i]
            if isinstance(p, Text):
                lo, hi = max(a, start), min(b, start + len(p.text))
                if lo < hi:
                    chunk = p.text[lo - start:hi - start]
                    if newlines:
                        chunk = chunk.replace("\r\n", "\n").replace("\r", "\n")
                    out.append(Text(chunk, self.loc_at(lo) if self.file is not None else p.loc, p.hops))
            elif a <= start < b:
                out.append(p)
            i += 1
        return out


# ---------------------------------------------------------------- arguments of render/substitute


class _Args:
    """The values passed to `substitute`/`render`: keywords win over `**spreads`, which win over a mapping."""

    def __init__(self, ev: EvaluatorAPI, node: ast.Call, env: Env) -> None:
        self.ev = ev
        self.env = env
        self.node = node
        self.ok = len(node.args) <= 1 and not any(isinstance(a, ast.Starred) for a in node.args)
        self.mapping = node.args[0] if node.args else None
        self.kw = {k.arg: k.value for k in node.keywords if k.arg}
        self.spreads = [k.value for k in node.keywords if k.arg is None]
        self._cache: dict[int, Value] = {}
        self._sources: dict[int, str] = {}

    def src(self, expr: ast.AST) -> str:
        """The argument as written (looked up once: placeholders of a loop ask many times)."""
        got = self._sources.get(id(expr))
        if got is None:
            got = self.ev.src(self.env, expr)
            self._sources[id(expr)] = got
        return got

    def value(self, expr: ast.expr) -> Value:
        got = self._cache.get(id(expr))
        if got is None:
            got = self.ev.eval(expr, self.env)
            self._cache[id(expr)] = got
        return got

    def get(self, name: str) -> tuple[Value, ast.expr] | None:
        if name in self.kw:
            return self.value(self.kw[name]), self.kw[name]
        for sp in reversed(self.spreads):
            got = self._from_mapping(sp, name)
            if got is not None:
                return got
        if self.mapping is not None:
            return self._from_mapping(self.mapping, name)
        return None

    def _from_mapping(self, expr: ast.expr, name: str) -> tuple[Value, ast.expr] | None:
        if isinstance(expr, ast.Dict):
            for k, v in zip(reversed(expr.keys), reversed(expr.values), strict=True):
                if k is None:
                    break  # a `**spread` inside the literal: look the name up in the whole value
                if isinstance(k, ast.Constant) and k.value == name:
                    return self.value(v), v
            else:
                return None
        m = self.value(expr)
        if isinstance(m, DictV):
            got = m.get(name)
            if got is not None:
                return got, expr
            if m.complete:
                return None
        key = StrV((Text(name, None),))
        return self.ev.index(m, key, expr, self.env), expr

    def all_values(self) -> list[Value]:
        exprs = [*self.kw.values(), *self.spreads, *([self.mapping] if self.mapping is not None else [])]
        return [self.value(e) for e in exprs]

    def named_values(self) -> list[tuple[str, Value]]:
        """Each value passed, by the name the template reads it by: keywords, then the entries
        of spreads and of a mapping known as dicts (a spread not known goes by its source)."""
        out = [(k, self.value(v)) for k, v in self.kw.items()]
        for e in [*self.spreads, *([self.mapping] if self.mapping is not None else [])]:
            m = self.value(e)
            if isinstance(m, DictV):
                out.extend(m.entries)
            else:
                out.append((self.src(e), m))
        return out


# ---------------------------------------------------------------- Jinja: expressions

_TEXT_FILTERS: dict[str, Callable[[str], str]] = {
    "upper": str.upper, "lower": str.lower, "title": str.title, "capitalize": str.capitalize,
    "trim": str.strip, "string": str, "safe": str,
}
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;"}


@dataclass
class _Bound:
    value: Value | None  # None: given a value in the template that is not followed
    at: ast.expr | None  # the caller's argument expression


class _TooLarge(Unparseable):
    """The rendering went past a budget: the whole template is not followed, not only one include."""


_BlockChain = list[tuple["_Renderer", list[_Node]]]  # the bodies of one block, most derived first


@dataclass
class _Shared:
    """What every template of one render() shares: budgets, the include stack and the `super()` stack."""

    stack: list[str]  # real paths of the templates being rendered, outermost first
    count: int = 0  # template nodes rendered
    chars: int = 0  # characters of template text emitted
    supers: list[tuple[str, _BlockChain, int]] = field(default_factory=list)
    parsed: dict[tuple[str, tuple[Hop, ...]], tuple[_Source, list[_Node]] | str] = field(default_factory=dict)


class _Renderer:
    def __init__(self, ev: EvaluatorAPI, tv: TemplateV, src: _Source, args: _Args, node: ast.Call,
                 env: Env, shared: _Shared | None = None, context: bool = True,
                 blocks: dict[str, _BlockChain] | None = None) -> None:
        self.ev = ev
        self.tv = tv
        self.src = src
        self.args = args
        self.node = node
        self.env = env
        self.shared = shared or _Shared([tv.file] if tv.file else [])
        self.context = context  # False inside a template included `without context`
        self.blocks: dict[str, _BlockChain] = blocks or {}

    def derive(self, src: _Source, context: bool) -> _Renderer:
        """A renderer for another template of the same render() (an include, a parent)."""
        return _Renderer(self.ev, self.tv, src, self.args, self.node, self.env, self.shared,
                         self.context and context)

    # ---- names

    def lookup(self, name: str, scope: dict[str, _Bound]) -> _Bound | None:
        if name in scope:
            return scope[name]
        if not self.context:
            return None
        got = self.args.get(name)
        if got is None:
            return None
        return _Bound(got[0], got[1])

    def name_stability(self, name: str, scope: dict[str, _Bound]) -> Stability:
        b = self.lookup(name, scope)
        if b is None or b.value is None:
            return Stability.UNKNOWN
        if isinstance(b.value, OpaqueV) and b.value.elements is not None:
            return worst(b.value.stability, b.value.elements)
        return value_stability(b.value)

    def hole(self, stab: Stability, source: str, at: int, bound: _Bound | None, cause: str) -> Hole:
        if bound is not None and bound.at is not None:
            loc = self.ev.loc(self.env, bound.at)
            source = f"{source} = {self.args.src(bound.at)}"
        else:
            loc = self.src.loc_at(at)
        return Hole(stab, source, loc, cause)

    # ---- templates: blocks, `{% extends %}`, `{% include %}`

    def render_template(self, nodes: list[_Node], scope: dict[str, _Bound],
                        inherited: dict[str, _BlockChain]) -> list[Piece]:
        """A whole template: its blocks go after the overrides of the templates that extend it."""
        blocks = {k: list(v) for k, v in inherited.items()}
        own: set[str] = set()
        for b in _blocks_in(nodes):
            if b.name in own:
                raise Unparseable(f"block `{b.name}` defined twice")
            own.add(b.name)
            blocks.setdefault(b.name, []).append((self, b.body))
        self.blocks = blocks
        ext = [i for i, n in enumerate(nodes) if isinstance(n, _Extends)]
        if not ext:
            return self.render(nodes, scope)
        if len(ext) > 1:
            raise Unparseable("`{% extends %}` more than once")
        # Text before `{% extends %}` is output; after it, only the parent renders (with these blocks),
        # and top-level assignments still take effect.
        out = self.render(nodes[:ext[0]], scope)
        for n in nodes[ext[0] + 1:]:
            if isinstance(n, _Bind):
                for name in n.names:
                    scope[name] = _Bound(None, None)
        ext_node = nodes[ext[0]]
        assert isinstance(ext_node, _Extends)
        if ext_node.names is None:
            raise Unparseable("`{% extends %}` of a name not known statically")
        if self.tv.search_path is None:
            raise Unparseable("`{% extends %}` through a loader that is not followed")
        got = self.open(ext_node.names, ext_node.at, ext_node.source, "extended", False)
        if isinstance(got, Hole):
            return [*out, got]
        assert got is not None
        parent, parent_nodes, real = got
        self.shared.stack.append(real)
        try:
            out.extend(parent.render_template(parent_nodes, scope, blocks))
        finally:
            self.shared.stack.pop()
        return out

    def include(self, n: _Include, scope: dict[str, _Bound]) -> list[Piece]:
        if n.names is None:
            return [Hole(Stability.UNKNOWN, n.source, self.src.loc_at(n.at),
                         "`{% include %}` of a name not known statically")]
        if self.tv.search_path is None:
            return [Hole(Stability.UNKNOWN, n.source, self.src.loc_at(n.at),
                         "`{% include %}` through a loader that is not followed")]
        got = self.open(n.names, n.at, n.source, "included", n.ignore_missing, n.context)
        if got is None:
            return []  # `ignore missing`, and no such template
        if isinstance(got, Hole):
            return [got]
        inner, nodes, real = got
        self.shared.stack.append(real)
        try:
            # Jinja passes the includer's variables (loop targets too) unless `without context`.
            return inner.render_template(nodes, dict(scope) if n.context else {}, {})
        except _TooLarge:
            raise
        except Unparseable as exc:
            return [Hole(Stability.UNKNOWN, n.source, self.src.loc_at(n.at), f"included template not followed: {exc}")]
        finally:
            self.shared.stack.pop()

    def open(self, names: list[str], at: int, source: str, verb: str, ignore_missing: bool,
             context: bool = True) -> tuple[_Renderer, list[_Node], str] | Hole | None:
        """The first of `names` the loader finds, parsed: a renderer for it, its nodes and its real path.

        A Hole when it cannot be followed; None when none exists and `ignore_missing`."""
        def unknown(cause: str) -> Hole:
            return Hole(Stability.UNKNOWN, source, self.src.loc_at(at), cause)

        assert self.tv.search_path is not None
        found = None
        for name in names:
            got, cause, missing = find_template(self.ev, self.tv.search_path, name)
            if got is not None:
                found = got
                break
            if not missing:
                return unknown(cause)
        if found is None:
            return None if ignore_missing else unknown(f"template {' or '.join(f'`{x}`' for x in names)} "
                                                       "not found in the project")
        if found.data is None or found.real is None:
            return unknown(found.cause)
        real = found.real
        if real in self.shared.stack:
            return unknown(f"`{found.rel}` is {verb} by itself (a cycle): not followed")
        if len(self.shared.stack) >= MAX_NESTING:
            return unknown(f"templates {verb} more than {MAX_NESTING} deep: not followed")
        text = self.ev.files().text(found, "utf-8", "strict", True)
        if text is None:
            return unknown(f"template `{found.rel}` is not valid UTF-8 text")
        tag = self.src.piece_at(at)
        here = self.src.loc_at(at)
        line, col, end_line, end_col = here.pos
        hops = (*(tag[1].hops if tag is not None and isinstance(tag[1], Text) else ()),
                Hop(Span(here.path, max(line, 1), col + 1, max(end_line, 1), end_col + 1),
                    f"{found.rel} {verb} here"))
        key = (real, hops)
        parsed = self.shared.parsed.get(key)
        if parsed is None:
            try:
                src = _Source((Text(text, file_loc(real), hops),) if text else (), real, here)
                parsed = (src, _parse(src.text, self.tv.options))
            except Unparseable as exc:
                parsed = str(exc)
            self.shared.parsed[key] = parsed
        if isinstance(parsed, str):
            return unknown(f"{verb} template `{found.rel}` not followed: {parsed}")
        return self.derive(parsed[0], context), parsed[1], real

    def block(self, n: _Block, scope: dict[str, _Bound]) -> list[Piece]:
        chain = self.blocks.get(n.name) or [(self, n.body)]
        return self.block_at(n.name, chain, 0, scope)

    def block_at(self, name: str, chain: _BlockChain, i: int, scope: dict[str, _Bound]) -> list[Piece]:
        """Body `i` of a block's chain, rendered by its own template, its nested blocks resolved here."""
        owner, body = chain[i]
        r = owner if owner.blocks is self.blocks else _Renderer(
            owner.ev, owner.tv, owner.src, owner.args, owner.node, owner.env, owner.shared, owner.context, self.blocks)
        self.shared.supers.append((name, chain, i))
        try:
            return r.render(body, dict(scope))
        finally:
            self.shared.supers.pop()

    def super_block(self, at: int, scope: dict[str, _Bound]) -> list[Piece]:
        """`{{ super() }}`: the next body of the block being rendered."""
        if self.shared.supers:
            name, chain, i = self.shared.supers[-1]
            if i + 1 < len(chain):
                return self.block_at(name, chain, i + 1, scope)
        return [Hole(Stability.UNKNOWN, "{{ super() }}", self.src.loc_at(at), "`super()` with no parent block")]

    # ---- nodes

    def render(self, nodes: list[_Node], scope: dict[str, _Bound]) -> list[Piece]:
        out: list[Piece] = []
        shared = self.shared
        for n in nodes:
            shared.count += 1
            if shared.count > MAX_RENDER:
                raise _TooLarge("template too large to render")
            if isinstance(n, _TextN):
                shared.chars += n.end - n.start
                if shared.chars > MAX_RENDER_TEXT:
                    raise _TooLarge("template output too long to follow")
                out.extend(self.src.slice(n.start, n.end, newlines=True))
            elif isinstance(n, _Out):
                out.extend(self.output(n, scope))
            elif isinstance(n, _If):
                out.extend(self.conditional(n, scope))
            elif isinstance(n, _For):
                out.extend(self.loop(n, scope))
            elif isinstance(n, _Bind):
                for name in n.names:
                    scope[name] = _Bound(None, None)
            elif isinstance(n, _Unknown):
                out.append(Hole(Stability.UNKNOWN, n.source, self.src.loc_at(n.at), n.what))
            elif isinstance(n, _Include):
                out.extend(self.include(n, scope))
            elif isinstance(n, _Block):
                out.extend(self.block(n, scope))
            elif isinstance(n, _Extends):
                raise Unparseable("`{% extends %}` inside a block, condition or loop")
            else:
                out.extend(self.render(n.body, scope))
        return out

    def output(self, n: _Out, scope: dict[str, _Bound]) -> list[Piece]:
        if any(ord(c) >= _SENTINEL for c in n.expr):
            raise Unparseable("a computed value inside `{{ }}`")
        toks = _tokens(n.expr)
        source = "{{ " + n.expr + " }}"
        if [t[1] for t in toks] == ["super", "(", ")"]:
            return self.super_block(n.at, scope)
        if len(toks) == 1 and toks[0][0] == "str":
            lit = toks[0][1]
            try:
                text = ast.literal_eval(lit)
            except (ValueError, SyntaxError):
                raise Unparseable("string literal not understood") from None
            return [Text(str(text), self.src.loc_at(n.at))]
        simple = self.simple_value(toks, scope)
        if simple is not None:
            value, bound = simple
            if bound.at is None and isinstance(value, ConstV) and not isinstance(value.value, bytes):
                return [Text(str(value.value), self.src.loc_at(n.at))]  # `loop.index` of an unrolled loop
            if value is not None:
                return list(self.ev.as_pieces(value, self.env, bound.at or self.node,
                                              source=source + (f" = {self.args.src(bound.at)}"
                                                               if bound.at is not None else "")))
        names = _root_names(toks)
        stabs = [self.name_stability(x, scope) for x in names]
        stab = worst(Stability.STABLE, *stabs)
        first = next((self.lookup(x, scope) for x in names if self.lookup(x, scope) is not None), None)
        missing = [x for x in names if self.lookup(x, scope) is None]
        cause = f"no value passed for `{missing[0]}`" if missing else "template expression"
        if names and all(self.lookup(x, scope) is None for x in names):
            first = None
        return [self.hole(stab, source, n.at, first, cause)]

    def simple_value(self, toks: list[tuple[str, str]], scope: dict[str, _Bound]) -> tuple[Value | None, _Bound] | None:
        """`name`, `name.attr`, `name['key']`, then filters the renderer knows: the value, or None."""
        if not toks or toks[0][0] != "name" or toks[0][1] in _KEYWORDS:
            return None
        bound = self.lookup(toks[0][1], scope)
        if bound is None or bound.value is None:
            return None
        value: Value = bound.value
        i = 1
        at = bound.at or self.node
        while i < len(toks):
            text = toks[i][1]
            if text == "." and i + 1 < len(toks) and toks[i + 1][0] == "name":
                value = self.member(value, toks[i + 1][1], at)
                i += 2
            elif text == "[" and i + 2 < len(toks) and toks[i + 2][1] == "]" and toks[i + 1][0] in ("str", "num"):
                key = ast.literal_eval(toks[i + 1][1].replace("_", "")) if toks[i + 1][0] == "num" \
                    else ast.literal_eval(toks[i + 1][1])
                value = self.member(value, key, at)
                i += 3
            else:
                break
        while i < len(toks):
            if toks[i][1] != "|" or i + 1 >= len(toks) or toks[i + 1][0] != "name":
                return None
            fname = toks[i + 1][1]
            i += 2
            if i < len(toks) and toks[i][1] == "(":
                # `join(", ")` with a literal separator; other filters with arguments are not followed.
                if fname != "join" or i + 2 >= len(toks) or toks[i + 1][0] != "str" or toks[i + 2][1] != ")":
                    return None
                sep = StrV((Text(str(ast.literal_eval(toks[i + 1][1])), self.src.loc_at(0)),))
                joined = join(self.ev, sep, value, self.env, at)
                if not isinstance(joined, StrV):
                    return None
                value = joined
                i += 3
                continue
            fn = _TEXT_FILTERS.get(fname)
            if fn is None:
                return None
            t = static_value_text(value)
            if t is None:
                if fname in ("string", "safe") and isinstance(value, StrV):
                    continue
                return None
            value = StrV((Text(fn(t), self.ev.loc(self.env, at)),))
        if self.tv.options.autoescape is not False:
            t = static_value_text(value)
            if t is not None and any(c in t for c in _ESCAPES):
                if self.tv.options.autoescape is None:
                    return None
                value = StrV((Text("".join(_ESCAPES.get(c, c) for c in t), self.ev.loc(self.env, at)),))
        return value, bound

    def member(self, value: Value, key: str | int, at: ast.AST) -> Value:
        if isinstance(value, DictV) and isinstance(key, str):
            got = value.get(key)
            if got is not None:
                return got
        if isinstance(value, ListV) and isinstance(key, int):
            return self.ev.index(value, ConstV(key), at, self.env)
        if isinstance(value, OpaqueV):
            return OpaqueV(value.stability, value.source, value.loc, value.cause, hops=value.hops)
        stab = value_stability(value)
        return OpaqueV(stab if stab != Stability.STATIC else Stability.STABLE, self.args.src(at),
                       self.ev.loc(self.env, at), f"`.{key}` in a template")

    def truth(self, cond: str, scope: dict[str, _Bound]) -> bool | None:
        """The value of a condition when it is a static name (or `not name`)."""
        negate = False
        toks = _tokens(cond) if not any(ord(c) >= _SENTINEL for c in cond) else []
        if toks and toks[0][1] == "not":
            negate, toks = True, toks[1:]
        got = self.simple_value(toks, scope) if toks else None
        if got is None or got[0] is None:
            return None
        v = got[0]
        result: bool | None = None
        if isinstance(v, ConstV):
            result = bool(v.value)
        elif isinstance(v, StrV) and text_of(v.pieces) is not None:
            result = bool(text_of(v.pieces))
        elif isinstance(v, ListV) and not any(i.repeated or i.optional for i in v.items):
            result = bool(v.items)
        elif isinstance(v, DictV) and v.complete:
            result = bool(v.entries)
        return None if result is None else result != negate

    def conditional(self, n: _If, scope: dict[str, _Bound]) -> list[Piece]:
        options: list[tuple[Piece, ...]] = []
        for cond, body in n.branches:
            t = self.truth(cond, scope)
            if t is False:
                continue
            rendered = tuple(merge_pieces(self.render(body, dict(scope))))
            if t is True:
                if not options:
                    return list(rendered)
                options.append(rendered)
                break
            options.append(rendered)
        else:
            options.append(tuple(merge_pieces(self.render(n.orelse, dict(scope)))) if n.orelse is not None else ())
        unique: list[tuple[Piece, ...]] = []
        for o in options:
            if o not in unique:
                unique.append(o)
        if len(unique) == 1:
            return list(unique[0])
        return [Alt(tuple(unique), self.src.loc_at(n.at), n.source)]

    def loop(self, n: _For, scope: dict[str, _Bound]) -> list[Piece]:
        toks = _tokens(n.iter) if not any(ord(c) >= _SENTINEL for c in n.iter) else []
        method = None
        if len(toks) >= 4 and [t[1] for t in toks[-4:-1]] in ([".", "items", "("], [".", "keys", "("],
                                                               [".", "values", "("]) and toks[-1][1] == ")":
            method, toks = toks[-3][1], toks[:-4]
        got = self.simple_value(toks, scope) if toks else None
        items: list[Value] | None = None
        bound = got[1] if got is not None else None
        if got is not None and got[0] is not None and n.simple:
            items = _items(got[0], method)
        if items is not None:
            out: list[Piece] = []
            if not items:
                return self.render(n.orelse, dict(scope))
            for idx, item in enumerate(items):
                inner = dict(scope)
                if len(n.targets) == 1:
                    inner[n.targets[0]] = _Bound(item, bound.at if bound else None)
                elif isinstance(item, ListV) and len(item.items) == len(n.targets) and not any(
                        i.repeated or i.optional for i in item.items):
                    for name, it in zip(n.targets, item.items, strict=True):
                        inner[name] = _Bound(it.value, bound.at if bound else None)
                else:
                    items = None
                    break
                inner["loop"] = _Bound(_loop_vars(idx, len(items)), None)
                out.extend(self.render(n.body, inner))
            else:
                return out
        # Not unrolled: one hole as stable as the sequence and what the body reads.
        names = _root_names(toks) if toks else []
        body_names = [x for x in _body_names(n.body) if x not in n.targets and x != "loop"]
        stabs = [self.name_stability(x, scope) for x in [*names, *body_names]]
        if not toks or _has_include(n.body):
            stabs.append(Stability.UNKNOWN)  # names an included template reads are not listed
        stab = worst(Stability.STABLE, *stabs)
        first = self.lookup(names[0], scope) if names else None
        cause = f"loop over `{n.iter}`" if first is not None else f"no value passed for `{n.iter}`"
        return [self.hole(stab, n.source, n.at, first, cause)]


def _items(v: Value, method: str | None) -> list[Value] | None:
    if isinstance(v, DictV):
        if not v.complete or len(v.entries) > MAX_UNROLL:
            return None
        d = dict(v.entries)
        keys: list[Value] = [StrV((Text(k, None),)) for k in d]
        if method in (None, "keys"):
            return keys
        if method == "values":
            return list(d.values())
        return [ListV((Item(k), Item(x)), is_tuple=True) for k, x in zip(keys, d.values(), strict=True)]
    if method is not None:
        return None
    if isinstance(v, ListV) and len(v.items) <= MAX_UNROLL and not any(i.repeated or i.optional for i in v.items):
        return [i.value for i in v.items]
    return None


def _loop_vars(i: int, n: int) -> DictV:
    vals: dict[str, int | bool] = {"index": i + 1, "index0": i, "revindex": n - i, "revindex0": n - i - 1,
                                   "first": i == 0, "last": i == n - 1, "length": n}
    return DictV(tuple((k, ConstV(v)) for k, v in vals.items()))


def static_value_text(v: Value) -> str | None:
    if isinstance(v, StrV):
        return text_of(v.pieces)
    if isinstance(v, ConstV) and not isinstance(v.value, bytes):
        return str(v.value)
    return None


# ---------------------------------------------------------------- making, finding and rendering templates


def make_template(ev: EvaluatorAPI, source: Value, kind: str, opts: JinjaOptions, env: Env, node: ast.AST,
                  file: str | None = None, search_path: tuple[str, ...] | None = None) -> Value:
    if isinstance(source, AltV):
        return AltV(tuple(make_template(ev, o, kind, opts, env, node, search_path=search_path)
                          for o in source.options), ev.loc(env, node), ev.src(env, node))
    text = source if isinstance(source, StrV) else None
    stab = value_stability(source)
    if stab == Stability.STATIC or (stab == Stability.UNKNOWN and text is not None):
        stab = Stability.STABLE
    cause = "template" if text is not None else "template whose text is not known statically"
    if isinstance(source, OpaqueV) and text is None:
        cause = source.cause
    return TemplateV(stab, ev.src(env, node), ev.loc(env, node), cause, kind=kind, text=text, file=file,
                     options=opts, search_path=search_path)


def render(ev: EvaluatorAPI, tv: TemplateV, node: ast.Call, env: Env, safe: bool) -> Value:
    args = _Args(ev, node, env)
    if not args.ok:
        return render_failed(ev, tv, args, node, env, "arguments not followed")
    if tv.text is None:
        return render_failed(ev, tv, args, node, env, tv.cause)
    try:
        src = _Source(tv.text.pieces, tv.file, ev.loc(env, node))
        if tv.kind == "string":
            pieces = substitute(ev, src, args, node, env, safe)
        else:
            pieces = render_jinja(ev, tv, src, args, node, env)
    except Unparseable as exc:
        return render_failed(ev, tv, args, node, env, f"template not followed: {exc}")
    except RecursionError:
        return render_failed(ev, tv, args, node, env, "template nested too deeply to follow")
    return StrV(merge_pieces(pieces))


def render_failed(ev: EvaluatorAPI, tv: TemplateV, args: _Args, node: ast.Call, env: Env, cause: str) -> Value:
    """Text not known: stable, unless the template or a value passed to it changes per call."""
    stabs = [tv.stability, *(value_stability(v) for v in args.all_values())]
    dyn = [s for s in stabs if s in (*VARYING, Stability.UNKNOWN)]
    stab = worst(Stability.STABLE, *dyn)
    if stab == Stability.UNKNOWN:
        stab = Stability.STABLE
    if stab in VARYING and tv.stability != stab:
        # What changes is a value passed to the template, not the template: name that value,
        # where it is written (RD-Agent renders a template read from YAML with the time left).
        for name, v in args.named_values():
            part = part_of(v, stab)
            if part is not None:
                return OpaqueV(stab, part.source, part.loc,
                               f"`{name}` passed to a template not followed ({cause}): {part.cause}",
                               hops=part.hops)
    return ev.opaque(env, node, stab, cause)


def substitute(ev: EvaluatorAPI, src: _Source, args: _Args, node: ast.Call, env: Env, safe: bool) -> list[Piece]:
    out: list[Piece] = []
    text = src.text
    pos = 0
    for m in string.Template.pattern.finditer(text):
        out.extend(src.slice(pos, m.start(), newlines=False))
        pos = m.end()
        name = m.group("named") or m.group("braced")
        if m.group("escaped") is not None:
            out.append(Text("$", src.loc_at(m.start())))
            continue
        if name is None:  # `$` not followed by a name
            if not safe:
                raise Unparseable("invalid placeholder")
            out.extend(src.slice(m.start(), m.end() or m.start() + 1, newlines=False))
            pos = max(pos, m.start() + 1)
            continue
        got = args.get(name)
        if got is None:
            if safe:
                out.extend(src.slice(m.start(), m.end(), newlines=False))
            else:
                out.append(Hole(Stability.UNKNOWN, m.group(0), src.loc_at(m.start()),
                                f"no value passed for `{m.group(0)}`"))
            continue
        value, at = got
        out.extend(ev.as_pieces(value, env, at, source=f"{m.group(0)} = {args.src(at)}"))
    out.extend(src.slice(pos, len(text), newlines=False))
    return out


def render_jinja(ev: EvaluatorAPI, tv: TemplateV, src: _Source, args: _Args, node: ast.Call, env: Env) -> list[Piece]:
    nodes = _parse(src.text, tv.options)
    return _Renderer(ev, tv, src, args, node, env).render_template(nodes, {}, {})


def find_template(ev: EvaluatorAPI, search_path: tuple[str, ...], name: str) -> tuple[FileRead | None, str, bool]:
    """What a FileSystemLoader finds for `name` in its folders, read like any prompt file.

    (the read, "", False) when a file is there (the read says whether it could be read);
    (None, why, missing) otherwise, `missing` when Jinja would raise TemplateNotFound."""
    parts = []
    for piece in name.split("/"):
        if piece == "..":
            return None, f"template name `{name}` leaves the loader's folder", True
        if "\\" in piece:
            return None, f"template name `{name}` leaves the loader's folder", False
        if piece and piece != ".":
            parts.append(piece)
    for folder in search_path:
        got = ev.files().read(posixpath.join(folder, *parts))
        if not got.missing:
            return got, "", False
    return None, f"template `{name}` not found in the project", True


__all__ = ["JinjaEnvV", "JinjaOptions", "LoaderV", "TemplateV", "Unparseable", "find_template", "make_template",
           "render", "static_value_text"]

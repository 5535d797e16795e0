"""Abstract values the evaluator computes: strings as static text and holes, lists, dicts, opaque values."""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum

from cachelint.fastinit import fast_init, replace
from cachelint.prompt import Hop, Stability

# Longest string the evaluator builds; longer results are cut and flagged (`"x" * 10**12`).
MAX_TEXT = 1_000_000
# Most parts one string holds (text, holes, alternatives); the rest become one part.
MAX_PIECES = 4096

# Join order: the worst stability wins when values are combined.
_RANK = {
    Stability.STATIC: 0,
    Stability.STABLE: 1,
    Stability.UNKNOWN: 2,
    Stability.DAILY: 3,
    Stability.SESSION: 4,
    Stability.TURN: 5,
    Stability.UNORDERED: 6,
    Stability.VOLATILE: 7,
}

# Values that change between requests for the same deployment, per conversation or per call:
# a result computed from one of them changes as often.
VARYING = (Stability.SESSION, Stability.TURN, Stability.VOLATILE)


def worst(*items: Stability) -> Stability:
    best = Stability.STATIC
    for s in items:
        if _RANK[s] > _RANK[best]:
            best = s
    return best


def element_stability(stabs: Iterable[Stability]) -> Stability:
    """What one element of a collection holds when the code may pick any of them.

    Elements that differ in whether they change between requests (a static or unknown system
    message next to a per-turn user message) give UNKNOWN rather than the worst of them: a loop over such a
    list often keeps only some elements (`if m["role"] == "system"`), and blaming the static
    ones for the per-turn one would be a false finding.
    """
    kinds = set(stabs)
    if not kinds:
        return Stability.STATIC
    changing = kinds & _CHANGING
    if changing and changing != kinds:
        return Stability.UNKNOWN
    return worst(*kinds)


_CHANGING = {Stability.SESSION, Stability.TURN, Stability.DAILY, Stability.VOLATILE, Stability.UNORDERED}


class Clock(str, Enum):
    """What a clock value holds, which decides its stability once formatted."""

    DATETIME = "datetime"  # sub-day precision unless formatted at date precision
    DATE = "date"  # date precision
    TIMESTAMP = "timestamp"  # a float/int from time.time(): always volatile


@fast_init
@dataclass(frozen=True)
class Loc:
    """Where a piece of a value is written: the module path, its position, and the node."""

    path: str
    pos: tuple[int, int, int, int]
    node: ast.AST = field(compare=False, repr=False)

    @staticmethod
    def of(path: str, node: ast.AST) -> Loc:
        line = getattr(node, "lineno", 0) or 0
        col = getattr(node, "col_offset", 0) or 0
        return Loc(
            path,
            (line, col, getattr(node, "end_lineno", line) or line,
             getattr(node, "end_col_offset", col) or col),
            node,
        )


# ---------------------------------------------------------------- string pieces


@fast_init
@dataclass(frozen=True)
class Text:
    text: str
    loc: Loc | None
    hops: tuple[Hop, ...] = ()
    truncated: bool = False  # built only up to MAX_TEXT


@dataclass(frozen=True)
class Hole:
    stability: Stability
    source: str
    loc: Loc
    cause: str
    hops: tuple[Hop, ...] = ()
    passthrough: bool = False
    # Where `json.dumps` of data whose key order the source does not fix is written without
    # `sort_keys=True`, when this text is (or is built from) its result (CL104).
    unsorted_json: Loc | None = None


@dataclass(frozen=True)
class Alt:
    """One of several alternatives (branches of `A if c else B`, conditional appends)."""

    options: tuple[tuple[Piece, ...], ...]
    loc: Loc
    source: str


Piece = Text | Hole | Alt


# ---------------------------------------------------------------- values


@dataclass(frozen=True)
class StrV:
    pieces: tuple[Piece, ...]


@dataclass(frozen=True)
class ConstV:
    value: int | float | bool | bytes | complex | None
    loc: Loc | None = None


@dataclass(frozen=True)
class OpaqueV:
    """A value whose content is not known statically."""

    stability: Stability
    source: str
    loc: Loc
    cause: str
    clock: Clock | None = None
    hops: tuple[Hop, ...] = ()
    passthrough: bool = False
    # Stability of the elements when iterated (a parameter list: turn).
    elements: Stability | None = None
    # A representative element, when every element is built the same way
    # (`[Message(role="system", content=SYSTEM) for p in passages]`): iterating gives it.
    element: Value | None = None
    # The text `json.dumps` writes of data whose key order is not fixed by the source, without
    # `sort_keys=True`: where that call is written (CL104).
    unsorted_json: Loc | None = None
    # The dict or list `json.dumps` wrote this text of, which `json.loads` gives back (a
    # request sent through a cache keyed by its JSON text: storm's litellm_completion).
    json_of: Value | None = None


@dataclass(frozen=True)
class Item:
    value: Value
    optional: bool = False  # appended under a condition
    repeated: bool = False  # appended in a loop: any number of such items


@dataclass(frozen=True)
class ListV:
    items: tuple[Item, ...]
    loc: Loc | None = None
    is_tuple: bool = False


@dataclass(frozen=True)
class SetV:
    """A set/frozenset: iteration order depends on the hash seed."""

    elements: tuple[Value, ...]
    loc: Loc
    source: str


@dataclass(frozen=True)
class DictV:
    entries: tuple[tuple[str, Value], ...]
    loc: Loc | None = None
    complete: bool = True  # False when `**other` could not be followed

    def get(self, key: str) -> Value | None:
        for k, v in reversed(self.entries):
            if k == key:
                return v
        return None


@dataclass(frozen=True)
class RecordV(DictV):
    """An object with named fields built by a known constructor: a project dataclass, pydantic
    model or NamedTuple, or a framework's message class (langchain `SystemMessage(content=...)`).
    Its attributes are its `entries`, which are also the dict it converts to (`asdict`,
    `model_dump`) and what it sends as a message; `attrs` are attributes it has beside them (a
    langchain message's `type`). `instance` is the project class, for its methods."""

    kind: str = ""  # the class's qualified name
    attrs: tuple[tuple[str, Value], ...] = ()
    instance: InstanceV | None = None

    def attr(self, name: str) -> Value | None:
        got = self.get(name)
        if got is not None:
            return got
        return next((v for k, v in self.attrs if k == name), None)


@dataclass(frozen=True)
class AltV:
    """A value that is one of several (conditional assignment, several returns)."""

    options: tuple[Value, ...]
    loc: Loc
    source: str


@dataclass(frozen=True)
class ClientV:
    """An SDK client instance (or the `openai` module used as one)."""

    provider: str  # "openai" | "anthropic" | "gemini"
    kind: str  # "OpenAI", "AsyncAnthropic", "module", "GenerativeModel", "ChatSession", ...
    # An OpenAI client's `base_url` (cachelint.analysis.endpoints): its text when the code
    # writes it; `base_url_unresolved` is the argument as written when one is given that the
    # analysis cannot follow (`self.base_url`, `**options`), "" otherwise.
    base_url: str | None = None
    base_url_unresolved: str = ""
    # Legacy Gemini SDK (`google.generativeai`): a GenerativeModel carries part of the prompt.
    # `settings` holds its constructor's arguments by name (and a ChatSession's `history`);
    # None when the object is known only from a type annotation. `prompt_nodes` are the
    # argument expressions that carry prompt text, for wrapper detection.
    settings: DictV | None = None
    prompt_nodes: tuple[ast.AST, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class ModuleRefV:
    """A module imported by name (`import datetime`): attribute access builds a qualified name."""

    qualname: str


@dataclass(frozen=True)
class FuncRefV:
    """A function or class that can be called: a definition node, or a known qualified name."""

    qualname: str
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda | None = field(
        default=None, compare=False
    )
    module: str = ""  # module path of the definition
    bound_self: Value | None = None


@dataclass(frozen=True)
class InstanceV:
    """An instance of a project class: attributes resolve through the class body and methods."""

    cls: ast.ClassDef = field(compare=False, repr=False)
    module: str  # path of the module defining the class
    qualname: str
    pos: tuple[int, int] = (0, 0)  # the class definition's position, for equality


Value = StrV | ConstV | OpaqueV | ListV | SetV | DictV | AltV | ClientV | ModuleRefV | FuncRefV | InstanceV


# ---------------------------------------------------------------- helpers


def spread_entries(spread: Value) -> tuple[tuple[tuple[str, Value], ...], bool]:
    """What `**spread` adds to a dict display or a call's keywords: its entries, and whether
    they are all of them (False when it is not a dict whose keys are known)."""
    if isinstance(spread, DictV):
        return spread.entries, spread.complete
    return (), False


def flat_options(v: AltV, limit: int | None = None) -> list[Value]:
    """The alternatives of `v`, nested alternatives spread out, each once, left to right.
    Alternatives share parts (a chain of conditional assignments): each is visited once, by
    identity, or the walk is exponential in the chain. With `limit`, the walk stops once it has
    found more than `limit` values (the caller gives up on so many)."""
    out: list[Value] = []
    seen: set[int] = set()
    stack: list[Value] = [v]
    while stack:
        o = stack.pop()
        if id(o) in seen:
            continue
        seen.add(id(o))
        if isinstance(o, AltV):
            stack.extend(reversed(o.options))
        elif o not in out:
            out.append(o)
            if limit is not None and len(out) > limit:
                break
    return out


def part_of(v: Value, stab: Stability) -> OpaqueV | Hole | None:
    """A part of `v` (an opaque value or a hole in text) of stability `stab`, the first found."""
    if isinstance(v, OpaqueV):
        return v if v.stability == stab else None
    if isinstance(v, StrV):
        return _piece_of(v.pieces, stab)
    inner: list[Value] = []
    if isinstance(v, ListV):
        inner = [i.value for i in v.items]
    elif isinstance(v, DictV):
        inner = [x for _, x in v.entries]
    elif isinstance(v, AltV):
        inner = list(v.options)
    for x in inner:
        got = part_of(x, stab)
        if got is not None:
            return got
    return None


def _piece_of(pieces: tuple[Piece, ...], stab: Stability) -> Hole | None:
    for p in pieces:
        if isinstance(p, Hole) and p.stability == stab:
            return p
        if isinstance(p, Alt):
            for o in p.options:
                got = _piece_of(o, stab)
                if got is not None:
                    return got
    return None


def text_of(pieces: Iterable[Piece]) -> str | None:
    """The full text when every piece is static text, else None."""
    out: list[str] = []
    for p in pieces:
        if not isinstance(p, Text):
            return None
        out.append(p.text)
    return "".join(out)


def static_text(v: Value) -> str | None:
    if isinstance(v, StrV):
        return text_of(v.pieces)
    return None


MAX_HOP_PARTS = 2_000  # parts of a value worth copying to record a hop on each


def add_hop(v: Value, hop: Hop) -> Value:
    """Record that a value was reached through `hop` (an import, a helper's return). A hop is
    for showing where text came from; a value too large to copy cheaply keeps its old hops."""
    if _parts(v, MAX_HOP_PARTS) >= MAX_HOP_PARTS:
        return v
    return _add_hop(v, hop, {})


def _parts(v: Value, limit: int) -> int:
    """How many values `v` is made of, counting shared parts again, up to `limit`."""
    count = 0
    stack = [v]
    while stack and count < limit:
        x = stack.pop()
        count += 1
        if isinstance(x, ListV):
            stack.extend(i.value for i in x.items)
        elif isinstance(x, DictV):
            stack.extend(e for _, e in x.entries)
        elif isinstance(x, AltV):
            stack.extend(x.options)
        elif isinstance(x, StrV):
            count += len(x.pieces)
    return count


def _add_hop(v: Value, hop: Hop, done: dict[int, Value]) -> Value:
    # Values share parts (each branch of a long chain of conditional assignments holds the one
    # before): each part is copied once, by identity, or the copy is exponential in the chain
    # (scipy's _lebedev.py: 800,000 copies for 150 helper returns, a minute of CPU).
    got = done.get(id(v))
    if got is not None:
        return got
    new: Value = v
    if isinstance(v, StrV):
        new = StrV(tuple(_hop_piece(p, hop) for p in v.pieces))
    elif isinstance(v, OpaqueV):
        new = replace(v, hops=(hop, *v.hops))
    elif isinstance(v, ListV):
        new = replace(v, items=tuple(replace(i, value=_add_hop(i.value, hop, done)) for i in v.items))
    elif isinstance(v, DictV):
        new = replace(v, entries=tuple((k, _add_hop(x, hop, done)) for k, x in v.entries))
    elif isinstance(v, AltV):
        new = replace(v, options=tuple(_add_hop(o, hop, done) for o in v.options))
    done[id(v)] = new
    return new


def _hop_piece(p: Piece, hop: Hop) -> Piece:
    if isinstance(p, Text | Hole):
        return replace(p, hops=(hop, *p.hops))
    return Alt(tuple(tuple(_hop_piece(x, hop) for x in o) for o in p.options), p.loc, p.source)


def merge_pieces(pieces: Iterable[Piece]) -> tuple[Piece, ...]:
    """Drop empty text; keep neighbours separate so locations survive.

    A string is cut after MAX_TEXT characters of text (the last text flagged `truncated`) and
    after MAX_PIECES parts (the rest summed up as one part): pieces are shared, not copied, so
    `B = A + A`, `C = B + B`, ... forty times over would otherwise hold 2**40 of A's parts.
    """
    out: list[Piece] = []
    size = 0
    it = iter(pieces)
    for p in it:
        if isinstance(p, Text):
            if p.text == "" and not p.truncated:
                continue
            if size + len(p.text) > MAX_TEXT:
                out.append(replace(p, text=p.text[: MAX_TEXT - size], truncated=True))
                break
            size += len(p.text)
        if len(out) >= MAX_PIECES:
            rest = [p, *it]
            loc = next((x.loc for x in rest if x.loc is not None), None)
            stab = worst(pieces_stability(rest), Stability.STABLE)
            if loc is not None:
                out.append(Hole(stab, "…", loc, f"{len(rest)} more parts of a very long string, not followed"))
            else:
                out.append(Text("", None, truncated=True))
            break
        out.append(p)
    return tuple(out)


def value_stability(v: Value) -> Stability:
    """The worst stability of anything inside a value."""
    if isinstance(v, ConstV | ClientV | ModuleRefV | FuncRefV):
        return Stability.STATIC
    if isinstance(v, InstanceV):
        return Stability.UNKNOWN
    if isinstance(v, OpaqueV):
        return v.stability
    # Values are immutable and share parts (`x if c else x + y`, chains of conditional
    # assignments): remember the answer on the value, or each call walks the whole DAG again.
    known: Stability | None = v.__dict__.get("_stability")
    if known is None:
        known = _value_stability(v)
        object.__setattr__(v, "_stability", known)
    return known


def _value_stability(v: StrV | ListV | SetV | DictV | AltV) -> Stability:
    if isinstance(v, StrV):
        return pieces_stability(v.pieces)
    if isinstance(v, ListV):
        return worst(*(value_stability(i.value) for i in v.items))
    if isinstance(v, SetV):
        inner = worst(*(value_stability(e) for e in v.elements))
        return Stability.UNORDERED if len(v.elements) > 1 else inner
    if isinstance(v, DictV):
        s = worst(*(value_stability(x) for _, x in v.entries))
        return s if v.complete else worst(s, Stability.UNKNOWN)
    # AltV
    return worst(*(value_stability(o) for o in v.options))


def is_text(v: Value) -> bool:
    """A string, or one of several strings (`A if c else B` with both strings)."""
    return isinstance(v, StrV) or (isinstance(v, AltV) and all(is_text(o) for o in v.options))


def pieces_stability(pieces: Iterable[Piece]) -> Stability:
    s = Stability.STATIC
    for p in pieces:
        if isinstance(p, Hole):
            s = worst(s, p.stability)
        elif isinstance(p, Alt):
            for o in p.options:
                s = worst(s, pieces_stability(o))
    return s


# Private-use characters stand in for holes while a text function (dedent, strip,
# indent, upper, replace) runs over the static parts: they are not whitespace, so
# the function treats them as opaque text and they come back out in place.
_SENTINEL_BASE = 0xF0000


# Most whole texts a function is applied to when a string holds alternatives (`A if c else B`).
MAX_ALT_TEXTS = 16


def count_texts(pieces: tuple[Piece, ...], limit: int = MAX_ALT_TEXTS) -> int:
    """How many texts the alternatives in `pieces` spell (stops counting past `limit`)."""
    n = 1
    for p in pieces:
        if isinstance(p, Alt):
            n *= sum(count_texts(o, limit) for o in p.options)
            if n > limit:
                return limit + 1
    return n


def map_alternatives(pieces: tuple[Piece, ...], fn: Callable[[str], str]) -> tuple[Piece, ...] | None:
    """Apply a text function to each text the alternatives spell, whole (title, strip, dedent
    and format widths look across parts): one Alt of the results. None if there are too many."""
    at = next((i for i, p in enumerate(pieces) if isinstance(p, Alt)), None)
    if at is None:
        return map_text(pieces, fn)
    alt = pieces[at]
    assert isinstance(alt, Alt)
    if count_texts(pieces) > MAX_ALT_TEXTS:
        return None
    outs: list[tuple[Piece, ...]] = []
    for option in alt.options:
        out = map_alternatives(pieces[:at] + option + pieces[at + 1:], fn)
        if out is None:
            return None
        # The rest was expanded too: its alternatives are whole texts, each one of ours.
        texts = out[0].options if len(out) == 1 and isinstance(out[0], Alt) else (out,)
        outs.extend(t for t in texts if t not in outs)
    return outs[0] if len(outs) == 1 else (Alt(tuple(outs), alt.loc, alt.source),)


def map_text(pieces: tuple[Piece, ...], fn: Callable[[str], str]) -> tuple[Piece, ...] | None:
    """Apply a text function across pieces, keeping holes in place; None if it cannot.

    Alternatives are expanded (a few) or become holes: the function must not skip them,
    or `(A if c else B).upper()` would keep B in lower case."""
    if any(isinstance(p, Alt) for p in pieces):
        expanded = map_alternatives(pieces, fn)
        if expanded is not None:
            return expanded
        pieces = tuple(
            Hole(worst(Stability.STABLE, pieces_stability((p,))), p.source, p.loc, "one of several texts, transformed")
            if isinstance(p, Alt) else p
            for p in pieces
        )
    holes: list[Piece] = []
    buf: list[str] = []
    first_loc: Loc | None = None
    for p in pieces:
        if isinstance(p, Text):
            if p.truncated:
                return None
            buf.append(p.text)
            first_loc = first_loc or p.loc
        else:
            buf.append(chr(_SENTINEL_BASE + len(holes)))
            holes.append(p)
    joined = "".join(buf)
    # Text that itself contains our sentinel range: give up rather than guess.
    if sum(1 for c in joined if ord(c) >= _SENTINEL_BASE) != len(holes):
        return None
    try:
        out = fn(joined)
    except Exception:
        return None
    result: list[Piece] = []
    cur: list[str] = []
    seen = 0
    text_pieces = [p for p in pieces if isinstance(p, Text)]
    hops = text_pieces[0].hops if text_pieces else ()
    for c in out:
        o = ord(c)
        if _SENTINEL_BASE <= o < _SENTINEL_BASE + len(holes):
            if cur:
                result.append(Text("".join(cur), first_loc, hops))
                cur = []
            result.append(holes[o - _SENTINEL_BASE])
            seen += 1
        else:
            cur.append(c)
    if cur:
        result.append(Text("".join(cur), first_loc, hops))
    if seen != len(holes):
        return None  # the function dropped or duplicated a hole: not a text transform
    return tuple(result)


@functools.lru_cache(maxsize=16)
def _repeated(text: str, n: int) -> str:
    # The same `"x" * 10**12` is evaluated again at every use: build its megabyte once.
    return text * n


def repeat_pieces(pieces: tuple[Piece, ...], n: int) -> tuple[Piece, ...]:
    """`s * n` without ever building more than MAX_TEXT characters."""
    if n <= 0:
        return ()
    text = text_of(pieces)
    if text is not None:
        loc = next((p.loc for p in pieces if isinstance(p, Text)), None)
        hops = next((p.hops for p in pieces if isinstance(p, Text)), ())
        if len(text) * n > MAX_TEXT:
            reps = max(1, MAX_TEXT // max(1, len(text)))
            return (Text(_repeated(text, reps)[:MAX_TEXT], loc, hops, truncated=True),)
        return (Text(_repeated(text, n), loc, hops),)
    # With holes, a few repetitions are kept verbatim; more only matter for counting.
    reps = min(n, 8)
    return tuple(p for _ in range(reps) for p in pieces)


def restabilise(v: Value, old: Stability, new: Stability) -> Value:
    """`v` with every part of stability `old` given stability `new` (a per-turn parameter read
    in a loop that does not change it is the same on every turn: session). A value too large
    to copy cheaply is kept as it is."""
    if value_stability(v) in (Stability.STATIC, Stability.STABLE) or _parts(v, MAX_HOP_PARTS) >= MAX_HOP_PARTS:
        return v
    return _restabilise(v, old, new, {})


def _restabilise(v: Value, old: Stability, new: Stability, done: dict[int, Value]) -> Value:
    got = done.get(id(v))
    if got is not None:
        return got
    out: Value = v
    if isinstance(v, OpaqueV):
        if old in (v.stability, v.elements):
            out = replace(v, stability=new if v.stability == old else v.stability,
                          elements=new if v.elements == old else v.elements)
    elif isinstance(v, StrV):
        out = StrV(tuple(_restabilise_piece(p, old, new) for p in v.pieces))
    elif isinstance(v, ListV):
        out = replace(v, items=tuple(replace(i, value=_restabilise(i.value, old, new, done)) for i in v.items))
    elif isinstance(v, DictV):
        out = replace(v, entries=tuple((k, _restabilise(x, old, new, done)) for k, x in v.entries))
    elif isinstance(v, AltV):
        out = replace(v, options=tuple(_restabilise(o, old, new, done) for o in v.options))
    elif isinstance(v, SetV):
        out = replace(v, elements=tuple(_restabilise(e, old, new, done) for e in v.elements))
    done[id(v)] = out
    return out


def _restabilise_piece(p: Piece, old: Stability, new: Stability) -> Piece:
    if isinstance(p, Hole):
        return replace(p, stability=new) if p.stability == old else p
    if isinstance(p, Alt):
        return Alt(tuple(tuple(_restabilise_piece(x, old, new) for x in o) for o in p.options), p.loc, p.source)
    return p

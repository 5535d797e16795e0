"""Settings files the analysed code loads (TOML, YAML, JSON): their data as values.

`tomllib.load(f)`, `yaml.safe_load(open(p))`, `json.load(f)` and Dynaconf's settings files
(cachelint.analysis.library) come here with the file or text they load. A file is read through
the prompt-file reader (cachelint.analysis.files: inside the project only, size-capped, once per
run, and recorded as a dependency of the result), parsed once per run, and turned into dicts,
lists, numbers and static strings. Each string is located at the line its key is written on
and carries a hop that names the file and key ("from settings.toml [review] system"), which
`--show-prompt` shows. A file that does not parse is a value not known, never an error.
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cachelint.analysis.config_syntax import Key, Parsed, kind_of, parse
from cachelint.analysis.files import FileNode, FileV, PathV, file_loc, path_text, read_path, static_str
from cachelint.analysis.values import (
    MAX_TEXT,
    AltV,
    ConstV,
    DictV,
    Item,
    ListV,
    Loc,
    OpaqueV,
    StrV,
    Text,
    Value,
)
from cachelint.prompt import Hop, Stability

if TYPE_CHECKING:
    from cachelint.analysis.env import Env
    from cachelint.analysis.library.api import EvaluatorAPI

_NAMES = {"toml": "TOML", "yaml": "YAML", "json": "JSON"}


@dataclass(frozen=True)
class _Origin:
    """Where the data comes from: a file (its real path and the name shown) or text in code."""

    kind: str
    rel: str  # the file as shown to users; "" for text written in the code
    real: str | None  # the file's real path, for locations; None: text in code
    loc: Loc | None  # where text in code is written
    hops: tuple[Hop, ...]  # how the text reached the load (variables, returns)
    site: Hop  # the load itself, for the hop each value gets


def load(ev: EvaluatorAPI, kind: str | None, source: Value, env: Env, node: ast.AST, *,
         path_ok: bool = False) -> Value | None:
    """The data `kind` (or the file's extension, when None) loads from `source`: an open file,
    text, or (with `path_ok`) a path. None when `source` is none of these, so that the call is
    treated as any call not followed."""
    if isinstance(source, AltV):
        got = [load(ev, kind, o, env, node, path_ok=path_ok) for o in source.options]
        if any(g is None for g in got):
            return None
        return AltV(tuple(g for g in got if g is not None), ev.loc(env, node), ev.src(env, node))
    if isinstance(source, FileV) and source.handle:
        if source.path is None:
            return ev.opaque(env, node, source.stability, source.cause)
        return _from_text(ev, kind, read_path(ev, source.path, env, node, binary=False,
                                              encoding=source.encoding or "utf-8", errors=source.errors,
                                              newlines=True), env, node)
    if path_ok and isinstance(source, PathV | StrV):
        path = path_text(source)
        if path is None:
            return None
        return _from_text(ev, kind or kind_of(path), read_path(ev, path, env, node, binary=False, encoding="utf-8",
                                                               errors="strict", newlines=True), env, node)
    if isinstance(source, StrV):
        return _from_text(ev, kind, source, env, node)
    return None


def _from_text(ev: EvaluatorAPI, kind: str | None, text_v: Value, env: Env, node: ast.AST) -> Value | None:
    """The data of text read from a file (one piece located in it) or written in the code."""
    if isinstance(text_v, OpaqueV):
        return text_v  # a file not read: why is said there
    if not isinstance(text_v, StrV):
        return None
    text = static_str(text_v)
    if text is None:
        return None  # text built at run time, or cut at MAX_TEXT
    site = ev.hop(env, node, "")
    piece = text_v.pieces[0] if len(text_v.pieces) == 1 else None
    if isinstance(piece, Text) and piece.loc is not None and isinstance(piece.loc.node, FileNode):
        real = piece.loc.path
        root = ev.files().root
        rel = os.path.relpath(real, root) if root else real
        hops = tuple(h for h in piece.hops if not h.note.startswith("read from "))
        origin = _Origin(kind or kind_of(real) or "", rel, real, None, hops, site)
    else:
        loc = next((p.loc for p in text_v.pieces if isinstance(p, Text) and p.loc is not None), None)
        hops = piece.hops if isinstance(piece, Text) else ()
        origin = _Origin(kind or "", "", None, loc or ev.loc(env, node), hops, site)
    if origin.kind not in _NAMES:
        return ev.opaque(env, node, Stability.STABLE, f"`{origin.rel}` is not a TOML, YAML or JSON file")
    parsed = _parsed(ev, origin, text)
    if parsed is None:
        what = f"`{origin.rel}`" if origin.rel else "the text"
        return ev.opaque(env, node, Stability.UNKNOWN, f"{what} does not parse as {_NAMES[origin.kind]}")
    return _convert(parsed.data, (), parsed, origin)


def _parsed(ev: EvaluatorAPI, origin: _Origin, text: str) -> Parsed | None:
    """Parse once per run for a file (the prompt-file reader keeps it); text in code each time."""
    if origin.real is None:
        return parse(origin.kind, text)
    memo = ev.files().parsed
    key = (origin.real, origin.kind)
    if key not in memo:
        memo[key] = parse(origin.kind, text)
    got = memo[key]
    return got if isinstance(got, Parsed) else None


def _convert(obj: object, path: Key, parsed: Parsed, origin: _Origin) -> Value:
    loc = _loc(path, parsed, origin)
    if obj is None or isinstance(obj, bool | int | float):
        return ConstV(obj, loc)
    if isinstance(obj, str):
        if not obj:
            return StrV(())
        hop = Hop(origin.site.span, _note(path, origin))
        cut = len(obj) > MAX_TEXT
        return StrV((Text(obj[:MAX_TEXT] if cut else obj, loc, (*origin.hops, hop), cut),))
    if isinstance(obj, dict):
        entries = tuple((k, _convert(v, (*path, k), parsed, origin)) for k, v in obj.items() if isinstance(k, str))
        return DictV(entries, loc, complete=len(entries) == len(obj))
    if isinstance(obj, list):
        return ListV(tuple(Item(_convert(v, (*path, i), parsed, origin)) for i, v in enumerate(obj)), loc)
    # A TOML date or time, YAML bytes or a set: the same on every run, its text not modelled.
    where = origin.rel or "settings text"
    return OpaqueV(Stability.STABLE, ".".join(map(str, path)), loc,
                   f"{type(obj).__name__} value in {where}")


def _loc(path: Key, parsed: Parsed, origin: _Origin) -> Loc:
    if origin.real is not None:
        return file_loc(origin.real, parsed.line(path))
    assert origin.loc is not None
    return origin.loc


def _note(path: Key, origin: _Origin) -> str:
    """"from settings.toml [review] system": the file, the table and the key."""
    where = f"from {origin.rel}" if origin.rel else f"from {_NAMES[origin.kind]} text"
    if not path:
        return where
    *table, key = path
    parts = ".".join(str(p) for p in table)
    return f"{where} [{parts}] {key}" if parts else f"{where} {key}"


__all__ = ["load"]

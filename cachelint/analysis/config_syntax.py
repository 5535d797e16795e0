"""Configuration text (TOML, YAML, JSON) to plain Python data, and the line each key is written on.

Pure text in, data out: no file is read here and nothing of the analysed code runs. TOML is
read by tomllib (tomli before Python 3.11), YAML by PyYAML's safe loader (plain data only: a
file with Python tags does not load), JSON by the json module. Text that does not parse gives
None, never an exception: the analysed program would fail there, so its value is not known.
"""

from __future__ import annotations

import importlib
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

# tomllib is stdlib from 3.11; tomli is the same parser as a package for 3.10. Imported by
# name so the type checker (configured for 3.10) needs neither stub.
_toml = importlib.import_module("tomllib" if sys.version_info >= (3, 11) else "tomli")
_toml_loads = cast(Callable[[str], dict[str, Any]], _toml.loads)

KINDS = ("toml", "yaml", "json")
EXTENSIONS = {".toml": "toml", ".yaml": "yaml", ".yml": "yaml", ".json": "json"}
MAX_NODES = 50_000  # values in one file; a larger data file is not followed value by value

Key = tuple[str | int, ...]


@dataclass(frozen=True)
class Parsed:
    """A configuration file's data, and the line (1-based) each key path is written on."""

    data: object
    lines: dict[Key, int]

    def line(self, path: Key) -> int:
        """The line of `path`, or of its nearest ancestor written in the file; 1 if none."""
        while path:
            got = self.lines.get(path)
            if got is not None:
                return got
            path = path[:-1]
        return 1


def kind_of(name: str) -> str | None:
    """The format a file name's extension says (`.toml`, `.yaml`/`.yml`, `.json`), or None."""
    dot = name.rfind(".")
    return EXTENSIONS.get(name[dot:].lower()) if dot >= 0 else None


def parse(kind: str, text: str) -> Parsed | None:
    """The data of `text` in format `kind`, or None when it does not parse (or is too large)."""
    try:
        if kind == "toml":
            data: object = _toml_loads(text)
            lines = toml_lines(text)
        elif kind == "yaml":
            data, lines = _yaml(text)
        elif kind == "json":
            data = json.loads(text)
            lines = {}
        else:
            return None
    except (ValueError, RecursionError, MemoryError, TypeError):
        return None  # tomllib.TOMLDecodeError and json.JSONDecodeError are ValueErrors
    except ImportError:
        return None  # PyYAML missing from this install: YAML is not read
    except Exception as exc:  # yaml.YAMLError: the module is imported only when YAML is read
        if type(exc).__module__.startswith("yaml"):
            return None
        raise
    if _count(data, MAX_NODES) >= MAX_NODES:
        return None
    return Parsed(data, lines)


def _count(data: object, limit: int) -> int:
    n = 0
    stack = [data]
    while stack and n < limit:
        x = stack.pop()
        n += 1
        if isinstance(x, dict):
            stack.extend(x.values())
        elif isinstance(x, list):
            stack.extend(x)
    return n


def _yaml(text: str) -> tuple[object, dict[Key, int]]:
    # Imported when first needed, not at the top: PyYAML costs every worker its import time,
    # and most runs read no YAML at all. By name, as it ships no type stubs.
    yaml = importlib.import_module("yaml")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(text, Loader=loader)  # the safe loader: plain data, never Python objects
    lines: dict[Key, int] = {}
    node = yaml.compose(text, Loader=loader)
    stack: list[tuple[Any, Key]] = [(node, ())] if node is not None else []
    while stack:
        n, path = stack.pop()
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                if isinstance(k, yaml.ScalarNode):
                    sub = (*path, str(k.value))
                    lines.setdefault(sub, k.start_mark.line + 1)
                    stack.append((v, sub))
        elif isinstance(n, yaml.SequenceNode):
            for i, v in enumerate(n.value):
                sub = (*path, i)
                lines.setdefault(sub, v.start_mark.line + 1)
                stack.append((v, sub))
    return data, lines


# ---------------------------------------------------------------- where TOML keys are written

_BARE_OR_QUOTED = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
_DOTTED = rf"{_BARE_OR_QUOTED}(?:\s*\.\s*{_BARE_OR_QUOTED})*"
_HEADER = re.compile(rf"\s*(\[\[?)\s*({_DOTTED})\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(rf"\s*({_DOTTED})\s*=(.*)$")
_PART = re.compile(_BARE_OR_QUOTED)


def _parts(dotted: str) -> tuple[str, ...]:
    out = []
    for p in _PART.findall(dotted):
        if p[:1] == '"':
            try:
                p = json.loads(p)
            except ValueError:
                p = p[1:-1]
        elif p[:1] == "'":
            p = p[1:-1]
        out.append(p)
    return tuple(out)


def toml_lines(text: str) -> dict[Key, int]:
    """The line of each table header and key of a TOML text (which parsed): a line scan that
    skips the inside of multi-line strings. Arrays of tables count their entries."""
    lines: dict[Key, int] = {}
    table: Key = ()
    arrays: dict[tuple[str, ...], int] = {}
    closing = ""  # the delimiter of the multi-line string being skipped
    for n, line in enumerate(text.splitlines(), start=1):
        if closing:
            if _closes(line, closing):
                closing = ""
            continue
        m = _HEADER.match(line)
        if m:
            parts = _parts(m.group(2))
            if m.group(1) == "[[":
                arrays[parts] = arrays.get(parts, -1) + 1
                table = (*parts, arrays[parts])
            else:
                table = parts
            lines.setdefault(table, n)
            continue
        m = _KEY.match(line)
        if m:
            lines.setdefault((*table, *_parts(m.group(1))), n)
            rest = m.group(2)
            for delim in ('"""', "'''"):
                at = rest.find(delim)
                if at >= 0 and not _closes(rest[at + 3:], delim):
                    closing = delim
                    break
    return lines


def _closes(text: str, delim: str) -> bool:
    """Does `text` end the multi-line string opened by `delim`? (an unescaped delimiter)"""
    at = text.find(delim)
    while at >= 0:
        if delim == "'''" or (at == 0 or text[at - 1] != "\\"):
            return True
        at = text.find(delim, at + 1)
    return False


__all__ = ["EXTENSIONS", "KINDS", "MAX_NODES", "Key", "Parsed", "kind_of", "parse", "toml_lines"]

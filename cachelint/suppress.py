"""Drop diagnostics silenced by suppression comments on their line or by per-file-ignores."""

from __future__ import annotations

import io
import os
import re
import tokenize
from collections.abc import Iterable, Sequence

import pathspec

from cachelint.diagnostics import Diagnostic
from cachelint.rules import UnknownRuleError, lookup
from cachelint.settings import Settings

# Both are searched inside one comment token, which may hold several directives (a mypy
# ignore followed by a noqa, say). `cachelint: ignore` alone covers every rule;
# `cachelint: ignore[CL101, dynamic-before-static]` lists codes or names.
_CACHELINT = re.compile(
    r"#\s*cachelint\s*:\s*ignore(?![\w-])(?:\s*\[(?P<codes>[^\]]*)\])?",
    re.IGNORECASE,
)
# flake8's spelling: `noqa` alone, or `noqa:` then codes separated by commas or spaces,
# in any case. Codes other tools own (E501) match no rule and suppress nothing here.
_NOQA = re.compile(
    r"#\s*noqa(?![\w-])(?::\s?(?P<codes>[A-Za-z][\w-]*(?:[,\s]+[A-Za-z][\w-]*)*))?",
    re.IGNORECASE,
)

ALL = None  # a suppression that covers every rule


def _selectors(text: str) -> list[str]:
    return [s for s in re.split(r"[,\s]+", text) if s]


def _match(selectors: Iterable[str]) -> frozenset[str]:
    """What a list of codes/names suppresses: rule codes and names, as written and resolved.

    Unknown selectors (another tool's codes, typos) suppress nothing.
    """
    keys: set[str] = set()
    for selector in selectors:
        keys.add(selector.upper())
        keys.add(selector.lower())
        try:
            for rule in lookup(selector):
                keys.add(rule.code)
                keys.add(rule.name)
        except UnknownRuleError:
            pass
    return frozenset(keys)


def parse_suppressions(source_text: str) -> dict[int, frozenset[str] | None]:
    """Map line number -> suppressed rule keys (codes and names), or None for all rules.

    Comments are found with `tokenize`, so `#` inside a string is not a comment. A comment
    after the end of a multi-line string also covers the string's earlier lines (as in
    ruff: no comment can be written inside the string).
    """
    suppressed: dict[int, frozenset[str] | None] = {}
    string_lines: list[tuple[int, int]] = []  # (first, last) line of multi-line strings
    fstring_starts: list[int] = []  # Python 3.12+ splits f-strings into several tokens
    fstring_start = getattr(tokenize, "FSTRING_START", None)
    fstring_end = getattr(tokenize, "FSTRING_END", None)
    try:
        for token in tokenize.generate_tokens(io.StringIO(source_text).readline):
            if token.type == tokenize.STRING:
                string_lines.append((token.start[0], token.end[0]))
            elif fstring_start is not None and token.type == fstring_start:
                fstring_starts.append(token.start[0])
            elif fstring_end is not None and token.type == fstring_end and fstring_starts:
                string_lines.append((fstring_starts.pop(), token.end[0]))
            elif token.type == tokenize.COMMENT:
                seen, keys = _comment_keys(token.string)
                if seen:
                    _add(suppressed, token.start[0], keys)
    except (tokenize.TokenError, SyntaxError):
        pass  # keep what was read before the error; the parser reports the problem
    for first, last in string_lines:
        if last > first and last in suppressed:
            keys = suppressed[last]
            for line in range(first, last):
                _add(suppressed, line, keys)
    return suppressed


def _comment_keys(comment: str) -> tuple[bool, frozenset[str] | None]:
    """(whether the comment holds a directive, the keys it suppresses or None for all)."""
    keys: frozenset[str] = frozenset()
    seen = False
    for regex in (_CACHELINT, _NOQA):
        for m in regex.finditer(comment):
            codes = m.group("codes")
            if codes is None:
                return True, ALL
            seen = True
            keys |= _match(_selectors(codes))
    return seen, keys


def _add(table: dict[int, frozenset[str] | None], line: int, keys: frozenset[str] | None) -> None:
    if line in table:
        old = table[line]
        table[line] = None if old is None or keys is None else old | keys
    else:
        table[line] = keys


def _is_covered(diagnostic: Diagnostic, keys: frozenset[str] | None) -> bool:
    return keys is None or diagnostic.code in keys or diagnostic.name in keys


def filter_suppressed(diagnostics: Sequence[Diagnostic], source_text: str) -> list[Diagnostic]:
    """The diagnostics not silenced by a suppression comment on their primary line.

    All diagnostics must belong to the module whose text is `source_text`. Applying it
    twice is harmless.
    """
    if not diagnostics:
        return []
    if "noqa" not in source_text and "cachelint" not in source_text:
        return list(diagnostics)  # no suppression comment can be there: skip tokenizing
    table = parse_suppressions(source_text)
    return [d for d in diagnostics if d.span.line not in table or not _is_covered(d, table[d.span.line])]


def apply_per_file_ignores(diagnostics: Sequence[Diagnostic], settings: Settings) -> list[Diagnostic]:
    """The diagnostics whose file does not match a per-file-ignores pattern for their rule.

    Patterns are gitignore-style globs relative to `settings.root`: `tests/*` is anchored
    at the root, `conftest.py` matches that name in any folder. Values are rule codes,
    names or code prefixes.
    """
    if not settings.per_file_ignores or not diagnostics:
        return list(diagnostics)
    root = os.path.abspath(settings.root)
    compiled = [
        (pathspec.GitIgnoreSpec.from_lines([pattern]), _match(selectors))
        for pattern, selectors in settings.per_file_ignores
    ]
    matches: dict[str, list[frozenset[str]]] = {}
    kept = []
    for diagnostic in diagnostics:
        path = diagnostic.span.path
        if path not in matches:
            rel = os.path.relpath(os.path.abspath(path), root).replace(os.sep, "/")
            matches[path] = [keys for spec, keys in compiled if spec.match_file(rel)]
        if not any(_is_covered(diagnostic, keys) for keys in matches[path]):
            kept.append(diagnostic)
    return kept

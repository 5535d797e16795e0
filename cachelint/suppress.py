"""Drop diagnostics silenced by suppression comments on their line or by per-file-ignores."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

import pathspec

from cachelint.diagnostics import Diagnostic
from cachelint.directives import Directive, parse_directives
from cachelint.rules import UnknownRuleError, lookup
from cachelint.settings import Settings

ALL = None  # a suppression that covers every rule


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
    """Map line number -> suppressed rule keys (codes and names), or None for all rules."""
    return _table(parse_directives(source_text))


def _table(directives: Iterable[Directive]) -> dict[int, frozenset[str] | None]:
    suppressed: dict[int, frozenset[str] | None] = {}
    for d in directives:
        keys = ALL if d.selectors is None else _match(d.selectors)
        for line in d.lines:
            _add(suppressed, line, keys)
    return suppressed


def _add(table: dict[int, frozenset[str] | None], line: int, keys: frozenset[str] | None) -> None:
    if line in table:
        old = table[line]
        table[line] = None if old is None or keys is None else old | keys
    else:
        table[line] = keys


def _is_covered(diagnostic: Diagnostic, keys: frozenset[str] | None) -> bool:
    return keys is None or diagnostic.code in keys or diagnostic.name in keys


def may_hold_directives(source_text: str) -> bool:
    """Can the text hold a suppression comment at all? (Tokenizing is skipped otherwise.)"""
    return "noqa" in source_text or "cachelint" in source_text


def filter_suppressed(diagnostics: Sequence[Diagnostic], source_text: str) -> list[Diagnostic]:
    """The diagnostics not silenced by a suppression comment on their primary line.

    All diagnostics must belong to the module whose text is `source_text`. Applying it
    twice is harmless.
    """
    if not diagnostics:
        return []
    if not may_hold_directives(source_text):
        return list(diagnostics)  # no suppression comment can be there: skip tokenizing
    return apply_directives(diagnostics, parse_directives(source_text))


def apply_directives(diagnostics: Sequence[Diagnostic], directives: Sequence[Directive]) -> list[Diagnostic]:
    """The diagnostics no directive silences."""
    table = _table(directives)
    return [d for d in diagnostics if d.span.line not in table or not _is_covered(d, table[d.span.line])]


def unknown_selectors(directives: Iterable[Directive]) -> list[tuple[Directive, str]]:
    """(directive, selector) for each code or name cachelint owns but has no rule for: any
    in `cachelint: ignore[...]`, and `CLnnn` codes in noqa comments (typos, or a rule that
    does not exist); other tools' codes are theirs."""
    out = []
    for d in directives:
        for selector in d.selectors or ():
            if not d.owned(selector):
                continue
            try:
                lookup(selector)
            except UnknownRuleError:
                out.append((d, selector))
    return out


def unused_selectors(
    directives: Iterable[Directive], diagnostics: Sequence[Diagnostic], enabled: Iterable[str]
) -> list[tuple[Directive, tuple[str, ...] | None]]:
    """What suppresses nothing among `diagnostics` (the module's findings before suppression):
    (directive, None) for a bare `# cachelint: ignore` with no finding on its lines, else
    (directive, the selectors that match none). Only what cachelint can judge: never a bare
    `# noqa` or another tool's code, an unknown code (warned about instead), or a rule not
    enabled in this run (it might fire when it is)."""
    on = set(enabled)
    by_line: dict[int, list[Diagnostic]] = {}
    for diag in diagnostics:
        by_line.setdefault(diag.span.line, []).append(diag)
    out: list[tuple[Directive, tuple[str, ...] | None]] = []
    for d in directives:
        here = [diag for line in d.lines for diag in by_line.get(line, ())]
        if d.selectors is None:
            if d.ours and not here:
                out.append((d, None))
            continue
        unused = []
        for selector in d.selectors:
            if not d.owned(selector):
                continue
            try:
                rules = lookup(selector)
            except UnknownRuleError:
                continue
            if not any(r.code in on for r in rules):
                continue  # not run now: cannot tell
            keys = _match([selector])
            if not any(_is_covered(diag, keys) for diag in here):
                unused.append(selector)
        if unused:
            out.append((d, tuple(unused)))
    return out


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

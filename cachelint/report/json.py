"""Machine-readable output: one JSON array with a stable key order."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from json.encoder import encode_basestring  # the C function when available
from typing import Any

from cachelint.diagnostics import Diagnostic, Severity, Span
from cachelint.discovery import display_path
from cachelint.report.locate import CellPosition, Locator, plain_location
from cachelint.report.problems import Problem
from cachelint.report.text import rule_counts


def _span_fields(span: Span, cwd: str | None, locate: Locator,
                 shown: Callable[[str, str | None], str] = display_path) -> dict[str, Any]:
    where = locate(span)
    return {
        "path": shown(where.path, cwd),
        "line": where.line,
        "column": where.column,
        "end_line": where.end_line,
        "end_column": where.end_column,
        "cell": _cell_fields(where.cell),
    }


def _cell_fields(cell: CellPosition | None) -> dict[str, int] | None:
    """Notebooks only: the same range as the cell shows it (cells numbered from 1, markdown
    cells included); path..end_column then point into the .ipynb text."""
    if cell is None:
        return None
    return {
        "number": cell.cell,
        "line": cell.line,
        "column": cell.column,
        "end_line": cell.end_line,
        "end_column": cell.end_column,
    }


def diagnostic_to_dict(d: Diagnostic, cwd: str | None = None, locate: Locator = plain_location,
                       shown: Callable[[str, str | None], str] = display_path) -> dict[str, Any]:
    """The JSON object for one finding; keys always present and in this order."""
    span = _span_fields(d.span, cwd, locate, shown)
    return {
        "code": d.code,
        "name": d.name,
        "severity": Severity(d.severity).value,
        "message": d.message,
        **span,
        "fix": fix_fields(d, cwd, shown, locate),
        "related": [{**_span_fields(r.span, cwd, locate, shown), "message": r.message} for r in d.related],
        "fingerprint": d.fingerprint,
    }


def fix_fields(d: Diagnostic, cwd: str | None = None,
               shown: Callable[[str, str | None], str] = display_path,
               locate: Locator = plain_location) -> dict[str, Any] | None:
    """The finding's fix: title, applicability and its edits (none: advice only), each edit
    with the file it lands in (a helper module, when the text at fault is written there).
    An edit in a notebook is placed as a span is (line and column in the .ipynb text) and
    carries its range in the cell (`cell`), where its content goes."""
    fix = d.fix
    if fix is None:
        return None
    target = fix.target(d.span)
    path = shown(target, cwd)
    edits = []
    for e in fix.edits:
        where = locate(Span(target, e.line, e.column, e.end_line, e.end_column))
        if where.cell is None:
            edits.append({"path": path, "line": e.line, "column": e.column, "end_line": e.end_line,
                          "end_column": e.end_column, "content": e.content})
        else:
            edits.append({"path": path, "line": where.line, "column": where.column, "end_line": where.end_line,
                          "end_column": where.end_column, "cell": _cell_fields(where.cell), "content": e.content})
    return {"title": fix.title, "applicability": fix.applicability.value, "edits": edits}


def dump(value: object) -> str:
    """Indented UTF-8 JSON ending with a newline."""
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def render_json(diagnostics: Sequence[Diagnostic], *, cwd: str | None = None, locate: Locator = plain_location,
                problems: Sequence[Problem] = ()) -> str:
    """A top-level array of findings (`[]` when clean), then problems, newline-terminated."""
    return "".join(iter_json(diagnostics, cwd=cwd, locate=locate, problems=problems))


def iter_json(
    diagnostics: Iterable[Diagnostic], *, cwd: str | None = None, locate: Locator = plain_location,
    problems: Iterable[Problem] = (),
) -> Iterator[str]:
    """`render_json` one finding at a time: what `dump` prints for the whole array, without
    building it (a run with 26,000 findings held them as dicts and as one string at once).
    JSON strings never hold a raw newline, so indenting each item's lines by one level gives
    the item as it appears inside the array.

    `problems` (files that could not be checked) follow the findings as items of the same
    shape whose `code` is null: see problem_to_dict."""
    first = True
    paths: dict[str, str] = {}  # a file's findings and related spans name it again and again

    def shown(path: str, cwd: str | None) -> str:
        got = paths.get(path)
        if got is None:
            got = paths[path] = display_path(path, cwd)
        return got

    for d in diagnostics:
        yield ("[\n  " if first else ",\n  ") + _item(d, cwd, locate, shown)
        first = False
    for p in problems:
        yield ("[\n  " if first else ",\n  ") + indented(problem_to_dict(p, cwd), "\n  ")
        first = False
    yield "[]\n" if first else "\n]\n"


def problem_to_dict(p: Problem, cwd: str | None = None) -> dict[str, Any]:
    """A file that could not be checked, with a finding's keys: `code` is null (what tells it
    apart from a finding), `name` the kind (`syntax-error`, `unreadable-file`,
    `internal-error`), `severity` "error"; `line` the line of a syntax error (`cell` for a
    notebook's), null when the problem has no place in the file."""
    line = p.line
    return {
        "code": None,
        "name": p.kind,
        "severity": Severity.ERROR.value,
        "message": p.message,
        "path": display_path(p.path, cwd),
        "line": line,
        "column": None if line is None else 1,
        "end_line": line,
        "end_column": None if line is None else 1,
        "cell": None if p.cell is None else {"number": p.cell[0], "line": p.cell[1], "column": 1,
                                              "end_line": p.cell[1], "end_column": 1},
        "fix": None,
        "related": [],
        "fingerprint": None,
    }


def _span_text(span: Span, cwd: str | None, locate: Locator, shown: Callable[[str, str | None], str],
               at: str) -> str:
    """The span's keys of `_span_fields`, as `indented` writes them with keys at `at`."""
    where = locate(span)
    return (f'"path": {encode_basestring(shown(where.path, cwd))},{at}"line": {where.line:d},'
            f'{at}"column": {where.column:d},{at}"end_line": {where.end_line:d},'
            f'{at}"end_column": {where.end_column:d},{at}"cell": '
            + indented(_cell_fields(where.cell), at))


def _item(d: Diagnostic, cwd: str | None, locate: Locator, shown: Callable[[str, str | None], str]) -> str:
    """`indented(diagnostic_to_dict(d, ...), "\\n  ")`, written straight from the finding: the
    same text (tests compare the two), without building the dicts and walking them again,
    which was most of the output time of a run with thousands of findings."""
    at = "\n    "
    fix = d.fix
    related = d.related
    if related:
        items = [
            "{\n        " + _span_text(r.span, cwd, locate, shown, "\n        ")
            + f',\n        "message": {encode_basestring(r.message)}\n      }}'
            for r in related
        ]
        related_text = "[\n      " + ",\n      ".join(items) + "\n    ]"
    else:
        related_text = "[]"
    return (
        f'{{{at}"code": {encode_basestring(d.code)},{at}"name": {encode_basestring(d.name)},'
        f'{at}"severity": {encode_basestring(Severity(d.severity).value)},'
        f'{at}"message": {encode_basestring(d.message)},{at}'
        + _span_text(d.span, cwd, locate, shown, at)
        + f',{at}"fix": '
        + ("null" if fix is None else indented(fix_fields(d, cwd, shown, locate), at))
        + f',{at}"related": {related_text},{at}"fingerprint": {encode_basestring(d.fingerprint)}\n  }}'
    )


def indented(value: object, newline: str = "\n") -> str:
    """`json.dumps(value, indent=2, ensure_ascii=False)` with every newline written as `newline`.

    json's indenting encoder is pure Python and took most of the time of a large run's JSON
    output; this writes the same text for the values findings hold (dicts with string keys,
    lists, strings, ints, None, booleans), escaping strings with json's own C function, and
    hands anything else to json."""
    if isinstance(value, str):
        return encode_basestring(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is int:
        return str(value)
    inner = newline + "  "
    if type(value) is dict and all(type(k) is str for k in value):
        if not value:
            return "{}"
        items = (encode_basestring(k) + ": " + indented(v, inner) for k, v in value.items())
        return "{" + inner + ("," + inner).join(items) + newline + "}"
    if type(value) is list:
        if not value:
            return "[]"
        return "[" + inner + ("," + inner).join(indented(v, inner) for v in value) + newline + "]"
    return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", newline)


def render_json_statistics(diagnostics: Sequence[Diagnostic]) -> str:
    """`--statistics --format json`: an array of {code, name, severity, count}."""
    rows = rule_counts(diagnostics)
    return dump(
        [{"code": code, "name": name, "severity": severity, "count": count} for code, name, severity, count in rows]
    )

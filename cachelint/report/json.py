"""Machine-readable output: one JSON array with a stable key order."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from cachelint.diagnostics import Diagnostic, Severity, Span
from cachelint.discovery import display_path
from cachelint.report.locate import Locator, plain_location
from cachelint.report.text import rule_counts


def _span_fields(span: Span, cwd: str | None, locate: Locator) -> dict[str, Any]:
    where = locate(span)
    cell = where.cell
    return {
        "path": display_path(where.path, cwd),
        "line": where.line,
        "column": where.column,
        "end_line": where.end_line,
        "end_column": where.end_column,
        # Notebooks only: the same range as the cell shows it (cells numbered from 1,
        # markdown cells included); path..end_column then point into the .ipynb text.
        "cell": None
        if cell is None
        else {
            "number": cell.cell,
            "line": cell.line,
            "column": cell.column,
            "end_line": cell.end_line,
            "end_column": cell.end_column,
        },
    }


def diagnostic_to_dict(d: Diagnostic, cwd: str | None = None, locate: Locator = plain_location) -> dict[str, Any]:
    """The JSON object for one finding; keys always present and in this order."""
    span = _span_fields(d.span, cwd, locate)
    return {
        "code": d.code,
        "name": d.name,
        "severity": Severity(d.severity).value,
        "message": d.message,
        **span,
        "fix": None if d.fix is None else {"title": d.fix.title, "applicability": d.fix.applicability.value},
        "related": [{**_span_fields(r.span, cwd, locate), "message": r.message} for r in d.related],
        "fingerprint": d.fingerprint,
    }


def dump(value: object) -> str:
    """Indented UTF-8 JSON ending with a newline."""
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def render_json(diagnostics: Sequence[Diagnostic], *, cwd: str | None = None, locate: Locator = plain_location) -> str:
    """A top-level array of findings (`[]` when clean), newline-terminated."""
    return "".join(iter_json(diagnostics, cwd=cwd, locate=locate))


def iter_json(
    diagnostics: Iterable[Diagnostic], *, cwd: str | None = None, locate: Locator = plain_location
) -> Iterator[str]:
    """`render_json` one finding at a time: what `dump` prints for the whole array, without
    building it (a run with 26,000 findings held them as dicts and as one string at once).
    JSON strings never hold a raw newline, so indenting each item's lines by one level gives
    the item as it appears inside the array."""
    first = True
    for d in diagnostics:
        item = json.dumps(diagnostic_to_dict(d, cwd, locate), indent=2, ensure_ascii=False)
        yield ("[\n  " if first else ",\n  ") + item.replace("\n", "\n  ")
        first = False
    yield "[]\n" if first else "\n]\n"


def render_json_statistics(diagnostics: Sequence[Diagnostic]) -> str:
    """`--statistics --format json`: an array of {code, name, severity, count}."""
    rows = rule_counts(diagnostics)
    return dump(
        [{"code": code, "name": name, "severity": severity, "count": count} for code, name, severity, count in rows]
    )

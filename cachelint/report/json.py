"""Machine-readable output: one JSON array with a stable key order."""

from __future__ import annotations

import json
from collections.abc import Sequence
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
    return dump([diagnostic_to_dict(d, cwd, locate) for d in diagnostics])


def render_json_statistics(diagnostics: Sequence[Diagnostic]) -> str:
    """`--statistics --format json`: an array of {code, name, severity, count}."""
    rows = rule_counts(diagnostics)
    return dump(
        [{"code": code, "name": name, "severity": severity, "count": count} for code, name, severity, count in rows]
    )

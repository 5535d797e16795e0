"""Machine-readable output: one JSON array with a stable key order."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from cachelint.diagnostics import Diagnostic, Severity, Span
from cachelint.discovery import display_path
from cachelint.report.text import rule_counts


def _span_fields(span: Span, cwd: str | None) -> dict[str, Any]:
    return {
        "path": display_path(span.path, cwd),
        "line": span.line,
        "column": span.column,
        "end_line": span.end_line,
        "end_column": span.end_column,
    }


def diagnostic_to_dict(d: Diagnostic, cwd: str | None = None) -> dict[str, Any]:
    """The JSON object for one finding; keys always present and in this order."""
    span = _span_fields(d.span, cwd)
    return {
        "code": d.code,
        "name": d.name,
        "severity": Severity(d.severity).value,
        "message": d.message,
        **span,
        "fix": None if d.fix is None else {"title": d.fix.title, "applicability": d.fix.applicability.value},
        "related": [{**_span_fields(r.span, cwd), "message": r.message} for r in d.related],
        "fingerprint": d.fingerprint,
    }


def _dump(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def render_json(diagnostics: Sequence[Diagnostic], *, cwd: str | None = None) -> str:
    """A top-level array of findings (`[]` when clean), newline-terminated."""
    return _dump([diagnostic_to_dict(d, cwd) for d in diagnostics])


def render_json_statistics(diagnostics: Sequence[Diagnostic]) -> str:
    """`--statistics --format json`: an array of {code, name, severity, count}."""
    rows = rule_counts(diagnostics)
    return _dump(
        [{"code": code, "name": name, "severity": severity, "count": count} for code, name, severity, count in rows]
    )

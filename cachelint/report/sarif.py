"""SARIF 2.1.0 output for code scanning: rule metadata from the docstrings, stable fingerprints."""

from __future__ import annotations

import hashlib
import os
import urllib.parse
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cachelint import __version__
from cachelint.diagnostics import Diagnostic, Fix, Severity, Span
from cachelint.report.json import dump
from cachelint.report.locate import Locator, plain_location
from cachelint.report.problems import INTERNAL_ERROR, Problem
from cachelint.ruledocs import REPOSITORY_URL, docstring, help_uri, rule_markdown, section_text
from cachelint.rules import ALL_RULES
from cachelint.rules._base import Rule

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
# Key of our own fingerprint in `partialFingerprints`, versioned as SARIF suggests so a
# change of algorithm does not silently match old results.
FINGERPRINT_KEY = "cachelintFingerprint/v1"

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def sarif_level(severity: Severity | str) -> str:
    return LEVELS[Severity(severity)]


def find_repository_root(start: str) -> str:
    """The nearest folder at or above `start` holding `.git`; `start` itself if none."""
    current = os.path.abspath(start)
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return os.path.abspath(start)
        current = parent


def _artifact(path: str, root: str) -> dict[str, Any]:
    """A URI relative to %SRCROOT% when the file is inside the root, else an absolute file URI."""
    if path == "-":
        return {"uri": "stdin"}
    absolute = os.path.abspath(path)
    root = os.path.abspath(root)
    if absolute == root or absolute.startswith(root.rstrip(os.sep) + os.sep):
        rel = os.path.relpath(absolute, root).replace(os.sep, "/")
        return {"uri": urllib.parse.quote(rel), "uriBaseId": SRCROOT}
    return {"uri": Path(absolute).as_uri()}


def _fix(fix: Fix, span: Span, root: str) -> dict[str, Any]:
    """SARIF's `fix`: the edits as replacements of regions (an empty region inserts)."""
    replacements = [
        {
            "deletedRegion": {"startLine": e.line, "startColumn": e.column, "endLine": e.end_line,
                              "endColumn": e.end_column},
            "insertedContent": {"text": e.content},
        }
        for e in fix.edits
    ]
    return {
        "description": {"text": fix.title},
        "artifactChanges": [{"artifactLocation": _artifact(fix.target(span), root), "replacements": replacements}],
    }


def _physical(span: Span, root: str, locate: Locator) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The physicalLocation of a span, and the notebook cell range as a property bag (or None)."""
    where = locate(span)
    region = {
        "startLine": where.line,
        "startColumn": where.column,
        "endLine": where.end_line,
        "endColumn": where.end_column,
    }
    physical = {"artifactLocation": _artifact(where.path, root), "region": region}
    cell = None
    if where.cell is not None:
        c = where.cell
        cell = {
            "notebookCell": c.cell,
            "cellStartLine": c.line,
            "cellStartColumn": c.column,
            "cellEndLine": c.end_line,
            "cellEndColumn": c.end_column,
        }
    return physical, cell


def _folder_uri(folder: str) -> str:
    uri = Path(folder).as_uri()
    return uri if uri.endswith("/") else uri + "/"


def _invocation(problems: Sequence[Problem], root: str) -> dict[str, Any]:
    """The run's invocation: successful unless cachelint itself failed on a file, with a
    notification for each file that could not be checked (code scanning lists them as the
    tool's errors)."""
    notifications = []
    for p in problems:
        physical: dict[str, Any] = {"artifactLocation": _artifact(p.path, root)}
        if p.line is not None:
            physical["region"] = {"startLine": p.line}
        notifications.append({
            "level": "error",
            "message": {"text": p.message},
            "locations": [{"physicalLocation": physical}],
            "descriptor": {"id": p.kind},
        })
    return {
        "executionSuccessful": not any(p.kind == INTERNAL_ERROR for p in problems),
        "toolExecutionNotifications": notifications,
    }


def rule_descriptor(rule: type[Rule]) -> dict[str, Any]:
    """A reportingDescriptor: id, name, descriptions and help, all from the rule's docs."""
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": section_text(rule, "What it does") or rule.summary},
        "help": {"text": docstring(rule) or rule.summary, "markdown": rule_markdown(rule)},
        "helpUri": help_uri(rule),
        "defaultConfiguration": {"level": sarif_level(rule.severity), "enabled": rule.default},
        "properties": {"tags": ["prompt-caching", "performance"]},
    }


def occurrence_fingerprints(diagnostics: Sequence[Diagnostic]) -> list[str]:
    """Each finding's fingerprint with `:N` appended, N counting equal fingerprints in order.

    The engine's fingerprint is the rule, the file and what was found, without line
    numbers, so two identical findings in one file share it; the suffix keeps them apart
    while staying stable when unrelated code moves.
    """
    seen: Counter[str] = Counter()
    out = []
    for d in diagnostics:
        base = d.fingerprint or _fallback_fingerprint(d)
        seen[base] += 1
        out.append(f"{base}:{seen[base]}")
    return out


def _fallback_fingerprint(d: Diagnostic) -> str:
    # Only for diagnostics built without one (tests, plugins): still line-independent.
    return hashlib.sha256("\0".join([d.code, d.span.path, d.message]).encode()).hexdigest()[:16]


def render_sarif(
    diagnostics: Sequence[Diagnostic],
    *,
    rules: Sequence[type[Rule]] = ALL_RULES,
    root: str | None = None,
    locate: Locator = plain_location,
    problems: Sequence[Problem] = (),
) -> str:
    """One SARIF log with one run.

    `rules` are the rules that ran (any rule a finding names is added); `root` is the
    folder URIs are relative to (%SRCROOT%), the current folder by default. `problems`
    (files that could not be checked) are the invocation's toolExecutionNotifications.
    """
    root = os.path.abspath(root if root is not None else os.getcwd())
    by_code = {r.code: r for r in ALL_RULES}
    chosen = {r.code: r for r in rules}
    for d in diagnostics:
        if d.code not in chosen and d.code in by_code:
            chosen[d.code] = by_code[d.code]
    ordered = [chosen[code] for code in sorted(chosen)]
    index = {r.code: i for i, r in enumerate(ordered)}

    results = []
    for d, fingerprint in zip(diagnostics, occurrence_fingerprints(diagnostics), strict=True):
        physical, cell = _physical(d.span, root, locate)
        note = locate(d.span).cell_note()
        location: dict[str, Any] = {"physicalLocation": physical}
        if cell is not None:
            location["properties"] = cell
        result: dict[str, Any] = {
            "ruleId": d.code,
            "level": sarif_level(d.severity),
            "message": {"text": note + d.message},
            "locations": [location],
            "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
        }
        if d.code in index:
            result["ruleIndex"] = index[d.code]
        related = []
        for number, r in enumerate(d.related, start=1):
            r_physical, r_cell = _physical(r.span, root, locate)
            entry: dict[str, Any] = {
                "id": number,
                "physicalLocation": r_physical,
                "message": {"text": locate(r.span).cell_note() + r.message},
            }
            if r_cell is not None:
                entry["properties"] = r_cell
            related.append(entry)
        if related:
            result["relatedLocations"] = related
        if d.fix is not None and d.fix.title:
            result["properties"] = {"fix": d.fix.title, "fixApplicability": d.fix.applicability.value}
        if d.fix is not None and d.fix.edits and locate(d.span).cell is None:
            # (a notebook's edits are of its cells' code, not of the .ipynb text a SARIF
            # replacement would edit: `cachelint --fix` applies them)
            result["fixes"] = [_fix(d.fix, d.span, root)]
        results.append(result)

    log = {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "cachelint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": REPOSITORY_URL,
                        "rules": [rule_descriptor(r) for r in ordered],
                    }
                },
                "invocations": [_invocation(problems, root)],
                "originalUriBaseIds": {SRCROOT: {"uri": _folder_uri(root)}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return dump(log)

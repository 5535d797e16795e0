"""Baselines for gradual adoption: record today's findings, then report only new ones.

A finding is matched by its fingerprint (rule, file and what was found, never a line
number), so code that moves keeps matching. Matching counts: a baseline holding one
finding with some fingerprint hides one such finding, and a second identical one is new.
When a fingerprint is not found (a file linted under another spelling of its path), a
finding of the same rule, file (relative to the project root) and message still matches.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass

from cachelint import __version__
from cachelint.diagnostics import Diagnostic
from cachelint.sources import Why, read_text

BASELINE_VERSION = 1


class BaselineError(Exception):
    """A baseline file that cannot be read or written; the message is one line."""


@dataclass(frozen=True)
class Entry:
    fingerprint: str
    code: str
    path: str  # relative to the project root, with forward slashes
    message: str


def relative_path(path: str, root: str) -> str:
    """`path` relative to `root` with forward slashes; stdin (`-`) and outside paths as given."""
    if path == "-":
        return path
    absolute = os.path.abspath(path)
    root = os.path.abspath(root)
    if absolute == root or absolute.startswith(root.rstrip(os.sep) + os.sep):
        return os.path.relpath(absolute, root).replace(os.sep, "/")
    return absolute.replace(os.sep, "/")


def fingerprint_of(d: Diagnostic, root: str) -> str:
    """The diagnostic's own fingerprint; for one built without, a line-free hash of its
    rule, root-relative path and message."""
    if d.fingerprint:
        return d.fingerprint
    key = "\0".join([d.code, relative_path(d.span.path, root), d.message])
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def entry_for(d: Diagnostic, root: str) -> Entry:
    return Entry(fingerprint_of(d, root), d.code, relative_path(d.span.path, root), d.message)


def render_baseline(diagnostics: Sequence[Diagnostic], root: str) -> str:
    """The baseline file's text: sorted entries, stable across runs, ending with a newline."""
    entries = sorted(
        (entry_for(d, root) for d in diagnostics),
        key=lambda e: (e.path, e.code, e.fingerprint, e.message),
    )
    document = {
        "version": BASELINE_VERSION,
        "tool": "cachelint",
        "tool_version": __version__,
        "findings": [
            {"fingerprint": e.fingerprint, "code": e.code, "path": e.path, "message": e.message} for e in entries
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write_baseline(file: str, diagnostics: Sequence[Diagnostic], root: str) -> None:
    """Write the baseline (creating its folder). Raises BaselineError."""
    text = render_baseline(diagnostics, root)
    folder = os.path.dirname(os.path.abspath(file))
    try:
        os.makedirs(folder, exist_ok=True)
        with open(file, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
    except OSError as exc:
        raise BaselineError(f"cannot write: {exc.strerror or exc}") from None


def _field(item: dict[str, object], key: str, number: int) -> str:
    value = item.get(key)
    if not isinstance(value, str):
        raise BaselineError(f"finding {number} has no string '{key}'")
    return value


def read_baseline(file: str) -> list[Entry]:
    """The entries of a baseline file. Raises BaselineError with a one-line reason."""
    try:
        text = read_text(file)
    except UnicodeDecodeError:
        raise BaselineError("cannot read: not UTF-8") from None
    if not isinstance(text, str):
        if text.why is Why.MISSING:
            raise BaselineError("no such file (create it with --write-baseline)")
        if text.why is Why.DIRECTORY:
            raise BaselineError("is a directory")
        if text.why is Why.SPECIAL:
            raise BaselineError("not a regular file")
        raise BaselineError(f"cannot read: {text.strerror()}")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BaselineError(f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    if not isinstance(document, dict) or not isinstance(document.get("findings"), list):
        raise BaselineError("not a cachelint baseline (no 'findings' list)")
    version = document.get("version")
    if version != BASELINE_VERSION:
        raise BaselineError(f"unsupported baseline version {version!r} (this cachelint writes {BASELINE_VERSION})")
    entries = []
    for number, item in enumerate(document["findings"], start=1):
        if not isinstance(item, dict):
            raise BaselineError(f"finding {number} is not an object")
        entries.append(
            Entry(
                _field(item, "fingerprint", number),
                _field(item, "code", number),
                _field(item, "path", number),
                _field(item, "message", number),
            )
        )
    return entries


def filter_baseline(
    diagnostics: Sequence[Diagnostic], entries: Sequence[Entry], root: str
) -> tuple[list[Diagnostic], int]:
    """(the findings not in the baseline, how many were hidden), keeping the input order."""
    by_fingerprint: dict[str, list[int]] = {}
    by_finding: dict[tuple[str, str, str], list[int]] = {}
    for i, e in enumerate(entries):
        by_fingerprint.setdefault(e.fingerprint, []).append(i)
        by_finding.setdefault((e.code, e.path, e.message), []).append(i)
    used: set[int] = set()
    matched: set[int] = set()  # indexes into diagnostics

    def take(candidates: list[int] | None) -> bool:
        for i in candidates or ():
            if i not in used:
                used.add(i)
                return True
        return False

    keys = [entry_for(d, root) for d in diagnostics]
    # Fingerprints first, so a message match cannot use up an entry a fingerprint needs.
    for n, key in enumerate(keys):
        if take(by_fingerprint.get(key.fingerprint)):
            matched.add(n)
    for n, key in enumerate(keys):
        if n not in matched and take(by_finding.get((key.code, key.path, key.message))):
            matched.add(n)
    kept = [d for n, d in enumerate(diagnostics) if n not in matched]
    return kept, len(matched)

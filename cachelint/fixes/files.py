"""`--fix` and `--diff` on files: each file's fixes applied to its text, written back in the
file's own encoding and line endings, or shown as a unified diff."""

from __future__ import annotations

import contextlib
import difflib
import io
import os
import tempfile
import tokenize
from collections.abc import Sequence
from dataclasses import dataclass

from cachelint.diagnostics import Diagnostic, LintError
from cachelint.discovery import display_path, is_notebook
from cachelint.fixes.apply import applicable, apply_fixes
from cachelint.fixes.notebooks import CellChange, cell_diff, plan_notebook
from cachelint.sources import Refused, SourceError, decode_source, lint_message, read_bytes

BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class FileFix:
    """One file's fixes: its text before and after, and the findings they remove."""

    path: str
    before: str
    after: str
    encoding: str
    applied: tuple[Diagnostic, ...]
    # A notebook's: the code cells that change (the diff is shown per cell).
    cells: tuple[CellChange, ...] = ()


def plan_fixes(diagnostics: Sequence[Diagnostic], unsafe: bool
               ) -> tuple[list[FileFix], list[LintError], list[str]]:
    """What fixing would change, file by file (files with nothing to change left out), the
    files that could not be read back, and notes on notebook cells left alone (for --verbose).
    A notebook's fixes land in its code cells (fixes.notebooks); standard input is not fixed."""
    # By the file itself: a helper module's path comes from the analysis (absolute), the linted
    # file's as given, and one file's fixes must be applied together.
    by_file: dict[str, tuple[str, list[Diagnostic]]] = {}
    for d in diagnostics:
        if d.fix is None or not applicable(d, unsafe):
            continue
        target = d.fix.target(d.span)
        if target != "-":
            by_file.setdefault(os.path.realpath(target), (target, []))[1].append(d)
    out: list[FileFix] = []
    errors: list[LintError] = []
    notes: list[str] = []
    for path, group in sorted(by_file.values(), key=lambda item: display_path(item[0])):
        if is_notebook(path):
            try:
                plan = plan_notebook(path, group, unsafe)
            except SourceError as exc:
                said = str(exc)
                errors.append(LintError(path, said if said.startswith("cannot fix") else f"cannot fix: {said}"))
                continue
            notes.extend(plan.notes)
            if plan.cells:
                out.append(FileFix(path, plan.before, plan.after, plan.encoding, plan.applied, plan.cells))
            continue
        try:
            text, encoding = _read(path)
        except SourceError as exc:
            errors.append(LintError(path, f"cannot fix: {exc}"))
            continue
        after, applied = apply_fixes(text, group, unsafe)
        if applied and after != text:
            out.append(FileFix(path, text, after, encoding, tuple(applied)))
    return out, errors, notes


def write_fix(fix: FileFix) -> None:
    """Replace the file with its fixed text, atomically (a fix never leaves half a file)."""
    data = fix.after.encode(fix.encoding)
    folder = os.path.dirname(os.path.abspath(fix.path))
    mode = os.stat(fix.path).st_mode & 0o7777
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".cachelint-fix-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, fix.path)
    except BaseException:
        with contextlib.suppress(OSError):  # already gone
            os.unlink(tmp)
        raise


def unified_diff(fix: FileFix, shown: str) -> str:
    """The change as `diff -u` shows it, the file named `shown` on both sides (a notebook's
    cell by cell, each named `shown:cell N`)."""
    if fix.cells:
        return "".join(cell_diff(c, shown) for c in fix.cells)
    return "".join(difflib.unified_diff(
        fix.before.splitlines(keepends=True), fix.after.splitlines(keepends=True),
        fromfile=f"a/{shown}", tofile=f"b/{shown}",
    ))


def _read(path: str) -> tuple[str, str]:
    """The file's text as linted (BOM dropped, coding cookie honoured; read as every file is,
    through sources.read_bytes) and the codec that writes it back byte for byte where nothing
    changed (`utf-8-sig` keeps a BOM). Raises SourceError."""
    data = read_bytes(path)
    if isinstance(data, Refused):
        raise SourceError(lint_message(data))
    text = decode_source(data)
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:  # decode_source read it: not reached
        raise SourceError(f"cannot decode: {exc.msg}") from None
    return text, "utf-8-sig" if data.startswith(BOM) else encoding


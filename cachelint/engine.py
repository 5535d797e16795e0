"""Lint files: read, pre-filter, parse, find calls, assemble prompts, run rules, suppress."""

from __future__ import annotations

import ast
import io
import os
import tokenize
from collections.abc import Sequence
from dataclasses import dataclass, field

from cachelint.analysis.project import Project
from cachelint.diagnostics import Diagnostic, LintError
from cachelint.rules._base import Rule
from cachelint.settings import Settings


@dataclass
class LintResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    errors: list[LintError] = field(default_factory=list)
    files_checked: int = 0

    def extend(self, other: LintResult) -> None:
        self.diagnostics.extend(other.diagnostics)
        self.errors.extend(other.errors)
        self.files_checked += other.files_checked


class SourceError(Exception):
    """A file that cannot be decoded or parsed; the message is one line for stderr."""


def decode_source(data: bytes) -> str:
    """Decode Python source bytes honouring a BOM and PEP 263 coding cookies."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:  # an unknown or malformed coding cookie
        raise SourceError(f"cannot decode: {exc.msg}") from None
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        reason = exc.reason if isinstance(exc, UnicodeDecodeError) else str(exc)
        raise SourceError(f"cannot decode as {encoding}: {reason}") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


def parse_source(text: str, path: str) -> ast.Module:
    try:
        return ast.parse(text, filename=path)
    except SyntaxError as exc:
        where = f"line {exc.lineno}" if exc.lineno else "unknown line"
        raise SourceError(f"syntax error at {where}: {exc.msg}") from None
    except (ValueError, RecursionError, MemoryError) as exc:
        # ValueError: NUL bytes; RecursionError: absurdly nested code.
        raise SourceError(f"cannot parse: {type(exc).__name__}: {exc}".splitlines()[0]) from None


def lint_source(
    data: bytes | str,
    path: str,
    settings: Settings,
    rules: Sequence[type[Rule]],
    project: Project | None = None,
) -> LintResult:
    """Lint one module's source; never raises for bad input (it becomes a LintError)."""
    result = LintResult(files_checked=1)
    try:
        text = decode_source(data) if isinstance(data, bytes) else data
    except SourceError as exc:
        result.errors.append(LintError(path, str(exc)))
        return result
    project = project or Project(settings.root, settings.wrappers)
    if not project.may_matter(text):
        return result  # no SDK or wrapper name in the text: cannot hold a recognised call
    try:
        tree = parse_source(text, path)
    except SourceError as exc:
        result.errors.append(LintError(path, str(exc)))
        return result
    from cachelint.checker import check_module
    from cachelint.suppress import filter_suppressed

    try:
        found = check_module(tree, text, path, settings, rules, project)
    except RecursionError:
        result.errors.append(LintError(path, "internal error: code nested too deeply to analyse"))
        return result
    except Exception as exc:  # one file's analysis failure must not stop the run
        if os.environ.get("CACHELINT_DEBUG"):
            raise
        detail = " ".join(str(exc).split())[:200]
        result.errors.append(LintError(path, f"internal error in analysis: {type(exc).__name__}: {detail}"))
        return result
    result.diagnostics.extend(filter_suppressed(found, text) if found else found)
    return result


def lint_files(
    files: Sequence[str],
    settings: Settings,
    rules: Sequence[type[Rule]],
) -> LintResult:
    """Lint files in order; unreadable files become errors and the run continues."""
    total = LintResult()
    project = Project(settings.root, settings.wrappers)
    for path in files:
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except FileNotFoundError:
            total.errors.append(LintError(path, "file vanished or does not exist"))
            continue
        except IsADirectoryError:
            total.errors.append(LintError(path, "is a directory"))
            continue
        except OSError as exc:
            total.errors.append(LintError(path, f"cannot read: {exc.strerror or exc}"))
            continue
        total.extend(lint_source(data, path, settings, rules, project))
    total.diagnostics.sort(key=Diagnostic.sort_key)
    return total

"""GitHub Actions workflow commands: one `::error` / `::warning` / `::notice` annotation per finding."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence

from cachelint.diagnostics import Diagnostic, Severity
from cachelint.report.locate import Locator, plain_location

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """Escape a command's message as GitHub's runner expects (`%`, CR and LF)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value: as a message, plus `:` and `,` which separate properties."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _relative(path: str, root: str) -> str:
    """Annotations name files relative to the repository root (the workflow's workspace)."""
    if path == "-":
        return path
    absolute = os.path.abspath(path)
    if absolute.startswith(root.rstrip(os.sep) + os.sep):
        return os.path.relpath(absolute, root).replace(os.sep, "/")
    return absolute.replace(os.sep, "/")


def render_github(
    diagnostics: Sequence[Diagnostic],
    *,
    root: str | None = None,
    locate: Locator = plain_location,
) -> str:
    """`::error file=…,line=…,col=…,endLine=…,endColumn=…,title=cachelint (CL102)::message`.

    Lines and columns are those of the file as stored (for a notebook, its JSON text);
    the message of a notebook finding starts with `cell N, line M: `. The fix, when there
    is one, follows on a second line of the annotation.
    """
    return "".join(iter_github(diagnostics, root=root, locate=locate))


def iter_github(
    diagnostics: Iterable[Diagnostic],
    *,
    root: str | None = None,
    locate: Locator = plain_location,
) -> Iterator[str]:
    """`render_github`, one annotation at a time."""
    root = os.path.abspath(root if root is not None else os.getcwd())
    for d in diagnostics:
        where = locate(d.span)
        props = [
            ("file", _relative(where.path, root)),
            ("line", str(where.line)),
            ("col", str(where.column)),
            ("endLine", str(where.end_line)),
            ("endColumn", str(where.end_column)),
            ("title", f"cachelint ({d.code})"),
        ]
        message = f"{where.cell_note()}{d.message}"
        if d.fix is not None and d.fix.title:
            message += f"\nhelp: {d.fix.title}"
        joined = ",".join(f"{key}={escape_property(value)}" for key, value in props)
        yield f"::{COMMANDS[Severity(d.severity)]} {joined}::{escape_data(message)}\n"

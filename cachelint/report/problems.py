"""Files that could not be checked, as machine formats report them beside the findings: what
kind of problem (a syntax error, an unreadable file, an internal error) and where, read from
the one-line message the run gives each."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cachelint.diagnostics import LintError

SYNTAX_ERROR = "syntax-error"
UNREADABLE = "unreadable-file"  # cannot be read, decoded, or is too large to analyse
INTERNAL_ERROR = "internal-error"

_AT_LINE = re.compile(r"^syntax error at line (\d+)")
_IN_CELL = re.compile(r"^syntax error in cell (\d+) at line (\d+)")


@dataclass(frozen=True)
class Problem:
    """A file not (fully) checked: its kind, the message, and the line or notebook cell
    of a syntax error (None when the problem has no place in the file)."""

    kind: str
    path: str
    message: str
    line: int | None = None
    cell: tuple[int, int] | None = None  # (cell number, line in the cell)


def problem(error: LintError, internal: bool = False) -> Problem:
    """What `error` is, for a reader that is a program."""
    message = error.message
    if internal or message.startswith("internal error"):
        return Problem(INTERNAL_ERROR, error.path, message)
    at = _AT_LINE.match(message)
    if at is not None:
        return Problem(SYNTAX_ERROR, error.path, message, line=int(at.group(1)))
    cell = _IN_CELL.match(message)
    if cell is not None:
        return Problem(SYNTAX_ERROR, error.path, message, cell=(int(cell.group(1)), int(cell.group(2))))
    if message.startswith(("syntax error", "cannot parse")):
        return Problem(SYNTAX_ERROR, error.path, message)
    return Problem(UNREADABLE, error.path, message)

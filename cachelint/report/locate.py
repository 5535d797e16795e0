"""Where a span is shown: the file's own lines, or a notebook cell plus the line in the stored file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cachelint.diagnostics import Span
from cachelint.discovery import display_path


@dataclass(frozen=True)
class CellPosition:
    """A range inside one notebook cell: the cell's 1-based number counts every cell
    (markdown too), as the notebook shows them; lines and columns are 1-based within the
    cell, the end column exclusive."""

    cell: int
    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True)
class Location:
    """A span as reporters print it.

    `line`..`end_column` are positions in the file as stored on disk, which is what
    editors, GitHub annotations and SARIF viewers open: for a notebook they point into
    the .ipynb JSON text, at the characters of the cell source. `cell` is set for
    notebooks only, and is what people read.
    """

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    cell: CellPosition | None = None
    # The line number a code frame shows (the cell line for notebooks).
    frame_line: int = 0

    def label(self, cwd: str | None = None) -> str:
        """`app.py:3:13`, or `notebook.ipynb:cell 3:line 2:col 5` for a notebook."""
        shown = display_path(self.path, cwd)
        if self.cell is not None:
            return f"{shown}:cell {self.cell.cell}:line {self.cell.line}:col {self.cell.column}"
        return f"{shown}:{self.line}:{self.column}"

    def cell_note(self) -> str:
        """`cell 3, line 2: ` for notebook locations (prefixed to messages of machine formats)."""
        if self.cell is None:
            return ""
        return f"cell {self.cell.cell}, line {self.cell.line}: "


Locator = Callable[[Span], Location]


def plain_location(span: Span) -> Location:
    """A span of an ordinary source file: shown as it is."""
    return Location(span.path, span.line, span.column, span.end_line, span.end_column, None, span.line)

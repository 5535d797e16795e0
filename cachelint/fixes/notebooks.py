"""`--fix` and `--diff` on notebooks: the fixes were written for the code cells joined into one
module (what cachelint lints); each edit is applied to the cell it lands in, and the .ipynb is
written back with only those cells' `source` changed. Everything else in the file (key order,
indentation, escapes, the trailing newline) stays byte for byte as it was.

A cell whose code is not linted as written (an IPython magic or a shell line was blanked, a
top-level `await` taken out) is left alone: libcst never saw its text."""

from __future__ import annotations

import ast
import difflib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from cachelint.diagnostics import Diagnostic, Edit
from cachelint.fixes.apply import apply_edits, apply_fixes
from cachelint.notebook import CodeCell, Notebook, NotebookError, read_notebook, string_end
from cachelint.sources import Refused, SourceError, lint_message, read_bytes

BOM = b"\xef\xbb\xbf"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


@dataclass(frozen=True)
class CellChange:
    """One cell's code before and after its fixes (cells numbered from 1, markdown included)."""

    number: int
    before: str
    after: str


@dataclass(frozen=True)
class NotebookPlan:
    """What fixing a notebook would change: its document before and after, the cells that
    change, the findings fixed, and one note per cell left alone (shown with --verbose)."""

    before: str
    after: str
    encoding: str
    cells: tuple[CellChange, ...]
    applied: tuple[Diagnostic, ...]
    notes: tuple[str, ...]


def plan_notebook(path: str, diagnostics: Sequence[Diagnostic], unsafe: bool) -> NotebookPlan:
    """The fixes of `diagnostics` (each landing in the notebook `path`) applied to its cells.
    Raises SourceError when the notebook cannot be read back or written as valid JSON."""
    data = read_bytes(path)
    if isinstance(data, Refused):
        raise SourceError(lint_message(data))
    try:
        notebook = read_notebook(data, path)
    except NotebookError as exc:
        raise SourceError(str(exc)) from None
    notes: list[str] = []
    placeable: list[Diagnostic] = []
    for d in diagnostics:
        assert d.fix is not None  # the caller passes only findings with edits to apply
        placed = [notebook.cell_edit(e) for e in d.fix.edits]
        if all(p is not None for p in placed):
            placeable.append(d)
            continue
        cells = sorted({c.number for c in _cells_of(notebook, d.fix.edits) if not notebook.as_written(c)})
        where = f"cell {cells[0]}" if cells else "code across cells"
        why = "it has IPython magics or top-level await, which libcst cannot parse" if cells else "an edit spans cells"
        notes.append(f"{path}: {where}: {d.code} not fixed: {why}")
    _, applied = apply_fixes(notebook.source, placeable, unsafe, path=None)
    by_cell: dict[int, tuple[CodeCell, list[Edit]]] = {}
    for d in applied:
        assert d.fix is not None
        for e in d.fix.edits:
            found = notebook.cell_edit(e)
            assert found is not None  # placeable
            cell, edit = found
            by_cell.setdefault(cell.number, (cell, []))[1].append(edit)
    changes: list[CellChange] = []
    for number, (cell, edits) in sorted(by_cell.items()):
        before = "".join(p.text for p in cell.pieces)
        after = apply_edits(before, edits)
        if not _parses(after):
            raise SourceError(f"cannot fix cell {number}: the fixed code does not parse")
        if after != before:
            changes.append(CellChange(number, before, after))
    after_document = _rewrite(notebook, {c.number: c.after for c in changes})
    wanted = {c.number: c.after for c in changes}
    written = read_notebook(after_document, path)
    if any("".join(p.text for p in c.pieces) != wanted.get(c.number, "".join(p.text for p in old.pieces))
           for c, old in zip(written.cells, notebook.cells, strict=True)):
        raise SourceError("cannot fix: the notebook would not read back as fixed")  # pragma: no cover
    encoding = "utf-8-sig" if data.startswith(BOM) else "utf-8"
    return NotebookPlan(notebook.document, after_document, encoding, tuple(changes),
                        tuple(applied) if changes else (), tuple(notes))


def cell_diff(change: CellChange, shown: str) -> str:
    """One cell's change as `diff -u` shows it, named `demo.ipynb:cell 3` on both sides."""
    name = f"{shown}:cell {change.number}"
    return "".join(difflib.unified_diff(_ended(change.before).splitlines(keepends=True),
                                        _ended(change.after).splitlines(keepends=True),
                                        fromfile=f"a/{name}", tofile=f"b/{name}"))


def _ended(text: str) -> str:
    return text if not text or text.endswith(("\n", "\r")) else text + "\n"


def _cells_of(notebook: Notebook, edits: Sequence[Edit]) -> list[CodeCell]:
    out = []
    for e in edits:
        for line in (e.line, e.end_line):
            found = notebook.cell_at(line)
            if found is not None:
                out.append(found[0])
    return out


def _parses(code: str) -> bool:
    """Does a cell's code still parse (top-level `await` allowed, as IPython runs it)?"""
    try:
        compile(code, "<cell>", "exec", ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    except (SyntaxError, ValueError):
        return False
    return True


def _rewrite(notebook: Notebook, new_code: dict[int, str]) -> str:
    """The document with the `source` of each cell in `new_code` replaced, written as the
    notebook writes it: a list of lines (or one string, if it was one), the lines that did not
    change kept as they were in the file, the new ones escaped as the file escapes."""
    doc = notebook.document
    ascii_only = any(int(m.group(1), 16) >= 0x80 for m in _ESCAPE.finditer(doc))
    replacements: list[tuple[int, int, str]] = []
    for cell in notebook.cells:
        if cell.number not in new_code or not cell.pieces:
            continue
        pieces = cell.pieces
        first = pieces[0].quote
        ends = [string_end(doc, p.quote, len(p.text)) + 1 for p in pieces]
        opening = doc.rfind("[", 0, first)
        is_list = opening >= 0 and doc[opening + 1:first].strip() == ""
        code = new_code[cell.number]
        if not is_list:
            replacements.append((first, ends[-1], json.dumps(code, ensure_ascii=ascii_only)))
            continue
        old = [p.text for p in pieces]
        new = _lines(code)
        raw = [doc[p.quote:end] for p, end in zip(pieces, ends, strict=True)]
        out: list[str] = []
        matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                out.extend(raw[i1:i2])
            else:
                out.extend(json.dumps(line, ensure_ascii=ascii_only) for line in new[j1:j2])
        replacements.append((first, ends[-1], _separator(doc, [p.quote for p in pieces], ends, opening).join(out)))
    for start, end, text in sorted(replacements, reverse=True):
        doc = doc[:start] + text + doc[end:]
    return doc


def _lines(code: str) -> list[str]:
    """A cell's code as the list of lines a notebook stores (each with its line break)."""
    out: list[str] = []
    start = 0
    for m in _LINE_BREAK.finditer(code):
        out.append(code[start:m.end()])
        start = m.end()
    if start < len(code):
        out.append(code[start:])
    return out


def _separator(doc: str, quotes: Sequence[int], ends: Sequence[int], opening: int) -> str:
    """What separates two lines of a cell's source list in this file: as between its first two
    lines, else a comma and the break and indentation before its first line."""
    if len(quotes) >= 2:
        return doc[ends[0]:quotes[1]]
    lead = doc[opening + 1:quotes[0]]
    return "," + lead if "\n" in lead or "\r" in lead else ", "

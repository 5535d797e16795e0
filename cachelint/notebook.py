"""Jupyter notebooks: code cells as one Python module (magics blanked), and locations mapped back.

The code cells are joined in order into one module, so a prompt built in one cell and sent
in another is followed as in a script; line numbers of that module map back to a cell and
a line in it, and to the characters of the cell source inside the .ipynb JSON text.
"""

from __future__ import annotations

import ast
import bisect
import dataclasses
import json
import json.decoder
import json.scanner
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from cachelint.diagnostics import Edit, LintError, Span

# Defined in discovery (run/check asks too, and may not import this module); named here as before.
from cachelint.discovery import NOTEBOOK_SUFFIX as NOTEBOOK_SUFFIX
from cachelint.discovery import is_notebook as is_notebook
from cachelint.report.locate import CellPosition, Location, plain_location
from cachelint.rules._base import Rule
from cachelint.run.check import LintResult
from cachelint.run.lint import lint_source
from cachelint.settings import Settings
from cachelint.sources import Refused, Why, lint_message, read_bytes

# Cell magics whose body is Python (timed or captured): only the `%%` line is blanked.
# Any other cell magic (`%%bash`, `%%writefile`, `%%sql`, ...) blanks the whole cell.
PYTHON_BODY_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun"})

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# `files = !ls`, `x = %env HOME`: IPython assignment magics.
_ASSIGN_MAGIC = re.compile(r"^\s*[\w.\[\], ]+\s*=\s*[%!]")
# Line magics IPython runs without their `%` (automagic, on by default): `pip install x` in a
# cell is `%pip install x`. Only taken as a magic when the line is not Python on its own.
_AUTOMAGICS = frozenset({"pip", "conda", "mamba", "cd", "env", "load_ext", "reload_ext", "matplotlib",
                         "pwd", "run", "time", "timeit", "autoreload", "config", "set_env", "who", "whos"})
# The magic's name, then an argument: not an operator, so `config = {` (a statement that goes
# on over the next lines, not Python on its own line) stays Python.
_AUTOMAGIC_LINE = re.compile(r"^(\w+)[ \t]+(?:~/|[^\s=(\[.,:;+\-*/%<>!&|^@~])")
# `obj?`, `obj.attr??`, `?obj`, `func()?`: IPython help.
_HELP = re.compile(r"^\s*\?{0,2}[\w.]+(?:\(\))?\?{0,2}\s*$")


class NotebookError(Exception):
    """A notebook that cannot be read; the message is one line for stderr."""


# --- reading the JSON with positions ------------------------------------------------


class _Located(str):
    """A JSON string value that remembers where its opening quote is in the document."""

    start: int


# Not in the type stubs, but public in the json package since Python 2.6.
_scanstring = cast(Callable[[str, int, bool], tuple[str, int]], vars(json.decoder)["scanstring"])
_py_make_scanner = cast(Callable[[json.JSONDecoder], Any], vars(json.scanner)["py_make_scanner"])


def _located_decoder() -> json.JSONDecoder:
    """A decoder whose string values are `_Located`.

    The pure-Python scanner looks the string parser up on the decoder, so replacing it
    is enough (the C scanner would not see the replacement).
    """
    decoder = json.JSONDecoder()

    def parse_string(doc: str, end: int, strict: bool) -> tuple[str, int]:
        value, after = _scanstring(doc, end, strict)
        located = _Located(value)
        located.start = end - 1
        return located, after

    setattr(decoder, "parse_string", parse_string)  # noqa: B010 - not in the type stubs
    setattr(decoder, "scan_once", _py_make_scanner(decoder))  # noqa: B010
    return decoder


def _raw_index(doc: str, quote: int, count: int) -> int:
    """Index in `doc` of decoded character `count` of the JSON string opening at `quote`.

    `count` may equal the string's length: the index of the closing quote.
    """
    i = quote + 1
    for _ in range(count):
        if doc[i] != "\\":
            i += 1
        elif doc[i + 1] != "u":
            i += 2
        else:
            code = int(doc[i + 2 : i + 6], 16)
            i += 6
            # A surrogate pair written as two escapes decodes to one character.
            if 0xD800 <= code < 0xDC00 and doc[i : i + 2] == "\\u":
                low = int(doc[i + 2 : i + 6], 16)
                if 0xDC00 <= low < 0xE000:
                    i += 6
    return i


def string_end(doc: str, quote: int, length: int) -> int:
    """Index in `doc` of the closing quote of the JSON string opening at `quote`, whose
    decoded text is `length` characters long."""
    return _raw_index(doc, quote, length)


# --- magics --------------------------------------------------------------------------


def _statement_start(previous: Sequence[str]) -> bool:
    """Whether a line following `previous` starts a new statement (not inside brackets,
    a multi-line string or a backslash continuation)."""
    if not previous:
        return True
    text = "\n".join(previous) + "\n"
    try:
        compile(text, "<cell>", "exec", ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    except SyntaxError as exc:
        # Unclosed brackets, strings and continuations are reported at the end of input.
        message = str(exc.msg)
        return not (
            "was never closed" in message or "unterminated triple-quoted" in message or "unexpected EOF" in message
        )
    except (ValueError, RecursionError, MemoryError):
        return True
    return True


def _is_magic(line: str) -> bool:
    stripped = line.strip()
    if not stripped or stripped.startswith("#"):
        return False
    if stripped[0] in "%!?":
        return True
    if _ASSIGN_MAGIC.match(line):
        return True
    automagic = _AUTOMAGIC_LINE.match(line)
    if automagic and automagic.group(1) in _AUTOMAGICS and not _is_python(stripped):
        return True
    return "?" in stripped and _HELP.match(line) is not None


def _is_python(line: str) -> bool:
    """Whether one line parses as Python on its own (`time(3)` is a call, `time x` a magic)."""
    try:
        compile(line + "\n", "<line>", "exec", ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _blank(line: str) -> str:
    """A line that keeps the line count: empty at the top level, `pass` where a block
    needs a statement."""
    indent = line[: len(line) - len(line.lstrip())]
    return f"{indent}pass" if indent else ""


def strip_magics(lines: Sequence[str]) -> list[str]:
    """The cell's lines with IPython magics, shell escapes and help replaced by blank lines.

    A `%%` cell magic blanks the whole cell, except magics whose body is Python
    (`%%time`, `%%timeit`, `%%capture`, `%%prun`), where only the first line goes. A
    magic line ending in a backslash takes its continuation lines with it.
    """
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    out = list(lines)
    start = 0
    if first is not None and lines[first].lstrip().startswith("%%"):
        name = lines[first].lstrip()[2:].split(maxsplit=1)
        if not name or name[0] not in PYTHON_BODY_CELL_MAGICS:
            return ["" for _ in lines]
        out[first] = ""
        start = first + 1
    continuing = False
    for i in range(start, len(lines)):
        line = lines[i]
        if continuing or (_is_magic(line) and _statement_start(out[start:i])):
            out[i] = _blank(line)
            continuing = line.rstrip().endswith("\\")
    return out


def _unawait(lines: list[str]) -> list[str]:
    """Blank `await`/`async` at the top level of the cell code (valid in IPython, not in a
    module), keeping columns, so the awaited call is analysed like a plain one."""
    text = "\n".join(lines) + "\n"
    try:
        ast.parse(text)
        return lines  # nothing to do (or the common case: no top-level await)
    except SyntaxError:
        pass
    try:
        tree = compile(text, "<notebook>", "exec", ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return lines  # a real syntax error: reported by the parser
    assert isinstance(tree, ast.Module)
    edits: list[tuple[int, int, int]] = []  # (line, byte offset, length)

    def visit(node: ast.AST) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return  # `await` inside a function is ordinary Python
        if isinstance(node, ast.Await):
            edits.append((node.lineno, node.col_offset, len("await")))
        elif isinstance(node, (ast.AsyncFor, ast.AsyncWith)):
            edits.append((node.lineno, node.col_offset, len("async")))
        elif isinstance(node, ast.comprehension) and node.is_async:
            pass  # `async for` inside a comprehension: rare in notebooks, left to the parser
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    out = list(lines)
    for line_no, byte_offset, length in edits:
        line = out[line_no - 1]
        col = len(line.encode("utf-8")[:byte_offset].decode("utf-8", errors="replace"))
        out[line_no - 1] = line[:col] + " " * length + line[col + length :]
    return out


# --- the notebook ---------------------------------------------------------------------


@dataclass
class _Piece:
    """One JSON string of a cell's `source`: where it starts in the cell text and in the file."""

    offset: int  # in the cell text
    text: str
    quote: int  # index of its opening quote in the document


@dataclass
class CodeCell:
    number: int  # 1-based, counting every cell
    first_line: int  # 1-based line of the joined module where the cell starts
    lines: list[str]  # as written
    line_offsets: list[int]  # offset of each line in the cell text
    pieces: list[_Piece]


@dataclass
class Notebook:
    """The code cells of a notebook as one module, with the way back to the file."""

    path: str
    document: str  # the .ipynb text
    cells: list[CodeCell] = field(default_factory=list)
    source: str = ""  # the module that is linted (magics blanked)
    original: list[str] = field(default_factory=list)  # its lines as written, for code frames
    _line_starts: list[int] = field(default_factory=list)

    def cell_at(self, line: int) -> tuple[CodeCell, int] | None:
        """The cell holding line `line` of the joined module, and the line within the cell."""
        starts = [c.first_line for c in self.cells]
        i = bisect.bisect_right(starts, line) - 1
        if i < 0:
            return None
        cell = self.cells[i]
        within = line - cell.first_line + 1
        if within > max(len(cell.lines), 1):
            return None
        return cell, within

    def as_written(self, cell: CodeCell) -> bool:
        """Is the cell linted as it is written (no IPython magic blanked, no top-level
        `await` taken out)? Only such a cell's code can be fixed: libcst parsed the module."""
        linted = self.source.split("\n")[cell.first_line - 1 : cell.first_line - 1 + len(cell.lines)]
        return linted == cell.lines

    def cell_edit(self, edit: Edit) -> tuple[CodeCell, Edit] | None:
        """An edit of the joined module as an edit of one cell's text (lines of the cell);
        None when it spans cells or lands in a cell not linted as written."""
        start, end = self.cell_at(edit.line), self.cell_at(edit.end_line)
        if start is None or end is None or start[0] is not end[0] or not self.as_written(start[0]):
            return None
        return start[0], Edit(start[1], edit.column, end[1], edit.end_column, edit.content)

    def _file_position(self, cell: CodeCell, line: int, column: int) -> tuple[int, int]:
        """(line, column) in the .ipynb text of a 1-based position in the cell."""
        if not cell.pieces:
            return 1, 1
        line = min(max(line, 1), len(cell.line_offsets))
        offset = cell.line_offsets[line - 1] + max(column, 1) - 1
        starts = [p.offset for p in cell.pieces]
        piece = cell.pieces[max(bisect.bisect_right(starts, offset) - 1, 0)]
        within = min(offset - piece.offset, len(piece.text))
        index = _raw_index(self.document, piece.quote, within)
        if not self._line_starts:
            self._line_starts = [0] + [m.end() for m in re.finditer("\n", self.document)]
        row = bisect.bisect_right(self._line_starts, index) - 1
        return row + 1, index - self._line_starts[row] + 1

    def locate(self, span: Span) -> Location:
        """Where a span of the joined module is, in the notebook; other files unchanged."""
        if span.path != self.path:
            return plain_location(span)
        start = self.cell_at(span.line)
        if start is None:
            return plain_location(span)
        cell, line = start
        end = self.cell_at(span.end_line)
        if end is None or end[0] is not cell:
            # A span cannot cross cells; clamp it to the end of the starting cell.
            end_line, end_column = len(cell.lines), len(cell.lines[-1]) + 1 if cell.lines else 1
        else:
            end_line, end_column = end[1], span.end_column
        file_line, file_column = self._file_position(cell, line, span.column)
        file_end_line, file_end_column = self._file_position(cell, end_line, end_column)
        return Location(
            path=span.path,
            line=file_line,
            column=file_column,
            end_line=file_end_line,
            end_column=file_end_column,
            cell=CellPosition(cell.number, line, span.column, end_line, end_column),
            frame_line=line,
        )


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NotebookError(f"invalid notebook: not UTF-8: {exc.reason}") from None


def _language(document: dict[str, Any]) -> str | None:
    metadata = document.get("metadata")
    if not isinstance(metadata, dict):
        return None
    info = metadata.get("language_info")
    if isinstance(info, dict) and isinstance(info.get("name"), str):
        return str(info["name"]).lower()
    spec = metadata.get("kernelspec")
    if isinstance(spec, dict) and isinstance(spec.get("language"), str):
        return str(spec["language"]).lower()
    return None


def read_notebook(data: bytes | str, path: str) -> Notebook:
    """Parse a notebook (nbformat 4) into its joined code. Raises NotebookError.

    A notebook whose kernel language is not Python has no code cells here.
    """
    document_text = _decode(data)
    try:
        document = _located_decoder().decode(document_text)
    except json.JSONDecodeError as exc:
        raise NotebookError(f"invalid notebook JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise NotebookError("invalid notebook JSON: nested too deeply") from None
    if not isinstance(document, dict):
        raise NotebookError("invalid notebook: the top level is not a JSON object")
    cells = document.get("cells")
    if not isinstance(cells, list):
        if "worksheets" in document:
            raise NotebookError("unsupported notebook format: nbformat 3 or older (no 'cells' list)")
        raise NotebookError("invalid notebook: no 'cells' list")
    notebook = Notebook(path, document_text)
    language = _language(document)
    if language is not None and language != "python":
        return notebook  # an R or Julia notebook: nothing to lint
    module_lines: list[str] = []
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict):
            raise NotebookError(f"invalid notebook: cell {number} is not a JSON object")
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        parts: list[Any] = source if isinstance(source, list) else [source]
        if not all(isinstance(p, str) for p in parts):
            raise NotebookError(f"invalid notebook: the source of cell {number} is not text")
        pieces: list[_Piece] = []
        offset = 0
        for part in parts:
            quote = part.start if isinstance(part, _Located) else 0
            pieces.append(_Piece(offset, str(part), quote))
            offset += len(part)
        text = "".join(str(p) for p in parts)
        lines = _LINE_BREAK.split(text)
        if len(lines) > 1 and lines[-1] == "":
            lines.pop()  # the break ending the last line starts no new line
        line_offsets = [0]
        for m in _LINE_BREAK.finditer(text):
            line_offsets.append(m.end())
        line_offsets = line_offsets[: len(lines)]
        notebook.cells.append(CodeCell(number, len(module_lines) + 1, lines, line_offsets, pieces))
        module_lines.extend(lines)
        notebook.original.extend(lines)
    code: list[str] = []
    for c in notebook.cells:
        code.extend(strip_magics(c.lines))
    code = _unawait(code)
    notebook.source = "".join(line + "\n" for line in code)
    return notebook


_AT_LINE = re.compile(r"\bat line (\d+)\b")


def _map_error(message: str, notebook: Notebook) -> str:
    """`syntax error at line 12: ...` -> `syntax error in cell 3 at line 2: ...`."""

    def repl(m: re.Match[str]) -> str:
        found = notebook.cell_at(int(m.group(1)))
        if found is None:
            return m.group(0)
        return f"in cell {found[0].number} at line {found[1]}"

    return _AT_LINE.sub(repl, message)


# cachelint.run.lint.lint_source's shape: (source, path, settings, rules) -> LintResult.
LintSource = Callable[[str, str, Settings, Sequence[type[Rule]]], LintResult]


def lint_notebook(
    data: bytes | str,
    path: str,
    settings: Settings,
    rules: Sequence[type[Rule]],
    lint: LintSource = lint_source,
) -> tuple[LintResult, Notebook | None]:
    """Lint a notebook's code cells as one module with `lint` (`cachelint.run.lint.lint_source`).

    Diagnostics keep the joined module's line numbers (suppression comments and
    fingerprints work on that text); report them through `Notebook.locate`. A notebook
    that cannot be read becomes one LintError and no Notebook.
    """
    try:
        notebook = read_notebook(data, path)
    except NotebookError as exc:
        return LintResult(errors=[LintError(path, _one_line(str(exc)))], files_checked=1), None
    if not notebook.source.strip():
        return LintResult(files_checked=1), notebook
    result = lint(notebook.source, path, settings, rules)
    # dataclasses.replace keeps a LintWarning one (its line is mapped to the cell when shown).
    result.errors = [dataclasses.replace(e, message=_map_error(e.message, notebook)) for e in result.errors]
    return result, notebook


def lint_notebook_file(
    path: str,
    settings: Settings,
    rules: Sequence[type[Rule]],
    lint: LintSource = lint_source,
) -> tuple[LintResult, Notebook | None]:
    """Read and lint one .ipynb file; a read failure is a LintError."""
    notebook, done = read_notebook_file(path)
    if done is not None or notebook is None:
        return done or LintResult(), notebook
    result = lint(notebook.source, path, settings, rules)
    return notebook_result(result, notebook), notebook


def read_notebook_file(path: str) -> tuple[Notebook | None, LintResult | None]:
    """Read one .ipynb file to lint its code (cachelint.run.lint.lint_files with the code as
    the file's source): the notebook, and its whole result when nothing is left to lint (an
    unreadable or invalid notebook's error, or a notebook without code)."""
    data = read_bytes(path)
    if isinstance(data, Refused):
        if data.why in (Why.MISSING, Why.SPECIAL, Why.TOO_LARGE):
            message = lint_message(data)
        else:  # a directory too: in the OS's words, as before the reads were guarded
            message = f"cannot read: {data.strerror()}"
        return None, LintResult(errors=[LintError(path, message)])
    try:
        notebook = read_notebook(data, path)
    except NotebookError as exc:
        return None, LintResult(errors=[LintError(path, _one_line(str(exc)))], files_checked=1)
    if not notebook.source.strip():
        return notebook, LintResult(files_checked=1)
    return notebook, None


def notebook_result(result: LintResult, notebook: Notebook) -> LintResult:
    """The result of linting a notebook's code, its errors worded by cell."""
    # dataclasses.replace keeps a LintWarning one (its line is mapped to the cell when shown).
    result.errors = [dataclasses.replace(e, message=_map_error(e.message, notebook)) if e.path == notebook.path
                     else e for e in result.errors]
    return result

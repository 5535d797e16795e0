"""Follow prompt files: paths built from `__file__`, `pathlib` and `os.path`, then read inside the project.

A file is read only when its real path lies inside the real project root, it is a
regular file (a FIFO or a device is never opened) and it holds at most 1 MiB. Its
text becomes static; anything else is `stable` text that is not known. Each file is
read at most once per run.
"""

from __future__ import annotations

import ast
import codecs
import os
import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cachelint.analysis.module import ModuleInfo
from cachelint.analysis.values import (
    MAX_TEXT,
    AltV,
    Item,
    ListV,
    Loc,
    ModuleRefV,
    OpaqueV,
    StrV,
    Text,
    Value,
    text_of,
    value_stability,
    worst,
)
from cachelint.prompt import Stability
from cachelint.sources import Why, read_bytes

if TYPE_CHECKING:
    from cachelint.analysis.env import Env
    from cachelint.analysis.library.api import EvaluatorAPI

MAX_FILE_BYTES = 1024 * 1024  # larger prompt files are not read
MAX_LINES = 10_000  # `readlines()` of longer files is not unrolled
MAX_PATH_CHOICES = 64  # paths built from parts with choices: more combinations are not listed

_PATHLIB = {"pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "pathlib.PurePosixPath"}
_RESOURCES = ("importlib.resources.", "importlib_resources.")
_ERRORS = {"strict", "replace", "ignore", "backslashreplace", "surrogateescape"}


# ---------------------------------------------------------------- values


@dataclass(frozen=True)
class PathV(OpaqueV):
    """A filesystem path. `path` is its text when known statically, else None.

    It is an opaque value to everything that does not know paths: the text of a
    path is the same on every call, but depends on the machine.
    """

    path: str | None = None
    flavour: str = "pathlib"  # "pathlib": Path / Traversable; "str": `__file__` and os.path results


@dataclass(frozen=True)
class FileV(OpaqueV):
    """An open file (`handle`), or the bytes read from one (`read_bytes()`), not yet decoded."""

    path: str | None = None
    binary: bool = False
    encoding: str | None = None
    errors: str = "strict"
    handle: bool = True


class FileNode(ast.AST):
    """A position inside a prompt file (not Python source): what a Loc into the file points at."""

    _fields = ()

    def __init__(self, line: int = 1, col: int = 0) -> None:
        super().__init__()
        self.lineno = line
        self.col_offset = col
        self.end_lineno = line
        self.end_col_offset = col


def file_loc(path: str, line: int = 1, col: int = 0) -> Loc:
    return Loc.of(path, FileNode(line, col))


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class FileRead:
    """The outcome of reading one prompt file: its bytes, or why it was not read."""

    data: bytes | None
    real: str | None  # the real path, when inside the root
    rel: str  # the path shown to users: relative to the root when inside it
    cause: str = ""  # why it was not read
    stability: Stability = Stability.STABLE
    missing: bool = False  # no such file (a loader may look in the next folder)


class PromptFiles:
    """Reads prompt files inside one project root, each at most once."""

    def __init__(self, root: str | None) -> None:
        self.root_arg = root
        self.root: str | None = None
        if root:
            try:
                real = os.path.realpath(root)
            except (OSError, ValueError):
                real = ""
            # The filesystem root is never a project root: it would let any file be read.
            if real and os.path.isdir(real) and os.path.dirname(real) != real:
                self.root = real
        self._reads: dict[str, FileRead] = {}
        self._texts: dict[tuple[str, str, str, bool], str | None] = {}
        # Settings files parsed (cachelint.analysis.configfiles), by real path and format, and
        # what modules do to settings objects (cachelint.analysis.library.dynaconf): each file
        # is parsed once per run, as it is read once.
        self.parsed: dict[tuple[object, ...], object] = {}
        self.opened = 0  # files opened, for tests of the cache
        # Told of every read asked for (the path as given): a project records them as what
        # shared results depend on.
        self.listener: Callable[[str], None] | None = None

    def absolute(self, path: str) -> str | None:
        """A path as the program would see it run from the project root."""
        if os.path.isabs(path):
            return path
        if self.root is None:
            return None
        return os.path.join(self.root, path)

    def locate(self, path: str) -> tuple[str | None, str]:
        """The real path for `path` if it is inside the root, else None and why not."""
        if self.root is None:
            return None, "no project root is known, so prompt files are not read"
        if "\x00" in path:
            return None, "the path holds a NUL character"
        full = self.absolute(path) or path
        try:
            real = os.path.realpath(full)
        except (OSError, ValueError):
            return None, f"`{path}` cannot be resolved"
        if not self.inside(real):
            return None, f"`{path}` is outside the project root"
        return real, ""

    def inside(self, real: str) -> bool:
        root = self.root
        if root is None:
            return False
        return real == root or real.startswith(root.rstrip(os.sep) + os.sep)

    def is_dir(self, path: str) -> bool:
        real, _ = self.locate(path)
        return real is not None and os.path.isdir(real)

    def read(self, path: str) -> FileRead:
        if self.listener is not None:
            self.listener(path)
        real, why = self.locate(path)
        if real is None:
            return FileRead(None, None, path, why)
        got = self._reads.get(real)
        if got is None:
            got = self._read(real)
            self._reads[real] = got
        return got

    def _read(self, real: str) -> FileRead:
        rel = os.path.relpath(real, self.root) if self.root else real

        def fail(why: str, missing: bool = False) -> FileRead:
            return FileRead(None, real, rel, f"prompt file `{rel}` {why}", missing=missing)

        # The guarded reader stats first: a FIFO, socket or device is refused without being opened.
        got = read_bytes(real, MAX_FILE_BYTES, follow=False)
        if isinstance(got, bytes):
            self.opened += 1
            return FileRead(got, real, rel)
        if got.opened:
            self.opened += 1
        reason = (got.error.strerror or type(got.error).__name__) if got.error is not None else ""
        if got.why is Why.MISSING and got.stage == "stat":
            return fail("does not exist", missing=True)
        if got.why is Why.DIRECTORY and got.stage == "stat":
            return fail("is a directory")
        if got.why is Why.SPECIAL:
            return fail("is not a regular file")
        if got.why is Why.TOO_LARGE:
            return fail("is larger than 1 MiB")
        return fail(f"cannot be opened ({reason})" if got.stage == "open" else f"cannot be read ({reason})")

    def text(self, got: FileRead, encoding: str, errors: str, newlines: bool) -> str | None:
        """The decoded text (universal newlines when `newlines`); None when it does not decode."""
        if got.data is None or got.real is None:
            return None
        key = (got.real, encoding, errors, newlines)
        if key in self._texts:
            return self._texts[key]
        try:
            text: str | None = got.data.decode(encoding, errors)
        except (UnicodeDecodeError, LookupError):
            text = None
        if text is not None and newlines:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        self._texts[key] = text
        return text


# ---------------------------------------------------------------- paths and reads, for library models


def static_str(v: Value) -> str | None:
    """The text of a string known statically and whole (not cut at MAX_TEXT)."""
    if isinstance(v, StrV):
        if any(isinstance(p, Text) and p.truncated for p in v.pieces):
            return None
        return text_of(v.pieces)
    return None


def _norm_encoding(enc: str | None) -> str | None:
    if enc is None:
        return "utf-8"  # the usual locale encoding; anything else is asked for by name
    try:
        return codecs.lookup(enc).name
    except LookupError:
        return None


def _alt_leaves(v: Value, cap: int) -> int:
    """How many plain values a (nested) AltV stands for, counting no further than `cap`."""
    if not isinstance(v, AltV):
        return 1
    n = 0
    for o in v.options:
        n += _alt_leaves(o, cap)
        if n >= cap:
            return cap
    return n


def content_stability(path: Value) -> Stability:
    """How often the text of a file whose path is not known changes: as often as the path,
    but a path that changes on every call (a run folder named by the clock) names a file whose
    text is data, the same each time it is read, so `turn` at most (rules.md: values derived
    from per-call data are `turn`, never `volatile`). AI-Scientist's paper draft, read from
    `results/<timestamp>_<idea>/latex/template.tex`, was called volatile (CL102)."""
    stab = dynamic([value_stability(path)])
    return Stability.TURN if stab in (Stability.VOLATILE, Stability.DAILY) else stab


def dynamic(stabs: list[Stability]) -> Stability:
    """The stability of something computed from values whose text is unknown: at least stable."""
    s = worst(Stability.STABLE, *stabs)
    return Stability.STABLE if s == Stability.UNKNOWN else s


def module_file(mod: ModuleInfo, use: ast.AST | None) -> PathV:
    """`__file__` in a module that does not assign it: the module's own path."""
    return PathV(Stability.STABLE, "__file__", Loc.of(mod.path, use or mod.tree), "path of this module",
                 path=os.path.abspath(mod.path), flavour="str")


def path_value(ev: EvaluatorAPI, path: str | None, env: Env, node: ast.AST, flavour: str = "pathlib",
               stability: Stability = Stability.STABLE, cause: str = "") -> PathV:
    if path is not None and "\x00" in path:
        path, cause = None, "path with a NUL character"
    if path is None:
        return PathV(dynamic([stability]), ev.src(env, node), ev.loc(env, node),
                     cause or "path not known statically", path=None, flavour=flavour)
    return PathV(Stability.STABLE, ev.src(env, node), ev.loc(env, node), f"path `{path}`",
                 path=path, flavour=flavour)


def path_text(v: Value) -> str | None:
    """The text of a path-like value: a static string or a known path."""
    if isinstance(v, PathV):
        return v.path
    return static_str(v)


def unknown_path(ev: EvaluatorAPI, values: list[Value], env: Env, node: ast.AST, flavour: str, cause: str) -> PathV:
    stabs = [value_stability(v) for v in values if path_text(v) is None]
    return path_value(ev, None, env, node, flavour, dynamic(stabs), cause)


def path_from(ev: EvaluatorAPI, values: list[Value], fn: Callable[[list[str]], str], env: Env, node: ast.AST,
              flavour: str) -> Value:
    """The path `fn` builds from the texts of `values`: one path per combination of choices."""
    alts = [i for i, v in enumerate(values) if isinstance(v, AltV)]
    if alts:
        combos = 1
        for v in values:
            combos *= _alt_leaves(v, MAX_PATH_CHOICES + 1)
        if combos > MAX_PATH_CHOICES:
            # `join(a, b, c, ...)` with a choice in each part: the paths multiply.
            return path_value(ev, None, env, node, flavour, dynamic([value_stability(v) for v in values]),
                              "too many possible paths")
        i = alts[0]
        alt = values[i]
        assert isinstance(alt, AltV)
        return AltV(tuple(path_from(ev, [*values[:i], o, *values[i + 1:]], fn, env, node, flavour)
                          for o in alt.options), ev.loc(env, node), ev.src(env, node))
    texts = [path_text(v) for v in values]
    if any(t is None for t in texts):
        # Keep why an unknown part is unknown (`package not found`), else say it generally.
        cause = next((v.cause for v in values if isinstance(v, PathV) and v.path is None),
                     "path built from a value not known statically")
        return unknown_path(ev, values, env, node, flavour, cause)
    try:
        return path_value(ev, fn([t for t in texts if t is not None]), env, node, flavour)
    except (TypeError, ValueError) as exc:
        return path_value(ev, None, env, node, flavour, cause=f"invalid path ({exc})")


def absolute(ev: EvaluatorAPI, p: str) -> str:
    """`abspath`/`resolve()` without the lint-time working directory: relative to the root."""
    if posixpath.isabs(p):
        return posixpath.normpath(p)
    base = ev.files().absolute(p)
    return posixpath.normpath(base) if base is not None else posixpath.normpath(p)


def package_dir(ev: EvaluatorAPI, arg: ast.expr, env: Env) -> Value:
    """The directory of a package named by `files(...)`'s anchor, found under the root."""
    mod = env.mod
    if isinstance(arg, ast.Name) and arg.id in ("__name__", "__package__") and arg.id not in mod.flow.events:
        return path_value(ev, os.path.dirname(os.path.abspath(mod.path)), env, arg)
    v = ev.eval(arg, env)
    name = v.qualname if isinstance(v, ModuleRefV) else static_str(v)
    if name is None:
        return unknown_path(ev, [v], env, arg, "pathlib", "package not known statically")
    if mod.name and name in (mod.name, mod.name.rpartition(".")[0]):
        # This module's own package (or the module itself): the folder it is in.
        return path_value(ev, os.path.dirname(os.path.abspath(mod.path)), env, arg)
    pf = ev.files()
    if pf.root is not None and name and all(part.isidentifier() for part in name.split(".")):
        for base in (os.path.join(pf.root, "src"), pf.root):
            cand = os.path.join(base, *name.split("."))
            if pf.is_dir(cand):
                return path_value(ev, cand, env, arg)
    return path_value(ev, None, env, arg, cause=f"package `{name}` not found in the project")


def file_handle(ev: EvaluatorAPI, path: Value, env: Env, node: ast.AST, binary: bool, enc: Value | None,
                errs: Value | None) -> Value:
    """An open file (`open(p)`, `Path.open()`), not yet read."""
    if isinstance(path, AltV):
        return AltV(tuple(file_handle(ev, o, env, node, binary, enc, errs) for o in path.options),
                    ev.loc(env, node), ev.src(env, node))
    text = path_text(path)
    encoding = static_str(enc) if enc is not None else None
    errors = static_str(errs) if errs is not None else "strict"
    stab = Stability.STABLE if text is not None else content_stability(path)
    cause = "open file" if text is not None else "file whose path is not known statically"
    if enc is not None and encoding is None:
        text, cause = None, "file opened with an encoding not known statically"
    if errors is None or errors not in _ERRORS:
        text, cause = None, "file opened with unusual error handling"
    return FileV(stab, ev.src(env, node), ev.loc(env, node), cause, path=text, binary=binary,
                 encoding=encoding, errors=errors or "strict", handle=True)


def read_value(ev: EvaluatorAPI, path: Value, env: Env, node: ast.AST, *, binary: bool = False,
               encoding: Value | None = None, errors: Value | None = None, newlines: bool = True) -> Value:
    """What reading the file at `path` gives: static text, bytes, or stable unknown text."""
    if isinstance(path, AltV):
        return AltV(tuple(read_value(ev, o, env, node, binary=binary, encoding=encoding, errors=errors,
                                     newlines=newlines) for o in path.options),
                    ev.loc(env, node), ev.src(env, node))
    text = path_text(path)
    if text is None:
        cause = path.cause if isinstance(path, PathV) else "prompt file whose path is not known statically"
        return ev.opaque(env, node, content_stability(path), cause)
    enc: str | None = "utf-8"
    if encoding is not None:
        enc = static_str(encoding)
        if enc is None:
            return ev.opaque(env, node, Stability.STABLE, "file read with an encoding not known statically")
    errs = static_str(errors) if errors is not None else "strict"
    return read_path(ev, text, env, node, binary=binary, encoding=enc, errors=errs, newlines=newlines)


def read_path(ev: EvaluatorAPI, path: str, env: Env, node: ast.AST, *, binary: bool, encoding: str | None,
              errors: str | None, newlines: bool) -> Value:
    """Read the prompt file at a known path (inside the root only, once per run). A relative
    path names a file under the folder the program runs from, which is not known: the project
    root first, then the folder of the module that reads it (a script run from its own folder)."""
    got = ev.files().read(path)
    if got.missing and not os.path.isabs(path):
        beside = ev.files().read(os.path.join(os.path.dirname(os.path.abspath(env.mod.path)), path))
        if beside.data is not None:
            got = beside
    if got.data is None or got.real is None:
        return ev.opaque(env, node, got.stability, got.cause)
    if binary:
        return FileV(Stability.STABLE, ev.src(env, node), ev.loc(env, node), f"bytes of `{got.rel}`",
                     path=got.real, binary=True, handle=False)
    enc = _norm_encoding(encoding)
    if enc is None or errors is None or errors not in _ERRORS:
        return ev.opaque(env, node, Stability.UNKNOWN, f"prompt file `{got.rel}` read with an unknown encoding")
    text = ev.files().text(got, enc, errors, newlines)
    if text is None:
        return ev.opaque(env, node, Stability.UNKNOWN, f"prompt file `{got.rel}` is not valid {enc} text")
    return file_text(ev, text, got, env, node)


def file_text(ev: EvaluatorAPI, text: str, got: FileRead, env: Env, node: ast.AST) -> StrV:
    """The text of a file read, located in the file, with a hop from where it was read."""
    assert got.real is not None
    if not text:
        return StrV(())
    hop = ev.hop(env, node, f"read from {got.rel}")
    truncated = len(text) > MAX_TEXT
    return StrV((Text(text[:MAX_TEXT] if truncated else text, file_loc(got.real), (hop,), truncated),))


def lines_of(ev: EvaluatorAPI, v: Value, env: Env, node: ast.AST) -> Value:
    """`readlines()`: the lines as a list of static strings, each located at its line."""
    if not isinstance(v, StrV) or len(v.pieces) != 1 or not isinstance(v.pieces[0], Text):
        stab = value_stability(v)
        return ev.opaque(env, node, stab if stab != Stability.STATIC else Stability.STABLE, "lines of a file",
                         elements=stab if stab != Stability.STATIC else Stability.STABLE)
    piece = v.pieces[0]
    lines = piece.text.splitlines(keepends=True)
    if len(lines) > MAX_LINES or piece.truncated or piece.loc is None:
        return ev.opaque(env, node, Stability.STABLE, "lines of a long file", elements=Stability.STABLE)
    path = piece.loc.path
    return ListV(tuple(Item(StrV((Text(line, file_loc(path, i + 1), piece.hops),)))
                       for i, line in enumerate(lines)), ev.loc(env, node))


def expanduser(p: str) -> str:
    if p.startswith("~"):
        raise ValueError("starts with `~`: the home directory is not known")
    return p


__all__ = ["MAX_FILE_BYTES", "FileNode", "FileRead", "FileV", "PathV", "PromptFiles", "absolute", "expanduser",
           "file_handle", "file_loc", "file_text", "lines_of", "module_file", "package_dir", "path_from",
           "path_text", "path_value", "read_path", "read_value", "static_str", "unknown_path"]

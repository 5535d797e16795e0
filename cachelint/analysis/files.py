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
from pathlib import PurePosixPath

from cachelint.analysis.evaluate import Env, Evaluator
from cachelint.analysis.module import FlowIndex, ModuleInfo
from cachelint.analysis.values import (
    MAX_TEXT,
    AltV,
    Item,
    ListV,
    Loc,
    ModuleRefV,
    OpaqueV,
    Piece,
    StrV,
    Text,
    Value,
    text_of,
    value_stability,
    worst,
)
from cachelint.prompt import Stability
from cachelint.sources import Why, read_bytes

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


# ---------------------------------------------------------------- the mixin


def _static_str(v: Value) -> str | None:
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


def _dynamic(stabs: list[Stability]) -> Stability:
    """The stability of something computed from values whose text is unknown: at least stable."""
    s = worst(Stability.STABLE, *stabs)
    return Stability.STABLE if s == Stability.UNKNOWN else s


def _node_pos(node: ast.AST) -> tuple[int, int]:
    return (getattr(node, "lineno", 0) or 0, getattr(node, "col_offset", 0) or 0)


class FilesMixin(Evaluator):
    """Paths and prompt files. `root` is the project root; None reads nothing."""

    root: str | None = None
    prompt_files: PromptFiles | None = None

    def files(self) -> PromptFiles:
        pf = self.prompt_files
        if pf is None or pf.root_arg != self.root:
            pf = PromptFiles(self.root)
            pf.listener = getattr(self.project, "note_read", None)
            self.prompt_files = pf
        return pf

    # ------------------------------------------------------------ making paths

    def path_value(self, path: str | None, env: Env, node: ast.AST, flavour: str = "pathlib",
                   stability: Stability = Stability.STABLE, cause: str = "") -> PathV:
        if path is not None and "\x00" in path:
            path, cause = None, "path with a NUL character"
        if path is None:
            return PathV(_dynamic([stability]), self.src(env, node), self.loc(env, node),
                         cause or "path not known statically", path=None, flavour=flavour)
        return PathV(Stability.STABLE, self.src(env, node), self.loc(env, node), f"path `{path}`",
                     path=path, flavour=flavour)

    def path_text(self, v: Value) -> str | None:
        """The text of a path-like value: a static string or a known path."""
        if isinstance(v, PathV):
            return v.path
        return _static_str(v)

    def _unknown_path(self, values: list[Value], env: Env, node: ast.AST, flavour: str, cause: str) -> PathV:
        stabs = [value_stability(v) for v in values if self.path_text(v) is None]
        return self.path_value(None, env, node, flavour, _dynamic(stabs), cause)

    def _path_from(self, values: list[Value], fn: Callable[[list[str]], str], env: Env, node: ast.AST,
                   flavour: str) -> Value:
        alts = [i for i, v in enumerate(values) if isinstance(v, AltV)]
        if alts:
            combos = 1
            for v in values:
                combos *= _alt_leaves(v, MAX_PATH_CHOICES + 1)
            if combos > MAX_PATH_CHOICES:
                # `join(a, b, c, ...)` with a choice in each part: the paths multiply.
                return self.path_value(None, env, node, flavour, _dynamic([value_stability(v) for v in values]),
                                       "too many possible paths")
            i = alts[0]
            alt = values[i]
            assert isinstance(alt, AltV)
            return AltV(tuple(self._path_from([*values[:i], o, *values[i + 1:]], fn, env, node, flavour)
                              for o in alt.options), self.loc(env, node), self.src(env, node))
        texts = [self.path_text(v) for v in values]
        if any(t is None for t in texts):
            # Keep why an unknown part is unknown (`package not found`), else say it generally.
            cause = next((v.cause for v in values if isinstance(v, PathV) and v.path is None),
                         "path built from a value not known statically")
            return self._unknown_path(values, env, node, flavour, cause)
        try:
            return self.path_value(fn([t for t in texts if t is not None]), env, node, flavour)
        except (TypeError, ValueError) as exc:
            return self.path_value(None, env, node, flavour, cause=f"invalid path ({exc})")

    def _absolute(self, p: str) -> str:
        """`abspath`/`resolve()` without the lint-time working directory: relative to the root."""
        if posixpath.isabs(p):
            return posixpath.normpath(p)
        base = self.files().absolute(p)
        return posixpath.normpath(base) if base is not None else posixpath.normpath(p)

    def module_value(self, name: str, mod: ModuleInfo, use: ast.AST | None) -> Value:
        if name == "__file__" and name not in mod.flow.events:
            return PathV(Stability.STABLE, "__file__", Loc.of(mod.path, use or mod.tree), "path of this module",
                         path=os.path.abspath(mod.path), flavour="str")
        return super().module_value(name, mod, use)

    # ------------------------------------------------------------ calls of imported names

    def qualname_call(self, qual: str, node: ast.Call, env: Env) -> Value:
        q = qual.lstrip(".")
        if q in _PATHLIB:
            vals = [self.eval(a, env) for a in node.args if not isinstance(a, ast.Starred)]
            if len(vals) != len(node.args) or node.keywords:
                return self._unknown_path(vals, env, node, "pathlib", "path built from unpacked arguments")
            return self._path_from(vals, lambda ts: str(PurePosixPath(*ts)), env, node, "pathlib")
        if q.startswith(("os.path.", "posixpath.")) or q == "os.fspath":
            got = self.os_path_call(q.rsplit(".", 1)[1], node, env)
            if got is not None:
                return got
        if q == "io.open":
            return self.open_call(node, env)
        if q.startswith(_RESOURCES):
            got = self.resources_call(q.split(".")[-1], node, env)
            if got is not None:
                return got
        if q == "pkgutil.get_data" and len(node.args) == 2 and not node.keywords:
            pkg = self.package_dir(node.args[0], env)
            res = self.eval(node.args[1], env)
            path = self._path_from([pkg, res], lambda ts: posixpath.join(*ts), env, node, "str")
            return self.read_value(path, env, node, binary=True)
        return super().qualname_call(qual, node, env)

    def os_path_call(self, fn: str, node: ast.Call, env: Env) -> Value | None:
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            return None
        vals = [self.eval(a, env) for a in node.args]
        if fn == "join" and vals:
            return self._path_from(vals, lambda ts: posixpath.join(*ts), env, node, "str")
        if len(vals) != 1:
            return None
        if fn in ("dirname", "normpath", "abspath", "realpath", "fspath", "expanduser"):
            ops: dict[str, Callable[[str], str]] = {
                "dirname": posixpath.dirname, "normpath": posixpath.normpath, "abspath": self._absolute,
                "realpath": self._absolute, "fspath": lambda s: s, "expanduser": _expanduser,
            }
            op = ops[fn]
            return self._path_from(vals, lambda ts: op(ts[0]), env, node, "str")
        if fn == "basename":
            t = self.path_text(vals[0])
            if t is not None:
                return StrV((Text(posixpath.basename(t), self.loc(env, node)),))
        return None

    # ------------------------------------------------------------ importlib.resources

    def package_dir(self, arg: ast.expr, env: Env) -> Value:
        """The directory of a package named by `files(...)`'s anchor, found under the root."""
        mod = env.mod
        if isinstance(arg, ast.Name) and arg.id in ("__name__", "__package__") and arg.id not in mod.flow.events:
            return self.path_value(os.path.dirname(os.path.abspath(mod.path)), env, arg)
        v = self.eval(arg, env)
        name = v.qualname if isinstance(v, ModuleRefV) else _static_str(v)
        if name is None:
            return self._unknown_path([v], env, arg, "pathlib", "package not known statically")
        if mod.name and name in (mod.name, mod.name.rpartition(".")[0]):
            # This module's own package (or the module itself): the folder it is in.
            return self.path_value(os.path.dirname(os.path.abspath(mod.path)), env, arg)
        pf = self.files()
        if pf.root is not None and name and all(part.isidentifier() for part in name.split(".")):
            for base in (os.path.join(pf.root, "src"), pf.root):
                cand = os.path.join(base, *name.split("."))
                if pf.is_dir(cand):
                    return self.path_value(cand, env, arg)
        return self.path_value(None, env, arg, cause=f"package `{name}` not found in the project")

    def resources_call(self, fn: str, node: ast.Call, env: Env) -> Value | None:
        if fn == "files" and len(node.args) == 1 and not node.keywords:
            return self.package_dir(node.args[0], env)
        if fn == "as_file" and len(node.args) == 1:
            return self.eval(node.args[0], env)  # a context manager yielding the same path
        if fn in ("read_text", "read_binary", "open_text", "open_binary") and len(node.args) >= 2:
            if any(isinstance(a, ast.Starred) for a in node.args):
                return None
            kw = {k.arg: k.value for k in node.keywords if k.arg}
            if len(kw) != len(node.keywords) or set(kw) - {"encoding", "errors"}:
                return None
            pkg = self.package_dir(node.args[0], env)
            parts = [self.eval(a, env) for a in node.args[1:]]
            path = self._path_from([pkg, *parts], lambda ts: posixpath.join(*ts), env, node, "pathlib")
            binary = fn.endswith("binary")
            enc = self.eval(kw["encoding"], env) if "encoding" in kw else StrV((Text("utf-8", None),))
            errs = self.eval(kw["errors"], env) if "errors" in kw else None
            if fn.startswith("open"):
                return self.file_handle(path, env, node, binary, enc, errs)
            return self.read_value(path, env, node, binary=binary, encoding=enc, errors=errs, newlines=True)
        return None

    # ------------------------------------------------------------ open()

    def open_call(self, node: ast.Call, env: Env) -> Value:
        names = ["file", "mode", "buffering", "encoding", "errors", "newline"]
        if any(isinstance(a, ast.Starred) for a in node.args) or len(node.args) > len(names):
            return super().open_call(node, env)
        given: dict[str, ast.expr] = dict(zip(names, node.args, strict=False))
        for k in node.keywords:
            if k.arg is None or k.arg in given:
                return super().open_call(node, env)
            given[k.arg] = k.value
        if "file" not in given or set(given) - {"file", "mode", "encoding", "errors", "buffering"}:
            return super().open_call(node, env)
        mode = "r"
        if "mode" in given:
            m = _static_str(self.eval(given["mode"], env))
            if m is None:
                return super().open_call(node, env)
            mode = m
        if set(mode) - set("rbt") or not mode:
            return super().open_call(node, env)  # writing or appending: not a prompt file
        path = self.eval(given["file"], env)
        enc = self.eval(given["encoding"], env) if "encoding" in given else None
        errs = self.eval(given["errors"], env) if "errors" in given else None
        return self.file_handle(path, env, node, "b" in mode, enc, errs)

    def file_handle(self, path: Value, env: Env, node: ast.AST, binary: bool, enc: Value | None,
                    errs: Value | None) -> Value:
        if isinstance(path, AltV):
            return AltV(tuple(self.file_handle(o, env, node, binary, enc, errs) for o in path.options),
                        self.loc(env, node), self.src(env, node))
        text = self.path_text(path)
        encoding = _static_str(enc) if enc is not None else None
        errors = _static_str(errs) if errs is not None else "strict"
        stab = Stability.STABLE if text is not None else _dynamic([value_stability(path)])
        cause = "open file" if text is not None else "file whose path is not known statically"
        if enc is not None and encoding is None:
            text, cause = None, "file opened with an encoding not known statically"
        if errors is None or errors not in _ERRORS:
            text, cause = None, "file opened with unusual error handling"
        return FileV(stab, self.src(env, node), self.loc(env, node), cause, path=text, binary=binary,
                     encoding=encoding, errors=errors or "strict", handle=True)

    # ------------------------------------------------------------ reading

    def read_value(self, path: Value, env: Env, node: ast.AST, *, binary: bool = False,
                   encoding: Value | None = None, errors: Value | None = None, newlines: bool = True) -> Value:
        """What reading the file at `path` gives: static text, bytes, or stable unknown text."""
        if isinstance(path, AltV):
            return AltV(tuple(self.read_value(o, env, node, binary=binary, encoding=encoding, errors=errors,
                                              newlines=newlines) for o in path.options),
                        self.loc(env, node), self.src(env, node))
        text = self.path_text(path)
        if text is None:
            cause = path.cause if isinstance(path, PathV) else "prompt file whose path is not known statically"
            return self.opaque(env, node, _dynamic([value_stability(path)]), cause)
        enc: str | None = "utf-8"
        if encoding is not None:
            enc = _static_str(encoding)
            if enc is None:
                return self.opaque(env, node, Stability.STABLE, "file read with an encoding not known statically")
        errs = _static_str(errors) if errors is not None else "strict"
        return self.read_path(text, env, node, binary=binary, encoding=enc, errors=errs, newlines=newlines)

    def read_path(self, path: str, env: Env, node: ast.AST, *, binary: bool, encoding: str | None,
                  errors: str | None, newlines: bool) -> Value:
        got = self.files().read(path)
        if got.data is None or got.real is None:
            return self.opaque(env, node, got.stability, got.cause)
        if binary:
            return FileV(Stability.STABLE, self.src(env, node), self.loc(env, node), f"bytes of `{got.rel}`",
                         path=got.real, binary=True, handle=False)
        enc = _norm_encoding(encoding)
        if enc is None or errors is None or errors not in _ERRORS:
            return self.opaque(env, node, Stability.UNKNOWN, f"prompt file `{got.rel}` read with an unknown encoding")
        text = self.files().text(got, enc, errors, newlines)
        if text is None:
            return self.opaque(env, node, Stability.UNKNOWN, f"prompt file `{got.rel}` is not valid {enc} text")
        return self.file_text(text, got, env, node)

    def file_text(self, text: str, got: FileRead, env: Env, node: ast.AST) -> StrV:
        assert got.real is not None
        if not text:
            return StrV(())
        hop = self.hop(env, node, f"read from {got.rel}")
        truncated = len(text) > MAX_TEXT
        return StrV((Text(text[:MAX_TEXT] if truncated else text, file_loc(got.real), (hop,), truncated),))

    # ------------------------------------------------------------ methods and attributes

    def opaque_method(self, recv: OpaqueV, meth: str, node: ast.Call, env: Env) -> Value:
        if isinstance(recv, PathV):
            got = self.path_method(recv, meth, node, env)
            if got is not None:
                return got
        elif isinstance(recv, FileV):
            got = self.file_method(recv, meth, node, env)
            if got is not None:
                return got
        return super().opaque_method(recv, meth, node, env)

    def path_method(self, recv: PathV, meth: str, node: ast.Call, env: Env) -> Value | None:
        args = node.args
        if any(isinstance(a, ast.Starred) for a in args):
            return None
        kw = {k.arg: k.value for k in node.keywords if k.arg}
        if len(kw) != len(node.keywords):
            return None
        if recv.flavour == "str":
            if recv.path is None:
                return None
            return self.str_method(StrV((Text(recv.path, recv.loc),)), meth, node, env)
        if meth in ("read_text", "read_bytes"):
            if args or set(kw) - {"encoding", "errors"}:
                return None
            enc = self.eval(kw["encoding"], env) if "encoding" in kw else None
            errs = self.eval(kw["errors"], env) if "errors" in kw else None
            return self.read_value(recv, env, node, binary=meth == "read_bytes", encoding=enc, errors=errs)
        if meth == "open":
            names = ["mode", "buffering", "encoding", "errors"]
            given = dict(zip(names, args, strict=False))
            given.update(kw)
            if len(args) > len(names) or set(given) - {"mode", "encoding", "errors", "buffering"}:
                return None
            mode = _static_str(self.eval(given["mode"], env)) if "mode" in given else "r"
            if not mode or set(mode) - set("rbt"):
                return None
            enc = self.eval(given["encoding"], env) if "encoding" in given else None
            errs = self.eval(given["errors"], env) if "errors" in given else None
            return self.file_handle(recv, env, node, "b" in mode, enc, errs)
        if kw:
            return None
        vals = [self.eval(a, env) for a in args]
        pure: dict[str, Callable[[PurePosixPath, list[str]], PurePosixPath]] = {
            "joinpath": lambda p, ts: p.joinpath(*ts),
            "with_suffix": lambda p, ts: p.with_suffix(*ts),
            "with_name": lambda p, ts: p.with_name(*ts),
            "with_stem": lambda p, ts: p.with_stem(*ts),
            "resolve": lambda p, ts: PurePosixPath(self._absolute(str(p))),
            "absolute": lambda p, ts: PurePosixPath(self._absolute(str(p))),
            "expanduser": lambda p, ts: PurePosixPath(_expanduser(str(p))),
        }
        if meth in pure and (meth in ("joinpath", "with_suffix", "with_name", "with_stem") or not vals):
            op = pure[meth]
            return self._path_from([recv, *vals], lambda ts: str(op(PurePosixPath(ts[0]), ts[1:])), env, node,
                                   "pathlib")
        if meth == "as_posix" and not vals and recv.path is not None:
            return StrV((Text(recv.path, self.loc(env, node)),))
        return None

    def file_method(self, recv: FileV, meth: str, node: ast.Call, env: Env) -> Value | None:
        if recv.handle and meth in ("read", "readlines") and not node.keywords:
            if node.args:
                n = self.eval(node.args[0], env)
                if not (meth == "read" and len(node.args) == 1 and getattr(n, "value", 0) in (-1, None)):
                    return None  # a partial read
            if recv.path is None:
                return self.opaque(env, node, recv.stability, recv.cause)
            got = self.read_path(recv.path, env, node, binary=recv.binary, encoding=recv.encoding,
                                 errors=recv.errors, newlines=True)
            if meth == "read":
                return got
            return self.lines_of(got, env, node)
        if not recv.handle and meth == "decode" and len(node.args) <= 2:
            names = ["encoding", "errors"]
            given = dict(zip(names, node.args, strict=False))
            for k in node.keywords:
                if k.arg not in names or k.arg in given:
                    return None
                given[k.arg] = k.value
            enc = self.eval(given["encoding"], env) if "encoding" in given else None
            errs = self.eval(given["errors"], env) if "errors" in given else None
            if recv.path is None:
                return self.opaque(env, node, recv.stability, recv.cause)
            encoding = _static_str(enc) if enc is not None else "utf-8"
            errors = _static_str(errs) if errs is not None else "strict"
            return self.read_path(recv.path, env, node, binary=False, encoding=encoding, errors=errors,
                                  newlines=False)
        return None

    def lines_of(self, v: Value, env: Env, node: ast.AST) -> Value:
        """`readlines()`: the lines as a list of static strings, each located at its line."""
        if not isinstance(v, StrV) or len(v.pieces) != 1 or not isinstance(v.pieces[0], Text):
            stab = value_stability(v)
            return self.opaque(env, node, stab if stab != Stability.STATIC else Stability.STABLE, "lines of a file",
                               elements=stab if stab != Stability.STATIC else Stability.STABLE)
        piece = v.pieces[0]
        lines = piece.text.splitlines(keepends=True)
        if len(lines) > MAX_LINES or piece.truncated or piece.loc is None:
            return self.opaque(env, node, Stability.STABLE, "lines of a long file", elements=Stability.STABLE)
        path = piece.loc.path
        return ListV(tuple(Item(StrV((Text(line, file_loc(path, i + 1), piece.hops),)))
                           for i, line in enumerate(lines)), self.loc(env, node))

    def attribute(self, base: Value, attr: str, node: ast.AST, env: Env) -> Value:
        if isinstance(base, PathV) and base.flavour == "pathlib":
            got = self.path_attribute(base, attr, node, env)
            if got is not None:
                return got
        return super().attribute(base, attr, node, env)

    def path_attribute(self, base: PathV, attr: str, node: ast.AST, env: Env) -> Value | None:
        if attr == "parent":
            return self._path_from([base], lambda ts: str(PurePosixPath(ts[0]).parent), env, node, "pathlib")
        if base.path is None:
            return None
        p = PurePosixPath(base.path)
        if attr in ("name", "stem", "suffix"):
            return StrV((Text(str(getattr(p, attr)), self.loc(env, node)),))
        if attr == "parents":
            return ListV(tuple(Item(self.path_value(str(a), env, node)) for a in p.parents),
                         self.loc(env, node), is_tuple=True)
        return None

    # ------------------------------------------------------------ operators and text

    def binop(self, left: Value, right: Value, op: ast.operator, env: Env, node: ast.AST) -> Value:
        if isinstance(op, ast.Div):
            lp = isinstance(left, PathV) and left.flavour == "pathlib"
            rp = isinstance(right, PathV) and right.flavour == "pathlib"
            if lp or (rp and isinstance(left, StrV | AltV | OpaqueV)):
                return self._path_from([left, right], lambda ts: str(PurePosixPath(*ts)), env, node, "pathlib")
            if isinstance(left, AltV) and any(isinstance(o, PathV) for o in left.options):
                return AltV(tuple(self.binop(o, right, op, env, node) for o in left.options),
                            self.loc(env, node), self.src(env, node))
        return super().binop(left, right, op, env, node)

    def as_pieces(self, v: Value, env: Env, node: ast.AST, spec: str | None = None,
                  conv: str | None = None, source: str | None = None) -> tuple[Piece, ...]:
        # A known path renders as its text (`f"{HERE}/prompts/x.md"`): the same on every call.
        if isinstance(v, PathV) and v.path is not None and not spec and conv in (None, "s"):
            return (Text(v.path, self.loc(env, node)),)
        return super().as_pieces(v, env, node, spec, conv, source)

    # ------------------------------------------------------------ `with open(...) as f`

    def local_value(self, name: str, use: ast.AST, env: Env, ix: FlowIndex) -> Value:
        evs = ix.events.get(name)
        if evs and any(e.kind == "opaque" and isinstance(e.stmt, ast.With | ast.AsyncWith) for e in evs):
            bound = self.with_binding(name, use, env, ix)
            if bound is not None:
                return bound
        return super().local_value(name, use, env, ix)

    def with_binding(self, name: str, use: ast.AST, env: Env, ix: FlowIndex) -> Value | None:
        """`f` inside `with open(p) as f:`: the file, when nothing rebinds `f` before the use."""
        cur: ast.AST = use
        while True:
            parent = env.mod.parents.get(id(cur))
            if parent is None or isinstance(parent, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
                                            | ast.ClassDef):
                return None
            if isinstance(parent, ast.With | ast.AsyncWith) and cur in parent.body:
                for item in parent.items:
                    if isinstance(item.optional_vars, ast.Name) and item.optional_vars.id == name:
                        start = (getattr(item.context_expr, "end_lineno", 0) or 0,
                                 getattr(item.context_expr, "end_col_offset", 0) or 0)
                        use_pos = _node_pos(use)
                        if any(e.stmt is not parent and start < e.pos <= use_pos for e in ix.events.get(name, [])):
                            return None  # rebound inside the block
                        v = self.eval(item.context_expr, env)
                        return v if isinstance(v, FileV | PathV) else None
            cur = parent


def _expanduser(p: str) -> str:
    if p.startswith("~"):
        raise ValueError("starts with `~`: the home directory is not known")
    return p


__all__ = ["MAX_FILE_BYTES", "FileNode", "FileRead", "FileV", "FilesMixin", "PathV", "PromptFiles", "file_loc"]

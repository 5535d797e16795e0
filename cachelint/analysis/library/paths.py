"""pathlib, os.path, open(), importlib.resources and pkgutil: paths built statically, and the
prompt files read through them (inside the project root only, see cachelint.analysis.files)."""

from __future__ import annotations

import ast
import posixpath
from collections.abc import Callable
from pathlib import PurePosixPath

from cachelint.analysis.env import Env
from cachelint.analysis.files import (
    FileV,
    PathV,
    absolute,
    expanduser,
    file_handle,
    lines_of,
    package_dir,
    path_from,
    path_text,
    path_value,
    read_path,
    read_value,
    static_str,
    unknown_path,
)
from cachelint.analysis.library.api import EvaluatorAPI
from cachelint.analysis.library.registry import ANY, Registry
from cachelint.analysis.values import AltV, Item, ListV, OpaqueV, Piece, StrV, Text, Value
from cachelint.prompt import Stability

PATHLIB = ("pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "pathlib.PurePosixPath")
RESOURCES = ("importlib.resources.", "importlib_resources.")
# Calls that list things in an order that depends on the filesystem.
UNORDERED_CALLS = ("os.listdir", "os.scandir", "os.walk", "glob.glob", "glob.iglob")
UNORDERED_METHODS = ("iterdir", "glob", "rglob")  # of pathlib.Path
_OPEN_PARAMS = ["file", "mode", "buffering", "encoding", "errors", "newline"]


def pathlib_path(ev: EvaluatorAPI, qual: str, node: ast.Call, env: Env) -> Value | None:
    """`Path(a, b, ...)`: the path joined from the parts known statically."""
    vals = [ev.eval(a, env) for a in node.args if not isinstance(a, ast.Starred)]
    if len(vals) != len(node.args) or node.keywords:
        return unknown_path(ev, vals, env, node, "pathlib", "path built from unpacked arguments")
    return path_from(ev, vals, lambda ts: str(PurePosixPath(*ts)), env, node, "pathlib")


def os_path(ev: EvaluatorAPI, qual: str, node: ast.Call, env: Env) -> Value | None:
    """`os.path.join`, `dirname`, `abspath`, ... and `os.fspath`."""
    fn = qual.rsplit(".", 1)[1]
    if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
        return None
    vals = [ev.eval(a, env) for a in node.args]
    if fn == "join" and vals:
        return path_from(ev, vals, lambda ts: posixpath.join(*ts), env, node, "str")
    if len(vals) != 1:
        return None
    if fn in ("dirname", "normpath", "abspath", "realpath", "fspath", "expanduser"):
        ops: dict[str, Callable[[str], str]] = {
            "dirname": posixpath.dirname, "normpath": posixpath.normpath, "abspath": lambda p: absolute(ev, p),
            "realpath": lambda p: absolute(ev, p), "fspath": lambda s: s, "expanduser": expanduser,
        }
        op = ops[fn]
        return path_from(ev, vals, lambda ts: op(ts[0]), env, node, "str")
    if fn == "basename":
        t = path_text(vals[0])
        if t is not None:
            return StrV((Text(posixpath.basename(t), ev.loc(env, node)),))
    return None


def open_file(ev: EvaluatorAPI, qual: str, node: ast.Call, env: Env) -> Value:
    """`open(path)` / `io.open(path)` for reading: a file handle; anything else is not followed."""
    names = _OPEN_PARAMS
    if any(isinstance(a, ast.Starred) for a in node.args) or len(node.args) > len(names):
        return ev.unknown_call(node, env, "open()")
    given: dict[str, ast.expr] = dict(zip(names, node.args, strict=False))
    for k in node.keywords:
        if k.arg is None or k.arg in given:
            return ev.unknown_call(node, env, "open()")
        given[k.arg] = k.value
    if "file" not in given or set(given) - {"file", "mode", "encoding", "errors", "buffering"}:
        return ev.unknown_call(node, env, "open()")
    mode = "r"
    if "mode" in given:
        m = static_str(ev.eval(given["mode"], env))
        if m is None:
            return ev.unknown_call(node, env, "open()")
        mode = m
    if set(mode) - set("rbt") or not mode:
        return ev.unknown_call(node, env, "open()")  # writing or appending: not a prompt file
    path = ev.eval(given["file"], env)
    enc = ev.eval(given["encoding"], env) if "encoding" in given else None
    errs = ev.eval(given["errors"], env) if "errors" in given else None
    return file_handle(ev, path, env, node, "b" in mode, enc, errs)


def resources(ev: EvaluatorAPI, qual: str, node: ast.Call, env: Env) -> Value | None:
    """`importlib.resources.files(pkg)`, `as_file`, and the older `read_text(pkg, name)` family."""
    fn = qual.split(".")[-1]
    if fn == "files" and len(node.args) == 1 and not node.keywords:
        return package_dir(ev, node.args[0], env)
    if fn == "as_file" and len(node.args) == 1:
        return ev.eval(node.args[0], env)  # a context manager yielding the same path
    if fn in ("read_text", "read_binary", "open_text", "open_binary") and len(node.args) >= 2:
        if any(isinstance(a, ast.Starred) for a in node.args):
            return None
        kw = {k.arg: k.value for k in node.keywords if k.arg}
        if len(kw) != len(node.keywords) or set(kw) - {"encoding", "errors"}:
            return None
        pkg = package_dir(ev, node.args[0], env)
        parts = [ev.eval(a, env) for a in node.args[1:]]
        path = path_from(ev, [pkg, *parts], lambda ts: posixpath.join(*ts), env, node, "pathlib")
        binary = fn.endswith("binary")
        enc = ev.eval(kw["encoding"], env) if "encoding" in kw else StrV((Text("utf-8", None),))
        errs = ev.eval(kw["errors"], env) if "errors" in kw else None
        if fn.startswith("open"):
            return file_handle(ev, path, env, node, binary, enc, errs)
        return read_value(ev, path, env, node, binary=binary, encoding=enc, errors=errs, newlines=True)
    return None


def pkgutil_get_data(ev: EvaluatorAPI, qual: str, node: ast.Call, env: Env) -> Value | None:
    """`pkgutil.get_data(package, resource)`: the bytes of a file of the package."""
    if len(node.args) != 2 or node.keywords:
        return None
    pkg = package_dir(ev, node.args[0], env)
    res = ev.eval(node.args[1], env)
    path = path_from(ev, [pkg, res], lambda ts: posixpath.join(*ts), env, node, "str")
    return read_value(ev, path, env, node, binary=True)


def unordered_listing(ev: EvaluatorAPI, qual: str, node: ast.Call, env: Env) -> Value:
    """`os.listdir()`, `glob.glob()`, ...: in the order the filesystem gives."""
    return ev.opaque(env, node, Stability.UNORDERED, ev.src(env, node.func) + "()", elements=Stability.UNORDERED)


# ---------------------------------------------------------------- methods and attributes


def path_method(ev: EvaluatorAPI, recv: PathV, meth: str, node: ast.Call, env: Env) -> Value | None:
    """A method of a path: reading it, opening it, or deriving another path."""
    args = node.args
    if any(isinstance(a, ast.Starred) for a in args):
        return None
    kw = {k.arg: k.value for k in node.keywords if k.arg}
    if len(kw) != len(node.keywords):
        return None
    if recv.flavour == "str":
        if recv.path is None:
            return None
        return ev.method_call(StrV((Text(recv.path, recv.loc),)), meth, node, env)
    if meth in ("read_text", "read_bytes"):
        if args or set(kw) - {"encoding", "errors"}:
            return None
        enc = ev.eval(kw["encoding"], env) if "encoding" in kw else None
        errs = ev.eval(kw["errors"], env) if "errors" in kw else None
        return read_value(ev, recv, env, node, binary=meth == "read_bytes", encoding=enc, errors=errs)
    if meth == "open":
        names = ["mode", "buffering", "encoding", "errors"]
        given = dict(zip(names, args, strict=False))
        given.update(kw)
        if len(args) > len(names) or set(given) - {"mode", "encoding", "errors", "buffering"}:
            return None
        mode = static_str(ev.eval(given["mode"], env)) if "mode" in given else "r"
        if not mode or set(mode) - set("rbt"):
            return None
        enc = ev.eval(given["encoding"], env) if "encoding" in given else None
        errs = ev.eval(given["errors"], env) if "errors" in given else None
        return file_handle(ev, recv, env, node, "b" in mode, enc, errs)
    if kw:
        return None
    vals = [ev.eval(a, env) for a in args]
    pure: dict[str, Callable[[PurePosixPath, list[str]], PurePosixPath]] = {
        "joinpath": lambda p, ts: p.joinpath(*ts),
        "with_suffix": lambda p, ts: p.with_suffix(*ts),
        "with_name": lambda p, ts: p.with_name(*ts),
        "with_stem": lambda p, ts: p.with_stem(*ts),
        "resolve": lambda p, ts: PurePosixPath(absolute(ev, str(p))),
        "absolute": lambda p, ts: PurePosixPath(absolute(ev, str(p))),
        "expanduser": lambda p, ts: PurePosixPath(expanduser(str(p))),
    }
    if meth in pure and (meth in ("joinpath", "with_suffix", "with_name", "with_stem") or not vals):
        op = pure[meth]
        return path_from(ev, [recv, *vals], lambda ts: str(op(PurePosixPath(ts[0]), ts[1:])), env, node, "pathlib")
    if meth == "as_posix" and not vals and recv.path is not None:
        return StrV((Text(recv.path, ev.loc(env, node)),))
    return None


def file_read(ev: EvaluatorAPI, recv: FileV, meth: str, node: ast.Call, env: Env) -> Value | None:
    """`f.read()` and `f.readlines()` of an open file."""
    if not recv.handle or node.keywords:
        return None
    if node.args:
        n = ev.eval(node.args[0], env)
        if not (meth == "read" and len(node.args) == 1 and getattr(n, "value", 0) in (-1, None)):
            return None  # a partial read
    if recv.path is None:
        return ev.opaque(env, node, recv.stability, recv.cause)
    got = read_path(ev, recv.path, env, node, binary=recv.binary, encoding=recv.encoding,
                    errors=recv.errors, newlines=True)
    if meth == "read":
        return got
    return lines_of(ev, got, env, node)


def bytes_decode(ev: EvaluatorAPI, recv: FileV, meth: str, node: ast.Call, env: Env) -> Value | None:
    """`data.decode(...)` of the bytes of a prompt file."""
    if recv.handle or len(node.args) > 2:
        return None
    names = ["encoding", "errors"]
    given = dict(zip(names, node.args, strict=False))
    for k in node.keywords:
        if k.arg not in names or k.arg in given:
            return None
        given[k.arg] = k.value
    enc = ev.eval(given["encoding"], env) if "encoding" in given else None
    errs = ev.eval(given["errors"], env) if "errors" in given else None
    if recv.path is None:
        return ev.opaque(env, node, recv.stability, recv.cause)
    encoding = static_str(enc) if enc is not None else "utf-8"
    errors = static_str(errs) if errs is not None else "strict"
    return read_path(ev, recv.path, env, node, binary=False, encoding=encoding, errors=errors, newlines=False)


def unordered_method(ev: EvaluatorAPI, recv: OpaqueV, meth: str, node: ast.Call, env: Env) -> Value:
    """`iterdir()`, `glob()`: in the order the filesystem gives."""
    return ev.opaque(env, node, Stability.UNORDERED, f".{meth}()", elements=Stability.UNORDERED)


def path_attribute(ev: EvaluatorAPI, base: PathV, attr: str, node: ast.AST, env: Env) -> Value | None:
    """`.parent`, `.name`, `.stem`, `.suffix`, `.parents` of a pathlib path."""
    if base.flavour != "pathlib":
        return None
    if attr == "parent":
        return path_from(ev, [base], lambda ts: str(PurePosixPath(ts[0]).parent), env, node, "pathlib")
    if base.path is None:
        return None
    p = PurePosixPath(base.path)
    if attr in ("name", "stem", "suffix"):
        return StrV((Text(str(getattr(p, attr)), ev.loc(env, node)),))
    if attr == "parents":
        return ListV(tuple(Item(path_value(ev, str(a), env, node)) for a in p.parents),
                     ev.loc(env, node), is_tuple=True)
    return None


def divide(ev: EvaluatorAPI, left: Value, right: Value, op: ast.operator, env: Env, node: ast.AST) -> Value | None:
    """`path / "name"` (and `"dir" / path`)."""
    lp = isinstance(left, PathV) and left.flavour == "pathlib"
    rp = isinstance(right, PathV) and right.flavour == "pathlib"
    if lp or (rp and isinstance(left, StrV | AltV | OpaqueV)):
        return path_from(ev, [left, right], lambda ts: str(PurePosixPath(*ts)), env, node, "pathlib")
    if isinstance(left, AltV) and any(isinstance(o, PathV) for o in left.options):
        return AltV(tuple(ev.binop(o, right, op, env, node) for o in left.options),
                    ev.loc(env, node), ev.src(env, node))
    return None


def render_path(ev: EvaluatorAPI, v: PathV, env: Env, node: ast.AST, spec: str | None,
                conv: str | None) -> tuple[Piece, ...] | None:
    """A known path renders as its text (`f"{HERE}/prompts/x.md"`): the same on every call."""
    if v.path is not None and not spec and conv in (None, "s"):
        return (Text(v.path, ev.loc(env, node)),)
    return None


def register(reg: Registry) -> None:
    reg.call(PATHLIB, pathlib_path)
    reg.prefix(("os.path.", "posixpath."), os_path)
    reg.call(("os.fspath",), os_path)
    reg.call(("io.open", "builtins.open"), open_file)
    reg.prefix(RESOURCES, resources)
    reg.call(("pkgutil.get_data",), pkgutil_get_data)
    reg.call(UNORDERED_CALLS, unordered_listing)
    reg.method(PathV, (ANY,), path_method)
    reg.method(FileV, ("read", "readlines"), file_read)
    reg.method(FileV, ("decode",), bytes_decode)
    reg.method(OpaqueV, UNORDERED_METHODS, unordered_method)
    reg.attribute(PathV, (ANY,), path_attribute)
    reg.operator(ast.Div, divide)
    reg.render(PathV, render_path)
    reg.enters(FileV, PathV)

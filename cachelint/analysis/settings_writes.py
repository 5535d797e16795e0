"""Where a module changes a settings object at run time: the keys it sets, from its syntax alone.

A Dynaconf settings object holds what its files say until the program changes it:
`settings.set("review.system", text)`, `settings.review = ...`, `settings["x"] = ...`,
`settings.update(...)`, `settings.load_file(path)`, or an environment variable its loader reads
(`os.environ["DYNACONF_REVIEW__SYSTEM"] = ...`). A module is scanned for such writes made
through the names the object is known by (`global_settings`, the accessor `get_settings()`, the
attribute `self.settings`, and local names bound to one of these): each gives the key it sets
(lower case, dotted) or `ALL` when which keys it changes is not known.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

ALL = "*"  # every key may have been changed
# Methods of a Dynaconf object that change its values.
WRITE_METHODS = frozenset({"set", "update", "load_file", "setenv", "unset", "reload", "configure", "execute_loaders",
                           "setdefault", "clean", "unset_all", "load_extra_yaml"})
# Methods whose first argument names the one key they change.
_ONE_KEY = frozenset({"set", "setdefault", "unset"})
_ENV_WRITES = frozenset({"setdefault", "update"})  # of os.environ


@dataclass(frozen=True)
class Names:
    """What a settings object is reached by: names bound to it, functions returning it, and
    attributes holding it (`self.settings`)."""

    names: frozenset[str]
    accessors: frozenset[str]
    attrs: frozenset[str]
    env_prefix: str | None  # the environment variables its loader reads start with this; None: any

    def words(self) -> frozenset[str]:
        return self.names | self.accessors | self.attrs


def reaches(node: ast.expr, names: Names, local: set[str]) -> bool:
    """Does `node` evaluate to the settings object (or an object inside it)?"""
    while isinstance(node, ast.Attribute | ast.Subscript):
        if isinstance(node, ast.Attribute) and node.attr in names.attrs:
            return True
        node = node.value
    if isinstance(node, ast.Name):
        return node.id in names.names or node.id in local
    if isinstance(node, ast.Call):
        f = node.func
        name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
        return name is not None and name in names.accessors
    return False


def key_path(node: ast.expr, names: Names, local: set[str]) -> str | None:
    """The dotted key an attribute or item chain on the object names (`s.review.system` ->
    "review.system"); "" for the object itself; None when it does not reach the object, or
    when a part of the key is not a literal (then ALL)."""
    parts: list[str] = []
    while True:
        if isinstance(node, ast.Attribute):
            if node.attr in names.attrs and reaches(node, names, local) and not _deeper(node.value, names, local):
                break
            parts.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Subscript):
            key = node.slice
            parts.append(key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else ALL)
            node = node.value
        else:
            break
    if not reaches(node, names, local):
        return None
    if ALL in parts:
        return ALL
    return ".".join(reversed(parts)).lower()


def _deeper(node: ast.expr, names: Names, local: set[str]) -> bool:
    """Is there a part nearer the root that is already the object (`s.settings` held in `s`)?"""
    return isinstance(node, ast.Name) and (node.id in names.names or node.id in local)


def writes(tree: ast.Module, names: Names) -> set[str]:
    """The keys `tree` may set on the object at run time (ALL: any)."""
    local: set[str] = set()
    for n in ast.walk(tree):
        # `s = get_settings()`: `s` is the object too, wherever it is used in the module.
        if isinstance(n, ast.Assign) and reaches(n.value, names, local) and key_path(n.value, names, local) == "":
            local.update(t.id for t in n.targets if isinstance(t, ast.Name))
    out: set[str] = set()
    for n in ast.walk(tree):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute):
            out |= _call_writes(n, names, local)
        elif isinstance(n, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Delete):
            targets = n.targets if isinstance(n, ast.Assign | ast.Delete) else [n.target]
            for t in targets:
                out |= _target_writes(t, names, local)
    return out


def _call_writes(call: ast.Call, names: Names, local: set[str]) -> set[str]:
    func = call.func
    assert isinstance(func, ast.Attribute)
    if func.attr in WRITE_METHODS:
        base = key_path(func.value, names, local)
        if base is not None:
            if base != "" or func.attr not in _ONE_KEY:
                return {ALL}  # a whole table changed, or keys not named
            arg = call.args[0] if call.args else None
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                return {arg.value.lower()}
            return {ALL}
    if func.attr in _ENV_WRITES and _is_environ(func.value):
        if func.attr == "update":
            return {ALL}  # the variables it sets are not named here
        arg = call.args[0] if call.args else None
        return _env_key(arg, names)
    return set()


def _target_writes(t: ast.expr, names: Names, local: set[str]) -> set[str]:
    if isinstance(t, ast.Tuple | ast.List):
        out: set[str] = set()
        for e in t.elts:
            out |= _target_writes(e, names, local)
        return out
    if isinstance(t, ast.Subscript) and _is_environ(t.value):
        return _env_key(t.slice, names)
    if isinstance(t, ast.Attribute | ast.Subscript):
        key = key_path(t, names, local)
        if key is not None and key != "":
            return {key}
    return set()


def _is_environ(node: ast.expr) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
        isinstance(node, ast.Name) and node.id == "environ")


def _env_key(arg: ast.expr | None, names: Names) -> set[str]:
    """The key an environment variable written here sets (`DYNACONF_REVIEW__SYSTEM` ->
    "review.system"), none if its loader does not read it, ALL if its name is not a literal."""
    if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
        return {ALL}
    var = arg.value
    prefix = names.env_prefix
    if prefix is None:
        return {var.lower().replace("__", ".")}
    if not var.upper().startswith(prefix.upper() + "_"):
        return set()
    return {var[len(prefix) + 1:].lower().replace("__", ".")}


def may_write(text: bytes, names: Names) -> bool:
    """Can `writes` find anything in a module of this text? An environment variable set, or a
    write method called on, or an assignment to an attribute or item of, one of the names or
    a local name bound to one (`s = get_settings()` then `s.set(...)`)."""
    if _ENV_WRITE.search(text):
        return True
    words = sorted(names.words())
    if not words:
        return False
    alt = b"|".join(re.escape(w.encode()) for w in words)
    aliases = re.findall(rb"(?<![\w.])(\w+)\s*(?::[^=\n]*)?=\s*(?:[\w.]+\.)?(?:" + alt + rb")\b", text)
    roots = alt + b"".join(b"|" + re.escape(a) for a in sorted(set(aliases)))
    chain = rb"(?<![\w])(?:" + roots + rb")(?:\(\))?(?:\s*\.\s*\w+|\s*\[[^\]\n]*\])*"
    if re.search(chain + rb"\s*\.\s*(?:" + _METHODS + rb")\s*\(", text):
        return True
    return re.search(chain + rb"(?:\s*\.\s*\w+|\s*\[[^\]\n]*\])\s*[-+*/|&%]?=(?!=)", text) is not None


_ENV_WRITE = re.compile(rb"environ\s*(?:\[[^\]\n]*\]\s*=(?!=)|\.\s*(?:setdefault|update)\s*\()")
_METHODS = b"|".join(m.encode() for m in sorted(WRITE_METHODS))


def accessors(tree: ast.Module, names: frozenset[str], attrs: frozenset[str]) -> frozenset[str]:
    """The module's functions that return the object (`def get_settings(): return settings`)."""
    out = set()
    for n in tree.body:
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef):
            for r in ast.walk(n):
                if isinstance(r, ast.Return) and r.value is not None:
                    v = r.value
                    if (isinstance(v, ast.Name) and v.id in names) or (
                            isinstance(v, ast.Attribute) and v.attr in attrs):
                        out.add(n.name)
    return frozenset(out)


__all__ = ["ALL", "WRITE_METHODS", "Names", "accessors", "key_path", "may_write", "reaches", "writes"]

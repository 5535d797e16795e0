"""Dynaconf: `Dynaconf(settings_files=[...])` is the merge of its TOML, YAML and JSON files, in
order, and `settings.section.key`, `settings.get("section.key")` and `settings["key"]` read it
as Dynaconf does (keys in any case; a dotted key walks into tables).

Files are read as cachelint.analysis.configfiles reads them; one that does not exist is
skipped, as Dynaconf skips it. The values are the text the repository ships: a deployment may
still override them with environment variables, as any setting. What the settings cannot tell
is not known: a key the program sets at run time (`settings.set(...)`, an assignment,
`load_file`, `os.environ["DYNACONF_..."]`, found by cachelint.analysis.settings_writes in the
modules that reach the object), options not modelled (`environments=True`, `includes`,
validators with defaults), Python or INI settings files, globs, and Dynaconf's `@` tokens.
"""

from __future__ import annotations

import ast
import os
import posixpath
from dataclasses import dataclass

from cachelint.analysis import settings_writes
from cachelint.analysis.config_syntax import kind_of
from cachelint.analysis.configfiles import load
from cachelint.analysis.env import Env
from cachelint.analysis.files import file_text, path_text, static_str
from cachelint.analysis.library.api import EvaluatorAPI
from cachelint.analysis.library.registry import ANY, Registry
from cachelint.analysis.module import ModuleInfo
from cachelint.analysis.values import AltV, ConstV, DictV, ListV, OpaqueV, StrV, Value, text_of
from cachelint.prompt import Stability

CONSTRUCTORS = ("dynaconf.Dynaconf", "dynaconf.LazySettings", "dynaconf.base.LazySettings")
# Options that change neither which files are read nor their values (lower case).
_OPTIONS = {"settings_files", "settings_file", "settings_files_for_dynaconf", "settings_file_for_dynaconf",
            "merge_enabled", "merge_enabled_for_dynaconf", "envvar_prefix", "envvar_prefix_for_dynaconf",
            "environments", "root_path", "load_dotenv", "lowercase_read", "encoding", "apply_default_on_none",
            "silent", "auto_cast", "core_loaders", "environments_for_dynaconf"}
# Values Dynaconf computes from the text (`@format {this.X}`, `@int 3`, `@jinja ...`).
_TOKENS = ("@format", "@jinja", "@int", "@float", "@bool", "@json", "@none", "@empty", "@del", "@merge",
           "@merge_unique", "@reset", "@insert", "@get", "@str", "@read_file", "@path")
_GLOB = set("*?[")


@dataclass(frozen=True)
class SettingsV(OpaqueV):
    """A Dynaconf settings object, or a table inside one (`settings.review`): its merged
    `data` (None: not known), the keys changed at run time (lower case, dotted; `ALL`: any),
    and where this table sits in the settings (`prefix`)."""

    data: DictV | None = None
    changed: frozenset[str] = frozenset()
    prefix: str = ""


# ---------------------------------------------------------------- the object


def dynaconf(ev: EvaluatorAPI, qual: str, node: ast.Call, env: Env) -> Value:
    src, loc = ev.src(env, node), ev.loc(env, node)

    def not_known(cause: str) -> SettingsV:
        return SettingsV(Stability.STABLE, src, loc, cause)

    opts = {k.arg: k.value for k in node.keywords}
    if node.args or None in opts:
        return not_known("Dynaconf settings built from arguments not followed")
    extra = sorted(k for k in opts if k is not None and k.lower() not in _OPTIONS)
    if extra:
        return not_known(f"Dynaconf option `{extra[0]}` not modelled")
    given = {str(k).lower(): v for k, v in opts.items()}
    envs = given.get("environments", given.get("environments_for_dynaconf"))
    if envs is not None and not _is_const(ev.eval(envs, env), False):
        return not_known("Dynaconf settings with environments (layers chosen at run time)")
    merge_node = given.get("merge_enabled", given.get("merge_enabled_for_dynaconf"))
    merge_v = ev.eval(merge_node, env) if merge_node is not None else ConstV(False)
    if not (isinstance(merge_v, ConstV) and isinstance(merge_v.value, bool)):
        return not_known("Dynaconf `merge_enabled` not known statically")
    prefix = _env_prefix(ev, given, env)
    if isinstance(prefix, bool):
        return not_known("Dynaconf `envvar_prefix` not known statically")
    root: str | None = None
    if "root_path" in given:
        root = path_text(ev.eval(given["root_path"], env))
        if root is None:
            return not_known("Dynaconf `root_path` not known statically")
    files_node = next((given[k] for k in ("settings_files", "settings_file", "settings_files_for_dynaconf",
                                          "settings_file_for_dynaconf") if k in given), None)
    paths = _paths(ev.eval(files_node, env)) if files_node is not None else []
    if paths is None:
        return not_known("Dynaconf settings files not known statically")
    changed = _changes(ev, _names(node, env.mod, prefix), env.mod)
    if settings_writes.ALL in changed:
        # Any key may change (pr-agent loads a file over its settings at import): the files
        # would tell nothing.
        return SettingsV(Stability.STABLE, src, loc, "Dynaconf settings", changed=changed)
    data = DictV((), loc)
    for p in paths:
        got = _read(ev, p, root, env, node)
        if isinstance(got, str):
            return not_known(got)
        if got is not None:
            data = _merge(data, got, merge_v.value is True)
    return SettingsV(Stability.STABLE, src, loc, "Dynaconf settings", data=data, changed=changed)


def _is_const(v: Value, value: object) -> bool:
    return isinstance(v, ConstV) and v.value is value


def _env_prefix(ev: EvaluatorAPI, given: dict[str, ast.expr], env: Env) -> str | bool | None:
    """The prefix of the environment variables the settings read ("DYNACONF" by default), None
    for any (`envvar_prefix=False`), False when not known."""
    node = given.get("envvar_prefix", given.get("envvar_prefix_for_dynaconf"))
    if node is None:
        return "DYNACONF"
    v = ev.eval(node, env)
    if _is_const(v, False):
        return None
    text = static_str(v)
    return text if text is not None else False


def _paths(v: Value) -> list[str] | None:
    """The settings files named: a list of paths, or one string (commas or semicolons between
    several, as Dynaconf splits it)."""
    if isinstance(v, ListV):
        if any(i.optional or i.repeated for i in v.items):
            return None
        out = []
        for i in v.items:
            t = path_text(i.value)
            if t is None:
                return None
            out.append(t)
        return out
    t = path_text(v)
    if t is None:
        return None
    return [p.strip() for p in t.replace(";", ",").split(",") if p.strip()]


def _read(ev: EvaluatorAPI, path: str, root: str | None, env: Env, node: ast.Call) -> DictV | str | None:
    """The data of one settings file; None when it does not exist (skipped); otherwise why
    the settings are not known."""
    if _GLOB & set(path):
        return f"Dynaconf settings file pattern `{path}` not followed"
    kind = kind_of(path)
    if kind is None:
        return f"Dynaconf settings file `{posixpath.basename(path)}` is not TOML, YAML or JSON"
    if posixpath.isabs(path):
        candidates = [path]
    elif root is not None:
        candidates = [posixpath.join(root, path)]
    else:
        # Dynaconf looks beside the code that builds the settings, then where the program runs.
        candidates = [posixpath.join(os.path.dirname(os.path.abspath(env.mod.path)), path), path]
    pf = ev.files()
    for c in candidates:
        got = pf.read(c)
        if got.missing:
            continue
        if got.data is None:
            return got.cause
        text = pf.text(got, "utf-8", "strict", True)
        if text is None:
            return f"settings file `{got.rel}` is not valid UTF-8 text"
        value = load(ev, kind, file_text(ev, text, got, env, node), env, node)
        if isinstance(value, ConstV) and value.value is None:
            return None  # an empty YAML file
        if not isinstance(value, DictV):
            return value.cause if isinstance(value, OpaqueV) else f"settings file `{got.rel}` holds no table"
        if _special(value):
            return f"settings file `{got.rel}` uses Dynaconf's own keys (dynaconf_merge, dynaconf_include)"
        return value
    return None


def _special(d: DictV) -> bool:
    stack = [d]
    while stack:
        x = stack.pop()
        for k, v in x.entries:
            if k.lower().startswith("dynaconf_"):
                return True
            if isinstance(v, DictV):
                stack.append(v)
    return False


def _find(d: DictV, key: str) -> int | None:
    """The index of `key` in `d`'s entries, in any case (the last written)."""
    low = key.lower()
    for i in range(len(d.entries) - 1, -1, -1):
        if d.entries[i][0].lower() == low:
            return i
    return None


def _merge(a: DictV, b: DictV, deep: bool) -> DictV:
    """`b` read after `a`: a later key replaces an earlier one; with `merge_enabled`, tables
    merge key by key (and lists, which Dynaconf joins, are not modelled)."""
    out = list(a.entries)
    for k, v in b.entries:
        i = _find(DictV(tuple(out)), k)
        if i is None:
            out.append((k, v))
            continue
        old = out[i][1]
        if deep and isinstance(old, DictV) and isinstance(v, DictV):
            out[i] = (out[i][0], _merge(old, v, True))
        elif deep and isinstance(old, ListV) and isinstance(v, ListV):
            assert v.loc is not None
            out[i] = (k, OpaqueV(Stability.STABLE, k, v.loc, f"list `{k}` joined by Dynaconf's merge"))
        else:
            out[i] = (k, v)
    return DictV(tuple(out), a.loc, a.complete and b.complete)


# ---------------------------------------------------------------- run-time changes


def _names(node: ast.Call, mod: ModuleInfo, prefix: str | None) -> settings_writes.Names:
    """What the object built by `node` is reached by: the names and attributes it is assigned
    to, and the module's functions that return it (or the function that returns the call)."""
    names: set[str] = set()
    attrs: set[str] = set()
    stmt = mod.enclosing_statement(node)
    if isinstance(stmt, ast.Assign | ast.AnnAssign) and stmt.value is node:
        for t in stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]:
            if isinstance(t, ast.Name):
                names.add(t.id)
            elif isinstance(t, ast.Attribute):
                attrs.add(t.attr)
    accessors = set(settings_writes.accessors(mod.tree, frozenset(names), frozenset(attrs)))
    if isinstance(stmt, ast.Return) and stmt.value is node:
        fn = mod.enclosing_function(node)
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            accessors.add(fn.name)
    return settings_writes.Names(frozenset(names), frozenset(accessors), frozenset(attrs), prefix)


def _changes(ev: EvaluatorAPI, names: settings_writes.Names, mod: ModuleInfo) -> frozenset[str]:
    """The keys the project may set at run time: in the module that builds the object, in the
    modules that may name it or its accessors, and in those that set environment variables.
    A module whose text shows no write of either kind is not parsed for it (the text read is
    recorded as what the result depends on, as a prompt file's is)."""
    out = set(_writes_in(ev, mod, names))
    if settings_writes.ALL in out:
        return frozenset(out)  # nothing more to learn (pr-agent loads a file over its settings)
    words = names.names | names.accessors
    paths: list[str] = []
    if words:
        naming = ev.files_naming(words)
        if naming is None:
            return frozenset({settings_writes.ALL})
        paths.extend(naming)
    # Environment variables set by the program (`os.environ[...] = ...`), in a module that need
    # not name the settings. In a project with more such modules than are looked at, they are
    # not looked for: a variable set from code is rare beside those a deployment sets.
    paths.extend(ev.files_naming(frozenset({"environ"})) or ())
    for path in dict.fromkeys(paths):
        if path == mod.path:
            continue
        got = ev.files().read(path)
        if got.data is None or not settings_writes.may_write(got.data, names):
            continue
        other = ev.module_at(path)
        if other is not None:
            out |= _writes_in(ev, other, names)
            if settings_writes.ALL in out:
                break
    return frozenset(out)


def _writes_in(ev: EvaluatorAPI, mod: ModuleInfo, names: settings_writes.Names) -> frozenset[str]:
    """`settings_writes.writes` of one module, once per run and tree."""
    memo = ev.files().parsed
    key = ("settings writes", mod.path, names)
    got = memo.get(key)
    if not (isinstance(got, tuple) and got[0] is mod.tree):
        got = (mod.tree, frozenset(settings_writes.writes(mod.tree, names)))
        memo[key] = got
    found = got[1]
    assert isinstance(found, frozenset)
    return found


# ---------------------------------------------------------------- reading it


def lookup(ev: EvaluatorAPI, s: SettingsV, key: str, node: ast.AST, env: Env, default: Value | None,
           attribute: bool) -> Value:
    """The value of `key` (dotted: a path of tables) in the settings or table `s`."""
    full = f"{s.prefix}.{key.lower()}" if s.prefix else key.lower()
    if settings_writes.ALL in s.changed or any(full == c or full.startswith(c + ".") for c in s.changed):
        return ev.opaque(env, node, Stability.UNKNOWN, f"setting `{full}` may be changed at run time")
    if s.data is None:
        return ev.opaque(env, node, Stability.STABLE, f"setting `{full}`: {s.cause}")
    cur: Value = s.data
    for part in key.split("."):
        i = _find(cur, part) if isinstance(cur, DictV) else None
        if i is None or not isinstance(cur, DictV):
            if default is not None:
                return default
            if attribute:
                return ev.opaque(env, node, Stability.UNKNOWN, f"no setting `{full}` in the settings files")
            return ConstV(None, ev.loc(env, node))
        cur = cur.entries[i][1]
    if isinstance(cur, DictV):
        return SettingsV(Stability.STABLE, ev.src(env, node), ev.loc(env, node), f"settings table `{full}`",
                         data=cur, changed=s.changed, prefix=full)
    text = text_of(cur.pieces) if isinstance(cur, StrV) else None
    if text is not None and text.lstrip().startswith("@") and text.lstrip().split(" ", 1)[0] in _TOKENS:
        return ev.opaque(env, node, Stability.STABLE, f"setting `{full}` computed by Dynaconf")
    return cur


def settings_attribute(ev: EvaluatorAPI, base: SettingsV, attr: str, node: ast.AST, env: Env) -> Value | None:
    if attr.startswith("__"):
        return None
    return lookup(ev, base, attr, node, env, None, attribute=True)


def settings_get(ev: EvaluatorAPI, recv: SettingsV, meth: str, node: ast.Call, env: Env) -> Value | None:
    """`settings.get("a.b", default)`: a literal key; a computed one is not followed."""
    if not node.args or len(node.args) > 2 or node.keywords:
        return None
    key = ev.eval(node.args[0], env)
    text = static_str(key)
    if text is None:
        if isinstance(key, AltV):
            return ev.map_alt(key, lambda k: _get_one(ev, recv, k, node, env), node, env)
        return None
    default = ev.eval(node.args[1], env) if len(node.args) > 1 else None
    return lookup(ev, recv, text, node, env, default, attribute=False)


def _get_one(ev: EvaluatorAPI, recv: SettingsV, key: Value, node: ast.Call, env: Env) -> Value:
    text = static_str(key)
    if text is None:
        return ev.opaque(env, node, Stability.STABLE, "setting whose key is not known statically")
    default = ev.eval(node.args[1], env) if len(node.args) > 1 else None
    return lookup(ev, recv, text, node, env, default, attribute=False)


def settings_dict(ev: EvaluatorAPI, recv: SettingsV, meth: str, node: ast.Call, env: Env) -> Value | None:
    """`settings.as_dict()` / `to_dict()`: the table itself, when nothing in it changes."""
    if node.args or node.keywords or recv.data is None or recv.changed:
        return None
    return recv.data


def settings_item(ev: EvaluatorAPI, base: SettingsV, key: Value, node: ast.AST, env: Env) -> Value | None:
    text = static_str(key)
    if text is None:
        return None
    return lookup(ev, base, text, node, env, None, attribute=True)


def register(reg: Registry) -> None:
    reg.call(CONSTRUCTORS, dynaconf)
    reg.attribute(SettingsV, (ANY,), settings_attribute)
    reg.method(SettingsV, ("get",), settings_get)
    reg.method(SettingsV, ("as_dict", "to_dict"), settings_dict)
    reg.item(SettingsV, settings_item)


__all__ = ["SettingsV", "lookup"]

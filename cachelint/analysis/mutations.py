"""What a call does to a list or dict it is handed as an argument.

`load_tools(tools)` may append to `tools`: after it, the literal `tools` was built from is not
what the request sends. Each call a name is handed to (a "passed" event of the flow index) is
one of three kinds here:

- it changes nothing: a builtin, a method of a string, list or dict, an SDK or framework call, a
  standard-library function known not to change its arguments, a logger's method, or a project
  function whose body never changes that parameter in place;
- a project function that changes its parameter in place (appends, `+=`, item assignment, a
  call it hands it on to): scopes follows that function's parameter to its end, with the
  caller's value bound to it;
- anything else (a library or unknown callee, a parameter that reaches `*args`): the value is
  unknown from that call on, since the analysis cannot tell what the callee did with it.

Functions of the evaluator, called from scopes (which owns local values); nothing here imports
scopes.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cachelint.analysis.env import Env
from cachelint.analysis.frameworks import LITELLM_FUNCTIONS
from cachelint.analysis.library.catalog import REGISTRY
from cachelint.analysis.module import Event, ModuleInfo
from cachelint.analysis.values import (
    AltV,
    ClientV,
    DictV,
    FuncRefV,
    InstanceV,
    ListV,
    ModuleRefV,
    OpaqueV,
    RecordV,
    SetV,
    Value,
    flat_options,
)

if TYPE_CHECKING:
    from cachelint.analysis.evaluate import Evaluator

# Library functions (by qualified name, or every function of a module) that never change a list
# or dict they are handed: they read it, copy it or print it.
_PURE_FUNCTIONS = frozenset({
    "json.dumps", "json.dump", "copy.copy", "copy.deepcopy", "pprint.pprint", "pprint.pformat",
    "yaml.dump", "yaml.safe_dump", "dataclasses.asdict", "dataclasses.replace", "itertools.chain",
    "functools.reduce", "operator.itemgetter", "collections.OrderedDict", "collections.Counter",
    "collections.deque", "typing.cast", "asyncio.sleep", "time.sleep", *LITELLM_FUNCTIONS,
})
_PURE_MODULES = ("logging.", "textwrap.", "re.", "os.path.", "string.", "math.", "hashlib.", "base64.",
                 "uuid.", "datetime.", "tiktoken.", "warnings.", "inspect.", "traceback.")
# Methods of a value the analysis does not know that only read what they are handed: a logger's,
# a stream's, a console's (rich), a template's.
_PURE_METHODS = frozenset({
    "debug", "info", "warning", "warn", "error", "exception", "critical", "log", "print", "write",
    "format", "join", "dumps", "dump", "encode", "count_tokens", "render", "isEnabledFor", "rule",
})
# Receivers whose methods may do anything with what they are handed: the project's objects and
# classes, modules, and values not known.
_OTHER_OBJECTS = (OpaqueV, InstanceV, RecordV, FuncRefV, ModuleRefV, AltV)
# Library functions a model knows that change a list they are handed.
_CHANGING_FUNCTIONS = ("random.shuffle", "heapq.", "bisect.insort")
# How many wrappers that only hand a value on are looked through before one is followed.
_WRAPPERS = 4
# Kinds of events of a parameter that change the list or dict it holds in place.
_CHANGES = frozenset({"call", "setitem", "delitem", "augassign", "passed"})


@dataclass(frozen=True)
class Follow:
    """A project function changes the parameter `param` in place: follow it to `end` (the
    statement that first binds the name to another value, or None for the function's end)."""

    fn: FuncRefV
    mod: ModuleInfo
    param: str
    self_value: Value | None
    end: ast.stmt | None


@dataclass(frozen=True)
class Unknown:
    """The callee may change the value in ways not followed: `why` says which call."""

    why: str


Effect = Follow | Unknown | None  # None: the call changes nothing


def is_container(v: Value) -> bool:
    """Could a call change `v` in place? Lists, dicts and sets (and one of several of them)."""
    if isinstance(v, ListV):
        return not v.is_tuple
    if isinstance(v, DictV | SetV) and not isinstance(v, RecordV):
        return True
    return isinstance(v, AltV) and any(is_container(o) for o in flat_options(v))


def effect(ev: Evaluator, e: Event, env: Env) -> Effect:
    """What the call of the "passed" event `e` may do to the value of `e.name`."""
    call = e.extra
    arg = e.value
    if not isinstance(call, ast.Call) or not isinstance(arg, ast.expr):
        return None
    return call_effect(ev, call, arg, env)


def call_effect(ev: Evaluator, call: ast.Call, arg: ast.expr, env: Env, depth: int = 0) -> Effect:
    """What `call` may do to the value of its argument `arg` (`depth`: wrappers looked through)."""
    func = call.func
    if isinstance(func, ast.Attribute):
        recv = ev.eval(func.value, env)
        if not isinstance(recv, _OTHER_OBJECTS) or (isinstance(recv, OpaqueV) and type(recv) is not OpaqueV):
            # a method of a built-in value, an SDK client or an object a library model makes
            # (a template, a path: kinds of opaque value): none changes what it is handed
            return None
        if isinstance(recv, OpaqueV) and func.attr in _PURE_METHODS:
            return None
    callee = ev.eval(func, env)
    return _callee_effect(ev, callee, call, arg, env, depth)


def _callee_effect(ev: Evaluator, callee: Value, call: ast.Call, arg: ast.expr, env: Env, depth: int) -> Effect:
    if isinstance(callee, AltV):
        effects = [_callee_effect(ev, o, call, arg, env, depth) for o in flat_options(callee)]
        if all(x is None for x in effects):
            return None
        return next((x for x in effects if isinstance(x, Unknown)), _unknown(ev, call, env))
    if isinstance(callee, ClientV):
        return None
    if isinstance(callee, ModuleRefV):
        qual = callee.qualname.lstrip(".")
        if qual in _PURE_FUNCTIONS or qual.startswith(_PURE_MODULES):
            return None
        if REGISTRY.call_models(qual) and not qual.startswith(_CHANGING_FUNCTIONS):
            return None  # a library function the analysis models reads its arguments
        return _unknown(ev, call, env)
    if isinstance(callee, FuncRefV):
        if callee.qualname.startswith("builtins."):
            return None
        node = callee.node
        if isinstance(node, ast.ClassDef):
            return _constructor(ev, callee, call, arg, env, depth)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            return _function(ev, callee, callee.bound_self, call, arg, env, depth)
    return _unknown(ev, call, env)


def _constructor(ev: Evaluator, cls: FuncRefV, call: ast.Call, arg: ast.expr, env: Env, depth: int) -> Effect:
    """A project class built with the value: what its `__init__` does to it (a dataclass or a
    class without one of its own stores its arguments as they are)."""
    made = ev.instantiate(cls, call, env)
    if not isinstance(made, InstanceV):
        return None
    init = ev.attribute(made, "__init__", call.func, env)
    if isinstance(init, FuncRefV) and isinstance(init.node, ast.FunctionDef | ast.AsyncFunctionDef):
        return _function(ev, init, made, call, arg, env, depth)
    return None


def _function(ev: Evaluator, fn: FuncRefV, self_value: Value | None, call: ast.Call, arg: ast.expr,
              env: Env, depth: int) -> Effect:
    fnode = fn.node
    assert isinstance(fnode, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
    if isinstance(fnode, ast.Lambda):
        return None  # an expression: it can change its parameter only through a method call
    fmod = ev.module_for_path(fn.module, env)
    if fmod is None:
        return _unknown(ev, call, env)
    owner = fmod.parents.get(id(fnode))
    if self_value is None and isinstance(owner, ast.ClassDef) and any(
            isinstance(d, ast.Name) and d.id == "classmethod" for d in fnode.decorator_list):
        self_value = FuncRefV(owner.name, owner, fmod.path)  # `Registry.fill(tools)`: `cls` is the class
    param = _parameter(fnode, call, arg, self_value is not None)
    if param is None:
        return None  # into `*args` or `**kwargs`: not followed (see the module docstring)
    if param == "":
        return _unknown(ev, call, env)
    ix = fmod.flow_of(fnode)
    changes = [x for x in ix.timeline(param) if x.kind in _CHANGES]
    if not changes:
        return None
    binds = [x for x in ix.events.get(param, []) if x.kind not in _CHANGES and x.kind != "attrset"]
    first = min((b.pos for b in binds), default=None)
    if first is not None and any(c.pos > first for c in changes):
        # `tools = tools or []` then `tools.append(t)`: which list is changed depends on the
        # caller's value, which the analysis does not split on
        return _unknown(ev, call, env)
    end = next((b.stmt for b in binds if b.pos == first), None) if first is not None else None
    if all(c.kind == "passed" for c in changes) and depth < _WRAPPERS:
        # A wrapper that only hands it on to calls that change nothing, told without following
        # its body with the arguments bound (each call of a chain of wrappers did so again)
        inner = Env(fmod, fnode, None, None, import_time=False, self_value=self_value)
        effects = [call_effect(ev, c.extra, c.value, inner, depth + 1) for c in changes
                   if isinstance(c.extra, ast.Call) and isinstance(c.value, ast.expr)]
        if all(x is None for x in effects):
            return None
    return Follow(fn, fmod, param, self_value, end)  # followed with the call's arguments bound


def _parameter(fnode: ast.FunctionDef | ast.AsyncFunctionDef, call: ast.Call, arg: ast.expr,
               bound: bool) -> str | None:
    """The parameter `arg` is bound to in this call: its name, None when it lands in `*args` or
    `**kwargs`, "" when that cannot be told (a spread before it)."""
    a = fnode.args
    positional = [p.arg for p in [*a.posonlyargs, *a.args]]
    if bound:
        positional = positional[1:]
    for i, x in enumerate(call.args):
        if isinstance(x, ast.Starred):
            return ""
        if x is arg:
            return positional[i] if i < len(positional) else None
    for k in call.keywords:
        if k.value is arg and k.arg is not None:
            names = {*positional, *(p.arg for p in a.kwonlyargs)}
            return k.arg if k.arg in names else None
    return ""


def _unknown(ev: Evaluator, call: ast.Call, env: Env) -> Unknown:
    where = ev.hop(env, call, "").span
    return Unknown(f"handed to {ev.src(env, call.func)}() at {where.path.rsplit('/', 1)[-1]}:{where.line},"
                   " which may change it")


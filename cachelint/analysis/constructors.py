"""Where the project builds its objects: the calls that run a class's `__init__`.

`self.system_message = system_message` in `__init__` holds what each construction of the class
passed (`ClaudeSampler(system_message=...)` in a table of samplers, `cls(llm, ...)` in a
classmethod factory, `super().__init__(llm=llm)` in a subclass's constructor). The calls are
found from the class index's words (the files that hold the class's name), then parsed; the
values are bound where each call is written (cachelint.analysis.callers).

An answer is given only when every construction can be seen: a class whose name is used as a
value (kept in a table, passed on, returned), so that it may be called from anywhere, has none.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from cachelint.analysis import hierarchy
from cachelint.analysis.env import Env, env_at
from cachelint.analysis.hierarchy import FunctionNode, Hierarchy
from cachelint.analysis.module import ModuleInfo
from cachelint.analysis.scopes import decorator_names, instance_of
from cachelint.analysis.values import FuncRefV, Value

MAX_SITES = 32  # constructions of one class looked at; more and its parameters stay unknown
MAX_FILES = 100  # files parsed for the constructions of one class

Evaluate = Callable[[ast.expr, Env], Value]


@dataclass(frozen=True)
class Construction:
    """A call that runs an `__init__`: where it is written, and what `self` is in it."""

    call: ast.Call
    mod: ModuleInfo
    self_value: Value


def constructions(init: FunctionNode, mod: ModuleInfo, classes: Hierarchy,
                  evaluate: Evaluate) -> list[Construction] | None:
    """The calls in the project that run `init` (an `__init__` defined in `mod`), or None when
    they cannot all be seen (or there are too many)."""
    owner = hierarchy.owner_class(init, mod)
    if owner is None:
        return None
    out: list[Construction] = []
    for cls, cmod in classes.subclasses(owner, mod):
        got = classes.lookup(cls, cmod, "__init__")
        if got is None:
            continue
        if got[0] is init:
            built = _built(cls, cmod, classes, evaluate)
            if built is None:
                return None
            out.extend(built)
        elif _derives_directly(cls, cmod, init, classes):
            # a subclass with a constructor of its own: `init` runs when it calls it
            out.extend(Construction(c, got[1], instance_of(cls, cmod)) for c in _super_inits(got[0]))
        if len(out) > MAX_SITES:
            return None
    return out


def _derives_directly(cls: ast.ClassDef, cmod: ModuleInfo, init: FunctionNode, classes: Hierarchy) -> bool:
    """Is `init` what `super().__init__` in `cls` runs (the nearest base's constructor)?"""
    for base, bmod in classes.resolve_bases(cls, cmod):
        got = classes.lookup(base, bmod, "__init__")
        if got is not None and got[0] is init:
            return True
    return False


def _super_inits(fn: FunctionNode) -> Iterator[ast.Call]:
    """`super().__init__(...)` in a constructor (the explicit `Base.__init__(self, ...)` is not
    followed: its constructions are then not all seen)."""
    for node in ast.walk(fn):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "__init__":
            target = node.func.value
            if isinstance(target, ast.Call) and isinstance(target.func, ast.Name) and target.func.id == "super":
                yield node


def _built(cls: ast.ClassDef, cmod: ModuleInfo, classes: Hierarchy,
           evaluate: Evaluate) -> list[Construction] | None:
    """The calls that build `cls` itself: `Cls(...)` wherever its name is written, and `cls(...)`
    in its classmethods and those of its bases. None when its name is used as a value."""
    out: list[Construction] = []
    me = instance_of(cls, cmod)
    for c, m in classes.chain(cls, cmod):
        for fn in hierarchy.methods(c):
            if "classmethod" not in decorator_names(fn):
                continue
            first = [*fn.args.posonlyargs, *fn.args.args][:1]
            if first:
                out.extend(Construction(n, m, me) for n in ast.walk(fn)
                           if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == first[0].arg)
    paths = list(dict.fromkeys([cmod.path, *classes.with_name(cls.name)]))
    if len(paths) > MAX_FILES:
        return None
    for path in paths:
        mod = cmod if path == cmod.path else classes.load(path)
        if mod is None:
            continue
        got = _calls_of(cls, cmod, mod, evaluate)
        if got is None:
            return None
        out.extend(Construction(c, mod, me) for c in got)
        if len(out) > MAX_SITES:
            return None
    return out


def _calls_of(cls: ast.ClassDef, cmod: ModuleInfo, mod: ModuleInfo, evaluate: Evaluate) -> list[ast.Call] | None:
    """The calls of `cls` by its name in `mod`; None when the name stands for the class anywhere
    else than as a callee, a base, an annotation, an `isinstance` test or before an attribute."""
    out: list[ast.Call] = []
    skip = _type_positions(mod)
    for node in ast.walk(mod.tree):
        if not isinstance(node, ast.Name | ast.Attribute) or not isinstance(node.ctx, ast.Load):
            continue
        if (node.id if isinstance(node, ast.Name) else node.attr) != cls.name or id(node) in skip:
            continue
        parent = mod.parents.get(id(node))
        if isinstance(parent, ast.Attribute) and parent.value is node:
            continue  # `Cls.from_provider(...)`, `Cls.DEFAULT`: its classmethods are looked at
        value = evaluate(node, env_at(mod, node))
        if not (isinstance(value, FuncRefV) and value.node is cls):
            if isinstance(value, FuncRefV) or (mod is not cmod and _other_definition(mod, cls.name)):
                continue  # another class (or function) of the same name
            return None
        if isinstance(parent, ast.Call) and parent.func is node:
            out.append(parent)
        else:
            return None  # the class passed on as a value: it may be built anywhere
    return out


def _other_definition(mod: ModuleInfo, name: str) -> bool:
    return any(isinstance(n, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and n.name == name
               for n in ast.walk(mod.tree))


def _type_positions(mod: ModuleInfo) -> set[int]:
    """The nodes of `mod` that name a type without using it as a value: class bases,
    annotations, the second argument of `isinstance` / `issubclass`, `except` clauses."""
    roots: list[ast.AST] = []
    for node in ast.walk(mod.tree):
        if isinstance(node, ast.ClassDef):
            roots.extend(node.bases)
        elif isinstance(node, ast.arg) and node.annotation is not None:
            roots.append(node.annotation)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.returns is not None:
            roots.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            roots.append(node.annotation)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id in ("isinstance", "issubclass") and len(node.args) == 2:
            roots.append(node.args[1])
        elif isinstance(node, ast.ExceptHandler) and node.type is not None:
            roots.append(node.type)
    return {id(n) for r in roots for n in ast.walk(r)}


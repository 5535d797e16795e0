"""The calls in the project that run a given method: where it builds objects of a class (the
calls that run its `__init__`), and where it calls a method on `self` or on an instance.

`self.system_message = system_message` in `__init__` holds what each construction of the class
passed (`ClaudeSampler(system_message=...)` in a table of samplers, `cls(llm, ...)` in a
classmethod factory, `super().__init__(llm=llm)` in a subclass's constructor). The calls are
found from the class index's words (the files that hold the class's name), then parsed; the
values are bound where each call is written (cachelint.analysis.callers).

An answer is given only when every construction can be seen: a class whose name is used as a
value (kept in a table, passed on, returned), so that it may be called from anywhere, has none.

A method's calls (`method_calls`) are looked for in the modules of its class's hierarchy (its
bases and subclasses), where a template method calls it on `self`
(`self.openai_response(self.prepare_client(), ...)` in kotaemon's base chat class): what a
parameter is there is what the method is handed (cachelint.analysis.callers).

A public function's or method's calls (`function_calls`) are looked for wherever the project
may name it: the files whose words (the class index's: written after a dot, imported by name,
or a star import) hold its name, tests excepted. `exported` says when code outside the project
calls it anyway (listed in `__all__`, re-exported by a package).
"""

from __future__ import annotations

import ast
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from cachelint.analysis import hierarchy
from cachelint.analysis.env import Env, env_at
from cachelint.analysis.hierarchy import FunctionNode, Hierarchy
from cachelint.analysis.module import ModuleInfo
from cachelint.analysis.scopes import decorator_names, instance_of
from cachelint.analysis.values import AltV, ConstV, FuncRefV, OpaqueV, Value, flat_options

MAX_SITES = 32  # constructions of one class looked at; more and its parameters stay unknown
MAX_FILES = 100  # files parsed for the constructions of one class
_END = 10**9  # a line after every statement of a module: a name as the module binds it

Evaluate = Callable[[ast.expr, Env], Value]


@dataclass(frozen=True)
class Site:
    """A call that runs a method: where it is written, and what `self` is in it."""

    call: ast.Call
    mod: ModuleInfo
    self_value: Value
    on_self: bool = False  # made on the `self` of the method it is written in (which is `self_value`)

    def env(self) -> Env:
        """Where the call's arguments are evaluated."""
        env = env_at(self.mod, self.call)
        return env.child(self_value=self.self_value) if self.on_self else env


Finder = Callable[[FunctionNode, ModuleInfo, Hierarchy, Evaluate], "list[Site] | None"]


def constructions(init: FunctionNode, mod: ModuleInfo, classes: Hierarchy,
                  evaluate: Evaluate) -> list[Site] | None:
    """The calls in the project that run `init` (an `__init__` defined in `mod`), or None when
    they cannot all be seen (or there are too many)."""
    owner = hierarchy.owner_class(init, mod)
    if owner is None:
        return None
    out: list[Site] = []
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
            out.extend(Site(c, got[1], instance_of(cls, cmod), on_self=True) for c in _super_inits(got[0]))
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
           evaluate: Evaluate) -> list[Site] | None:
    """The calls that build `cls` itself: `Cls(...)` wherever its name is written, and `cls(...)`
    in its classmethods and those of its bases. None when its name is used as a value."""
    out: list[Site] = []
    me = instance_of(cls, cmod)
    for c, m in classes.chain(cls, cmod):
        for fn in hierarchy.methods(c):
            if "classmethod" not in decorator_names(fn):
                continue
            first = [*fn.args.posonlyargs, *fn.args.args][:1]
            if first:
                out.extend(Site(n, m, me) for n in ast.walk(fn)
                           if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == first[0].arg)
    # A module-level alias (`TGD = TextualGradientDescent` in textgrad's package) is one more
    # name the class is built by: the files that write it are looked at for its calls too.
    names = [cls.name]
    done: set[tuple[str, str]] = set()
    while names:
        name = names.pop()
        paths = list(dict.fromkeys([cmod.path, *classes.with_name(name)]))
        if len(paths) > MAX_FILES:
            return None
        for path in paths:
            if (name, path) in done:
                continue
            done.add((name, path))
            mod = cmod if path == cmod.path else classes.load(path)
            if mod is None:
                continue
            got = _calls_of(cls, name, mod, evaluate)
            if got is None:
                return None
            calls, aliases = got
            out.extend(Site(c, mod, me) for c in calls)
            names.extend(a for a in aliases if len(done) < MAX_FILES)
            if len(out) > MAX_SITES:
                return None
    return out


def _calls_of(cls: ast.ClassDef, name: str, mod: ModuleInfo,
              evaluate: Evaluate) -> tuple[list[ast.Call], list[str]] | None:
    """The calls of `cls` by `name` (its own or an alias) in `mod`, and the module-level
    aliases `mod` gives it (`TGD = TextualGradientDescent`); None when the name stands for the
    class anywhere else than as a callee, a base, an annotation, an `isinstance` test, before an
    attribute or as such an alias.

    A bare name is resolved once, where the module binds it (its functions read the module's
    binding): another class of the same name (a library's `ChatOpenAI`) is not this one. Only
    a name that cannot be resolved at all leaves the calls unknown."""
    out: list[ast.Call] = []
    aliases: list[str] = []
    bound: Value | None = None
    for node in mod.named(name):  # as ast.walk(mod.tree) meets them
        if isinstance(node, ast.Name):
            if bound is None:
                at_end = ast.Name(id=name, ctx=ast.Load(), lineno=_END, col_offset=0, end_lineno=_END, end_col_offset=0)
                bound = evaluate(at_end, Env(mod, None, import_time=True))
            # a name the module does not bind may be bound where it is used (imported in a function)
            value = evaluate(node, env_at(mod, node)) if isinstance(bound, OpaqueV | AltV) else bound
        else:
            value = evaluate(node, env_at(mod, node))
        if not (isinstance(value, FuncRefV) and value.node is cls):
            if isinstance(value, OpaqueV | AltV):
                return None  # cannot tell what the name is: it may be this class
            continue  # another class (or function) of the same name
        parent = mod.parents.get(id(node))
        if isinstance(parent, ast.Call) and parent.func is node:
            out.append(parent)
        elif (alias := _module_alias(node, mod)) is not None:
            if alias != name:
                aliases.append(alias)
        elif not (isinstance(parent, ast.Attribute) and parent.value is node) and not _type_position(node, mod):
            return None  # the class passed on as a value: it may be built anywhere
        # `Cls.from_provider(...)`, `Cls.DEFAULT`: its classmethods are looked at
    return out, aliases


def _module_alias(node: ast.AST, mod: ModuleInfo) -> str | None:
    """`B` when `node` is the whole value of `B = node` at module level."""
    parent = mod.parents.get(id(node))
    if isinstance(parent, ast.Assign) and parent.value is node and len(parent.targets) == 1 \
            and isinstance(parent.targets[0], ast.Name) and isinstance(mod.parents.get(id(parent)), ast.Module):
        return parent.targets[0].id
    return None


def _type_position(node: ast.AST, mod: ModuleInfo) -> bool:
    """Does `node` name a type without using it as a value: in a class's bases, an annotation,
    the second argument of `isinstance` / `issubclass`, an `except` clause, or as the whole test
    of an `assert` (a test that the name imports: the class goes nowhere)?"""
    child: ast.AST = node
    parent = mod.parents.get(id(child))
    if isinstance(parent, ast.Assert):
        return parent.test is child
    while parent is not None and not isinstance(parent, ast.stmt | ast.arg):
        if isinstance(parent, ast.Call) and isinstance(parent.func, ast.Name) and len(parent.args) == 2 \
                and parent.func.id in ("isinstance", "issubclass") and parent.args[1] is child:
            return True
        if isinstance(parent, ast.ExceptHandler):
            return parent.type is child
        child, parent = parent, mod.parents.get(id(parent))
    if isinstance(parent, ast.ClassDef):
        return any(b is child for b in parent.bases)
    if isinstance(parent, ast.arg):
        return parent.annotation is child
    if isinstance(parent, ast.FunctionDef | ast.AsyncFunctionDef):
        return parent.returns is child
    if isinstance(parent, ast.AnnAssign):
        return parent.annotation is child
    return False


def method_calls(fn: FunctionNode, mod: ModuleInfo, classes: Hierarchy, evaluate: Evaluate) -> list[Site] | None:
    """The calls of method `fn` (defined in `mod`) in the modules of its class, its bases and
    its subclasses: on `self` in a method of one of those classes that runs `fn` by that name,
    or on an instance of one. None when it is named there otherwise than as a callee (handed
    on: it may be called from anywhere), or there are too many calls."""
    owner = hierarchy.owner_class(fn, mod)
    if owner is None or decorator_names(fn) & {"staticmethod", "classmethod", "property"}:
        return None
    related = [*classes.chain(owner, mod), *classes.subclasses(owner, mod)[1:]]
    out: list[Site] = []
    for path in dict.fromkeys(m.path for _, m in related):
        cmod = mod if path == mod.path else classes.load(path)
        if cmod is None:
            continue
        for node in _uses(cmod).get("." + fn.name, ()):  # as ast.walk(cmod.tree) meets them
            assert isinstance(node, ast.Attribute)
            call = cmod.parents.get(id(node))
            if not (isinstance(call, ast.Call) and call.func is node):
                return None  # `self.respond` handed on
            selves = _selves(node.value, cmod, fn, owner, mod, classes)
            if selves is not None:
                out.extend(Site(call, cmod, me, on_self=True) for me in selves)
            else:
                value = evaluate(node, env_at(cmod, call))
                if not (isinstance(value, FuncRefV) and value.node is fn and value.bound_self is not None):
                    continue  # some other object's method of the same name
                out.append(Site(call, cmod, value.bound_self))
            if len(out) > MAX_SITES:
                return None
    return out


def _selves(recv: ast.expr, cmod: ModuleInfo, fn: FunctionNode, owner: ast.ClassDef, mod: ModuleInfo,
            classes: Hierarchy) -> list[Value] | None:
    """What `self` may be in the method around `recv` when the call on it runs `fn`, if `recv`
    is that `self`: an instance of each class that runs `fn` under its name, from the method's
    class down (a base's template method: from the class `fn` is defined in down; a subclass
    of it that overrides what the template calls first is one of them)."""
    if not isinstance(recv, ast.Name):
        return None
    scope = cmod.enclosing_function(recv)
    if scope is None:
        return None
    cls = hierarchy.owner_class(scope, cmod)
    params = [*scope.args.posonlyargs, *scope.args.args]
    if cls is None or not params or params[0].arg != recv.id or "staticmethod" in decorator_names(scope):
        return None
    top: tuple[ast.ClassDef, ModuleInfo] = (cls, cmod)
    if not any(c is cls for c, _ in classes.subclasses(owner, mod)):
        if not any(c is cls for c, _ in classes.chain(owner, mod)):
            return []  # an unrelated class's method of the same name
        top = (owner, mod)
    out: list[Value] = []
    for sub, smod in classes.subclasses(*top):
        got = classes.lookup(sub, smod, fn.name)
        if got is not None and got[0] is fn:
            out.append(instance_of(sub, smod))
    return out


def function_calls(fn: FunctionNode, mod: ModuleInfo, classes: Hierarchy, evaluate: Evaluate) -> list[Site] | None:
    """The calls of a public function or method `fn` (defined at the top of `mod`, or in a
    class there) anywhere in the project but its tests: wherever its name is written after a
    dot or imported by name (`answer(...)`, `llm.answer(...)`, `agent.ask(...)`), found from
    the class index's words. None when they cannot all be seen: it is named there otherwise
    than as a callee (handed on), a name or an object that cannot be told apart from it holds
    something not known, a library class may call the method (a base outside the project) or
    another class's method of that name may stand for it (it overrides or is overridden), or
    there are too many. The tests' calls are not asked: what they pass is made up for them."""
    owner = hierarchy.owner_class(fn, mod)
    if owner is not None and not _closed_method(fn, owner, mod, classes):
        return None
    paths = list(dict.fromkeys([mod.path, *classes.with_name(fn.name), *classes.with_name(hierarchy.STAR)]))
    if len(paths) > MAX_FILES:
        return None
    out: list[Site] = []
    for path in paths:
        cmod = mod if path == mod.path else classes.load(path)
        if cmod is None or is_test_path(cmod.path):
            continue
        got = _named_calls(fn, owner is not None, cmod, evaluate)
        if got is None:
            return None
        out.extend(Site(c, cmod, ConstV(None)) for c in got)  # `self` is bound where each is asked
        if len(out) > MAX_SITES:
            return None
    return out


_PLAIN_BASES = frozenset({"object", "ABC", "Generic"})


def _closed_method(fn: FunctionNode, owner: ast.ClassDef, mod: ModuleInfo, classes: Hierarchy) -> bool:
    """Can only the project call `fn` by its name: every base of its class is a project class
    (a library base class calls the methods it declares), and no other class of its hierarchy
    defines a method of that name (a call of that one may run `fn`, or the reverse)?"""
    if decorator_names(fn) & {"property", "cached_property", "abstractmethod"}:
        return False
    chain = classes.chain(owner, mod)
    for cls, cmod in chain:
        named = [b for b in cls.bases if hierarchy.short_name(b) not in _PLAIN_BASES]
        if len(classes.resolve_bases(cls, cmod)) < len(named):
            return False
    others = [*chain[1:], *classes.subclasses(owner, mod)[1:]]
    return not any(f.name == fn.name for cls, _ in others for f in hierarchy.methods(cls))


def _named_calls(fn: FunctionNode, method: bool, cmod: ModuleInfo, evaluate: Evaluate) -> list[ast.Call] | None:
    """The calls of `fn` in `cmod`, by its name or a name it is imported as; None when one of
    those names stands for it (or may) anywhere else than as a callee."""
    uses = _uses(cmod)
    nodes = [*uses.get("." + fn.name, ()), *uses.get(fn.name, ())]
    for alias in uses.get("as " + fn.name, ()):
        nodes.extend(uses.get(alias.id if isinstance(alias, ast.Name) else "", ()))
    out: list[ast.Call] = []
    for node in nodes:
        value = evaluate(node, env_at(cmod, node))
        options = flat_options(value) if isinstance(value, AltV) else [value]
        if not any(isinstance(o, FuncRefV) and o.node is fn for o in options):
            # A bare name not known may be this function (a star import); an object not known
            # may be an instance of its class. A module not known is not looked for (only
            # `importlib` makes one).
            if any(isinstance(o, OpaqueV) for o in options) and (isinstance(node, ast.Name) or method):
                return None
            continue
        parent = cmod.parents.get(id(node))
        if not (isinstance(parent, ast.Call) and parent.func is node):
            return None  # handed on: it may be called from anywhere
        out.append(parent)
    return out


def _uses(cmod: ModuleInfo) -> dict[str, list[ast.expr]]:
    """Where `cmod` reads each name and attribute (see ModuleInfo.name_uses)."""
    return cmod.name_uses()


_TEST_DIRS = frozenset({"test", "tests", "testing", "integration_tests"})


def is_test_path(path: str) -> bool:
    """Is the file a test (in a tests folder, `test_*.py`, `*_test.py`, `conftest.py`)?"""
    parts = path.replace("\\", "/").split("/")
    name = parts[-1]
    return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py" \
        or any(p in _TEST_DIRS for p in parts[:-1])


def exported(fn: FunctionNode, mod: ModuleInfo, load: Callable[[str], ModuleInfo | None],
             evaluate: Evaluate) -> str | None:
    """What says callers outside the project may call the public function `fn` (or the class
    it is a method of): its module's `__all__` lists it, or a package above re-exports it
    (`from .llm import answer` in its `__init__.py`); None when nothing does."""
    owner = hierarchy.owner_class(fn, mod)
    top: ast.AST = owner if owner is not None else fn
    name = owner.name if owner is not None else fn.name
    if name in _all_names(mod.tree):
        return f"listed in `__all__` of {mod.name or os.path.basename(mod.path)}"
    folder = os.path.dirname(mod.path)
    for _ in range(MAX_PACKAGE_LEVELS):
        init = os.path.join(folder, "__init__.py")
        if init != mod.path:
            pkg = load(init)
            if pkg is None:
                break
            if _imports_name(pkg, name):
                at_end = ast.Name(id=name, ctx=ast.Load(), lineno=_END, col_offset=0, end_lineno=_END, end_col_offset=0)
                value = evaluate(at_end, Env(pkg, None, import_time=True))
                options = flat_options(value) if isinstance(value, AltV) else [value]
                if any(isinstance(o, FuncRefV) and o.node is top for o in options):
                    return f"re-exported by the package {pkg.name or os.path.basename(folder)}"
        folder = os.path.dirname(folder)
    return None


MAX_PACKAGE_LEVELS = 4  # packages above a module looked at for a re-export


def _all_names(tree: ast.Module) -> set[str]:
    out: set[str] = set()
    for stmt in tree.body:
        if not isinstance(stmt, ast.Assign | ast.AugAssign | ast.AnnAssign):
            continue
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
            value = stmt.value
            if isinstance(value, ast.List | ast.Tuple):
                out.update(e.value for e in value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str))
    return out


def _imports_name(pkg: ModuleInfo, name: str) -> bool:
    return any(a.name in (name, "*") for n in pkg.tree.body if isinstance(n, ast.ImportFrom) for a in n.names)

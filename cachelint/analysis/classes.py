"""Follow prompts kept on classes: class attributes, `self.x` set in methods, methods and properties.

Part of the evaluator's language core, as functions of the evaluator (which calls them where a
value is an instance, a class or `self`); each answers None where the evaluator's general rule
applies. They keep no state of their own: instance attributes are memoised in
`Evaluator.instance_attrs`, so nothing here makes a reference cycle with the evaluator."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from cachelint.analysis import interproc, mutations, scopes
from cachelint.analysis.env import EndOfModule, Env
from cachelint.analysis.module import PURE_BUILTINS, Event, FlowIndex, ModuleInfo
from cachelint.analysis.scopes import decorator_names, instance_of, is_overload
from cachelint.analysis.values import (
    AltV,
    ClientV,
    ConstV,
    FuncRefV,
    InstanceV,
    Item,
    ListV,
    Loc,
    ModuleRefV,
    OpaqueV,
    Value,
    add_hop,
    flat_options,
    restabilise,
)
from cachelint.prompt import INSTANCE_HISTORY, Hop, Stability

if TYPE_CHECKING:
    from cachelint.analysis.evaluate import Evaluator

MAX_BASES = 8  # how far up an inheritance chain attributes are looked for


def _methods(cls: ast.ClassDef) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    # `@overload` stubs declare signatures only: the undecorated definition is the one that runs
    return [n for n in cls.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and not is_overload(n)]


# ---------------------------------------------------------------- instances


def instantiate(ev: Evaluator, cls: FuncRefV, node: ast.Call, env: Env) -> Value | None:
    if isinstance(cls.node, ast.ClassDef):
        mod = ev.module_for_path(cls.module, env)
        if mod is not None:
            return instance_of(cls.node, mod)
    return None


# ---------------------------------------------------------------- attributes


def attribute(ev: Evaluator, base: Value, attr: str, node: ast.AST, env: Env) -> Value | None:
    if isinstance(base, InstanceV):
        found = instance_attr(ev, base, attr, env, node)
        if found is not None:
            return found
        return ev.unknown(env, node, f"attribute `{attr}` of {base.qualname.rsplit('.', 1)[-1]}")
    if isinstance(base, FuncRefV) and isinstance(base.node, ast.ClassDef):
        mod = ev.module_for_path(base.module, env)
        if mod is not None:
            found = class_level(ev, base.node, mod, attr, env, node, bases_depth=0)
            if found is not None:
                return found
    return None


def class_level(ev: Evaluator, cls: ast.ClassDef, mod: ModuleInfo, attr: str, env: Env, node: ast.AST,
                bases_depth: int) -> Value | None:
    """A name in the class body (constant or method), looked up the bases too."""
    ix = mod.flow_of(cls)
    if attr in ix.events:
        events = ix.events[attr]
        if any(e.kind == "def" for e in events):
            fn = next(e.extra for e in events if e.kind == "def")
            if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                return FuncRefV(attr, fn, mod.path)
        cenv = Env(mod, cls, None, None, import_time=True)
        v = scopes.local_value(ev, attr, EndOfModule(mod), cenv, ix)
        assign = [e for e in events if e.kind == "assign"]
        if assign:
            v = add_hop(v, Hop(mod.span(assign[-1].stmt), f"`{cls.name}.{attr}` defined here"))
        return v
    if bases_depth >= MAX_BASES:
        return None
    for b in cls.bases:
        bv = ev.eval(b, Env(mod, None, import_time=True))
        if isinstance(bv, FuncRefV) and isinstance(bv.node, ast.ClassDef):
            bmod = ev.module_for_path(bv.module, env)
            if bmod is not None:
                found = class_level(ev, bv.node, bmod, attr, env, node, bases_depth + 1)
                if found is not None:
                    return found
    return None


def instance_attr(ev: Evaluator, inst: InstanceV, attr: str, env: Env, node: ast.AST) -> Value | None:
    # Kept per namespace: a chat model handed through parameters is judged from attributes
    # worked out afresh (see callers.argument_values), not as the first question that read
    # them (a public function's callers, which do not follow constructions) left them.
    key = (id(inst.cls), attr, ev.attr_namespace)
    memo = ev.instance_attrs
    if key in memo:
        return memo[key]
    if key in ev.active:
        ev.guard_hit(key)
        return OpaqueV(Stability.UNKNOWN, attr, ev.loc(env, node), "attribute depends on itself")
    ev.activate(key)
    try:
        result = _instance_attr(ev, inst, attr, env, node)
    finally:
        ev.deactivate(key)
    memo[key] = result
    return result


def _instance_attr(ev: Evaluator, inst: InstanceV, attr: str, env: Env, node: ast.AST) -> Value | None:
    mod = ev.module_for_path(inst.module, env)
    if mod is None:
        return None
    classes = class_chain(ev, inst.cls, mod, env)
    # 1. methods and properties
    for cls, cmod in classes:
        for fn in _methods(cls):
            if fn.name != attr:
                continue
            decos = decorator_names(fn)
            ref = FuncRefV(attr, fn, cmod.path, bound_self=inst)
            if decos & {"property", "cached_property"}:
                fake = ast.Call(func=ast.Name(id=attr), args=[], keywords=[])
                ast.copy_location(fake, node)
                fake.end_lineno = getattr(node, "end_lineno", fake.lineno)
                fake.end_col_offset = getattr(node, "end_col_offset", fake.col_offset)
                return interproc.call_helper(ev, ref, fake, env, self_value=inst)
            if "staticmethod" in decos:
                return FuncRefV(attr, fn, cmod.path)
            return ref
    # 2. `self.attr = ...` in methods, and class-level defaults
    options: list[Value] = []
    for cls, cmod in classes:
        for fn in _methods(cls):
            ix = cmod.flow_of(fn)
            params = [*fn.args.posonlyargs, *fn.args.args]
            if not params:
                continue
            me = params[0].arg
            for e in ix.events.get(me, []):
                tgt = e.extra
                if e.kind != "attrset" or not isinstance(tgt, ast.Attribute) or tgt.attr != attr:
                    continue
                if not (isinstance(tgt.value, ast.Name) and tgt.value.id == me) or e.value is None:
                    continue
                menv = Env(cmod, fn, None, None, import_time=False, self_value=inst)
                v = _set_value(ev, e, f"{me}.{attr}", ix, cmod, menv)
                if fn.name == "__init__":
                    # set once per instance from what it was made with (the user, the persona,
                    # the tools of this agent): the same on every turn the instance serves
                    v = restabilise(v, Stability.TURN, Stability.SESSION)
                v = add_hop(v, Hop(cmod.span(e.stmt), f"`self.{attr}` set in {fn.name}()"))
                if v not in options:
                    options.append(v)
        level = class_level(ev, cls, cmod, attr, env, node, bases_depth=MAX_BASES)
        if level is not None and not isinstance(level, FuncRefV) and level not in options:
            options.append(level)
        if options:
            break  # the most derived class that sets it decides
    if not options:
        return annotated_client(ev, classes, attr) or _from_getattr(ev, inst, classes, attr, env, node)
    grown, changed_by = _changed_in_methods(ev, inst, classes, attr, any(mutations.is_container(o) for o in options))
    if grown is not None or changed_by is not None:
        options = [_as_changed(o, attr, grown, changed_by) for o in options]
        options = [o for i, o in enumerate(options) if o not in options[:i]]
    if len(options) == 1:
        return options[0]
    return AltV(tuple(options), ev.loc(env, node), f"self.{attr}")


def _as_grown(classes: list[tuple[ast.ClassDef, ModuleInfo]], attr: str, options: list[Value]) -> list[Value]:
    """What `self.<attr>` may hold by the time it is read, given what it was set to, when a
    method of the class adds to it in place (else `options` as they are)."""
    grown = next(((cmod, *grows[attr]) for cls, cmod in classes
                  for grows in [_grown_attributes(cls, cmod)[0]] if attr in grows), None)
    if grown is None:
        return options
    options = [_as_changed(o, attr, grown, None) for o in options]
    return [o for i, o in enumerate(options) if o not in options[:i]]


def grown_field(ev: Evaluator, inst: InstanceV, attr: str, value: Value, env: Env) -> Value:
    """A field of a project record (dataclass, pydantic model) as its methods may have left it:
    sweep's `ChatGPT(messages=[...])` whose `chat_anthropic` appends each turn to
    `self.messages` holds the constructed messages, then earlier turns."""
    mod = ev.module_for_path(inst.module, env)
    if mod is None:
        return value
    return _as_grown(class_chain(ev, inst.cls, mod, env), attr, [value])[0]


def _from_getattr(ev: Evaluator, inst: InstanceV, classes: list[tuple[ast.ClassDef, ModuleInfo]], attr: str,
                  env: Env, node: ast.AST) -> Value | None:
    """An attribute the class does not define, from a `__getattr__` that hands every other name
    on to one object: aider's `LazyLiteLLM`, `return getattr(self._lazy_module, name)` after
    `self._lazy_module = importlib.import_module("litellm")`, is litellm for that name, and a
    proxy's `getattr(self._client, name)` its client. None for any other `__getattr__`."""
    for cls, cmod in classes:
        for fn in _methods(cls):
            if fn.name != "__getattr__":
                continue
            target = _delegate_of(fn, attr, cmod)
            if target is None:
                return None
            v = ev.eval(target, Env(cmod, fn, None, None, import_time=False, self_value=inst))
            # Still None: not loaded yet, and `getattr(None, name)` raises rather than returns.
            options = [o for o in (flat_options(v) if isinstance(v, AltV) else [v])
                       if not (isinstance(o, ConstV) and o.value is None)]
            if len(options) != 1 or not isinstance(options[0], ModuleRefV | ClientV | InstanceV):
                return None
            got = ev.attribute(options[0], attr, node, env)
            return add_hop(got, Hop(cmod.span(fn), f"`{attr}` handed on by {cls.name}.__getattr__()"))
    return None


def _delegate_of(fn: ast.FunctionDef | ast.AsyncFunctionDef, attr: str, mod: ModuleInfo) -> ast.expr | None:
    """`E` when every `return` of `__getattr__(self, name)` that can run for `attr` is
    `return getattr(E, name)`, with one `E`; the others must be under an `if` on the name that
    `attr` does not take (`if name == "_lazy_module": return super()`)."""
    params = [*fn.args.posonlyargs, *fn.args.args]
    if len(params) != 2:
        return None
    name = params[1].arg
    found: list[ast.expr] = []
    for n in ast.walk(fn):
        if not isinstance(n, ast.Return) or n.value is None:
            continue
        v = n.value
        if isinstance(v, ast.Call) and isinstance(v.func, ast.Name) and v.func.id == "getattr" \
                and len(v.args) == 2 and not v.keywords \
                and isinstance(v.args[1], ast.Name) and v.args[1].id == name:
            if all(ast.dump(v.args[0]) != ast.dump(f) for f in found):
                found.append(v.args[0])
        elif not _excluded(n, fn, name, attr, mod):
            return None
    return found[0] if len(found) == 1 else None


def _excluded(ret: ast.Return, fn: ast.AST, name: str, attr: str, mod: ModuleInfo) -> bool:
    """Is `ret` in the body of an `if name == "x":` (or `if name in ("x", ...)`) that `attr` fails?"""
    child: ast.AST = ret
    parent = mod.parents.get(id(child))
    while parent is not None and parent is not fn:
        if isinstance(parent, ast.If) and child in parent.body:
            names = _names_tested(parent.test, name)
            if names is not None and attr not in names:
                return True
        child, parent = parent, mod.parents.get(id(parent))
    return False


def _names_tested(test: ast.expr, name: str) -> set[str] | None:
    """The names `if name == "x"` / `if name in ("x", "y")` lets through; None for another test."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.left, ast.Name)
            and test.left.id == name):
        return None
    right = test.comparators[0]
    if isinstance(test.ops[0], ast.Eq) and isinstance(right, ast.Constant) and isinstance(right.value, str):
        return {right.value}
    if isinstance(test.ops[0], ast.In) and isinstance(right, ast.Tuple | ast.List | ast.Set) \
            and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in right.elts):
        return {e.value for e in right.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)}
    return None


_GROWERS = ("append", "extend", "insert")
_CHANGERS = ("update", "setdefault", "pop", "popitem", "clear", "remove", "sort", "reverse")


def _set_value(ev: Evaluator, e: Event, path: str, ix: FlowIndex, mod: ModuleInfo, env: Env) -> Value:
    """The value `self.<attr> = value` gives the attribute, with what the same method does to
    it in place afterwards (`self.tools = []` then `self.tools.append(t)`, or
    `load_tools(self.tools)`), when this is the method's last assignment of it."""
    assert e.value is not None
    timeline = ix.timeline(path)
    sets = [x for x in timeline if x.kind in ("assign", "opaque")]
    if not sets or sets[-1].stmt is not e.stmt or all(x.kind in ("assign", "opaque") for x in timeline):
        return ev.eval(e.value, env)
    return scopes.local_value(ev, path, EndOfModule(mod), env, ix)


_Where = tuple[ModuleInfo, ast.AST, str]


def _as_changed(o: Value, attr: str, grown: _Where | None, changed_by: _Where | None) -> Value:
    """`o`, a value `self.<attr>` is set to, as methods leave it (see _changed_in_methods)."""
    if changed_by is not None and mutations.is_container(o):
        cmod, cnode, how = changed_by
        return OpaqueV(Stability.UNKNOWN, f"self.{attr}", Loc.of(cmod.path, cnode), how)
    if grown is None:
        return o
    gmod, gnode, _ = grown
    # `insert` may put the new items anywhere, ahead of what the list was made with
    at_end = not (isinstance(gnode, ast.Call) and isinstance(gnode.func, ast.Attribute) and gnode.func.attr == "insert")
    if isinstance(o, ListV) and at_end:
        # A list the instance's methods add to (a conversation kept on it, tools registered):
        # what it holds by now is the earlier turns, of any number and content.
        more = OpaqueV(Stability.UNKNOWN, f"self.{attr}", Loc.of(gmod.path, gnode), INSTANCE_HISTORY)
        return ListV((*o.items, Item(more, repeated=True)), o.loc, o.is_tuple)
    # Anything else added to by a method (`self.step += 1`) differs from turn to turn.
    return OpaqueV(Stability.TURN, f"self.{attr}", Loc.of(gmod.path, gnode), "changed in place by a method")


def _changed_in_methods(ev: Evaluator, inst: InstanceV, classes: list[tuple[ast.ClassDef, ModuleInfo]], attr: str,
                        container: bool) -> tuple[_Where | None, _Where | None]:
    """Where a method adds to `self.<attr>` (`self.history.append(...)`, `+=`), and where one
    changes it otherwise in place (`self.tools[name] = spec`, `.clear()`, `load(self.tools)`
    with a callee that may change it), with what an unknown value says of it. The calls it is
    handed to are looked at only for a list or dict (`container`)."""
    grown: _Where | None = None
    for cls, cmod in classes:
        grows, changes, handed = _grown_attributes(cls, cmod)
        if attr in changes:
            return grown, (cmod, *changes[attr])
        if attr in grows and grown is None:
            grown = (cmod, *grows[attr])
        for fn, call, arg in handed.get(attr, ()) if container else ():
            menv = Env(cmod, fn, None, None, import_time=False, self_value=inst)
            eff = mutations.call_effect(ev, call, arg, menv)
            if isinstance(eff, mutations.Unknown):
                return grown, (cmod, call, eff.why)
            if eff is not None:
                # what a project function does to it, from a method that may run any number of times
                name = getattr(eff.fn.node, "name", "")
                return grown, (cmod, call, f"changed in place by {name}(), called from {fn.name}()")
    return grown, None


_Method = ast.FunctionDef | ast.AsyncFunctionDef
_Grown = tuple[dict[str, tuple[ast.AST, str]], dict[str, tuple[ast.AST, str]],
               dict[str, list[tuple[_Method, ast.Call, ast.expr]]]]


def _grown_attributes(cls: ast.ClassDef, cmod: ModuleInfo) -> _Grown:
    """Each attribute of `self` a method of `cls` (not `__init__`) adds to in place, and each it
    changes otherwise in place, with the first place it does and how; and the calls each is
    handed to, which may change it. Found in
    one walk of the class's methods and kept with the module (a function of its tree alone):
    asked for every attribute read, it walked every method each time (gpt-researcher's agent
    class, once per attribute per linted file)."""
    key = ("grown attributes", id(cls))
    got = cmod.shared.get(key)
    if got is not None and got[0] is cls:
        return got[1]  # type: ignore[no-any-return]
    grows: dict[str, tuple[ast.AST, str]] = {}
    changes: dict[str, tuple[ast.AST, str]] = {}
    handed: dict[str, list[tuple[_Method, ast.Call, ast.expr]]] = {}
    for fn in _methods(cls):
        params = [*fn.args.posonlyargs, *fn.args.args]
        if not params or fn.name == "__init__":
            continue  # filled in once by the constructor: set up, not grown
        me = params[0].arg
        ix = cmod.flow_of(fn)
        # `tools = self.tools` then `tools.append(t)`: the attribute's list changed by another name
        aliases = {x.name: x.value.attr for evs in ix.events.values() for x in evs
                   if x.kind == "assign" and isinstance(x.value, ast.Attribute)
                   and isinstance(x.value.value, ast.Name) and x.value.value.id == me}
        where = f"{fn.name}() ({cmod.path.rsplit('/', 1)[-1]}:{fn.lineno})"
        for n in ast.walk(fn):
            target: ast.AST | None = None
            how = INSTANCE_HISTORY
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in _GROWERS + _CHANGERS:
                target = n.func.value
                if n.func.attr in _CHANGERS:
                    how = f"changed in place by {where}"
            elif isinstance(n, ast.AugAssign):
                target = n.target
            elif isinstance(n, ast.Subscript) and isinstance(n.ctx, ast.Store | ast.Del):
                target, how = n.value, f"changed in place by {where}"
            if isinstance(n, ast.Call) and target is None and not (
                    isinstance(n.func, ast.Name) and n.func.id in PURE_BUILTINS):
                for a in [*n.args, *(k.value for k in n.keywords if k.arg is not None)]:
                    if isinstance(a, ast.Attribute) and isinstance(a.value, ast.Name) and a.value.id == me:
                        handed.setdefault(a.attr, []).append((fn, n, a))
            name = aliases.get(target.id) if isinstance(target, ast.Name) else \
                target.attr if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) \
                and target.value.id == me else None
            if name is not None:
                table = grows if how == INSTANCE_HISTORY else changes
                first = table.setdefault(name, (n, how))
                if first[0] is not n and isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) \
                        and n.func.attr == "insert":
                    table[name] = (n, how)  # one `insert` anywhere decides where new items may go
    result = (grows, changes, handed)
    cmod.shared[key] = (cls, result)
    return result


def annotated_client(ev: Evaluator, classes: list[tuple[ast.ClassDef, ModuleInfo]], attr: str) -> Value | None:
    """`client: AsyncOpenAI` declared in a class body is proof enough of a client."""
    for cls, cmod in classes:
        for stmt in cls.body:
            if (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)
                    and stmt.target.id == attr):
                client = scopes.annotation_client(ev, stmt.annotation, Env(cmod, None, import_time=True))
                if isinstance(client, ClientV):
                    return client
    return None


def class_chain(ev: Evaluator, cls: ast.ClassDef, mod: ModuleInfo, env: Env) -> list[tuple[ast.ClassDef, ModuleInfo]]:
    chain = [(cls, mod)]
    seen = {id(cls)}
    i = 0
    while i < len(chain) and len(chain) < MAX_BASES:
        c, m = chain[i]
        for b in c.bases:
            bv = ev.eval(b, Env(m, None, import_time=True))
            if isinstance(bv, FuncRefV) and isinstance(bv.node, ast.ClassDef) and id(bv.node) not in seen:
                bm = ev.module_for_path(bv.module, env)
                if bm is not None:
                    seen.add(id(bv.node))
                    chain.append((bv.node, bm))
        i += 1
    return chain

# ---------------------------------------------------------------- method calls


def method_call(ev: Evaluator, recv: Value, meth: str, node: ast.Call, env: Env) -> Value | None:
    if isinstance(recv, InstanceV):
        target = instance_attr(ev, recv, meth, env, node.func)
        if isinstance(target, FuncRefV) and isinstance(target.node, ast.FunctionDef | ast.AsyncFunctionDef):
            return ev.call_value(target, node, env)
        if isinstance(target, ClientV):
            return target
        return ev.unknown_call(node, env, f"{recv.qualname.rsplit('.', 1)[-1]}.{meth}()")
    return None


def classmethod_call(ev: Evaluator, recv: FuncRefV, meth: str, node: ast.Call, env: Env) -> Value | None:
    if isinstance(recv.node, ast.ClassDef):
        target = ev.class_attribute(recv, meth, node.func, env)
        if isinstance(target, FuncRefV) and isinstance(target.node, ast.FunctionDef | ast.AsyncFunctionDef):
            decos = decorator_names(target.node)
            if "classmethod" in decos:
                return interproc.call_helper(ev, target, node, env, self_value=recv)
            return ev.call_value(target, node, env)
    return None

"""Follow prompts kept on classes: class attributes, `self.x` set in methods, methods and properties."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from cachelint.analysis.env import EndOfModule, Env
from cachelint.analysis.module import ModuleInfo
from cachelint.analysis.values import AltV, ClientV, FuncRefV, InstanceV, OpaqueV, Value, add_hop
from cachelint.prompt import Hop, Stability

if TYPE_CHECKING:
    from cachelint.analysis.evaluate import Evaluator

MAX_BASES = 8  # how far up an inheritance chain attributes are looked for


def _methods(cls: ast.ClassDef) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [n for n in cls.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


def _decorator_names(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    names = set()
    for d in fn.decorator_list:
        target = d.func if isinstance(d, ast.Call) else d
        if isinstance(target, ast.Name):
            names.add(target.id)
        elif isinstance(target, ast.Attribute):
            names.add(target.attr)
    return names


class Classes:
    """Instances of project classes, `self`, class attributes and methods, for one evaluator.

    Each method answers None where the evaluator's general rule applies (a value not known)."""

    def __init__(self, ev: Evaluator) -> None:
        self.ev = ev
        # Attributes of instances, by class and name, for the evaluator's whole life.
        self._memo: dict[tuple[int, str], Value | None] = {}

    # ---- `self` and `cls`

    def self_instance(self, env: Env) -> Value | None:
        scope = env.scope
        if not isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
            return None
        cls = env.mod.parents.get(id(scope))
        if not isinstance(cls, ast.ClassDef):
            return None
        decos = _decorator_names(scope)
        if "classmethod" in decos:
            return FuncRefV(cls.name, cls, env.mod.path)
        return self.instance_of(cls, env.mod)

    def instance_of(self, cls: ast.ClassDef, mod: ModuleInfo) -> InstanceV:
        qual = f"{mod.name}.{cls.name}" if mod.name else cls.name
        return InstanceV(cls, mod.path, qual, (cls.lineno, cls.col_offset))

    def instantiate(self, cls: FuncRefV, node: ast.Call, env: Env) -> Value | None:
        if isinstance(cls.node, ast.ClassDef):
            mod = self.ev.module_for_path(cls.module, env)
            if mod is not None:
                return self.instance_of(cls.node, mod)
        return None

    # ---- attributes

    def attribute(self, base: Value, attr: str, node: ast.AST, env: Env) -> Value | None:
        if isinstance(base, InstanceV):
            found = self.instance_attr(base, attr, env, node)
            if found is not None:
                return found
            return self.ev.unknown(env, node, f"attribute `{attr}` of {base.qualname.rsplit('.', 1)[-1]}")
        if isinstance(base, FuncRefV) and isinstance(base.node, ast.ClassDef):
            mod = self.ev.module_for_path(base.module, env)
            if mod is not None:
                found = self.class_level(base.node, mod, attr, env, node, bases_depth=0)
                if found is not None:
                    return found
        return None

    def class_level(self, cls: ast.ClassDef, mod: ModuleInfo, attr: str, env: Env, node: ast.AST,
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
            v = self.ev.local_value(attr, EndOfModule(mod), cenv, ix)
            assign = [e for e in events if e.kind == "assign"]
            if assign:
                v = add_hop(v, Hop(mod.span(assign[-1].stmt), f"`{cls.name}.{attr}` defined here"))
            return v
        if bases_depth >= MAX_BASES:
            return None
        for b in cls.bases:
            bv = self.ev.eval(b, Env(mod, None, import_time=True))
            if isinstance(bv, FuncRefV) and isinstance(bv.node, ast.ClassDef):
                bmod = self.ev.module_for_path(bv.module, env)
                if bmod is not None:
                    found = self.class_level(bv.node, bmod, attr, env, node, bases_depth + 1)
                    if found is not None:
                        return found
        return None

    def instance_attr(self, inst: InstanceV, attr: str, env: Env, node: ast.AST) -> Value | None:
        key = (id(inst.cls), attr)
        memo = self._memo
        if key in memo:
            return memo[key]
        if key in self.ev.active:
            self.ev.guard_hit(key)
            return OpaqueV(Stability.UNKNOWN, attr, self.ev.loc(env, node), "attribute depends on itself")
        self.ev.active[key] = len(self.ev.active)  # its level: see Evaluator.active
        try:
            result = self._instance_attr(inst, attr, env, node)
        finally:
            del self.ev.active[key]
        memo[key] = result
        return result

    def _instance_attr(self, inst: InstanceV, attr: str, env: Env, node: ast.AST) -> Value | None:
        mod = self.ev.module_for_path(inst.module, env)
        if mod is None:
            return None
        classes = self.class_chain(inst.cls, mod, env)
        # 1. methods and properties
        for cls, cmod in classes:
            for fn in _methods(cls):
                if fn.name != attr:
                    continue
                decos = _decorator_names(fn)
                ref = FuncRefV(attr, fn, cmod.path, bound_self=inst)
                if decos & {"property", "cached_property"}:
                    fake = ast.Call(func=ast.Name(id=attr), args=[], keywords=[])
                    ast.copy_location(fake, node)
                    fake.end_lineno = getattr(node, "end_lineno", fake.lineno)
                    fake.end_col_offset = getattr(node, "end_col_offset", fake.col_offset)
                    return self.ev.call_helper(ref, fake, env, self_value=inst)
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
                    v = self.ev.eval(e.value, menv)
                    v = add_hop(v, Hop(cmod.span(e.stmt), f"`self.{attr}` set in {fn.name}()"))
                    if v not in options:
                        options.append(v)
            level = self.class_level(cls, cmod, attr, env, node, bases_depth=MAX_BASES)
            if level is not None and not isinstance(level, FuncRefV) and level not in options:
                options.append(level)
            if options:
                break  # the most derived class that sets it decides
        if not options:
            return self.annotated_client(classes, attr)
        if len(options) == 1:
            return options[0]
        return AltV(tuple(options), self.ev.loc(env, node), f"self.{attr}")

    def annotated_client(self, classes: list[tuple[ast.ClassDef, ModuleInfo]], attr: str) -> Value | None:
        """`client: AsyncOpenAI` declared in a class body is proof enough of a client."""
        for cls, cmod in classes:
            for stmt in cls.body:
                if (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)
                        and stmt.target.id == attr):
                    client = self.ev.annotation_client(stmt.annotation, Env(cmod, None, import_time=True))
                    if isinstance(client, ClientV):
                        return client
        return None

    def class_chain(self, cls: ast.ClassDef, mod: ModuleInfo, env: Env) -> list[tuple[ast.ClassDef, ModuleInfo]]:
        chain = [(cls, mod)]
        seen = {id(cls)}
        i = 0
        while i < len(chain) and len(chain) < MAX_BASES:
            c, m = chain[i]
            for b in c.bases:
                bv = self.ev.eval(b, Env(m, None, import_time=True))
                if isinstance(bv, FuncRefV) and isinstance(bv.node, ast.ClassDef) and id(bv.node) not in seen:
                    bm = self.ev.module_for_path(bv.module, env)
                    if bm is not None:
                        seen.add(id(bv.node))
                        chain.append((bv.node, bm))
            i += 1
        return chain

    # ---- method calls

    def method_call(self, recv: Value, meth: str, node: ast.Call, env: Env) -> Value | None:
        if isinstance(recv, InstanceV):
            target = self.instance_attr(recv, meth, env, node.func)
            if isinstance(target, FuncRefV) and isinstance(target.node, ast.FunctionDef | ast.AsyncFunctionDef):
                return self.ev.call_value(target, node, env)
            if isinstance(target, ClientV):
                return target
            return self.ev.unknown_call(node, env, f"{recv.qualname.rsplit('.', 1)[-1]}.{meth}()")
        return None

    def classmethod_call(self, recv: FuncRefV, meth: str, node: ast.Call, env: Env) -> Value | None:
        if isinstance(recv.node, ast.ClassDef):
            target = self.ev.class_attribute(recv, meth, node.func, env)
            if isinstance(target, FuncRefV) and isinstance(target.node, ast.FunctionDef | ast.AsyncFunctionDef):
                decos = _decorator_names(target.node)
                if "classmethod" in decos:
                    return self.ev.call_helper(target, node, env, self_value=recv)
                return self.ev.call_value(target, node, env)
        return None

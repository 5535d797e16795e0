"""Calls into the project's own functions: arguments bound to parameters, the function's
return values evaluated in that binding, memoised per evaluation and cut at recursion.
These are functions of the evaluator, which calls them where a callee is a project function.
"""

from __future__ import annotations

import ast
import weakref
from typing import TYPE_CHECKING

from cachelint.analysis.env import MAX_DEPTH, WHOLE, Env
from cachelint.analysis.module import ModuleInfo, subtree
from cachelint.analysis.valuekeys import content_key
from cachelint.analysis.values import AltV, ConstV, DictV, FuncRefV, Item, ListV, ModuleRefV, Value, add_hop

if TYPE_CHECKING:
    from cachelint.analysis.evaluate import Evaluator


def call_helper(ev: Evaluator, fn: FuncRefV, node: ast.Call, env: Env, self_value: Value | None = None) -> Value:
    fnode = fn.node
    assert isinstance(fnode, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
    if env.depth >= MAX_DEPTH:
        return ev.unknown(env, node, "helper chain too deep to follow")
    key = (id(fnode), -1)
    if key in ev.active:
        ev.guard_hit(key)
        return ev.unknown(env, node, "recursive helper")
    fmod = ev.module_for_path(fn.module, env)
    if fmod is None:
        return ev.unknown_call(node, env, f"call of {fn.qualname}")
    if _is_generator(fnode):
        return ev.unknown_call(node, env, f"generator {fn.qualname}")
    decorated = isinstance(fnode, ast.FunctionDef | ast.AsyncFunctionDef) and any(
        not _harmless_decorator(d) for d in fnode.decorator_list)
    if decorated:
        return ev.unknown_call(node, env, f"decorated function {fn.qualname}")
    bindings = bind_args(ev, fnode, node, env, fmod, self_value if self_value is not None else fn.bound_self)
    if bindings is None:
        return ev.unknown_call(node, env, f"call of {fn.qualname} with unfollowable arguments")
    parent_env: Env | None = None
    if fmod is env.mod:
        outer = fmod.enclosing_scope(fnode)
        if outer is not None and not isinstance(outer, ast.ClassDef):
            parent_env = env if env.scope is outer else Env(fmod, outer, None, None, env.import_time, env.depth)
    inner = Env(fmod, fnode, bindings, parent_env, env.import_time, env.depth + 1,
                self_value=self_value if self_value is not None else fn.bound_self)
    # The same function with the same argument values (by identity) in the same kind of
    # environment returns the same values: evaluate its body once per top-level evaluation.
    mkey = (id(fnode), id(fmod), tuple((k, id(v)) for k, v in bindings.items()),
            parent_env.memo_key() if parent_env is not None else None, env.import_time, env.depth,
            id(inner.self_value))
    got = ev.helper_memo.get(mkey)
    cut = ev.helper_within.get(mkey) if got is None else None
    if got is not None:
        options = list(got[0])
    elif cut is not None and ev.within(cut[1]):
        options = list(cut[0])
    else:
        anchor = (fnode, fmod, bindings, parent_env, inner)
        skey = _site_key(ev, fnode, fmod, bindings, parent_env, env, inner)
        summary = ev.site_memo.get(skey) if skey is not None else None
        if summary is not None and ev.reuse_summary(summary):
            options = list(summary.options)
            ev.helper_memo[mkey] = (summary.options, anchor)
        else:
            state = ev.memo_begin(key)
            mark = ev.summary_mark()
            done = False
            try:
                options = helper_returns(ev, fnode, fmod, inner)
                done = True
            finally:
                scope = ev.memo_end(key, state)
                if done and scope is WHOLE:
                    ev.helper_memo[mkey] = (tuple(options), anchor)
                    if skey is not None:
                        ev.keep_summary(skey, tuple(options), mark, anchor)
                elif done and scope is not None:
                    ev.helper_within[mkey] = (tuple(options), scope, anchor)
    if not options:
        return ConstV(None, ev.loc(env, node))
    result = options[0] if len(options) == 1 else AltV(tuple(options), ev.loc(env, node),
                                                        ev.src(env, node))
    name = getattr(fnode, "name", "<lambda>")
    return add_hop(result, ev.hop(env, node, f"returned by {name}()"))


def _site_key(ev: Evaluator, fnode: ast.AST, fmod: ModuleInfo, bindings: dict[str, Value], parent_env: Env | None,
              env: Env, inner: Env) -> tuple[object, ...] | None:
    """The key of a helper call's result in the memo that outlives one call site's evaluation
    (see Evaluator.site_memo): the argument values by content, not by identity. Each site of a
    wrapper binds new objects for the same values (gptme's `get_model(model)` below every one of
    78 sites of one test file, each with the same text); by identity none of them met the memo.
    None when an argument is too large to key (its result is memoised within the site only)."""
    args = tuple(content_key(v, ev.value_keys) for v in bindings.values())
    if None in args:
        return None
    self_key = content_key(inner.self_value, ev.value_keys) if inner.self_value is not None else None
    if self_key is None and inner.self_value is not None:
        return None
    return (id(fnode), id(fmod), tuple(bindings), args,
            parent_env.memo_key() if parent_env is not None else None, env.import_time, env.depth, self_key,
            ev.request_loops)


def helper_returns(ev: Evaluator, fnode: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda, fmod: ModuleInfo,
                   inner: Env) -> list[Value]:
    """The distinct values a helper's body returns in `inner` (None only when nothing else)."""
    if isinstance(fnode, ast.Lambda):
        return [ev.eval(fnode.body, inner)]
    ix = fmod.flow_of(fnode)
    options: list[Value] = []
    for ret in ix.returns:
        if ret.value is None:
            continue
        v = ev.eval(ret.value, inner)
        if v not in options:
            options.append(v)
    non_none = [o for o in options if not (isinstance(o, ConstV) and o.value is None)]
    return non_none or options


def bind_args(ev: Evaluator, fnode: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda, node: ast.Call,
              env: Env, fmod: ModuleInfo, self_value: Value | None) -> dict[str, Value] | None:
    a = fnode.args
    positional = [*a.posonlyargs, *a.args]
    bindings: dict[str, Value] = {}
    if self_value is not None and positional:
        bindings[positional[0].arg] = self_value
        positional = positional[1:]
    given = _positional_values(ev, node, env)
    if given is None:
        return None
    surplus: list[Value] = []
    for i, v in enumerate(given):
        if i < len(positional):
            bindings[positional[i].arg] = v
        elif a.vararg is None:
            return None
        else:
            surplus.append(v)
    names = {p.arg for p in [*positional, *a.kwonlyargs]}
    # Keywords no parameter names go to `**kwargs` (a dict of them); a `**spread` that cannot
    # be followed may hold any parameter not given otherwise: those are unknown.
    extra: list[tuple[str, Value]] = []
    unfollowed: ast.expr | None = None
    for k in node.keywords:
        if k.arg is None:
            spread = ev.eval(k.value, env)
            if not isinstance(spread, DictV):
                unfollowed = k.value
                continue
            if not spread.complete:
                unfollowed = k.value
            for key, v in spread.entries:
                if key in names:
                    bindings[key] = v
                elif a.kwarg is not None:
                    extra.append((key, v))
                elif spread.complete:
                    return None  # an unexpected keyword: the call would fail
            continue
        if k.arg in names:
            bindings[k.arg] = ev.eval(k.value, env)
        elif a.kwarg is None:
            return None
        else:
            extra.append((k.arg, ev.eval(k.value, env)))
    if unfollowed is not None:
        for p in [*positional, *a.kwonlyargs]:
            if p.arg not in bindings:
                bindings[p.arg] = ev.unknown(env, unfollowed, f"may be given by **{ev.src(env, unfollowed)}")
    # Defaults are evaluated once, in the defining module, at import.
    denv = Env(fmod, fmod.enclosing_scope(fnode) if fmod.enclosing_scope(fnode) is not None and not
               isinstance(fmod.enclosing_scope(fnode), ast.ClassDef) else None, import_time=True)
    pos_defaults = list(zip(positional[len(positional) - len(a.defaults):] if a.defaults else [],
                            a.defaults, strict=False))
    for p, d in pos_defaults:
        if p.arg not in bindings:
            bindings[p.arg] = ev.eval(d, denv)
    for p, kd in zip(a.kwonlyargs, a.kw_defaults, strict=True):
        if p.arg not in bindings and kd is not None:
            bindings[p.arg] = ev.eval(kd, denv)
    if a.vararg:
        # `*args` is the tuple of the positional arguments left over, so that a call that hands
        # them on (`self.generate(*args, **kwargs)`) passes the caller's values.
        bindings[a.vararg.arg] = ListV(tuple(Item(v) for v in surplus), ev.loc(env, node), is_tuple=True)
    if a.kwarg:
        bindings[a.kwarg.arg] = DictV(tuple(extra), ev.loc(env, node), unfollowed is None)
    for p in positional + list(a.kwonlyargs):
        if p.arg not in bindings:
            return None  # a required argument is missing: the call would fail anyway
    return bindings


def _positional_values(ev: Evaluator, node: ast.Call, env: Env) -> list[Value] | None:
    """The values of a call's positional arguments, `*seq` spread when `seq` is a sequence of
    known length (a forwarded `*args`); None when a spread cannot be counted."""
    out: list[Value] = []
    for arg_node in node.args:
        if not isinstance(arg_node, ast.Starred):
            out.append(ev.eval(arg_node, env))
            continue
        seq = ev.eval(arg_node.value, env)
        if not isinstance(seq, ListV) or any(it.optional or it.repeated for it in seq.items):
            return None
        out.extend(it.value for it in seq.items)
    return out


def project_call(ev: Evaluator, qual: str, node: ast.Call, env: Env) -> Value:
    """`pkg.mod.func(...)` reached through a module reference: follow it into the project."""
    parts = qual.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        mod = ev.project.module_by_name(".".join(parts[:cut]))
        if mod is None:
            continue
        target: Value = ModuleRefV(".".join(parts[:cut]))
        for attr in parts[cut:]:
            target = ev.attribute(target, attr, node.func, env)
        if isinstance(target, FuncRefV | AltV):
            return ev.call_value(target, node, env)
        break
    return ev.unknown_call(node, env, f"call of `{qual}`")


# Whether each function still in memory is a generator: a function of its tree, asked for every
# call of a helper in every file's project (it was worked out again for each).
_GENERATORS: weakref.WeakKeyDictionary[ast.AST, bool] = weakref.WeakKeyDictionary()


def _is_generator(fnode: ast.AST) -> bool:
    """Does a `yield` (or `yield from`) appear anywhere under `fnode`, nested functions included?"""
    got = _GENERATORS.get(fnode)
    if got is None:
        got = _GENERATORS[fnode] = any(isinstance(n, ast.Yield | ast.YieldFrom) for n in subtree([fnode]))
    return got


def _harmless_decorator(d: ast.expr) -> bool:
    name = d.attr if isinstance(d, ast.Attribute) else d.id if isinstance(d, ast.Name) else ""
    if isinstance(d, ast.Call):
        name = d.func.attr if isinstance(d.func, ast.Attribute) else d.func.id if isinstance(d.func, ast.Name) else ""
    return name in ("staticmethod", "classmethod", "property", "cache", "lru_cache", "cached_property",
                    "wraps", "functools.cache", "override", "abstractmethod", "tool", "traceable",
                    "observe", "retry", "timed")

"""What a function's parameter holds across every call of the function (rules.md section 1):
`stable` when every caller passes static or stable text, so a helper that builds each request
from a persona its callers spell as literals does not change between requests. And what a
constructor's parameter holds: each value the project's constructions of the class pass
(`constructor_argument`), so `self.system_message = system_message` is the text of each.

Only functions whose every caller can be seen in the module are asked: a function nested in
another (called from its enclosing function) or private to its module or class (a leading
underscore). A function named anywhere except as the callee of a call (passed as a callback,
kept in a table, decorated) may be called from code not seen: no answer. The answer is kept
per function and parameter for the evaluator's life.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar, cast

from cachelint.analysis import interproc
from cachelint.analysis.env import MAX_STEPS, Budget, Env, env_at
from cachelint.analysis.module import ModuleInfo
from cachelint.analysis.values import AltV, ConstV, FuncRefV, Value, add_hop, flat_options, value_stability
from cachelint.prompt import Hop, Stability

if TYPE_CHECKING:
    from cachelint.analysis.evaluate import Evaluator

# Steps the callers' arguments of one parameter may take, out of the call site's budget.
CALLER_STEPS = 20_000
# Most calls of one function looked at; more and the parameter keeps its per-turn class.
MAX_CALLERS = 32
_SAME = (Stability.STATIC, Stability.STABLE)
FuncNode = ast.FunctionDef | ast.AsyncFunctionDef
T = TypeVar("T")


def param_stability(ev: Evaluator, env: Env, name: str) -> Stability | None:
    """STABLE when every call of the function `env` is the body of passes a static or stable
    value for `name` (or leaves a static default); None when that cannot be shown."""
    fn = env.scope
    if not isinstance(fn, FuncNode) or not _callers_visible(fn, env.mod):
        return None
    mod = env.mod
    return _once(ev, ev.param_stabilities, ("callers", id(fn), name), fn,
                 lambda: _from_callers(ev, fn, mod, name))


def _once(ev: Evaluator, memo: dict[tuple[object, ...], tuple[T, object]], key: tuple[object, ...],
          fn: FuncNode, compute: Callable[[], T]) -> T:
    """`compute()` once per evaluator for `key`, within its own share of the step budget: the
    callers' (or constructions') values may depend on what is being asked (recursion), which
    answers None, as does running out of steps. T is an optional type (`X | None`)."""
    if key in memo:
        return memo[key][0]
    no_answer = cast(T, None)
    if key in ev.active:
        ev.guard_hit(key)
        return no_answer
    ev.activate(key)
    saved = ev.steps
    result = no_answer
    try:
        ev.steps = max(ev.steps, MAX_STEPS - CALLER_STEPS)
        result = compute()
    except Budget:
        result = no_answer
    finally:
        ev.deactivate(key)
        ev.steps = saved
    memo[key] = (result, fn)  # the node is kept so that its id is not reused while the memo lives
    return result


def _callers_visible(fn: FuncNode, mod: ModuleInfo) -> bool:
    if fn.decorator_list and not all(_plain_decorator(d) for d in fn.decorator_list):
        return False
    nested = isinstance(mod.enclosing_scope(fn), FuncNode)
    private = fn.name.startswith("_") and not fn.name.endswith("__")
    return nested or private


def _plain_decorator(d: ast.expr) -> bool:
    return isinstance(d, ast.Name) and d.id in ("staticmethod", "classmethod")


def _from_callers(ev: Evaluator, fn: FuncNode, mod: ModuleInfo, name: str) -> Stability | None:
    scope: ast.AST = mod.enclosing_scope(fn) or mod.tree
    if isinstance(scope, ast.ClassDef):
        scope = mod.tree  # a method: called on instances anywhere in the module
    calls: list[ast.Call] = []
    for node in ast.walk(scope):
        if isinstance(node, ast.Name | ast.Attribute) and isinstance(node.ctx, ast.Load) and \
                (node.id if isinstance(node, ast.Name) else node.attr) == fn.name:
            call = mod.parents.get(id(node))
            if not (isinstance(call, ast.Call) and call.func is node):
                return None  # named but not called here: it may be called from anywhere
            calls.append(call)
            if len(calls) > MAX_CALLERS:
                return None
    if not calls:
        return None  # no caller in sight: an entry point of someone else's code
    in_class = isinstance(mod.parents.get(id(fn)), ast.ClassDef) and not any(
        isinstance(d, ast.Name) and d.id == "staticmethod" for d in fn.decorator_list)
    for call in calls:
        if mod.enclosing_function(call) is fn:
            return None  # recursive: its own parameter flows back in
        cenv = env_at(mod, call)
        if not _goes_to(ev, call, cenv, fn):
            return None
        self_value: Value | None = ConstV(None) if in_class and isinstance(call.func, ast.Attribute) else None
        bindings = interproc.bind_args(ev, fn, call, cenv, mod, self_value)
        if bindings is None or name not in bindings:
            return None
        if value_stability(bindings[name]) not in _SAME:
            return None
    return Stability.STABLE


def _goes_to(ev: Evaluator, call: ast.Call, env: Env, fn: FuncNode) -> bool:
    """Is `fn` the function this call reaches (a method looked up on `self` or an instance)?"""
    func = call.func
    if isinstance(func, ast.Attribute):
        recv = ev.eval(func.value, env)
        target: Value = ev.class_attribute(recv, func.attr, func, env) if not isinstance(recv, AltV) else recv
    else:
        target = ev.eval(func, env)
    options = flat_options(target) if isinstance(target, AltV) else [target]
    return bool(options) and all(isinstance(o, FuncRefV) and o.node is fn for o in options)


def constructor_argument(ev: Evaluator, env: Env, name: str) -> Value | None:
    """What parameter `name` of the `__init__` `env` is the body of holds across the calls that
    run it in the project (cachelint.analysis.callsites): the value each passes (or the
    default it leaves), one of several when they differ; None when that cannot be shown (no
    construction seen, one whose arguments cannot be bound, a class used as a value)."""
    fn = env.scope
    if not isinstance(fn, FuncNode) or fn.name != "__init__" or env.bindings is not None \
            or not isinstance(env.mod.parents.get(id(fn)), ast.ClassDef):
        return None
    init = fn

    def compute() -> Value | None:
        return _from_constructions(ev, init, env, name)

    return _once(ev, ev.constructor_args, ("constructed", id(fn), name), fn, compute)


def _from_constructions(ev: Evaluator, fn: FuncNode, env: Env, name: str) -> Value | None:
    sites = ev.project.constructions(fn, env.mod)
    if not sites:
        return None
    options: list[Value] = []
    given: list[Value] = []  # the values as passed: the same text from two places is one option
    seen: set[int] = set()
    for site in sites:
        if id(site.call) in seen:
            continue
        seen.add(id(site.call))
        bindings = interproc.bind_args(ev, fn, site.call, site.env(), env.mod, site.self_value)
        if bindings is None or name not in bindings:
            return None
        if bindings[name] in given:
            continue
        given.append(bindings[name])
        here = Hop(site.mod.span(site.call), f"`{name}` given to the constructor here")
        options.append(add_hop(bindings[name], here))
    if len(options) == 1:
        return options[0]
    a = fn.args
    every = [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg]
    arg = next((p for p in every if p is not None and p.arg == name), None)
    return AltV(tuple(options), ev.loc(env, arg if arg is not None else fn), name)


def passed_values(ev: Evaluator, env: Env, name: str) -> list[Value] | None:
    """What each call of the method `env` is the body of passes for its parameter `name`, at
    the calls the modules of its class hierarchy make (cachelint.analysis.callsites); None when
    there is none, or one cannot be bound. Asked of a receiver (`client.chat.completions.create`
    on a parameter `client`), which the caller decides is an SDK client only when each is."""
    fn = env.scope
    if not isinstance(fn, FuncNode) or env.bindings is not None:
        return None
    mod = env.mod

    def compute() -> list[Value] | None:
        sites = ev.project.method_calls(fn, mod)
        if not sites:
            return None
        values: list[Value] = []
        for site in sites:
            bindings = interproc.bind_args(ev, fn, site.call, site.env(), mod, site.self_value)
            if bindings is None or name not in bindings:
                return None
            values.append(bindings[name])
        return values

    return _once(ev, ev.passed_args, ("passed", id(fn), name), fn, compute)

"""What a function's parameter holds across every call of the function (rules.md section 1):
`stable` when every caller passes static or stable text, so a helper that builds each request
from a persona its callers spell as literals does not change between requests. And what a
constructor's parameter holds: each value the project's constructions of the class pass
(`constructor_argument`), so `self.system_message = system_message` is the text of each.

Only functions whose every caller can be seen are asked: a function nested in another (called
from its enclosing function) or private to its module or class (a leading underscore), whose
calls are in its module; and a public function or method, whose calls are looked for in the
whole project (cachelint.analysis.callsites: not when its module's `__all__` or a package
re-exports it, which says callers outside the project exist, nor from tests). A function
named anywhere except as the callee of a call (passed as a callback, kept in a table,
decorated) may be called from code not seen: no answer. The answer is kept per function and
parameter for the evaluator's life.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar, cast

from cachelint.analysis import interproc
from cachelint.analysis.env import MAX_STEPS, Budget, Env, env_at
from cachelint.analysis.module import ModuleInfo
from cachelint.analysis.values import (
    AltV,
    ConstV,
    FuncRefV,
    InstanceV,
    ModuleRefV,
    Value,
    add_hop,
    flat_options,
    value_stability,
)
from cachelint.prompt import Hop, Stability

if TYPE_CHECKING:
    from cachelint.analysis.callsites import Site
    from cachelint.analysis.evaluate import Evaluator

# Steps the callers' arguments of one parameter may take, out of the call site's budget.
CALLER_STEPS = 20_000
# Steps a public function's callers may take for one parameter, all they lead to included: the
# project's calls of it are more and farther than a private helper's (khoj: CPU x1.7 at 20,000).
PUBLIC_STEPS = 5_000
# Most calls of one function looked at; more and the parameter keeps its per-turn class.
MAX_CALLERS = 32
_SAME = (Stability.STATIC, Stability.STABLE)
FuncNode = ast.FunctionDef | ast.AsyncFunctionDef
T = TypeVar("T")


def param_stability(ev: Evaluator, env: Env, name: str) -> tuple[Stability | None, str]:
    """STABLE when every call of the function `env` is the body of passes a static or stable
    value for `name` (or leaves a static default); None when that cannot be shown. With it, why
    callers outside the project decide, when something says they exist ("" otherwise)."""
    fn = env.scope
    if not isinstance(fn, FuncNode) or not _plain(fn):
        return None, ""
    mod = env.mod
    if _local(fn, mod):
        got = _once(ev, ev.param_stabilities, ("callers", id(fn), name), fn,
                    lambda: _from_callers(ev, fn, mod, name))
        return got, ""
    if not _public(fn, mod) or not ev.project.follow_public_callers:
        return None, ""
    if _refused_in_public(ev):
        # Asked while following the callers of another public function: one level only. Each
        # level multiplies the calls evaluated (khoj: 3x the CPU of a run with no level at all).
        return None, ""

    def compute() -> tuple[Stability | None, str] | None:
        outside = ev.project.exported(fn, mod)
        if outside is not None:
            return None, f" ({outside}: callers outside the project decide)"
        sites = ev.project.function_calls(fn, mod)
        if not sites:
            return None, ""
        # A script's `__main__` block calls it as a demo (a sample question) or with the run's
        # command line: what the function is really passed comes from elsewhere.
        real = [(s.call, s.mod) for s in sites if not _in_main_block(s.call, s.mod)]
        return (_every_call(ev, fn, mod, real, name) if real else None), ""

    answer = _once(ev, ev.public_stabilities, (_PUBLIC, id(fn), name), fn, compute, PUBLIC_STEPS)
    return answer if answer is not None else (None, "")


_PUBLIC = "project callers"  # the memo key of a public function's parameter


def _once(ev: Evaluator, memo: dict[tuple[object, ...], tuple[T, object]], key: tuple[object, ...],
          fn: FuncNode, compute: Callable[[], T], steps: int = CALLER_STEPS) -> T:
    """`compute()` once per evaluator for `key`, within its own share of the step budget: the
    callers' (or constructions') values may depend on what is being asked (recursion), which
    answers None, as does running out of steps. T is an optional type (`X | None`).

    Asked while a public function's callers are followed, what it spends is charged to that
    question's budget (PUBLIC_STEPS), and an answer cut short by it is not kept: asked again
    on its own, it has a budget of its own."""
    if key in memo:
        return memo[key][0]
    no_answer = cast(T, None)
    if key in ev.active:
        ev.guard_hit(key)
        return no_answer
    charged = _in_public(ev)
    ev.activate(key)
    saved = ev.steps
    result = no_answer
    cut = False
    try:
        ev.steps = max(ev.steps, MAX_STEPS - steps)
        result = compute()
    except Budget:
        result, cut = no_answer, True
    finally:
        ev.deactivate(key)
        ev.steps = max(saved, ev.steps) if charged else saved
    if not (cut and charged):
        memo[key] = (result, fn)  # the node is kept so that its id is not reused while the memo lives
    return result


def _in_public(ev: Evaluator) -> bool:
    """Are a public function's callers being followed (see param_stability)? Not those
    followed outside a result that must not depend on it (Evaluator.public_floor)."""
    return _public_guard(ev) is not None


def _public_guard(ev: Evaluator) -> object | None:
    floor = ev.public_floor
    return next((k for k, level in ev.active.items()
                 if isinstance(k, tuple) and k[:1] == (_PUBLIC,) and level >= floor), None)


def _refused_in_public(ev: Evaluator) -> bool:
    """`_in_public`, for a question it refuses: the answer then depends on the public
    function's callers being followed, as a value cut by that cycle guard does, and is kept
    only while it lasts (Evaluator.memo_end)."""
    guard = _public_guard(ev)
    if guard is None:
        return False
    ev.guard_hit(guard)
    return True


def _plain(fn: FuncNode) -> bool:
    """No decorator but `staticmethod`/`classmethod` (one may call it from anywhere)."""
    return all(isinstance(d, ast.Name) and d.id in ("staticmethod", "classmethod") for d in fn.decorator_list)


def _local(fn: FuncNode, mod: ModuleInfo) -> bool:
    """Nested in another function, or private to its module or class: called in the module."""
    nested = isinstance(mod.enclosing_scope(fn), FuncNode)
    return nested or (fn.name.startswith("_") and not fn.name.endswith("__"))


def _public(fn: FuncNode, mod: ModuleInfo) -> bool:
    """A function at the top of its module, or a method of a class there (called by name
    anywhere in the project: cachelint.analysis.callsites)."""
    scope = mod.enclosing_scope(fn)
    if isinstance(scope, ast.ClassDef):
        scope = mod.enclosing_scope(scope)
    return scope is None and not fn.name.startswith("_")


def _from_callers(ev: Evaluator, fn: FuncNode, mod: ModuleInfo, name: str) -> Stability | None:
    scope: ast.AST = mod.enclosing_scope(fn) or mod.tree
    if isinstance(scope, ast.ClassDef):
        scope = mod.tree  # a method: called on instances anywhere in the module
    calls: list[ast.Call] = []
    for node in mod.named(fn.name, scope):  # as ast.walk(scope) meets them
        call = mod.parents.get(id(node))
        if not (isinstance(call, ast.Call) and call.func is node):
            return None  # named but not called here: it may be called from anywhere
        calls.append(call)
        if len(calls) > MAX_CALLERS:
            return None
    if not calls:
        return None  # no caller in sight: an entry point of someone else's code
    return _every_call(ev, fn, mod, [(call, mod) for call in calls], name)


def _every_call(ev: Evaluator, fn: FuncNode, fmod: ModuleInfo, calls: list[tuple[ast.Call, ModuleInfo]],
                name: str) -> Stability | None:
    """STABLE when each of `calls` runs `fn` (defined in `fmod`) and passes a static or stable
    value for `name`."""
    in_class = isinstance(fmod.parents.get(id(fn)), ast.ClassDef) and not any(
        isinstance(d, ast.Name) and d.id == "staticmethod" for d in fn.decorator_list)
    if any(_passes_a_parameter(fn, in_class, call, cmod, name) for call, cmod in calls):
        return None  # seen without evaluating anything: the calls are many, and far apart
    for call, cmod in calls:
        if cmod.enclosing_function(call) is fn:
            return None  # recursive: its own parameter flows back in
        cenv = env_at(cmod, call)
        if not _goes_to(ev, call, cenv, fn):
            return None
        self_value: Value | None = ConstV(None) if in_class and isinstance(call.func, ast.Attribute) else None
        if self_value is not None and "classmethod" not in {getattr(d, "id", "") for d in fn.decorator_list}:
            recv = ev.eval(call.func.value, cenv) if isinstance(call.func, ast.Attribute) else None
            if isinstance(recv, FuncRefV) and isinstance(recv.node, ast.ClassDef):
                return None  # `Agent.ask(agent, ...)`: `self` is an argument, not followed here
        bindings = interproc.bind_args(ev, fn, call, cenv, fmod, self_value)
        if bindings is None or name not in bindings:
            return None
        stab = value_stability(bindings[name])
        if isinstance(bindings[name], ModuleRefV):
            return None  # a name of a module not followed (`sys.argv[1]`): not text known to be fixed
        if stab not in _SAME:
            return None
    return Stability.STABLE


def _passes_a_parameter(fn: FuncNode, in_class: bool, call: ast.Call, cmod: ModuleInfo, name: str) -> bool:
    """Does `call` pass for `name` an expression that reads a parameter of the public function
    it is written in (which is `turn` there: the callers of one public function only are
    followed)? Found from the call as written; False when that cannot tell."""
    caller = cmod.enclosing_function(call)
    if caller is None or not _public(caller, cmod) or any(isinstance(a, ast.Starred) for a in call.args):
        return False
    params = [*fn.args.posonlyargs, *fn.args.args]
    if in_class and isinstance(call.func, ast.Attribute):
        params = params[1:]
    given = next((k.value for k in call.keywords if k.arg == name), None)
    if given is None:
        at = next((i for i, p in enumerate(params) if p.arg == name), None)
        given = call.args[at] if at is not None and at < len(call.args) else None
    if given is None:
        return False
    a = caller.args
    theirs = {p.arg for p in [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg] if p is not None}
    theirs -= {"self", "cls"}
    read = {n.id for n in ast.walk(given) if isinstance(n, ast.Name)} & theirs
    events = cmod.flow_of(caller).events
    # a parameter set again in the function may hold anything by the call
    return any(all(e.kind != "assign" for e in events.get(p, ())) for p in read)


def _in_main_block(node: ast.AST, mod: ModuleInfo) -> bool:
    """Is `node` inside `if __name__ == "__main__":`?"""
    cur = mod.parents.get(id(node))
    while cur is not None:
        if isinstance(cur, ast.If) and isinstance(cur.test, ast.Compare) and len(cur.test.ops) == 1:
            sides = [cur.test.left, *cur.test.comparators]
            if any(isinstance(x, ast.Name) and x.id == "__name__" for x in sides) and \
                    any(isinstance(x, ast.Constant) and x.value == "__main__" for x in sides):
                return True
        cur = mod.parents.get(id(cur))
    return False


def _goes_to(ev: Evaluator, call: ast.Call, env: Env, fn: FuncNode) -> bool:
    """Is `fn` the function this call reaches (a method looked up on `self` or an instance)?"""
    func = call.func
    if isinstance(func, ast.Attribute):
        recv = ev.eval(func.value, env)
        if isinstance(recv, ModuleRefV):
            target: Value = ev.eval(func, env)  # `llm.answer(...)`: a module's function
        else:
            target = ev.class_attribute(recv, func.attr, func, env) if not isinstance(recv, AltV) else recv
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
    if _refused_in_public(ev):
        # Not while a public function's callers are followed: every construction of the class
        # is looked at for it (khoj: 28 of the 30 s those callers took).
        return None
    init = fn

    def compute() -> Value | None:
        return _from_constructions(ev, init, env, name)

    return _once(ev, ev.constructor_args, ("constructed", id(fn), name), fn, compute)


def _from_constructions(ev: Evaluator, fn: FuncNode, env: Env, name: str) -> Value | None:
    sites = ev.project.constructions(fn, env.mod)
    if not sites:
        return None
    # `super().__init__(...)` in a subclass the project never builds (textgrad's
    # GuidedTextualGradientDescent) never runs here: what it would pass is not one of the values
    sites = [s for s in sites if not (s.on_self and _never_built(ev, s))]
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


def _never_built(ev: Evaluator, site: Site) -> bool:
    """Is `site`, a call on `self` in a constructor, in a class the project builds nowhere (nor
    any class deriving from it)?"""
    init = site.mod.enclosing_function(site.call)
    return init is not None and init.name == "__init__" and ev.project.constructions(init, site.mod) == []


def self_argument(ev: Evaluator, env: Env, name: str) -> Value | None:
    """The object every call in the project passes for `self` when a module-level function
    takes it as a plain first parameter (AlphaCodium's stages, `run_self_reflect(self,
    problem)`, called from a method as `run_self_reflect(self, problem)`); None when a call
    passes anything else than that one project object, or the calls cannot all be seen."""
    fn = env.scope
    if not isinstance(fn, FuncNode) or env.bindings is not None or env.mod.enclosing_scope(fn) is not None:
        return None
    params = [*fn.args.posonlyargs, *fn.args.args]
    if not params or params[0].arg != name or name != "self":
        return None
    mod = env.mod

    def compute() -> Value | None:
        sites = ev.project.function_calls(fn, mod)
        if not sites:
            return None
        found: list[Value] = []
        for site in sites:
            if site.mod.enclosing_function(site.call) is fn:
                return None  # recursive: its own parameter flows back in
            cenv = env_at(site.mod, site.call)
            if not _goes_to(ev, site.call, cenv, fn):
                return None
            bindings = interproc.bind_args(ev, fn, site.call, cenv, mod, None)
            got = bindings.get(name) if bindings is not None else None
            if not isinstance(got, InstanceV) or (found and got != found[0]):
                return None
            found.append(got)
        return found[0]

    return _once(ev, ev.constructor_args, ("self passed", id(fn), name), fn, compute)


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


def argument_values(ev: Evaluator, env: Env, name: str) -> list[Value] | None:
    """What each call of the function `env` is the body of passes for its parameter `name`,
    wherever the project calls it: a nested or private function's calls in its module, a
    method's in its class hierarchy (else by name in the project), a public function's by name
    in the project (cachelint.analysis.callsites), re-exported or not: none when the project
    has no call of it. None when one cannot be seen or bound. Asked of a receiver whose kind,
    not text, the callers decide (`llm.invoke(...)` on a parameter `llm`: a chat model when
    each caller hands one), so callers outside the project are not looked for."""
    fn = env.scope
    if not isinstance(fn, FuncNode) or env.bindings is not None or not _plain(fn):
        return None
    mod = env.mod
    in_class = isinstance(mod.parents.get(id(fn)), ast.ClassDef) and "staticmethod" not in {
        getattr(d, "id", "") for d in fn.decorator_list}

    def compute() -> list[Value] | None:
        calls: list[tuple[ast.Call, ModuleInfo, Env, Value]] | None
        if _local(fn, mod):
            calls = _module_calls(fn, mod)
        else:
            sites = (ev.project.method_calls(fn, mod) if in_class else None) or ev.project.function_calls(fn, mod)
            calls = None if sites is None else [(s.call, s.mod, s.env(), s.self_value) for s in sites]
        if calls is None:
            return None
        values: list[Value] = []
        for call, cmod, cenv, self_value in calls:
            if cmod.enclosing_function(call) is fn:
                return None  # recursive: its own parameter flows back in
            bindings = interproc.bind_args(ev, fn, call, cenv, mod, self_value if in_class else None)
            if bindings is None or name not in bindings:
                return None
            values.append(bindings[name])
        return values

    def fresh() -> list[Value] | None:
        # Instance attributes read here are worked out again, in a namespace of their own:
        # the ones kept may have been read while a public function's callers were followed,
        # which does not follow what constructors are given (see constructor_argument).
        was, ev.attr_namespace = ev.attr_namespace, "callers"
        floor, ev.public_floor = ev.public_floor, len(ev.active)
        try:
            return compute()
        finally:
            ev.attr_namespace, ev.public_floor = was, floor

    return _once(ev, ev.passed_args, ("arguments", id(fn), name), fn, fresh)


def _module_calls(fn: FuncNode, mod: ModuleInfo) -> list[tuple[ast.Call, ModuleInfo, Env, Value]] | None:
    """The calls of a nested or private function in its module, by its name; None when it is
    named there otherwise than as a callee, or called too often."""
    scope: ast.AST = mod.enclosing_scope(fn) or mod.tree
    if isinstance(scope, ast.ClassDef):
        scope = mod.tree
    out: list[tuple[ast.Call, ModuleInfo, Env, Value]] = []
    for node in mod.named(fn.name, scope):
        call = mod.parents.get(id(node))
        if not (isinstance(call, ast.Call) and call.func is node):
            return None
        out.append((call, mod, env_at(mod, call), ConstV(None)))
        if len(out) > MAX_CALLERS:
            return None
    return out

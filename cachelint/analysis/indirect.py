"""Calls that reach a project function without naming it: a bound method handed to an executor,
a thread or `functools.partial` (written in place or held in a name, and called where it is or
by a project helper it is handed to), and a callable held in a variable (a callable object, or
a closure a method returned).

`handed_on` rewrites `pool.submit(backend.generate, prompt)` as the call it makes,
`backend.generate(prompt)`, so the prompt is rebuilt where it is written, as for a direct call."""

from __future__ import annotations

import ast
from typing import NamedTuple

from cachelint.analysis.module import ModuleInfo

# Callables that run their first argument with the rest: the position of the function among
# the arguments, by the name the runner is called with. `run_in_threadpool` is starlette's (and
# fastapi.concurrency's), `run_sync` anyio's and trio's `to_thread.run_sync`.
_RUNNERS = {"submit": 0, "to_thread": 0, "run_in_executor": 1, "apply_async": 0, "run_sync": 0,
            "run_in_threadpool": 0}
# Runners whose keyword arguments are their own, not the function's: asyncio's
# `run_in_executor` takes none to pass on, anyio's and trio's `run_sync` take `limiter=`,
# `cancellable=`, `abandon_on_cancel=`.
_OWN_KEYWORDS = frozenset({"run_in_executor", "run_sync"})


def handed_on(call: ast.Call, mod: ModuleInfo) -> ast.Call | None:
    """The call `call` makes of a function it is handed (`pool.submit(f, x, k=v)` -> `f(x, k=v)`,
    `loop.run_in_executor(None, f, x)` -> `f(x)`, `functools.partial(f, x)(y)` -> `f(x, y)`);
    None when it is no such call. The new call stands where `call` is written."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    made: ast.Call | None = None
    held = held_partial(func, mod) if isinstance(func, ast.Name) else None
    if held is not None:
        func = held  # `f = functools.partial(self._run, problem=p)`, then `f(model)`
    if isinstance(func, ast.Call) and _is_partial(func) and func.args and not isinstance(func.args[0], ast.Starred):
        made = ast.Call(func=func.args[0], args=[*func.args[1:], *call.args], keywords=[*func.keywords, *call.keywords])
    elif name in _RUNNERS:
        at = _RUNNERS[name]
        if len(call.args) > at and not any(isinstance(a, ast.Starred) for a in call.args[:at + 1]):
            keywords = [] if name in _OWN_KEYWORDS else list(call.keywords)
            made = ast.Call(func=call.args[at], args=list(call.args[at + 1:]), keywords=keywords)
    if made is not None and isinstance(made.func, ast.Call) and _is_partial(made.func):
        # `loop.run_in_executor(None, partial(client.invoke_model, body=...))`: the partial runs
        ast.copy_location(made, call)
        made.end_lineno, made.end_col_offset = call.end_lineno, call.end_col_offset
        mod.parents[id(made)] = mod.parents.get(id(call), mod.tree)
        return handed_on(made, mod)
    if made is None or not isinstance(made.func, ast.Name | ast.Attribute):
        return None
    ast.copy_location(made, call)
    made.end_lineno, made.end_col_offset = call.end_lineno, call.end_col_offset
    mod.parents[id(made)] = mod.parents.get(id(call), mod.tree)
    return made


class Runner(NamedTuple):
    """A project function that runs the function it is handed first with all its other
    arguments, but keeps some parameters for itself: their names, positional then keyword-only."""

    positional: tuple[str, ...]
    keyword_only: tuple[str, ...]


def forwards_first_argument(fn: ast.FunctionDef | ast.AsyncFunctionDef, bound: bool) -> Runner | None:
    """Does `fn` run the function it is handed first with all its other arguments (`def
    __call__(self, fn, *args, **kwargs): ... fn(*args, **kwargs)`, a project's own retry
    helper)? What it keeps for itself (`retry_exceptions` in evals's `create_retrying(func,
    retry_exceptions, *args, **kwargs)`), or None when it does not. One level only: what `fn`
    is handed on to is not followed further."""
    a = fn.args
    params = [*a.posonlyargs, *a.args][1 if bound else 0:]
    if not params or a.vararg is None:
        return None
    name, star = params[0].arg, a.vararg.arg
    spread = [a.kwarg.arg] if a.kwarg is not None else []
    if _changes(fn, {star, *spread}):
        return None  # `kwargs["model"] = model` before the call: what is handed on is not what came in
    for n in ast.walk(fn):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == name \
                and len(n.args) == 1 and isinstance(n.args[0], ast.Starred) \
                and isinstance(n.args[0].value, ast.Name) and n.args[0].value.id == star \
                and [k.value.id for k in n.keywords if k.arg is None and isinstance(k.value, ast.Name)] == spread \
                and len(n.keywords) == len(spread):
            return Runner(tuple(p.arg for p in params[1:]), tuple(k.arg for k in a.kwonlyargs))
    return None


def _changes(fn: ast.FunctionDef | ast.AsyncFunctionDef, names: set[str]) -> bool:
    """Does `fn` rebind, store into or call a method of one of `names` (its `*args`, `**kwargs`)?"""
    for n in ast.walk(fn):
        if isinstance(n, ast.Name) and n.id in names and not isinstance(n.ctx, ast.Load):
            return True
        if isinstance(n, ast.Subscript | ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id in names \
                and (not isinstance(n.ctx, ast.Load) or (isinstance(n, ast.Attribute) and n.attr in _MUTATORS)):
            return True  # `kwargs[k] = v`, `del kwargs[k]`, `kwargs.pop(...)`, `kwargs.update(...)`
    return False


_MUTATORS = frozenset({"pop", "popitem", "update", "setdefault", "clear"})


def run_by(call: ast.Call, mod: ModuleInfo, runner: Runner) -> ast.Call | None:
    """`runner(f, x, k=v)` as the call the runner makes, `f(x, k=v)`, standing from where `f` is
    named (the SDK method: the line a reader looks for) to the end of `call`. The arguments
    that fill the runner's own parameters are dropped: those given by keyword, and the
    positional ones before the first given by keyword take the arguments after `f`, in order
    (a later one would be given twice); None when one of those is starred (which of them it
    fills is not known)."""
    named = {k.arg for k in call.keywords if k.arg is not None}
    own = {*runner.positional, *runner.keyword_only}
    taken = 0
    for p in runner.positional:
        if p in named:
            break
        taken += 1
    taken = min(taken, len(call.args) - 1)
    if any(isinstance(x, ast.Starred) for x in call.args[: taken + 1]):
        return None
    made = ast.Call(func=call.args[0], args=list(call.args[1 + taken:]),
                    keywords=[k for k in call.keywords if k.arg is None or k.arg not in own])
    ast.copy_location(made, call.args[0])
    made.end_lineno, made.end_col_offset = call.end_lineno, call.end_col_offset
    mod.parents[id(made)] = mod.parents.get(id(call), mod.tree)
    return made


def held_partial(name: ast.Name, mod: ModuleInfo) -> ast.Call | None:
    """The `functools.partial(f, ...)` a name of the enclosing function is assigned once, before
    `name` is read (AlphaCodium's `f = functools.partial(self._run, problem=problem, ...)`);
    None for a name bound otherwise or more than once."""
    scope = mod.enclosing_function(name)
    if scope is None:
        return None
    ix = mod.flow_of(scope)
    if name.id in ix.params or name.id in ix.globals_ or not ix.binds(name.id, scope) or ix.unrecorded.get(name.id):
        return None
    events = ix.events.get(name.id, [])
    if len(events) != 1:
        return None
    e = events[0]
    value = e.value
    if e.kind != "assign" or not isinstance(e.stmt, ast.Assign) or len(e.stmt.targets) != 1 \
            or e.pos > (name.lineno, name.col_offset):
        return None
    if isinstance(value, ast.Call) and _is_partial(value) and value.args and not isinstance(value.args[0], ast.Starred):
        return value
    return None


def partial_of(arg: ast.expr, mod: ModuleInfo) -> ast.Call | None:
    """`arg` as the `functools.partial(...)` it is, written in place or held in a name."""
    if isinstance(arg, ast.Call) and _is_partial(arg) and arg.args and not isinstance(arg.args[0], ast.Starred):
        return arg
    return held_partial(arg, mod) if isinstance(arg, ast.Name) else None


def handed_partial(call: ast.Call, mod: ModuleInfo) -> tuple[int | str, ast.Call] | None:
    """The argument of `call` that is a `functools.partial` (its position or keyword, and the
    partial), when exactly one is (`send_inference(f)` with `f = partial(self._run, ...)`)."""
    found: list[tuple[int | str, ast.Call]] = []
    for i, a in enumerate(call.args):
        if isinstance(a, ast.Starred):
            return None
        p = partial_of(a, mod)
        if p is not None:
            found.append((i, p))
    for k in call.keywords:
        p = partial_of(k.value, mod) if k.arg is not None else None
        if p is not None and k.arg is not None:
            found.append((k.arg, p))
    return found[0] if len(found) == 1 else None


def run_partial(call: ast.Call, mod: ModuleInfo, fn: ast.FunctionDef | ast.AsyncFunctionDef,
                bound: bool) -> ast.Call | None:
    """The call a project helper `fn` makes of the partial `call` hands it (`send_inference(f)`,
    whose body does `await f(model)`): the partial's function with the partial's arguments,
    then those the helper adds, as the helper writes them where they are constants, else as an
    argument the analysis does not know. None when the helper rebinds that parameter, calls it
    in more than one way, or not at all."""
    got = handed_partial(call, mod)
    if got is None:
        return None
    at, part = got
    params = [*fn.args.posonlyargs, *fn.args.args][1 if bound else 0:]
    if isinstance(at, int):
        if at >= len(params):
            return None
        pname = params[at].arg
    else:
        if at not in {p.arg for p in [*params, *fn.args.kwonlyargs]}:
            return None
        pname = at
    runs: list[ast.Call] = []
    for n in ast.walk(fn):
        if isinstance(n, ast.Name) and n.id == pname and not isinstance(n.ctx, ast.Load):
            return None  # rebound in the helper: what it calls is not what it was handed
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == pname:
            runs.append(n)
    if not runs or any(isinstance(a, ast.Starred) for r in runs for a in r.args) \
            or any(k.arg is None for r in runs for k in r.keywords):
        return None
    shape = {(len(r.args), tuple(k.arg for k in r.keywords)) for r in runs}
    if len(shape) != 1:
        return None
    first = runs[0]
    args = [*part.args[1:], *(_given(a, fn, call) for a in first.args)]
    keywords = [*part.keywords, *(ast.keyword(arg=k.arg, value=_given(k.value, fn, call)) for k in first.keywords)]
    made = ast.Call(func=part.args[0], args=args, keywords=keywords)
    ast.copy_location(made, call)
    made.end_lineno, made.end_col_offset = call.end_lineno, call.end_col_offset
    mod.parents[id(made)] = mod.parents.get(id(call), mod.tree)
    return made


def _given(arg: ast.expr, fn: ast.FunctionDef | ast.AsyncFunctionDef, call: ast.Call) -> ast.expr:
    """What the helper `fn` passes, as it stands at the caller: a constant as written; anything
    else a name no scope binds (an unknown value), placed at the caller's call."""
    out: ast.expr = ast.Constant(value=arg.value) if isinstance(arg, ast.Constant) else \
        ast.Name(id=f"<an argument {fn.name}() passes>", ctx=ast.Load())
    ast.copy_location(out, call)
    out.end_lineno, out.end_col_offset = call.end_lineno, call.end_col_offset
    return out


def _is_partial(call: ast.Call) -> bool:
    f = call.func
    return (isinstance(f, ast.Name) and f.id == "partial") or (isinstance(f, ast.Attribute) and f.attr == "partial")


def callee_name(call: ast.Call) -> str | None:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None


def typed_callable(call: ast.Call, mod: ModuleInfo) -> bool:
    """Is the callee a parameter with an annotation (`sampler: SamplerBase`) or a field of
    `self` (`self.grader(...)`), so that it may be an object whose class defines `__call__`?"""
    func = call.func
    if isinstance(func, ast.Attribute):
        return isinstance(func.value, ast.Name) and func.value.id == "self"
    if not isinstance(func, ast.Name):
        return False
    scope = mod.enclosing_function(call)
    if scope is None:
        return False
    args = scope.args
    return any(a.arg == func.id and a.annotation is not None
               for a in [*args.posonlyargs, *args.args, *args.kwonlyargs])


def held_callable(call: ast.Call, mod: ModuleInfo) -> bool:
    """Is the callee a name assigned in the enclosing function or the module (`judge = Judge()`,
    `send = llm.sender()`), so that it may hold a callable object or a closure?"""
    func = call.func
    if not isinstance(func, ast.Name):
        return False
    scope = mod.enclosing_function(call)
    for ix in ([mod.flow_of(scope)] if scope is not None else []) + [mod.flow]:
        events = ix.events.get(func.id)
        if events:
            return any(e.kind == "assign" for e in events)
    return False

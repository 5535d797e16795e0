"""Scopes and data flow: what a name holds where it is read.

A name is looked up in comprehension overlays, then the function's own flow (its assignments,
parameters, `with` bindings, in-place changes), the enclosing functions, the module (its
imports, star imports, globals changed at run time) and the builtins. These are functions of
the evaluator, which calls them from its expression dispatch; results are memoised in its
per-evaluation tables.
"""

from __future__ import annotations

import ast
import builtins
from typing import TYPE_CHECKING, Any

from cachelint.analysis import branches, callers, interproc, loops, mutations
from cachelint.analysis.env import MAX_ALT_ITERATION, MAX_DEPTH, WHOLE, EndOfModule, Env, env_at
from cachelint.analysis.files import module_file
from cachelint.analysis.frameworks import (
    LANGCHAIN_BASE_MODELS,
    LANGCHAIN_CHAT_MODELS,
    LANGCHAIN_DECLARED_MODEL,
    LANGCHAIN_MODEL_CLASSES,
)
from cachelint.analysis.library.catalog import REGISTRY
from cachelint.analysis.library.sdk_clients import client_class
from cachelint.analysis.module import Event, FlowIndex, ModuleInfo, subtree
from cachelint.analysis.values import (
    Alt,
    AltV,
    ClientV,
    ConstV,
    DictV,
    FuncRefV,
    InstanceV,
    Item,
    ListV,
    Loc,
    ModuleRefV,
    OpaqueV,
    RecordV,
    SetV,
    StrV,
    Value,
    add_hop,
    flat_options,
    merge_pieces,
    restabilise,
    text_of,
    value_stability,
)
from cachelint.fastinit import replace
from cachelint.prompt import APPENDED_EARLIER, REASSIGNED_EARLIER, Hop, Stability

if TYPE_CHECKING:
    from cachelint.analysis.evaluate import Evaluator

# Methods that change a dict, list or set in place.
_MUTATORS = {"update", "setdefault", "pop", "popitem", "clear", "append", "extend", "insert", "remove",
             "add", "discard", "sort", "reverse", "__setitem__", "__delitem__"}
_MUTATED: dict[tuple[str, str], set[str]] = {}  # (path, text) -> Evaluator.mutated_globals
_BUILTINS = set(dir(builtins))


def is_prefix(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    return len(a) <= len(b) and b[: len(a)] == a


def _pos(node: ast.AST) -> tuple[int, int]:
    return (getattr(node, "lineno", 0) or 0, getattr(node, "col_offset", 0) or 0)


def _mutated_globals(mod: ModuleInfo) -> set[str]:
    """See Evaluator.mutated_globals. Each function's nodes are those ast.walk gives (nested
    functions included), listed once and read twice."""
    got: set[str] = set()
    Name, Store, Subscript, Call, Attribute = ast.Name, ast.Store, ast.Subscript, ast.Call, ast.Attribute
    for fn in mod.functions:
        nodes = subtree([fn])
        local = {a.arg for a in [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]}
        declared: set[str] = set()
        for n in nodes:
            if isinstance(n, Name) and isinstance(n.ctx, Store):
                local.add(n.id)
            elif isinstance(n, ast.Global | ast.Nonlocal):
                declared.update(n.names)
        local -= declared
        for n in nodes:
            target = None
            if isinstance(n, Subscript) and isinstance(n.ctx, Store | ast.Del):
                target = n.value
            elif isinstance(n, Call) and isinstance(n.func, Attribute) and n.func.attr in _MUTATORS:
                target = n.func.value
            if isinstance(target, Name) and target.id not in local:
                got.add(target.id)
    return got


def lookup(ev: Evaluator, name: str, use: ast.AST, env: Env) -> Value:
    if name in env.overlay:
        return env.overlay[name]
    scope = env.scope
    if scope is not None and not isinstance(scope, ast.ClassDef):
        ix = env.mod.flow_of(scope)
        if name not in ix.globals_ and (name in ix.params or ix.binds(name, scope)):
            return local_value(ev, name, use, env, ix)
        if env.parent is not None:
            return lookup(ev, name, use, env.parent)
        return module_value(ev, name, env.mod, use if env.import_time else None)
    if isinstance(scope, ast.ClassDef):
        ix = env.mod.flow_of(scope)
        if ix.binds(name, scope):
            return local_value(ev, name, use, env, ix)
        if env.parent is not None:
            return lookup(ev, name, use, env.parent)
    return module_value(ev, name, env.mod, use)


def module_value(ev: Evaluator, name: str, mod: ModuleInfo, use: ast.AST | None) -> Value:
    """A module-level name; `use` None means 'after import' (read from a function)."""
    if name == "__file__" and name not in mod.flow.events:
        return module_file(mod, use)
    if use is not None:
        return _module_value(ev, name, mod, use)
    key = (mod.path, name)
    got = ev.module_memo.get(key)
    if got is None:
        # After import, a name holds the same in every project (shared); memoised here too,
        # as before sharing: a project asks again for what it already has at no cost.
        got = ev.module_memo[key] = ev.shared(mod, name, lambda: _module_value(ev, name, mod, None))
    return got


def _module_value(ev: Evaluator, name: str, mod: ModuleInfo, use: ast.AST | None) -> Value:
    ix = mod.flow
    env = Env(mod, None, import_time=True)
    if name not in ix.events:
        star = star_import(ev, name, mod)
        if star is not None:
            return star
        if name in _BUILTINS:
            v: Value = FuncRefV("builtins." + name)
        else:
            v = OpaqueV(Stability.UNKNOWN, name, Loc.of(mod.path, use or mod.tree), "undefined name")
    else:
        anchor = use if use is not None else EndOfModule(mod)
        v = local_value(ev, name, anchor, env, ix)
        defs = [e for e in ix.events[name] if e.kind == "assign"]
        if defs and isinstance(v, StrV | ListV | DictV):
            v = add_hop(v, Hop(mod.span(defs[-1].stmt), f"`{name}` defined here"))
        if name in global_writes(ev, mod):
            v = OpaqueV(Stability.UNKNOWN, name, Loc.of(mod.path, use or mod.tree),
                        "module global reassigned at run time")
        elif use is None and isinstance(v, DictV | ListV | SetV) and name in mutated_globals(ev, mod):
            v = OpaqueV(Stability.UNKNOWN, name, Loc.of(mod.path, mod.tree),
                        "module table changed in place at run time")
        elif use is None and isinstance(v, DictV | ListV | SetV):
            why = _handed_global(ev, mod, name)
            if why is not None:
                v = OpaqueV(Stability.UNKNOWN, name, Loc.of(mod.path, mod.tree), why)
    return v


def _handed_global(ev: Evaluator, mod: ModuleInfo, name: str) -> str | None:
    """Why the module's table `name` may not hold its import-time value when a function reads
    it: a function of the module hands it to a call that may change it (`add_tools(TOOLS)`)."""
    guard = ("handed global", mod.path, name)
    if guard in ev.active:
        ev.guard_hit(guard)
        return None
    ev.activate(guard)
    try:
        for fn, call, arg in _handed_globals(mod).get(name, ()):
            eff = mutations.call_effect(ev, call, arg, env_at(mod, call))
            if isinstance(eff, mutations.Unknown):
                return f"module table {eff.why}"
            if eff is not None:
                return f"module table changed in place by {getattr(eff.fn.node, 'name', '')}(), called from {fn.name}()"
    finally:
        ev.deactivate(guard)
    return None


def _local_to(mod: ModuleInfo, fn: ast.AST, name: str) -> bool:
    """Is `name`, read in `fn`, a name of `fn` or of a function around it (not the module's)?"""
    scope: ast.AST | None = fn
    while isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
        ix = mod.flow_of(scope)
        if name in ix.globals_:
            return False
        if name in ix.params or ix.binds(name, scope):
            return True
        scope = mod.enclosing_scope(scope)
    return False


def _handed_globals(mod: ModuleInfo) -> dict[str, list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, ast.Call,
                                                             ast.expr]]]:
    """The calls in the module's functions each module-level name is handed to (a function of
    the module's tree alone, kept with it)."""
    key = ("handed globals",)
    got = mod.shared.get(key)
    if got is not None:
        return got  # type: ignore[no-any-return]
    out: dict[str, list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, ast.Call, ast.expr]]] = {}
    for fn in mod.functions:
        ix = mod.flow_of(fn)
        for name, evs in ix.passed.items():
            if "." in name or _local_to(mod, fn, name):
                continue  # a name of the function's own, or of one around it
            for e in evs:
                if isinstance(e.extra, ast.Call) and isinstance(e.value, ast.expr) \
                        and mod.enclosing_function(e.extra) is fn:
                    out.setdefault(name, []).append((fn, e.extra, e.value))
    mod.shared[key] = out
    return out


def star_import(ev: Evaluator, name: str, mod: ModuleInfo) -> Value | None:
    """`name` provided by a `from x import *` of a project module."""
    for stmt in mod.tree.body:
        if isinstance(stmt, ast.ImportFrom) and any(a.name == "*" for a in stmt.names):
            target = ev.project.resolve_module(mod, stmt.module or "", stmt.level)
            if target is not None and target is not mod and name in target.flow.events:
                return from_project(ev, target, name, stmt, Env(mod, None, import_time=True))
    return None


def global_writes(ev: Evaluator, mod: ModuleInfo) -> set[str]:
    return mod.global_names


def mutated_globals(ev: Evaluator, mod: ModuleInfo) -> set[str]:
    """Module-level names a function of the module changes in place (`TABLE[k] = v`,
    `TABLE.update(...)`, `TOOLS.append(...)`): read from a function, their import-time value
    is not what the code sees (a registry filled at run time)."""
    # A function of the module's tree alone: kept with the module (shared by every project
    # of the process through the module cache) and, for a module parsed again after being
    # evicted, by its text.
    got = mod.mutated
    if got is not None:
        return got
    key = (mod.path, mod.text)
    got = _MUTATED.get(key)
    if got is None:
        got = _mutated_globals(mod)
        if len(_MUTATED) >= 1024:
            _MUTATED.clear()  # bounded: a large tree's modules come and go
        _MUTATED[key] = got
    mod.mutated = got
    return got


def local_value(ev: Evaluator, name: str, use: ast.AST, env: Env, ix: FlowIndex) -> Value:
    evs = ix.events.get(name)
    if evs and any(e.kind == "opaque" and isinstance(e.stmt, ast.With | ast.AsyncWith) for e in evs):
        bound = with_binding(ev, name, use, env, ix)
        if bound is not None:
            return bound
    guard = (id(ix), hash((name, _pos(use), id(env.bindings))))
    if guard in ev.active:
        ev.guard_hit(guard)
        return ev.unknown(env, use, f"`{name}` depends on itself")
    # The cycle check comes first: a value memoised earlier must not stand in for the cut
    # the guard makes here. Every EndOfModule is the same position with no block chain.
    key = (id(ix), name, "end" if isinstance(use, EndOfModule) else id(use), env.memo_key())
    got = ev.local_memo.get(key)
    if got is not None:
        return got[0]
    cut = ev.local_within.get(key)
    if cut is not None and ev.within(cut[1]):
        return cut[0]
    state = ev.memo_begin(guard)
    done = False
    learned: list[tuple[tuple[object, ...], Value | None]] = []
    try:
        value = _local_value(ev, name, use, env, ix, learned)
        done = True
    finally:
        scope = ev.memo_end(guard, state)
        if done and scope is WHOLE:
            ev.local_memo[key] = (value, (ix, use, env))
            for k, v in learned:
                ev.event_memo[k] = (v, (ix, env))
        elif done and scope is not None:
            ev.local_within[key] = (value, scope, (ix, use, env))
    return value


def _local_value(ev: Evaluator, name: str, use: ast.AST, env: Env, ix: FlowIndex,
                 learned: list[tuple[tuple[object, ...], Value | None]]) -> Value:
    """The value of `name` at `use`: its last assignment on the way there, then every change
    after it. The value after each change, for uses in the same block, is kept (in `learned`,
    memoised by the caller): a later use starts from it instead of applying every change again,
    which made a chain of n changes that each read the name cost n * n steps."""
    use_pos = _pos(use) if not isinstance(use, EndOfModule) else (10**9, 0)
    if isinstance(use, EndOfModule):
        use_chain: tuple[tuple[int, str], ...] = ()
        use_loops: tuple[int, ...] = ()
    else:
        use_chain, use_loops = env.mod.statement_chain(env.scope, use)
    all_events = ix.timeline(name)
    evs = [e for e in all_events if e.pos <= use_pos]
    base_i: int | None = None
    for i in range(len(evs) - 1, -1, -1):
        e = evs[i]
        if e.kind in ("assign", "loopvar", "opaque", "import", "def") and is_prefix(e.chain, use_chain):
            base_i = i
            break
    # What a value after the j-th event depends on, when the events before the use are the
    # first ones of the name (always, but for events that end after a later one: a loop's).
    prefix_key: tuple[object, ...] | None = None
    if len(evs) == len(all_events) or all(e.pos > use_pos for e in all_events[len(evs):]):
        prefix_key = (id(ix), name, env.memo_key(), use_chain, use_loops)
    first = -1 if base_i is None else base_i
    start = first
    value: Value | None = None
    found = False
    if prefix_key is not None:
        for j in range(len(evs) - 1, first - 1, -1):
            got = ev.event_memo.get((*prefix_key, j))
            if got is not None:
                value, start, found = got[0], j, True
                break
    if not found:
        if base_i is None:
            value = param_value(ev, name, env, ix) if name in ix.params else None
        elif evs[base_i].kind == "loopvar" and loops.item_key(evs[base_i].stmt) in env.overlay:
            value = env.overlay[loops.item_key(evs[base_i].stmt)]  # the item being followed
        else:
            value = event_value(ev, evs[base_i], env)
            if prefix_key is not None:
                learned.append(((*prefix_key, base_i), value))
    # Read inside a loop around the request (a chat loop) and set before it: the same on every
    # turn of that loop, so what changes per turn in it is per conversation (session). Changes
    # made inside the loop stay per turn.
    req_loop = next((lp for lp in use_loops if lp in ev.request_loops), None)
    invariant = req_loop is not None and (start < 0 or req_loop not in evs[start].in_loop)
    if not invariant and not isinstance(use, EndOfModule) and ev.request_loops & env.mod.comprehensions_around(use):
        # Read in a comprehension that makes a request per item (a batch): a name of the
        # function is set outside it (a comprehension binds only its own targets).
        invariant = True
    # Loop-carried: changes later in a loop around the use reach it on the next pass, after
    # what was set before the loop and before this pass's own changes (a history appended to
    # in a chat loop holds the earlier turns, then this turn's message).
    later = {lp: [e for e in all_events if e.pos > use_pos and lp in e.in_loop] for lp in use_loops}
    carried: set[int] = set()
    j = start + 1
    while j < len(evs):
        e = evs[j]
        if invariant and req_loop in e.in_loop and value is not None:
            value, invariant = restabilise(value, Stability.TURN, Stability.SESSION), False
        for lp in use_loops:
            if lp in e.in_loop and lp not in carried and value is not None:
                carried.add(lp)
                if later[lp]:
                    value = loop_carry(ev, value, later[lp], env, use)
                    # what is carried depends on where the use is in the loop: not shared
                    prefix_key = None
        if e.kind == "passed" and (value is None or not mutations.is_container(value)):
            j += 1  # a call can change only a list or dict it is handed
            continue
        cond = not is_prefix(e.chain, use_chain)
        if cond:
            taken = branch_taken(ev, e, use_chain, env)
            if taken is False:
                j += 1
                continue
            cond = taken is None
        rep = any(lp not in use_loops for lp in e.in_loop)
        unrolled = loops.unrollable(ev, e, use_loops, ix, env) if rep and value is not None else None
        if unrolled is not None:
            # The changes this loop makes, applied item by item (see loops.py).
            loop, items = unrolled
            end = j
            while end < len(evs) and evs[end].in_loop == e.in_loop:
                end += 1
            group = evs[j:end]
            outer = not is_prefix(ix.chains.get(id(loop), ()), use_chain)
            for item in items:
                ienv = env.child(overlay={**env.overlay, loops.item_key(loop): item})
                for x in group:
                    runs = loops.item_truth(ev, x, loop, ienv)
                    if runs is None and not outer and x.kind == "assign":
                        # Set for the items a test picks that the item does not decide: which
                        # item's value it ends with is a guess, so it is not followed.
                        value = ev.unknown(ienv, x.stmt, "set in a loop for the items a test picks")
                    elif runs is not False:
                        value = apply_event(ev, value, x, ienv, outer or runs is None, False)
            j += len(group)
            if prefix_key is not None:
                learned.append(((*prefix_key, j - 1), value))
            continue
        value = apply_event(ev, value, e, env, cond, rep)
        if prefix_key is not None:
            learned.append(((*prefix_key, j), value))
        j += 1
    if invariant and value is not None:
        value = restabilise(value, Stability.TURN, Stability.SESSION)
    if value is not None and base_i is not None and evs[base_i].kind == "assign" \
            and value_stability(value) == Stability.VOLATILE and shared_by_calls(ev, env, name):
        # Sent as one value by this request and another of the same kind (a warm-up call, then
        # the real one): what changes per request is the same for the two, as in a conversation.
        value = restabilise(value, Stability.VOLATILE, Stability.SESSION)
    for lp in use_loops:
        if lp not in carried and later[lp] and value is not None:
            value = loop_carry(ev, value, later[lp], env, use)
    if value is None:
        return ev.unknown(env, use, f"`{name}` is not assigned on every path")
    return value


def shared_by_calls(ev: Evaluator, env: Env, name: str) -> bool:
    """Does another call of the same callee as the request being assembled (`client.messages.create`
    written the same way), in the same function, pass the local `name` too?"""
    req = ev.request_node
    scope = env.scope
    if not isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    ev.context_reads += 1  # the answer depends on which request it is: see Evaluator.keep_summary
    if req is None or env.mod.enclosing_function(req) is not scope:
        return False
    callee = ast.dump(req.func)
    for call in env.mod.calls:
        if call is req or (call.lineno, call.col_offset) == (req.lineno, req.col_offset):
            continue  # the request itself (or the call a declared wrapper's request stands for)
        if env.mod.enclosing_function(call) is not scope or ast.dump(call.func) != callee:
            continue
        if any(isinstance(n, ast.Name) and n.id == name for a in [*call.args, *call.keywords] for n in ast.walk(a)):
            return True
    return False


def branch_taken(ev: Evaluator, e: Event, use_chain: tuple[tuple[int, str], ...], env: Env) -> bool | None:
    """Does `e`, in a branch the use is not in, run with the values of `env`? False when an `if`
    around it has a test known to pick the other branch (`if "tools" in kwargs:` in mem0's
    request builder, given the keyword arguments of the call being analysed); True when it is
    under `if` statements only, each known to take its side (`if new_variable_tags is None:`
    given the constructor's default); None otherwise. Tests are decided as every other
    (branches.truth)."""
    shared = 0
    while shared < min(len(e.chain), len(use_chain)) and e.chain[shared] == use_chain[shared]:
        shared += 1
    sides = dict(e.chain[shared:])
    node: ast.AST | None = e.stmt
    taken: bool | None = True
    while node is not None and sides:
        parent = env.mod.parents.get(id(node))
        if parent is not None and id(parent) in sides:
            side = sides.pop(id(parent))
            truth = branches.truth(ev, parent.test, env) if isinstance(parent, ast.If) else None
            if truth is not None and truth != (side == "body"):
                return False
            if truth is None:
                taken = None  # a loop, a `try`, a `match` or a test not decided
        node = parent
    return taken if not sides else None


def param_value(ev: Evaluator, name: str, env: Env, ix: FlowIndex) -> Value:
    if env.bindings is not None and name in env.bindings:
        return env.bindings[name]
    arg = ix.params[name]
    scope = env.scope
    fname = getattr(scope, "name", "<lambda>")
    if arg.annotation is not None:
        ann = annotation_client(ev, arg.annotation, env)
        if isinstance(ann, ClientV) and ann.kind == LANGCHAIN_DECLARED_MODEL and env.bindings is None \
                and fname == "__init__":
            # `def __init__(self, llm: BaseChatModel)`: the chat models the project builds it
            # with, when they can be told (quivr's LLMEndpoint.from_config), else any
            made = callers.constructor_argument(ev, env, name)
            if made is not None and _has_client(made):
                return made
        if ann is not None:
            return ann
    if is_self_param(ev, name, env):
        if env.self_value is not None:
            return env.self_value
        inst = self_instance(env)
        if inst is not None:
            return inst
        return ev.opaque(env, arg, Stability.UNKNOWN, "instance state")
    if env.bindings is None and name == "self":
        # a module function's plain `self` parameter: the object each call hands it
        passed = callers.self_argument(ev, env, name)
        if passed is not None:
            return passed
    if env.bindings is None and scope is not None and getattr(scope, "name", None) == "__init__":
        # what the object was built with, where the project builds it (see callers.py)
        made = callers.constructor_argument(ev, env, name)
        if made is not None:
            return made
    # The function that builds each request is called once per turn: its parameters change
    # from one call to the next, unless every caller passes the same (see callers.py).
    found, outside = callers.param_stability(ev, env, name) if env.bindings is None else (None, "")
    stab = found if found is not None else Stability.TURN
    return OpaqueV(
        stab,
        name,
        ev.loc(env, arg),
        f"parameter `{name}` of {fname}()" + _CALLERS_SAY.get(stab, outside),
        passthrough=True,
        elements=stab,
    )


_CALLERS_SAY = {Stability.STABLE: " (every caller in the project passes text fixed in the code)"}


def with_binding(ev: Evaluator, name: str, use: ast.AST, env: Env, ix: FlowIndex) -> Value | None:
    """`f` inside `with open(p) as f:`: the object itself, for the library values whose
    `__enter__` returns them (files, paths), when nothing rebinds `f` before the use."""
    cur: ast.AST = use
    while True:
        parent = env.mod.parents.get(id(cur))
        if parent is None or isinstance(parent, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
                                        | ast.ClassDef):
            return None
        if isinstance(parent, ast.With | ast.AsyncWith) and cur in parent.body:
            for item in parent.items:
                if isinstance(item.optional_vars, ast.Name) and item.optional_vars.id == name:
                    start = (getattr(item.context_expr, "end_lineno", 0) or 0,
                             getattr(item.context_expr, "end_col_offset", 0) or 0)
                    use_pos = _pos(use)
                    if any(e.stmt is not parent and start < e.pos <= use_pos for e in ix.events.get(name, [])):
                        return None  # rebound inside the block
                    v = ev.eval(item.context_expr, env)
                    return v if isinstance(v, REGISTRY.enters_itself) else None
        cur = parent


def is_self_param(ev: Evaluator, name: str, env: Env) -> bool:
    scope = env.scope
    if not isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    params = [*scope.args.posonlyargs, *scope.args.args]
    if not params or params[0].arg != name:
        return False
    parent = env.mod.parents.get(id(scope))
    if not isinstance(parent, ast.ClassDef):
        return False
    return all(not (isinstance(d, ast.Name) and d.id == "staticmethod") for d in scope.decorator_list)


def annotation_client(ev: Evaluator, ann: ast.expr, env: Env) -> Value | None:
    node = ann
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            node = ast.parse(node.value, mode="eval").body
        except SyntaxError:
            return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return annotation_client(ev, node.left, env) or annotation_client(ev, node.right, env)
    if isinstance(node, ast.Subscript):  # Optional[OpenAI]
        return annotation_client(ev, node.slice, env)
    if isinstance(node, ast.Name | ast.Attribute):
        qual = qualname_of(ev, node, env)
        if qual:
            cc = client_class(qual)
            if cc:
                return ClientV(cc[0], cc[1])
            kind = LANGCHAIN_MODEL_CLASSES.get(qual)
            if kind is not None:  # a langchain chat model: its settings are not known here
                return ClientV(LANGCHAIN_CHAT_MODELS[kind], kind)
            if qual in LANGCHAIN_BASE_MODELS:
                # any chat model (`llm: BaseChatModel`): provider, model and settings unknown, so
                # only the rules that hold for every provider apply (see frameworks)
                # only the rules that hold for every provider apply (see frameworks); the tools
                # or schema it may have been bound with where it was made are not known either
                bound = ev.unknown(env, node, "tools or schema bound where the chat model is made")
                return ClientV("openai", LANGCHAIN_DECLARED_MODEL,
                               settings=DictV((("tools", bound),), ev.loc(env, node), False))
    return None



def _has_client(v: Value) -> bool:
    """Is `v` an SDK client or chat model, or one of several values one of which is?"""
    return any(isinstance(o, ClientV) for o in (flat_options(v) if isinstance(v, AltV) else [v]))

def qualname_of(ev: Evaluator, node: ast.expr, env: Env) -> str | None:
    """The imported qualified name of a Name/Attribute chain, if it comes from an import."""
    if isinstance(node, ast.Name):
        v = lookup(ev, node.id, node, env)
        return v.qualname if isinstance(v, ModuleRefV) else None
    if isinstance(node, ast.Attribute):
        base = qualname_of(ev, node.value, env)
        return f"{base}.{node.attr}" if base else None
    return None


def event_value(ev: Evaluator, e: Event, env: Env) -> Value:
    if e.kind == "assign" and e.value is not None:
        v = ev.eval(e.value, env)
        return rebind_loc(ev, v, e, env)
    if e.kind == "loopvar" and e.value is not None:
        it = ev.eval(e.value, env)
        if isinstance(e.extra, ast.Tuple | ast.List):
            inner = ev.element_of(it, env, e.value)
            element = ev.element_of(inner, env, e.value) if isinstance(inner, ListV) else inner
        else:
            element = ev.element_of(it, env, e.value)
        if id(e.stmt) in ev.request_loops:
            # the loop around the request takes another element on every pass: whatever text
            # the element holds, it is not the same from one turn to the next
            for was in (Stability.UNKNOWN, Stability.STABLE):
                element = restabilise(element, was, Stability.TURN)
        return element
    if e.kind == "import" and isinstance(e.extra, ast.Import | ast.ImportFrom):
        return import_value(ev, e.name, e.extra, env)
    if e.kind == "def" and isinstance(e.extra, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return FuncRefV(e.extra.name, e.extra, env.mod.path)
    if e.kind == "opaque":
        stmt = e.stmt
        if isinstance(stmt, ast.Assign):
            rhs = ev.eval(stmt.value, env)
            target = stmt.targets[0]
            if isinstance(target, ast.Tuple | ast.List):
                names = [t.id if isinstance(t, ast.Name) else None for t in target.elts]
                rows = flat_options(rhs) if isinstance(rhs, AltV) else [rhs]
                if e.name in names and all(
                    isinstance(r, ListV) and len(r.items) == len(names)
                    and not any(i.repeated or i.optional for i in r.items) for r in rows
                ):
                    # `a, b = row` with row one of several (a table looked up by a key): `a`
                    # is one of their first items
                    picked: list[Value] = []
                    for r in rows:
                        assert isinstance(r, ListV)
                        v = r.items[names.index(e.name)].value
                        if v not in picked:
                            picked.append(v)
                    return picked[0] if len(picked) == 1 else AltV(tuple(picked), ev.loc(env, stmt),
                                                                 ev.src(env, stmt))
            return ev.opaque(env, stmt, value_stability(rhs), "unpacked value")
        return ev.unknown(env, stmt, f"`{e.name}` bound by {type(stmt).__name__.lower()}")
    return ev.unknown(env, e.stmt, f"`{e.name}`")


def rebind_loc(ev: Evaluator, v: Value, e: Event, env: Env) -> Value:
    return v


def apply_event(ev: Evaluator, value: Value | None, e: Event, env: Env, cond: bool, rep: bool) -> Value | None:
    if e.kind in ("assign", "loopvar", "opaque", "import", "def"):
        new = event_value(ev, e, env)
        if value is None or not cond:
            return new
        return AltV((value, new), ev.loc(env, e.stmt), ev.src(env, e.stmt))
    if value is None:
        return None
    if e.kind == "augassign" and e.value is not None and isinstance(e.extra, ast.AugAssign):
        rhs = ev.eval(e.value, env)
        if rep:
            stab = value_stability(rhs)
            piece = ev.opaque(
                env, e.value, Stability.STABLE if stab == Stability.STATIC else stab,
                "appended in a loop",
            )
            rhs = piece
        new = ev.binop(value, rhs, e.extra.op, env, e.extra)
        if cond and not rep and isinstance(new, StrV) and isinstance(e.extra.op, ast.Add) \
                and isinstance(value, StrV | OpaqueV | AltV) and isinstance(rhs, StrV | OpaqueV | AltV):
            # `if c: s += x` is s, then x or nothing: one optional piece. Both whole strings as
            # alternatives would hold s twice, and n such ifs 2**n paths to walk.
            tail = ev.as_pieces(rhs, env, e.extra)
            opt = Alt((tail, ()), ev.loc(env, e.stmt), ev.src(env, e.stmt))
            return StrV(merge_pieces((*ev.as_pieces(value, env, e.extra), opt)))
        if cond and not rep:
            return AltV((value, new), ev.loc(env, e.stmt), ev.src(env, e.stmt))
        return new
    if e.kind == "passed":
        return handed(ev, value, e, env, cond, rep)
    if isinstance(value, AltV) and e.kind in ("call", "setitem"):
        flat = flat_options(value)
        if len(flat) <= MAX_ALT_ITERATION and all(isinstance(o, DictV | ListV) for o in flat):
            # one of several dicts or lists (a helper returning one of two request dicts) changed
            # in place: each changes the same way
            options = [apply_event(ev, o, e, env, cond, rep) for o in flat]
            return AltV(tuple(o for o in options if o is not None), value.loc, value.source)
    if e.kind == "call" and isinstance(e.extra, ast.Call):
        return mutate(ev, value, e.extra, env, cond, rep)
    if e.kind == "setitem" and isinstance(e.extra, ast.Subscript) and e.value is not None:
        return setitem(ev, value, e.extra, e.value, env, cond)
    if e.kind == "delitem":
        return ev.unknown(env, e.stmt, "item deleted") if not isinstance(value, DictV) else value
    if e.kind == "attrset" and isinstance(value, RecordV):
        return record_changed(ev, value, e, env, cond or rep)
    return value


def record_changed(ev: Evaluator, rec: RecordV, e: Event, env: Env, cond: bool) -> RecordV:
    """A record (dataclass, pydantic model) held in a name after `name.field = v` or
    `name.field.append(v)` (sweep's `chat_gpt.messages = [Message(...)]`): the field is `v`,
    or changed as the list method changes it; a change deeper in the field makes it unknown."""
    change = e.extra
    target = change.func.value if isinstance(change, ast.Call) and isinstance(change.func, ast.Attribute) else change
    field = target
    while isinstance(field, ast.Attribute | ast.Subscript) and not (
            isinstance(field, ast.Attribute) and isinstance(field.value, ast.Name)):
        field = field.value
    if not isinstance(field, ast.Attribute):
        return rec
    old = rec.attr(field.attr)
    new: Value
    if target is not field or (old is None and isinstance(change, ast.Call)):
        new = ev.unknown(env, e.stmt, f"`{field.attr}` changed in place")
    elif isinstance(change, ast.Call):
        assert old is not None
        new = mutate(ev, old, change, env, cond, False)
    elif e.value is not None:
        new = ev.eval(e.value, env)
        if cond:
            new = AltV((old if old is not None else ConstV(None), new), ev.loc(env, e.stmt), ev.src(env, e.stmt))
    else:
        new = ev.unknown(env, e.stmt, f"`{field.attr}` set")
    entries = tuple((k, v) for k, v in rec.entries if k != field.attr)
    return replace(rec, entries=(*entries, (field.attr, new)))


def as_list(ev: Evaluator, value: Value, env: Env, node: ast.AST) -> ListV | None:
    if isinstance(value, ListV):
        return value
    if isinstance(value, OpaqueV):
        return ListV((Item(ev.element_of(value, env, node), repeated=True),), value.loc)
    return None


def mutate(ev: Evaluator, value: Value, call: ast.Call, env: Env, cond: bool, rep: bool) -> Value:
    assert isinstance(call.func, ast.Attribute)
    meth = call.func.attr
    optional = cond and not rep
    if meth in ("append", "extend", "insert"):
        lst = as_list(ev, value, env, call)
        if lst is None:
            return value
        items = list(lst.items)
        if meth == "append" and len(call.args) == 1:
            items.append(Item(ev.eval(call.args[0], env), optional=optional, repeated=rep))
        elif meth == "extend" and len(call.args) == 1:
            add = ev.eval(call.args[0], env)
            for it in ev.spread(add, env, call.args[0]):
                items.append(replace(it, optional=it.optional or optional,
                                     repeated=it.repeated or rep))
        elif meth == "insert" and len(call.args) == 2:
            idx = ev.eval(call.args[0], env)
            new = Item(ev.eval(call.args[1], env), optional=optional, repeated=rep)
            plain = all(not (i.repeated or i.optional) for i in items)
            if isinstance(idx, ConstV) and isinstance(idx.value, int) and plain and not rep:
                i = idx.value
                items.insert(i if i >= 0 else max(0, len(items) + i), new)
            elif isinstance(idx, ConstV) and idx.value == 0 and not rep:
                items.insert(0, new)
            else:
                return ev.unknown(env, call, "inserted at an unknown position")
        else:
            return ev.unknown(env, call, f"list.{meth} with unusual arguments")
        return ListV(tuple(items), lst.loc, lst.is_tuple)
    if meth in ("update", "setdefault") and isinstance(value, DictV):
        if meth == "update" and len(call.args) <= 1 and not rep:
            updated: DictV | None = value
            for part in [*call.args, *call.keywords]:
                add = ev.eval(part.value if isinstance(part, ast.keyword) else part, env)
                if isinstance(part, ast.keyword) and part.arg is not None:
                    add = DictV(((part.arg, add),))
                if updated is None or not isinstance(add, DictV):
                    updated = None
                    break
                updated = DictV(updated.entries + add.entries, value.loc, updated.complete and add.complete)
            if updated is not None and cond:
                # each key updated is its old value or the new one; not two whole dicts, which
                # doubles with every conditional update
                news = dict(updated.entries[len(value.entries):])
                entries = [(k, v) for k, v in value.entries if k not in news]
                entries += [(k, AltV((value.get(k) or ConstV(None), v), ev.loc(env, call), ev.src(env, call)))
                            for k, v in news.items()]
                return DictV(tuple(entries), value.loc, updated.complete)
            if updated is not None:
                return updated
        return DictV(value.entries, value.loc, False)
    if meth == "pop" and isinstance(value, DictV) and call.args:
        key = ev.eval(call.args[0], env)
        k = text_of(key.pieces) if isinstance(key, StrV) else None
        if k is None:
            # `params.pop(name, None)` for a name the analysis cannot tell (smolagents drops the
            # settings a model refuses): as for `params[name] = v`, the keys it knows stay.
            return DictV(value.entries, value.loc, False)
        if not rep:
            if cond:
                old = value.get(k)
                if old is None:
                    return value
                gone = AltV((old, ConstV(None)), ev.loc(env, call), ev.src(env, call))
                return DictV(tuple((x, gone if x == k else v) for x, v in value.entries), value.loc, value.complete)
            return DictV(tuple(x for x in value.entries if x[0] != k), value.loc, value.complete)
    if meth == "clear" and not cond and not rep:
        if isinstance(value, ListV):
            return ListV((), value.loc, value.is_tuple)
        if isinstance(value, DictV):
            return DictV((), value.loc)
    if meth == "sort" and isinstance(value, ListV) and not cond:
        return ev.sorted_value(value, env, call)
    # pop/remove/reverse/...: the list changed in a way not followed.
    return ev.unknown(env, call, f"changed by .{meth}()")


def setitem(ev: Evaluator, value: Value, target: ast.Subscript, rhs: ast.expr, env: Env, cond: bool) -> Value:
    key = ev.eval(target.slice, env)
    new = ev.eval(rhs, env)
    if isinstance(value, DictV):
        k = text_of(key.pieces) if isinstance(key, StrV) else None
        if k is not None:
            if cond:
                old = value.get(k) or ConstV(None)
                new = AltV((old, new), ev.loc(env, target), ev.src(env, target))
            return DictV((*value.entries, (k, new)), value.loc, value.complete)
        # `for k, v in overrides.items(): params[k] = v`: a key the analysis cannot name is
        # added, as `params.update(overrides)` adds keys; the keys it knows stay known.
        return DictV(value.entries, value.loc, False)
    if isinstance(value, ListV) and isinstance(key, ConstV) and isinstance(key.value, int):
        items = list(value.items)
        i = key.value
        if all(not (x.repeated or x.optional) for x in items) and -len(items) <= i < len(items):
            items[i] = Item(AltV((items[i].value, new), ev.loc(env, target),
                                 ev.src(env, target)) if cond else new)
            return ListV(tuple(items), value.loc, value.is_tuple)
    return ev.unknown(env, target, "item assignment not followed")


def handed(ev: Evaluator, value: Value, e: Event, env: Env, cond: bool, rep: bool) -> Value:
    """`value` (of `e.name`) after the call `e` hands it to (see mutations.py): unchanged, as the
    project function that changes it leaves it, or unknown."""
    if not mutations.is_container(value):
        return value
    eff = mutations.effect(ev, e, env)
    if eff is None:
        return value
    call = e.extra
    assert isinstance(call, ast.Call)
    if isinstance(eff, mutations.Unknown):
        return ev.unknown(env, call, eff.why)
    after = _followed(ev, value, eff, call, env)
    if after == value:
        return value  # a wrapper that only hands it on (to the SDK, to a helper that reads it)
    fname = getattr(eff.fn.node, "name", "<lambda>")
    if isinstance(after, OpaqueV):
        return ev.unknown(env, call, f"changed in place by {fname}() ({after.cause})")
    if not cond and not rep:
        return add_hop(after, ev.hop(env, call, f"changed in place by {fname}()"))
    # Called in a branch or a loop: what the call adds is there or not, once or any number of
    # times, after what was there before.
    if isinstance(value, ListV) and isinstance(after, ListV) and after.items[:len(value.items)] == value.items:
        added = [replace(it, optional=it.optional or (cond and not rep), repeated=it.repeated or rep)
                 for it in after.items[len(value.items):]]
        return ListV((*value.items, *added), value.loc, value.is_tuple)
    if isinstance(value, DictV) and isinstance(after, DictV) and after.entries[:len(value.entries)] == value.entries:
        news = dict(after.entries[len(value.entries):])
        entries = [(k, v) for k, v in value.entries if k not in news]
        entries += [(k, AltV((value.get(k) or ConstV(None), v), ev.loc(env, call), ev.src(env, call)))
                    for k, v in news.items()]
        return DictV(tuple(entries), value.loc, value.complete and after.complete)
    return ev.unknown(env, call, f"changed in place by {fname}() in a branch or a loop")


def _followed(ev: Evaluator, value: Value, eff: mutations.Follow, call: ast.Call, env: Env) -> Value:
    """The callee's parameter where it stops changing it, with `value` bound to it."""
    fnode = eff.fn.node
    assert isinstance(fnode, ast.FunctionDef | ast.AsyncFunctionDef)
    if env.depth >= MAX_DEPTH:
        return ev.unknown(env, call, "helper chain too deep to follow")
    bindings = interproc.bind_args(ev, fnode, call, env, eff.mod, eff.self_value)
    if bindings is None:
        return ev.unknown(env, call, "arguments not followed")
    bindings[eff.param] = value
    parent_env: Env | None = None
    outer = eff.mod.enclosing_scope(fnode)
    if eff.mod is env.mod and outer is not None and not isinstance(outer, ast.ClassDef):
        parent_env = env if env.scope is outer else Env(eff.mod, outer, None, None, env.import_time, env.depth)
    inner = Env(eff.mod, fnode, bindings, parent_env, env.import_time, env.depth + 1, self_value=eff.self_value)
    # the end of the function: after every statement of its body, on no branch of it
    anchor: ast.AST = eff.end if eff.end is not None else EndOfModule(eff.mod)
    return local_value(ev, eff.param, anchor, inner, eff.mod.flow_of(fnode))


def loop_carry(ev: Evaluator, value: Value, later: list[Event], env: Env, use: ast.AST) -> Value:
    grows = any(e.kind == "call" for e in later)
    if mutations.is_container(value):
        for e in later:
            if e.kind != "passed":
                continue
            eff = mutations.effect(ev, e, env)
            if isinstance(eff, mutations.Unknown):
                return ev.unknown(env, use, eff.why)
            if isinstance(eff, mutations.Follow) and not grows and isinstance(e.extra, ast.Call):
                # a wrapper that only hands it on leaves it as it was
                grows = _followed(ev, value, eff, e.extra, env) != value
    reassigned = any(e.kind in ("assign", "augassign", "opaque") for e in later)
    if isinstance(value, ListV) and grows:
        tail = ev.opaque(env, use, Stability.TURN, APPENDED_EARLIER)
        return ListV((*value.items, Item(tail, repeated=True)), value.loc, value.is_tuple)
    if reassigned:
        return AltV((value, ev.opaque(env, use, Stability.TURN, REASSIGNED_EARLIER)),
                    ev.loc(env, use), ev.src(env, use))
    return value


def import_value(ev: Evaluator, name: str, stmt: ast.Import | ast.ImportFrom, env: Env) -> Value:
    if isinstance(stmt, ast.Import):
        for a in stmt.names:
            if (a.asname or a.name.split(".")[0]) == name:
                return ModuleRefV(a.name if a.asname else a.name.split(".")[0])
    else:
        modname = stmt.module or ""
        for a in stmt.names:
            if (a.asname or a.name) == name:
                target = ev.project.resolve_module(env.mod, modname, stmt.level)
                if target is not None:
                    return from_project(ev, target, a.name, stmt, env)
                prefix = "." * stmt.level + modname
                return ModuleRefV(f"{prefix}.{a.name}" if prefix else a.name)
    return ev.unknown(env, stmt, f"import of `{name}`")


def from_project(ev: Evaluator, target: ModuleInfo, attr: str, stmt: ast.AST, env: Env) -> Value:
    sub = ev.project.module_by_name(f"{target.name}.{attr}") if target.name else None
    if sub is not None and attr not in target.flow.events:
        return ModuleRefV(sub.name)
    if attr not in target.flow.events:
        star = star_import(ev, attr, target)  # `from .sub import *` in a package's __init__
        if star is not None:
            return star
        return ModuleRefV(f"{target.name}.{attr}")
    v = module_value(ev, attr, target, None)
    return add_hop(v, ev.hop(env, stmt, f"`{attr}` imported from {target.name or target.path}"))


def is_overload(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Is this a `typing.overload` stub? Only the undecorated definition after the stubs runs."""
    return "overload" in decorator_names(fn)


def decorator_names(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    names = set()
    for d in fn.decorator_list:
        target = d.func if isinstance(d, ast.Call) else d
        if isinstance(target, ast.Name):
            names.add(target.id)
        elif isinstance(target, ast.Attribute):
            names.add(target.attr)
    return names


def instance_of(cls: ast.ClassDef, mod: ModuleInfo) -> InstanceV:
    qual = f"{mod.name}.{cls.name}" if mod.name else cls.name
    return InstanceV(cls, mod.path, qual, (cls.lineno, cls.col_offset))


def self_instance(env: Env) -> Value | None:
    """The value of `self` (an instance) or `cls` (the class) in a method of a project class."""
    scope = env.scope
    if not isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
        return None
    cls = env.mod.parents.get(id(scope))
    if not isinstance(cls, ast.ClassDef):
        return None
    decos = decorator_names(scope)
    if "classmethod" in decos:
        return FuncRefV(cls.name, cls, env.mod.path)
    return instance_of(cls, env.mod)

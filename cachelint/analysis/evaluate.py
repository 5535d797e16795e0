"""Evaluate expressions abstractly: what text a prompt expression produces, and how stable each part is.

Nothing is executed. Every construct the evaluator does not understand becomes an
opaque value whose stability is derived from its inputs, never guessed worse than
that: precision over recall.

The evaluator is the language core: expression dispatch (here), names and data flow
(scopes.py), calls into project functions (interproc.py), classes and `self` (classes.py),
and the memo, budget and shared results that bound the work (here). What a library does
(`textwrap.dedent`, `Path.read_text`, `str.format`, Jinja, ...) is a library model in
cachelint.analysis.library, found through its registry; a model sees the evaluator only
through library.api.EvaluatorAPI.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from cachelint.analysis import branches, chat_subclasses, classes, interproc, loops, records, scopes
from cachelint.analysis.env import MAX_ALT_ITERATION, MAX_STEPS, MAX_UNROLL, WHOLE, Budget, Env, Within
from cachelint.analysis.files import PromptFiles
from cachelint.analysis.frameworks import LANGCHAIN_BIND
from cachelint.analysis.library.catalog import REGISTRY
from cachelint.analysis.library.clocks import clock_stability
from cachelint.analysis.library.registry import AttributeModel, CallModel, MethodModel
from cachelint.analysis.module import ModuleInfo, import_module_argument
from cachelint.analysis.shared import SharedResult
from cachelint.analysis.statics import NotStatic, format_value, static_text, to_python
from cachelint.analysis.valuekeys import KeyCache
from cachelint.analysis.values import (
    MAX_TEXT,
    VARYING,
    Alt,
    AltV,
    ClientV,
    ConstV,
    DictV,
    FuncRefV,
    Hole,
    Item,
    ListV,
    Loc,
    ModuleRefV,
    OpaqueV,
    Piece,
    RecordV,
    SetV,
    StrV,
    Text,
    Value,
    add_hop,
    element_stability,
    flat_options,
    is_text,
    map_alternatives,
    merge_pieces,
    part_of,
    pieces_stability,
    repeat_pieces,
    spread_entries,
    text_of,
    value_stability,
    worst,
)
from cachelint.diagnostics import Span
from cachelint.fastinit import replace
from cachelint.prompt import Hop, Stability

if TYPE_CHECKING:
    from cachelint.analysis.callsites import Site

Comprehension = ast.ListComp | ast.GeneratorExp | ast.SetComp | ast.DictComp
MAX_TABLE_OPTIONS = 32  # values of a table looked up by a computed key, kept as alternatives
MAX_ALT_VALUES = 64  # distinct values an operation on one of several values is applied to


class ProjectHooks:
    """What the evaluator asks of the project (other modules, classes, files).

    The single-module default knows no other module: imported names stay opaque.
    """

    def resolve_module(self, mod: ModuleInfo, name: str, level: int) -> ModuleInfo | None:
        return None

    def module_by_name(self, qualname: str) -> ModuleInfo | None:
        return None

    def module_from_path(self, path: str) -> ModuleInfo | None:
        return None

    def constructions(self, init: ast.FunctionDef | ast.AsyncFunctionDef,
                      mod: ModuleInfo) -> list[Site] | None:
        """The calls that run `init`, an `__init__` defined in `mod` (see
        cachelint.analysis.callsites); None when they cannot all be seen."""
        return None

    def method_calls(self, fn: ast.FunctionDef | ast.AsyncFunctionDef, mod: ModuleInfo) -> list[Site] | None:
        """The calls of method `fn` (defined in `mod`) in the modules of its class hierarchy
        (see cachelint.analysis.callsites)."""
        return None

    def declared_attribute(self, node: ast.Attribute, base: Value, env: Env) -> Value | None:
        """The SDK client or chat model an attribute of an object known only by its declared
        class holds (`self.endpoint._llm` where `endpoint: LLMEndpoint`), or None."""
        return None

    def chat_models(self, value: OpaqueV) -> list[ClientV]:
        """The langchain chat models a parameter's value holds at every call of its function
        in the project (see cachelint.analysis.calls.passed_chat_models), or none."""
        return []

    # Whether a public function's parameter is judged by its calls in the whole project (see
    # cachelint.analysis.callers): the wrapper scan, whose verdicts never depend on a
    # parameter's stability, does not pay for it.
    follow_public_callers = True

    def function_calls(self, fn: ast.FunctionDef | ast.AsyncFunctionDef, mod: ModuleInfo) -> list[Site] | None:
        """The calls of the public function or method `fn` anywhere in the project (see
        cachelint.analysis.callsites); None when they cannot all be seen."""
        return None

    def exported(self, fn: ast.FunctionDef | ast.AsyncFunctionDef, mod: ModuleInfo) -> str | None:
        """What says code outside the project may call `fn` (its module's `__all__`, a package's
        re-export), or None."""
        return None

    def files_naming(self, words: frozenset[str]) -> tuple[str, ...] | None:
        """The project's files (tests aside) that may reach a name spelt as one of `words`
        (the class index's words); None when there are too many to look at."""
        return ()

    def load(self, path: str) -> ModuleInfo | None:
        """The module at `path`, parsed (None when it cannot be)."""
        return None

    # Results shared with other projects of the process (see cachelint.analysis.shared):
    # a project that shares records what a computation depends on, and replays it on reuse.
    shares = False
    # The project has loaded its share of source and loads no more modules (see
    # cachelint.analysis.project.MAX_PROJECT_SOURCE_BYTES).
    source_capped = False

    def begin_record(self) -> int:
        raise NotImplementedError

    def end_record(self, mark: int) -> tuple[tuple[Any, ...], frozenset[str]]:
        """The events since `mark`, and the real paths of the modules they resolved."""
        raise NotImplementedError

    def may_reuse(self, paths: frozenset[str]) -> bool:
        """May a result that resolved these modules serve here (none is this project's own)?"""
        return False

    def replay(self, events: tuple[Any, ...]) -> None:
        raise NotImplementedError


class SummaryMark(NamedTuple):
    """The evaluator's counters when a helper's computation began (see Evaluator.keep_summary)."""

    steps: int
    hits: int
    reads: int
    capped: bool


class Summary(NamedTuple):
    """A helper call's result kept across call sites (see Evaluator.site_memo)."""

    options: tuple[Value, ...]
    steps: int  # evaluation steps it took
    capped: bool  # computed after the project had reached its share of source
    anchor: object  # what the key names by identity, kept alive with it


class Evaluator:
    """Abstract evaluation of the expressions of one project (see the module docstring)."""

    def __init__(self, project: ProjectHooks | None = None) -> None:
        self.project = project or ProjectHooks()
        self.steps = 0
        # Cycle guards of the computations in progress, each with its level: how many guards
        # were active when it was added (guards are added and removed last in, first out).
        self.active: dict[object, int] = {}
        # The activation of the guard at each level, a number never given twice: a result cut
        # by older guards stays valid while the innermost of them is the same activation.
        self._serials: list[int] = []
        self._serial = 0
        # The levels of the guards a cycle check has hit (`depends on itself`, `recursive
        # helper`) since the innermost memoised computation began; None when none was hit.
        self.hits: set[int] | None = None
        # Results of local_value and of helper calls within one top-level evaluation (see
        # reset_budget), with the objects their keys name by identity, to keep those alive.
        # Without them evaluation is exponential in code that reads a name several times
        # (every use re-evaluated every assignment before it, and every helper call its body).
        self.local_memo: dict[tuple[object, ...], tuple[Value, object]] = {}
        # The value of a name after each of its events, for uses in one block (see
        # scopes._local_value): a chain of changes is followed once, not once per use.
        self.event_memo: dict[tuple[object, ...], tuple[Value | None, object]] = {}
        self.helper_memo: dict[tuple[object, ...], tuple[tuple[Value, ...], object]] = {}
        # The same for results cut by a cycle guard older than their computation, each with the
        # activations it depends on (see memo_end): valid only while those are in progress.
        self.local_within: dict[tuple[object, ...], tuple[Value, Within, object]] = {}
        self.helper_within: dict[tuple[object, ...], tuple[tuple[Value, ...], Within, object]] = {}
        self.module_memo: dict[tuple[str, str], Value] = {}
        # Results of helper calls kept across the call sites of this project, keyed by the
        # argument values' content (see interproc._site_key), each with the steps it took.
        # Not cleared by reset_budget: what a site's evaluation may differ in is in the key
        # (the request's loops) or stops a result from being kept (see keep_summary).
        self.site_memo: dict[tuple[object, ...], Summary] = {}
        self.value_keys: KeyCache = {}  # the content keys of the values met (see valuekeys)
        # How often an evaluation read which request is being assembled (see
        # scopes.shared_by_calls): a result that did is not kept across sites.
        self.context_reads = 0
        # How often the budget ran out (a result computed while it did is not shared).
        self.budget_hits = 0
        self._global_writes: dict[str, set[str]] = {}
        # Prompt files are read inside `root` only (None reads none), each once per run.
        self.root: str | None = None
        self.prompt_files: PromptFiles | None = None
        # Attributes of instances of project classes (see classes.py), by class and name, for
        # the evaluator's whole life.
        self.instance_attrs: dict[tuple[int, str, str], Value | None] = {}
        self.attr_namespace = ""  # which of them are read (see callers.argument_values)
        # The library models for each (value type, name), looked up once per evaluator.
        self._method_models: dict[tuple[type, str], list[MethodModel]] = {}
        self._attribute_models: dict[tuple[type, str], list[AttributeModel]] = {}
        # What each parameter of a function holds across its callers (see callers.py), with
        # the function, to keep the id in the key from being reused.
        self.param_stabilities: dict[tuple[object, ...], tuple[Stability | None, object]] = {}
        # Likewise for a public function's parameters, with why callers outside decide.
        self.public_stabilities: dict[tuple[object, ...], tuple[tuple[Stability | None, str] | None, object]] = {}
        # What each parameter of a constructor holds across the project's constructions (see
        # callers.constructor_argument), with the function, for the same reason.
        self.constructor_args: dict[tuple[object, ...], tuple[Value | None, object]] = {}
        # What the calls of a method pass for a parameter (see callers.passed_values), likewise.
        self.passed_args: dict[tuple[object, ...], tuple[list[Value] | None, object]] = {}
        # Cycle guards below this level are not looked at by callers._in_public: a chat model
        # handed through parameters is judged from its callers in full (callers.argument_values)
        # even when a public function's callers are being followed.
        self.public_floor = 0
        # The langchain chat model each project class extends, or None (see chat_subclasses),
        # with the class, likewise.
        self.chat_bases: dict[tuple[object, ...], tuple[str | None, object]] = {}
        # The loops around the request being assembled and around the wrapper calls that lead
        # to it: a value set before one of them and read inside is per conversation (session).
        self.request_loops: frozenset[int] = frozenset()
        # The SDK call being assembled (see scopes.shared_by_calls).
        self.request_node: ast.Call | None = None

    # ------------------------------------------------------------------ utils

    def loc(self, env: Env, node: ast.AST) -> Loc:
        return Loc.of(env.mod.path, node)

    def src(self, env: Env, node: ast.AST) -> str:
        return env.mod.source_of(node)

    def opaque(self, env: Env, node: ast.AST, stability: Stability, cause: str, **kw: Any) -> OpaqueV:
        return OpaqueV(stability, self.src(env, node), self.loc(env, node), cause, **kw)

    def unknown(self, env: Env, node: ast.AST, cause: str) -> OpaqueV:
        return self.opaque(env, node, Stability.UNKNOWN, cause)

    def hop(self, env: Env, node: ast.AST, note: str) -> Hop:
        return Hop(env.mod.span(node), note)

    def files_naming(self, words: frozenset[str]) -> tuple[str, ...] | None:
        return self.project.files_naming(words)

    def module_at(self, path: str) -> ModuleInfo | None:
        return self.project.load(path)

    def files(self) -> PromptFiles:
        """The prompt files of the project root (made again if the root changes)."""
        pf = self.prompt_files
        if pf is None or pf.root_arg != self.root:
            pf = PromptFiles(self.root)
            pf.listener = getattr(self.project, "note_read", None)
            self.prompt_files = pf
        return pf

    # ------------------------------------------------------------------ entry

    def reset_budget(self, allowance: int = MAX_STEPS, keep_memo: bool = False) -> None:
        """Start a top-level evaluation: `allowance` steps, and no memoised results (unless
        `keep_memo`: another evaluation of the same caller's values).

        The budget is kept as steps already taken (MAX_STEPS - allowance), so code that still
        sets `steps = 0` directly gets the full budget back."""
        self.steps = MAX_STEPS - allowance
        if not keep_memo:
            self.local_memo.clear()
            self.event_memo.clear()
            self.helper_memo.clear()
            self.local_within.clear()
            self.helper_within.clear()
        self.hits = None

    def eval(self, node: ast.AST, env: Env) -> Value:
        self.steps += 1
        if self.steps > MAX_STEPS:
            self.budget_hits += 1
            raise Budget()
        try:
            method = getattr(self, "e_" + type(node).__name__, None)
            if method is None:
                return self.unknown(env, node, f"{type(node).__name__} expression")
            result: Value = method(node, env)
            return result
        except RecursionError:
            # What is cut here depends on how deep the stack already was: nothing in
            # progress may be memoised, as if a cycle guard older than all of them was hit.
            self._hit(-1)
            return self.unknown(env, node, "too deeply nested to follow")

    # ------------------------------------------------------------------ memoising

    def activate(self, guard: object) -> int:
        """Add cycle guard `guard` (not active); returns its level."""
        level = len(self.active)
        self.active[guard] = level
        self._serial += 1
        self._serials.append(self._serial)
        return level

    def deactivate(self, guard: object) -> None:
        """Remove `guard`, the guard added last."""
        del self.active[guard]
        self._serials.pop()

    def guard_hit(self, guard: object) -> None:
        """A cycle check found `guard` active: the value about to be returned holds a cut, and
        only computations that began after the guard was added (it is theirs) may memoise it
        for any context; the others, only while the guard is in progress (see memo_end)."""
        self._hit(self.active[guard])

    def _hit(self, level: int) -> None:
        if self.hits is None:
            self.hits = {level}
        else:
            self.hits.add(level)

    def memo_begin(self, guard: object) -> tuple[int, set[int] | None]:
        """Activate `guard` for a memoisable computation; returns what memo_end needs."""
        level = self.activate(guard)
        saved = self.hits
        self.hits = None
        return level, saved

    def memo_end(self, guard: object, state: tuple[int, set[int] | None]) -> Within | None:
        """Deactivate `guard`. The value computed since memo_begin is the same in any context
        when it depends on no cycle guard older than the computation itself: WHOLE. When it
        does, it is the same while those guards are the same activations (the guards below
        the innermost of them cannot change while it lasts): a Within naming them, or None
        when that cannot be told (a RecursionError, which depends on the stack's depth)."""
        level, saved = state
        self.deactivate(guard)
        hits = self.hits
        if not hits:
            self.hits = saved
            return WHOLE
        older = frozenset(h for h in hits if h < level)
        if not older:
            self.hits = saved
            return WHOLE
        if saved is None:
            saved = set(older)
        else:
            saved |= older
        self.hits = saved
        low = min(older)
        if low < 0:
            return None
        top = max(older)
        return Within(older, top, self._serials[top])

    def within(self, scope: Within) -> bool:
        """Is a result memoised with `scope` valid here? Taking it, the computation in
        progress depends on the same guards, as computing it again would have made it."""
        serials = self._serials
        if scope.top >= len(serials) or serials[scope.top] != scope.serial:
            return False
        if self.hits is None:
            self.hits = set(scope.levels)
        else:
            self.hits |= scope.levels
        return True

    def summary_mark(self) -> SummaryMark:
        """What keep_summary compares, taken when a helper's computation begins."""
        return SummaryMark(self.steps, self.budget_hits, self.context_reads, self.project.source_capped)

    def keep_summary(self, key: tuple[object, ...], options: tuple[Value, ...], mark: SummaryMark,
                     anchor: object) -> None:
        """Keep a helper's result (computed since `mark`, depending on no older cycle guard) for
        the other call sites of this project, unless it depends on more than its key says: the
        budget ran out inside it (a caught Budget makes a result depend on the steps left), it
        read which request is being assembled, or the project reached its share of source
        while computing it (what it loaded then depends on what was loaded before)."""
        if self.budget_hits != mark.hits or self.context_reads != mark.reads \
                or self.project.source_capped != mark.capped:
            return
        self.site_memo[key] = Summary(options, self.steps - mark.steps, mark.capped, anchor)

    def reuse_summary(self, summary: Summary) -> bool:
        """Take a result kept by keep_summary, as if computed again: its steps are charged to
        this site's budget. Not when it was computed before the project reached its share of
        source and the project has reached it since (computing it now would load less)."""
        if self.project.source_capped and not summary.capped:
            return False
        self.steps += summary.steps
        if self.steps > MAX_STEPS:
            self.budget_hits += 1
            raise Budget()
        return True

    def shared(self, mod: ModuleInfo, key: object, compute: Callable[[], Any]) -> Any:
        """`compute()`, a result of `mod` the same in every project, shared with the other
        projects of this process that hold the same parsed module (see
        cachelint.analysis.shared). Reusing it charges the steps it took and replays its
        dependencies, as computing it again would."""
        project = self.project
        if not project.shares:
            return compute()
        table = mod.shared
        got: SharedResult | None = table.get(key)
        if got is not None and project.may_reuse(got.paths) and not project.source_capped:
            self.steps += got.steps
            if self.steps > MAX_STEPS:
                self.budget_hits += 1
                raise Budget()
            project.replay(got.events)
            if not project.source_capped:
                return got.value
            # The replay reached the project's share of source: the modules it loaded before
            # that are loaded, the rest are not, as computing it here would have found them.
            self.steps -= got.steps
        guard = ("shared", id(mod), key)
        if guard in self.active:
            return compute()
        mark = project.begin_record()
        steps, hits = self.steps, self.budget_hits
        state = self.memo_begin(guard)
        done = False
        try:
            value = compute()
            done = True
        finally:
            whole = self.memo_end(guard, state) is WHOLE
            events, paths = project.end_record(mark)
        if whole and done and got is None and self.budget_hits == hits and project.may_reuse(paths):
            table[key] = SharedResult(value, events, paths, self.steps - steps)
        return value

    # ------------------------------------------------------------------ literals

    def e_Constant(self, node: ast.Constant, env: Env) -> Value:
        if isinstance(node.value, str):
            return StrV((Text(node.value, self.loc(env, node)),))
        if node.value is Ellipsis:
            return self.unknown(env, node, "...")
        return ConstV(node.value, self.loc(env, node))

    def e_JoinedStr(self, node: ast.JoinedStr, env: Env) -> Value:
        pieces: list[Piece] = []
        for part in node.values:
            if isinstance(part, ast.Constant) and isinstance(part.value, str):
                pieces.append(Text(part.value, self.loc(env, node)))
            elif isinstance(part, ast.FormattedValue):
                pieces.extend(self.formatted(part, env))
        return StrV(merge_pieces(pieces))

    def formatted(self, part: ast.FormattedValue, env: Env) -> tuple[Piece, ...]:
        value = self.eval(part.value, env)
        spec: str | None = None
        if part.format_spec is not None:
            spec_v = self.eval(part.format_spec, env)
            spec = text_of(spec_v.pieces) if isinstance(spec_v, StrV) else None
            if spec is None:
                spec = "?"  # a computed spec: formatting cannot be reproduced
        conv = chr(part.conversion) if part.conversion and part.conversion > 0 else None
        placeholder = "{" + self.src(env, part.value) + ("!" + conv if conv else "")
        if part.format_spec is not None:
            placeholder += ":" + (spec if spec not in (None, "?") else "…")
        placeholder += "}"
        return self.as_pieces(value, env, part.value, spec=spec, conv=conv, source=placeholder)

    def e_List(self, node: ast.List | ast.Tuple, env: Env) -> Value:
        items: list[Item] = []
        for elt in node.elts:
            if isinstance(elt, ast.Starred):
                items.extend(self.spread(self.eval(elt.value, env), env, elt))
            else:
                items.append(Item(self.eval(elt, env)))
        return ListV(tuple(items), self.loc(env, node), isinstance(node, ast.Tuple))

    e_Tuple = e_List

    def spread(self, v: Value, env: Env, node: ast.AST) -> list[Item]:
        if isinstance(v, ListV):
            return list(v.items)
        if isinstance(v, SetV):
            return [Item(self.opaque(env, node, Stability.UNORDERED, "iteration order of a set"),
                         repeated=True)]
        return [Item(self.element_of(v, env, node), repeated=True)]

    def e_Set(self, node: ast.Set, env: Env) -> Value:
        elems = tuple(self.eval(e, env) for e in node.elts if not isinstance(e, ast.Starred))
        return SetV(elems, self.loc(env, node), self.src(env, node))

    def e_Dict(self, node: ast.Dict, env: Env) -> Value:
        entries: list[tuple[str, Value]] = []
        complete = True
        for k, v in zip(node.keys, node.values, strict=True):
            if k is None:
                more, whole = spread_entries(self.eval(v, env))
                entries.extend(more)
                complete = complete and whole
                continue
            key = self.eval(k, env)
            key_text = text_of(key.pieces) if isinstance(key, StrV) else None
            if key_text is None:
                complete = False
                continue
            entries.append((key_text, self.eval(v, env)))
        return DictV(tuple(entries), self.loc(env, node), complete)

    # ------------------------------------------------------------------ names

    def e_Name(self, node: ast.Name, env: Env) -> Value:
        return scopes.lookup(self, node.id, node, env)

    # ------------------------------------------------------------------ imports

    # ------------------------------------------------------------------ attributes, subscripts

    def e_Attribute(self, node: ast.Attribute, env: Env) -> Value:
        base = self.eval(node.value, env)
        return self.attribute(base, node.attr, node, env)

    def attribute(self, base: Value, attr: str, node: ast.AST, env: Env) -> Value:
        if isinstance(base, ModuleRefV):
            qual = f"{base.qualname}.{attr}"
            mod = self.project.module_by_name(base.qualname)
            if mod is not None:
                sub = self.project.module_by_name(qual)
                if sub is not None:
                    return ModuleRefV(qual)
                if attr in mod.flow.events:
                    v = scopes.module_value(self, attr, mod, None)
                    return add_hop(v, self.hop(env, node, f"`{attr}` defined in {mod.name}"))
            return ModuleRefV(qual)
        if isinstance(base, ClientV):
            return base
        if isinstance(base, OpaqueV):
            key = (type(base), attr)
            models = self._attribute_models.get(key)
            if models is None:
                models = self._attribute_models[key] = REGISTRY.attribute_models(*key)
            for model in models:
                got = model(self, base, attr, node, env)
                if got is not None:
                    return got
            if isinstance(node, ast.Attribute):
                held = self.project.declared_attribute(node, base, env)
                if held is not None:
                    return held
            return OpaqueV(base.stability, self.src(env, node), self.loc(env, node), base.cause,
                           clock=base.clock if attr in ("tzinfo",) else None, hops=base.hops,
                           passthrough=base.passthrough, elements=base.elements)
        if isinstance(base, AltV):
            some = [o for o in base.options if not _is_none(o)]
            if some and len(some) < len(base.options):
                # `spec = TABLE.get(name)` then `spec.chat_class` under `if spec is not None:`:
                # on None the read raises, so the value is read from the other options only
                base = some[0] if len(some) == 1 else AltV(tuple(some), base.loc, base.source)
                if not isinstance(base, AltV):
                    return self.attribute(base, attr, node, env)
            return self.map_alt(base, lambda o: self.attribute(o, attr, node, env), node, env)
        if isinstance(base, RecordV):
            got = records.attribute(self, base, attr, node, env)
            if got is not None:
                return got
            for model in REGISTRY.attribute_models(type(base), attr):
                got = model(self, base, attr, node, env)
                if got is not None:
                    return got
        return self.class_attribute(base, attr, node, env)

    def class_attribute(self, base: Value, attr: str, node: ast.AST, env: Env) -> Value:
        got = classes.attribute(self, base, attr, node, env)
        if got is not None:
            return got
        return self.unknown(env, node, f"attribute `{attr}`")

    def e_Subscript(self, node: ast.Subscript, env: Env) -> Value:
        base = self.eval(node.value, env)
        if isinstance(base, ModuleRefV):
            if base.qualname == "os.environ":
                return self.opaque(env, node, Stability.STABLE, "environment variable")
            return ModuleRefV(base.qualname + "[]")
        if isinstance(node.slice, ast.Slice):
            if isinstance(base, StrV):
                t = text_of(base.pieces)
                lo = self.eval(node.slice.lower, env) if node.slice.lower else ConstV(None)
                hi = self.eval(node.slice.upper, env) if node.slice.upper else ConstV(None)
                if t is not None and isinstance(lo, ConstV) and isinstance(hi, ConstV) and node.slice.step is None:
                    try:
                        return StrV((Text(t[_ix(lo.value):_ix(hi.value)], self.loc(env, node)),))
                    except TypeError:
                        pass
            if isinstance(base, ListV) and node.slice.step is None:
                lo = self.eval(node.slice.lower, env) if node.slice.lower else ConstV(None)
                hi = self.eval(node.slice.upper, env) if node.slice.upper else ConstV(None)
                plain = all(not (i.repeated or i.optional) for i in base.items)
                if plain and isinstance(lo, ConstV) and isinstance(hi, ConstV):
                    try:
                        return ListV(base.items[_ix(lo.value):_ix(hi.value)], base.loc, base.is_tuple)
                    except TypeError:
                        pass
            return self.opaque(env, node, worst(value_stability(base), Stability.UNKNOWN)
                               if value_stability(base) == Stability.STATIC else value_stability(base),
                               "slice")
        key = self.eval(node.slice, env)
        return self.index(base, key, node, env)

    def index(self, base: Value, key: Value, node: ast.AST, env: Env) -> Value:
        if isinstance(base, DictV) and isinstance(key, StrV):
            k = text_of(key.pieces)
            if k is not None:
                got = base.get(k)
                if got is not None:
                    return got
        if isinstance(base, ListV) and isinstance(key, ConstV) and isinstance(key.value, int):
            items = base.items
            i = key.value
            if all(not (x.repeated or x.optional) for x in items) and -len(items) <= i < len(items):
                return items[i].value
            if i >= 0 and all(not (x.repeated or x.optional) for x in items[: i + 1]) and i < len(items):
                return items[i].value
        table = self.table_lookup(base, key, env, node)
        if table is not None:
            return table
        if isinstance(base, OpaqueV):
            item = REGISTRY.item_model(type(base))
            got = item(self, base, key, node, env) if item is not None else None
            if got is not None:
                return got
            return OpaqueV(worst(base.stability, value_stability(key)), self.src(env, node),
                           self.loc(env, node), base.cause, hops=base.hops,
                           passthrough=base.passthrough, elements=base.elements)
        if isinstance(base, StrV):
            return self.opaque(env, node, pieces_stability(base.pieces), "character of a string")
        if isinstance(base, AltV):
            return self.map_alt(base, lambda o: self.index(o, key, node, env), node, env)
        stab = worst(value_stability(base), value_stability(key))
        return self.opaque(env, node, stab if stab != Stability.STATIC else Stability.UNKNOWN, "item lookup")

    def map_alt(self, v: AltV, fn: Callable[[Value], Value], node: ast.AST, env: Env) -> Value:
        """`fn` applied to each of the values `v` may be. Alternatives nest and share parts (a
        chain of conditional assignments): each distinct one is visited once, by identity, and
        past MAX_ALT_VALUES of them the result is one unknown value (sympy's domain.py made
        836,000 attribute lookups through such a chain)."""
        leaves = flat_options(v, MAX_ALT_VALUES)
        if len(leaves) > MAX_ALT_VALUES:
            return self.opaque(env, node, worst(value_stability(v), Stability.UNKNOWN)
                               if value_stability(v) == Stability.STATIC else value_stability(v),
                               "one of too many values")
        out: list[Value] = []
        for leaf in leaves:
            got = fn(leaf)
            if got not in out:
                out.append(got)
        return out[0] if len(out) == 1 else AltV(tuple(out), self.loc(env, node), self.src(env, node))

    def table_lookup(self, base: Value, key: Value, env: Env, node: ast.AST,
                     default: Value | None = None) -> Value | None:
        """`TABLE[key]` (or `TABLE.get(key, default)`) with a key that is not a literal: one of the
        table's values. Each value gives a prompt of its own, and there are only so many, so a
        key that changes per call (a language code, a persona) still leaves a cacheable prefix per
        value: the lookup is as stable as the worst value, not as the key (openai-agents'
        translation script picks the language name from a fixed table by a parameter)."""
        if isinstance(key, ConstV) or (isinstance(key, StrV) and text_of(key.pieces) is not None):
            return None  # a literal key that missed: a KeyError or a default, not a choice
        if isinstance(base, DictV) and base.complete:
            options = list(dict(base.entries).values())
        elif isinstance(base, ListV) and not any(i.repeated or i.optional for i in base.items):
            options = [i.value for i in base.items]
        else:
            return None
        if len(options) > 4 * MAX_TABLE_OPTIONS:
            return None  # a data table (idna's thousands of code points), not a choice of texts
        if default is not None:
            options.append(default)
        unique: list[Value] = []
        for o in options:
            if o not in unique:
                unique.append(o)
        if not unique or len(unique) > MAX_TABLE_OPTIONS:
            return None
        if len(unique) == 1:
            return unique[0]
        return AltV(tuple(unique), self.loc(env, node), self.src(env, node))

    # ------------------------------------------------------------------ operators

    def e_BinOp(self, node: ast.BinOp, env: Env) -> Value:
        left = self.eval(node.left, env)
        right = self.eval(node.right, env)
        textual = StrV | OpaqueV | AltV
        if (isinstance(node.op, ast.Add) and (is_text(left) or is_text(right))
                and isinstance(left, textual) and isinstance(right, textual)):
            # Concatenation: each operand's holes are located at the operand itself.
            lp = self.as_pieces(left, env, node.left)
            rp = self.as_pieces(right, env, node.right)
            return StrV(merge_pieces((*lp, *rp)))
        return self.binop(left, right, node.op, env, node)

    def binop(self, left: Value, right: Value, op: ast.operator, env: Env, node: ast.AST) -> Value:
        for model in REGISTRY.operators.get(type(op), ()):
            got = model(self, left, right, op, env, node)
            if got is not None:
                return got
        if isinstance(op, ast.Add):
            textual = StrV | OpaqueV | AltV
            if (is_text(left) or is_text(right)) and (
                isinstance(left, textual) and isinstance(right, textual)
            ):
                lp = self.as_pieces(left, env, node)
                rp = self.as_pieces(right, env, node)
                return StrV(merge_pieces((*lp, *rp)))
            if isinstance(left, ListV) and isinstance(right, ListV):
                return ListV(left.items + right.items, left.loc, left.is_tuple)
            # a list and one of several lists (`COMMON + TABLE.get(key, [])`): one of several sums
            for one, other in ((left, right), (right, left)):
                if (isinstance(one, ListV) and isinstance(other, AltV) and len(other.options) <= MAX_ALT_ITERATION
                        and all(isinstance(o, ListV) for o in other.options)):
                    return AltV(tuple(self.binop(left if other is right else o, o if other is right else right,
                                                 op, env, node) for o in other.options), other.loc, other.source)
            if isinstance(left, ListV) and isinstance(right, OpaqueV):
                return ListV((*left.items, Item(self.element_of(right, env, node), repeated=True)), left.loc)
            if isinstance(left, OpaqueV) and isinstance(right, ListV):
                return ListV((Item(self.element_of(left, env, node), repeated=True), *right.items), right.loc)
        if isinstance(op, ast.Mult):
            s, n = (left, right) if isinstance(left, StrV | ListV) or is_text(left) else (right, left)
            if isinstance(s, StrV) and isinstance(n, ConstV) and isinstance(n.value, int):
                return StrV(repeat_pieces(s.pieces, n.value))
            if isinstance(s, AltV) and is_text(s) and isinstance(n, ConstV) and isinstance(n.value, int):
                return AltV(tuple(self.binop(o, n, op, env, node) for o in s.options), s.loc, s.source)
            if isinstance(s, ListV) and isinstance(n, ConstV) and isinstance(n.value, int):
                if n.value <= 0:
                    return ListV((), s.loc)
                if len(s.items) * n.value <= 1000:
                    return ListV(s.items * n.value, s.loc, s.is_tuple)
                return ListV(tuple(replace(i, repeated=True) for i in s.items), s.loc)
        if isinstance(left, ConstV) and isinstance(right, ConstV):
            r = safe_arith(left.value, right.value, op)
            if r is not None:
                return ConstV(r, self.loc(env, node))
        stab = worst(value_stability(left), value_stability(right))
        part = (part_of(left, stab) or part_of(right, stab)) if stab in VARYING else None
        if part is not None:
            return self.opaque(env, node, stab, part.cause, hops=part.hops)  # what makes it change
        return self.opaque(env, node, stab if stab != Stability.STATIC else Stability.UNKNOWN,
                           "computed value")

    def e_UnaryOp(self, node: ast.UnaryOp, env: Env) -> Value:
        v = self.eval(node.operand, env)
        if isinstance(v, ConstV) and isinstance(v.value, int | float) and not isinstance(v.value, bool):
            if isinstance(node.op, ast.USub):
                return ConstV(-v.value, self.loc(env, node))
            if isinstance(node.op, ast.UAdd):
                return v
        return self.opaque(env, node, value_stability(v) if value_stability(v) != Stability.STATIC
                           else Stability.STABLE, "computed value")

    def e_IfExp(self, node: ast.IfExp, env: Env) -> Value:
        # `system_prompt if system_prompt else self.system_prompt` given a constant, `"system"
        # if isinstance(m, SystemMessage) else "user"` on a known message object: a test whose
        # value is known takes its side, as `x or DEFAULT` does (e_BoolOp)
        truth = branches.truth(self, node.test, env)
        if truth is not None:
            return self.eval(node.body if truth else node.orelse, env)
        a = self.eval(node.body, env)
        b = self.eval(node.orelse, env)
        if a == b:
            return a
        return AltV((a, b), self.loc(env, node), self.src(env, node))

    def e_BoolOp(self, node: ast.BoolOp, env: Env) -> Value:
        vals = [self.eval(v, env) for v in node.values]
        if isinstance(node.op, ast.Or):
            # `x or DEFAULT`: a static first operand that is truthy decides, and so does a list
            # known to hold an item (`messages or [{"role": "user", ...}]` given a message list)
            first = vals[0]
            if isinstance(first, StrV) and text_of(first.pieces):
                return first
            if isinstance(first, ListV) and any(not (i.optional or i.repeated) for i in first.items):
                return first
            return AltV(tuple(vals), self.loc(env, node), self.src(env, node))
        return AltV((vals[-1],), self.loc(env, node), self.src(env, node)) if len(vals) == 1 else \
            AltV(tuple(vals[-1:]), self.loc(env, node), self.src(env, node))

    def e_Compare(self, node: ast.Compare, env: Env) -> Value:
        stab = worst(*(value_stability(self.eval(x, env)) for x in [node.left, *node.comparators]))
        return self.opaque(env, node, stab if stab != Stability.STATIC else Stability.STABLE, "comparison")

    def e_Await(self, node: ast.Await, env: Env) -> Value:
        return self.eval(node.value, env)

    def e_NamedExpr(self, node: ast.NamedExpr, env: Env) -> Value:
        return self.eval(node.value, env)

    def e_Starred(self, node: ast.Starred, env: Env) -> Value:
        return self.eval(node.value, env)

    def e_Lambda(self, node: ast.Lambda, env: Env) -> Value:
        return FuncRefV("<lambda>", node, env.mod.path)

    # ------------------------------------------------------------------ comprehensions

    def e_ListComp(self, node: ast.ListComp | ast.GeneratorExp | ast.SetComp, env: Env) -> Value:
        result = self.comprehension(node, node.elt, env)
        if isinstance(node, ast.SetComp) and isinstance(result, ListV):
            return SetV(tuple(i.value for i in result.items), self.loc(env, node), self.src(env, node))
        return result

    e_GeneratorExp = e_ListComp
    e_SetComp = e_ListComp

    def e_DictComp(self, node: ast.DictComp, env: Env) -> Value:
        keys = self.comprehension(node, node.key, env)
        if isinstance(keys, ListV):
            vals = self.comprehension(node, node.value, env)
            if isinstance(vals, ListV) and len(vals.items) == len(keys.items):
                entries = []
                for k, v in zip(keys.items, vals.items, strict=True):
                    kt = text_of(k.value.pieces) if isinstance(k.value, StrV) else None
                    if kt is None or k.repeated:
                        break
                    # an item the filter may drop (`if v is not None`): the key is there or
                    # not, as after `if c: d[key] = v`
                    value = AltV((ConstV(None), v.value), self.loc(env, node), self.src(env, node)) \
                        if k.optional else v.value
                    entries.append((kt, value))
                else:
                    return DictV(tuple(entries), self.loc(env, node))
        stab = value_stability(keys)
        return self.opaque(env, node, stab if stab != Stability.STATIC else Stability.STABLE, "dict comprehension")

    def comprehension(self, node: Comprehension, elt: ast.expr, env: Env) -> Value:
        gens = node.generators
        if len(gens) == 1 and not gens[0].is_async:
            it = self.eval(gens[0].iter, env)
            if isinstance(it, AltV) and len(it.options) <= MAX_ALT_ITERATION:
                # over one of several sequences (a table looked up by a computed key): one
                # result per sequence, so each keeps its own text
                return AltV(tuple(self.comprehension_over(node, elt, env, o) for o in it.options),
                            self.loc(env, node), self.src(env, node))
            return self.comprehension_over(node, elt, env, it)
        return self.unknown(env, node, "nested comprehension")

    def comprehension_over(self, node: Comprehension, elt: ast.expr, env: Env, it: Value) -> Value:
        """A one-`for` comprehension whose iterable evaluated to `it`."""
        gen = node.generators[0]
        seq = self.unroll_source(it)
        if seq is not None:
            items: list[Item] = []
            for element, opt, rep in seq:
                overlay = dict(env.overlay)
                if not self.bind_target(gen.target, element, overlay, env):
                    break
                sub = env.child(overlay=overlay)
                picked = self.filter_truth(gen.ifs, sub)
                if picked is False:
                    continue  # the item decides the filter against itself (`if m["role"] != "system"`)
                # items the list has any number of (earlier turns) give any number of results
                items.append(Item(self.eval(elt, sub), optional=(opt or picked is None) and not rep, repeated=rep))
            else:
                if isinstance(it, SetV):
                    return SetV(tuple(i.value for i in items), it.loc, it.source)
                return ListV(tuple(items), self.loc(env, node))
        elem = self.element_of(it, env, gen.iter)
        overlay = dict(env.overlay)
        self.bind_target(gen.target, elem, overlay, env, force=True)
        v = self.eval(elt, env.child(overlay=overlay))
        stab = worst(value_stability(v), value_stability(elem))
        if isinstance(it, SetV) or (isinstance(elem, OpaqueV) and elem.stability == Stability.UNORDERED):
            stab = worst(stab, Stability.UNORDERED)
        if stab == Stability.STATIC:
            stab = Stability.STABLE
        # A list built by one `for` has elements like `v`; a set's order is its own problem.
        one_for = isinstance(node, ast.ListComp) and len(node.generators) == 1
        ordered = one_for and not (isinstance(it, SetV) or stab == Stability.UNORDERED)
        return OpaqueV(stab, self.src(env, node), self.loc(env, node),
                       "comprehension over " + self.src(env, gen.iter), elements=stab,
                       element=v if ordered else None)

    def filter_truth(self, tests: list[ast.expr], env: Env) -> bool | None:
        """Whether a comprehension's `if` filters keep the item bound in `env`: True or False
        when the item decides each (a role test on a known message), None when not known."""
        truths = [loops.test_truth(self, t, env) for t in tests]
        return False if False in truths else None if None in truths else True

    def unroll_source(self, it: Value) -> list[tuple[Value, bool, bool]] | None:
        """The elements a comprehension goes over, each with whether it may be absent and
        whether it stands for any number of elements (a list's repeated item)."""
        if isinstance(it, ListV):
            if len(it.items) > MAX_UNROLL:
                return None
            return [(i.value, i.optional, i.repeated) for i in it.items]
        if isinstance(it, SetV) and len(it.elements) <= MAX_UNROLL:
            return [(e, False, False) for e in it.elements]
        if isinstance(it, DictV) and it.complete and len(it.entries) <= MAX_UNROLL:
            return [(StrV((Text(k, None),)), False, False) for k, _ in dict(it.entries).items()]
        return None

    def bind_target(self, target: ast.expr, value: Value, overlay: dict[str, Value], env: Env,
                    force: bool = False) -> bool:
        if isinstance(target, ast.Name):
            overlay[target.id] = value
            return True
        if isinstance(target, ast.Tuple | ast.List):
            if isinstance(value, ListV) and len(value.items) == len(target.elts) and not force:
                return all(self.bind_target(t, i.value, overlay, env) for t, i in
                           zip(target.elts, value.items, strict=True))
            if force:
                for t in target.elts:
                    self.bind_target(t, self.element_of(value, env, t) if isinstance(value, ListV)
                                     else value, overlay, env, force=True)
                return True
            return False
        return force

    @staticmethod
    def elements_of(v: Value) -> Stability:
        """The stability of one element of `v` (see element_stability for mixed lists)."""
        if isinstance(v, ListV):
            return element_stability(value_stability(i.value) for i in v.items)
        if isinstance(v, OpaqueV) and v.elements is not None:
            return v.elements
        if isinstance(v, AltV):
            return element_stability(Evaluator.elements_of(o) for o in v.options)
        return value_stability(v)

    def element_of(self, it: Value, env: Env, node: ast.AST) -> Value:
        """A representative element when iterating `it`."""
        if isinstance(it, ListV):
            if len(it.items) == 1:
                return it.items[0].value
            stab = element_stability(value_stability(i.value) for i in it.items)
            if stab == Stability.STATIC:
                if it.items and all(isinstance(i.value, ListV) for i in it.items):
                    return it.items[0].value  # rows of a constant table: shape matters, not text
                stab = Stability.STABLE
            return self.opaque(env, node, stab, "element of " + self.src(env, node))
        if isinstance(it, SetV):
            return self.opaque(env, node, Stability.UNORDERED, "iteration order of a set")
        if isinstance(it, DictV):
            return self.opaque(env, node, Stability.STABLE, "key of " + self.src(env, node))
        if isinstance(it, OpaqueV):
            if it.element is not None:
                return it.element
            stab = it.elements or it.stability
            return OpaqueV(stab, self.src(env, node), self.loc(env, node),
                           it.cause if it.elements else "element of " + self.src(env, node),
                           hops=it.hops)
        if isinstance(it, StrV):
            return self.opaque(env, node, pieces_stability(it.pieces) if pieces_stability(it.pieces)
                               != Stability.STATIC else Stability.STABLE, "character of a string")
        stab = self.elements_of(it)
        return self.opaque(env, node, stab if stab != Stability.STATIC else Stability.UNKNOWN,
                           "element of " + self.src(env, node))

    # ------------------------------------------------------------------ string conversion

    def as_pieces(self, v: Value, env: Env, node: ast.AST, spec: str | None = None,
                  conv: str | None = None, source: str | None = None) -> tuple[Piece, ...]:
        """The text a value renders as in an f-string, `+` or `str()`."""
        loc = self.loc(env, node)
        src = source or self.src(env, node)
        if isinstance(v, StrV):
            if not spec and conv in (None, "s"):
                return v.pieces
            t = text_of(v.pieces)
            if t is not None and spec != "?":
                try:
                    rendered = format_value(repr(t) if conv == "r" else ascii(t) if conv == "a" else t, spec or "")
                    first = v.pieces[0] if v.pieces else None
                    return (Text(rendered, loc, first.hops if isinstance(first, Text | Hole) else ()),)
                except (ValueError, TypeError):
                    pass
            stab = pieces_stability(v.pieces)
            if stab == Stability.STATIC and spec != "?":  # a few alternatives: format each
                each = map_alternatives(v.pieces, lambda s: format_value(
                    repr(s) if conv == "r" else ascii(s) if conv == "a" else s, spec or ""))
                if each is not None:
                    return each
            return (Hole(stab if stab != Stability.STATIC else Stability.STABLE, src, loc, "formatted text"),)
        if isinstance(v, ConstV):
            if spec == "?":
                return (Hole(Stability.STABLE, src, loc, "formatted value"),)
            try:
                val = repr(v.value) if conv == "r" else ascii(v.value) if conv == "a" else \
                    str(v.value) if conv == "s" else v.value
                return (Text(format_value(val, spec or ""), loc),)
            except (ValueError, TypeError):
                return (Hole(Stability.STABLE, src, loc, "formatted value"),)
        if isinstance(v, OpaqueV):
            render = REGISTRY.renders.get(type(v))
            if render is not None:
                shown = render(self, v, env, node, spec, conv)
                if shown is not None:
                    return shown
            stab = v.stability
            cause = v.cause
            if v.clock is not None and not env.import_time:
                stab = clock_stability(v.clock, spec, conv)
            hops = v.hops
            if v.loc.pos[:2] != loc.pos[:2] or v.loc.path != loc.path:
                hops = (*hops, Hop(_span_of(v.loc, env), f"value `{v.source}`: {v.cause}"))
            return (Hole(stab, src, loc, cause, hops, unsorted_json=v.unsorted_json),)
        if isinstance(v, AltV):
            opts = tuple(self.as_pieces(o, env, node, spec, conv, source) for o in v.options)
            if all(o == opts[0] for o in opts):
                return opts[0]
            return (Alt(opts, loc, src),)
        if isinstance(v, ListV | DictV):
            try:
                obj = to_python(v)
                return (Text(format_value(repr(obj) if conv in ("r", "a") else str(obj), spec or "")
                             if spec != "?" else str(obj), loc),)
            except (NotStatic, ValueError, TypeError):
                stab = value_stability(v)
                return (Hole(stab if stab != Stability.STATIC else Stability.STABLE, src, loc,
                             "rendered container"),)
        if isinstance(v, SetV):
            if len(v.elements) <= 1:
                stab = value_stability(v)
                return (Hole(stab if stab != Stability.STATIC else Stability.STABLE, src, loc, "set"),)
            return (Hole(Stability.UNORDERED, src, loc, "iteration order of a set"),)
        if isinstance(v, ModuleRefV):
            return (Hole(Stability.STABLE, src, loc, f"`{v.qualname}` imported from outside the project"),)
        return (Hole(Stability.UNKNOWN, src, loc, "not a string"),)

    def to_str(self, v: Value, env: Env, node: ast.AST) -> StrV:
        return StrV(self.as_pieces(v, env, node))

    # ------------------------------------------------------------------ calls

    def e_Call(self, node: ast.Call, env: Env) -> Value:
        func = node.func
        if isinstance(func, ast.Attribute):
            recv = self.eval(func.value, env)
            return self.method_call(recv, func.attr, node, env)
        callee = self.eval(func, env)
        return self.call_value(callee, node, env)

    def call_value(self, callee: Value, node: ast.Call, env: Env) -> Value:
        if isinstance(callee, FuncRefV):
            if callee.qualname.startswith("builtins."):
                return self.builtin_call(callee.qualname[9:], node, env)
            if isinstance(callee.node, ast.FunctionDef | ast.AsyncFunctionDef):
                ret = callee.node.returns
                if ret is not None:
                    fmod = self.module_for_path(callee.module, env)
                    if fmod is not None:
                        client = scopes.annotation_client(self, ret, Env(fmod, None, import_time=True))
                        if client is not None:
                            return client  # `def make_client() -> AsyncOpenAI:` says what it returns
            if isinstance(callee.node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                return interproc.call_helper(self, callee, node, env)
            if isinstance(callee.node, ast.ClassDef):
                return self.instantiate(callee, node, env)
        if isinstance(callee, ModuleRefV):
            return self.qualname_call(callee.qualname, node, env)
        if isinstance(callee, AltV):
            return self.map_alt(callee, lambda o: self.call_value(o, node, env), node, env)
        return self.unknown_call(node, env, "call of " + self.src(env, node.func))

    def instantiate(self, cls: FuncRefV, node: ast.Call, env: Env) -> Value:
        got = chat_subclasses.instantiate(self, cls, node, env) or records.construct(self, cls, node, env) \
            or classes.instantiate(self, cls, node, env)
        if got is not None:
            return got
        return self.unknown_call(node, env, f"instance of {cls.qualname}")

    def arg_values(self, node: ast.Call, env: Env) -> list[Value]:
        vals = [self.eval(a, env) for a in node.args]
        vals.extend(self.eval(k.value, env) for k in node.keywords)
        return vals

    def unknown_call(self, node: ast.Call, env: Env, cause: str) -> Value:
        """A call that cannot be followed: its stability comes from its arguments."""
        if env.import_time:
            return self.opaque(env, node, Stability.STABLE, cause + " (evaluated once at import)")
        stab = Stability.UNKNOWN
        mixed = False
        for v in self.arg_values(node, env):
            s = value_stability(v)
            if s in VARYING:
                stab = worst(stab, s)
            # A collection whose elements may or may not change (see element_stability): what
            # the call keeps of it is unknown, so are the elements of its result.
            mixed = mixed or (isinstance(v, ListV | OpaqueV) and self.elements_of(v) == Stability.UNKNOWN
                              and s != Stability.UNKNOWN)
        return self.opaque(env, node, stab, cause, elements=Stability.UNKNOWN if mixed else None)

    def getattr_value(self, obj: Value, name: Value, node: ast.Call, env: Env) -> Value | None:
        """`getattr(obj, name)` with a name known as text. With several objects and names (a
        class loaded from one of several dotted paths: mem0's factory), a project module
        lacking the name would raise: that pairing is left out."""
        objs = flat_options(obj) if isinstance(obj, AltV) else [obj]
        names = flat_options(name) if isinstance(name, AltV) else [name]
        texts = [text_of(n.pieces) if isinstance(n, StrV) else None for n in names]
        if any(t is None for t in texts) or len(objs) * len(texts) > MAX_TABLE_OPTIONS ** 2:
            return None
        out: list[Value] = []
        for o in objs:
            for t in texts:
                assert t is not None
                if isinstance(o, ModuleRefV):
                    mod = self.project.module_by_name(o.qualname)
                    if mod is not None and t not in mod.flow.events \
                            and self.project.module_by_name(f"{o.qualname}.{t}") is None:
                        continue  # AttributeError: not a value this call can return
                got = self.attribute(o, t, node, env)
                if got not in out:
                    out.append(got)
        if not out:
            return None
        return out[0] if len(out) == 1 else AltV(tuple(out), self.loc(env, node), self.src(env, node))

    def qualname_call(self, qual: str, node: ast.Call, env: Env) -> Value:
        qual = qual.lstrip(".")
        named = import_module_argument(node) if qual == "importlib.import_module" else None
        if named is not None:
            # a module named by a literal (or one of several): the module itself, never imported
            arg = self.eval(named, env)
            names = flat_options(arg) if isinstance(arg, AltV) else [arg]
            quals = [text_of(n.pieces) if isinstance(n, StrV) else None for n in names]
            if all(q and not q.startswith(".") for q in quals):
                mods = [ModuleRefV(q) for q in quals if q]
                return mods[0] if len(mods) == 1 else AltV(tuple(mods), self.loc(env, node), self.src(env, node))
        got = self.library_call(qual, node, env)
        if got is not None:
            return got
        return interproc.project_call(self, qual, node, env)

    def library_call(self, qual: str, node: ast.Call, env: Env) -> Value | None:
        """The value a library model gives a call of `qual`; None when no model knows it."""
        model: CallModel
        for model in REGISTRY.call_models(qual):
            got = model(self, qual, node, env)
            if got is not None:
                return got
        return None

    def builtin_call(self, name: str, node: ast.Call, env: Env) -> Value:
        args = node.args
        if name == "getattr" and len(args) == 2 and not node.keywords:
            got = self.getattr_value(self.eval(args[0], env), self.eval(args[1], env), node, env)
            if got is not None:
                return got
        if name == "getattr" and len(args) == 3 and not node.keywords:
            # `getattr(sys, "_MEIPASS", here)`: PyInstaller's bundle folder, which holds the
            # files the program ships beside its modules; run as Python, `here` (qodo-cover's
            # settings folder).
            obj, attr = self.eval(args[0], env), self.eval(args[1], env)
            if isinstance(obj, ModuleRefV) and obj.qualname == "sys" and static_text(attr) == "_MEIPASS":
                return self.eval(args[2], env)
        if name == "str" and len(args) == 1 and not node.keywords:
            return self.to_str(self.eval(args[0], env), env, args[0])
        if name == "str" and not args:
            return StrV(())
        if name == "repr" and len(args) == 1:
            return StrV(self.as_pieces(self.eval(args[0], env), env, args[0], conv="r"))
        if name == "format" and 1 <= len(args) <= 2:
            spec_v = self.eval(args[1], env) if len(args) == 2 else StrV(())
            spec = text_of(spec_v.pieces) if isinstance(spec_v, StrV) else "?"
            return StrV(self.as_pieces(self.eval(args[0], env), env, args[0], spec=spec))
        if name == "sorted" and args:
            return self.sorted_value(self.eval(args[0], env), env, node)
        if name in ("list", "tuple") and len(args) == 1:
            v = self.eval(args[0], env)
            if isinstance(v, ListV):
                return ListV(v.items, v.loc, name == "tuple")
            if isinstance(v, DictV):
                return ListV(tuple(Item(StrV((Text(k, None),))) for k, _ in dict(v.entries).items()), v.loc)
            if isinstance(v, SetV):
                return self.opaque(env, node, Stability.UNORDERED, "iteration order of a set",
                                   elements=Stability.UNORDERED)
            if isinstance(v, OpaqueV):
                return OpaqueV(v.stability, self.src(env, node), self.loc(env, node), v.cause,
                               hops=v.hops, passthrough=v.passthrough, elements=v.elements)
        if name in ("list", "tuple") and not args:
            return ListV((), self.loc(env, node), name == "tuple")
        if name in ("set", "frozenset"):
            if not args:
                return SetV((), self.loc(env, node), self.src(env, node))
            v = self.eval(args[0], env)
            if isinstance(v, ListV) and not any(i.repeated for i in v.items):
                return SetV(tuple(i.value for i in v.items), self.loc(env, node), self.src(env, node))
            if isinstance(v, SetV):
                return v
            return self.opaque(env, node, Stability.UNORDERED, "iteration order of a set",
                               elements=Stability.UNORDERED)
        if name == "dict" and not args:
            entries = tuple((k.arg, self.eval(k.value, env)) for k in node.keywords if k.arg)
            return DictV(entries, self.loc(env, node), all(k.arg for k in node.keywords))
        if name == "dict" and len(args) == 1:
            v = self.eval(args[0], env)
            if isinstance(v, DictV):
                extra = tuple((k.arg, self.eval(k.value, env)) for k in node.keywords if k.arg)
                return DictV(v.entries + extra, v.loc, v.complete)
        if name in ("int", "float", "bool", "len", "abs", "round", "min", "max", "sum"):
            vals = [self.eval(a, env) for a in args]
            stab = worst(*(value_stability(v) for v in vals)) if vals else Stability.STATIC
            if name == "len" and vals and isinstance(vals[0], StrV):
                t = text_of(vals[0].pieces)
                if t is not None:
                    return ConstV(len(t), self.loc(env, node))
            if name == "len":
                # a count repeats for the same data, whatever the data holds (a timestamp, a
                # set in any order): it changes at most as often as the request's inputs
                stab = {Stability.VOLATILE: Stability.TURN, Stability.UNORDERED: Stability.STABLE}.get(stab, stab)
            if name == "int" and vals and isinstance(vals[0], ConstV):
                try:
                    return ConstV(int(vals[0].value), self.loc(env, node))  # type: ignore[arg-type]
                except (TypeError, ValueError, OverflowError):
                    pass
            part = next((p for p in (part_of(v, stab) for v in vals) if p is not None), None) \
                if stab in VARYING else None
            if part is not None:
                # what changes is the value the builtin is given: say what it is
                return self.opaque(env, node, stab, part.cause, hops=part.hops)
            return self.opaque(env, node, stab if stab != Stability.STATIC else Stability.STABLE,
                               f"{name}()")
        if name == "open":
            got = self.library_call("builtins.open", node, env)
            return got if got is not None else self.unknown_call(node, env, "open()")
        if name == "reversed" and len(args) == 1 and not node.keywords:
            v = self.eval(args[0], env)
            if isinstance(v, ListV) and not any(i.optional or i.repeated for i in v.items):
                return ListV(tuple(reversed(v.items)), v.loc, v.is_tuple)  # known item by item
        if name == "next" and 1 <= len(args) <= 2 and not node.keywords:
            got = self.first_item(self.eval(args[0], env), args[1] if len(args) == 2 else None, env)
            if got is not None:
                return got
        if name in ("enumerate", "zip", "reversed", "filter", "map", "iter"):
            vals = [self.eval(a, env) for a in args]
            stab = worst(*(self.elements_of(v) for v in vals)) if vals else Stability.STATIC
            return self.opaque(env, node, stab if stab != Stability.STATIC else Stability.STABLE,
                               f"{name}()", elements=stab if stab != Stability.STATIC else Stability.STABLE)
        if name == "input":
            return self.opaque(env, node, Stability.TURN, "input()")
        if name == "id":
            return self.opaque(env, node, Stability.STABLE, "id()")
        if name == "hash":
            v = self.eval(args[0], env) if args else ConstV(None)
            # str hashes are salted per process: like a set, the order of processes differs.
            return self.opaque(env, node, worst(Stability.UNORDERED, value_stability(v)), "hash()")
        return self.unknown_call(node, env, f"{name}()")

    def first_item(self, v: Value, default: ast.expr | None, env: Env) -> Value | None:
        """`next(m["content"] for m in messages if m["role"] == "system")`: the first item of a
        sequence known item by item, or the default when it is empty. None when the first item
        is there on some calls only (which one comes first is then not known)."""
        if not isinstance(v, ListV):
            return None
        if not v.items:
            return self.eval(default, env) if default is not None else None
        first = v.items[0]
        return None if first.optional or first.repeated else first.value

    def sorted_value(self, v: Value, env: Env, node: ast.AST) -> Value:
        if isinstance(v, SetV):
            v = ListV(tuple(Item(e) for e in v.elements), v.loc)
        if isinstance(v, DictV):
            v = ListV(tuple(Item(StrV((Text(k, None),))) for k, _ in dict(v.entries).items()), v.loc)
        key_fn = None
        for k in getattr(node, "keywords", []):
            if k.arg in ("key", "reverse"):
                key_fn = k
        if isinstance(v, ListV) and not any(i.repeated or i.optional for i in v.items) and key_fn is None:
            texts = [static_text(i.value) for i in v.items]
            if all(t is not None for t in texts):
                order = sorted(range(len(texts)), key=lambda i: texts[i] or "")
                return ListV(tuple(v.items[i] for i in order), v.loc)
        stab = self.elements_of(v)
        if stab == Stability.UNORDERED:
            stab = Stability.STABLE
        if stab == Stability.STATIC:
            stab = Stability.STABLE
        return self.opaque(env, node, stab, "sorted(...)", elements=stab)

    def method_call(self, recv: Value, meth: str, node: ast.Call, env: Env) -> Value:
        if isinstance(recv, ModuleRefV):
            return self.qualname_call(f"{recv.qualname}.{meth}", node, env)
        if isinstance(recv, StrV):
            got = self.library_method(recv, meth, node, env)
            assert got is not None  # the strings model knows every method of a string
            return got
        if isinstance(recv, AltV):
            return self.map_alt(recv, lambda o: self.method_call(o, meth, node, env), node, env)
        if isinstance(recv, ClientV):
            if meth in ("with_options", "copy"):
                return recv
            got = self.library_method(recv, meth, node, env)
            return got if got is not None else self.unknown(env, node, "SDK call result")
        if isinstance(recv, OpaqueV):
            got = self.library_method(recv, meth, node, env)
            if got is None and meth in LANGCHAIN_BIND and recv.passthrough:
                # `llm.with_structured_output(Schema)` on a parameter every caller hands a chat model
                models = self.project.chat_models(recv)
                if models:
                    alt = models[0] if len(models) == 1 else AltV(tuple(models), recv.loc, recv.source)
                    return self.method_call(alt, meth, node, env)
            return got if got is not None else self.opaque_method(recv, meth, node, env)
        if isinstance(recv, RecordV):
            got = records.method_call(self, recv, meth, node, env) or self.library_method(recv, meth, node, env)
            return got if got is not None else self.method_of_other(recv, meth, node, env)
        if isinstance(recv, DictV):
            if meth == "get" and node.args:
                key = self.eval(node.args[0], env)
                kt = text_of(key.pieces) if isinstance(key, StrV) else None
                if kt is not None:
                    got = recv.get(kt)
                    if got is not None:
                        return got
                    if len(node.args) > 1:
                        return self.eval(node.args[1], env)
                    if recv.complete:
                        return ConstV(None, self.loc(env, node))
                if kt is None:
                    default = self.eval(node.args[1], env) if len(node.args) > 1 else ConstV(None)
                    table = self.table_lookup(recv, key, env, node, default)
                    if table is not None:
                        return table
            if meth == "copy":
                return recv
            if meth in ("keys", "values", "items"):
                if meth == "keys":
                    return ListV(tuple(Item(StrV((Text(k, None),))) for k, _ in dict(recv.entries).items()))
                if meth == "values":
                    return ListV(tuple(Item(v) for v in dict(recv.entries).values()))
                return ListV(tuple(Item(ListV((Item(StrV((Text(k, None),))), Item(v)), is_tuple=True))
                                   for k, v in dict(recv.entries).items()))
        if isinstance(recv, ListV) and meth == "copy":
            return recv
        if isinstance(recv, SetV):
            return self.opaque(env, node, Stability.UNORDERED, "set operation", elements=Stability.UNORDERED)
        if isinstance(recv, FuncRefV):
            return self.funcref_method(recv, meth, node, env)
        return self.method_of_other(recv, meth, node, env)

    def library_method(self, recv: Value, meth: str, node: ast.Call, env: Env) -> Value | None:
        """The value a library model gives `recv.meth(...)`; None when no model knows it."""
        key = (type(recv), meth)
        models = self._method_models.get(key)
        if models is None:
            models = self._method_models[key] = REGISTRY.method_models(*key)
        for model in models:
            got = model(self, recv, meth, node, env)
            if got is not None:
                return got
        return None

    def funcref_method(self, recv: FuncRefV, meth: str, node: ast.Call, env: Env) -> Value:
        got = classes.classmethod_call(self, recv, meth, node, env)
        if got is not None:
            return got
        return self.unknown_call(node, env, f"{recv.qualname}.{meth}()")

    def method_of_other(self, recv: Value, meth: str, node: ast.Call, env: Env) -> Value:
        got = classes.method_call(self, recv, meth, node, env)
        if got is not None:
            return got
        stab = value_stability(recv)
        return self.opaque(env, node, stab if stab != Stability.STATIC else Stability.UNKNOWN,
                           f".{meth}()")

    def opaque_method(self, recv: OpaqueV, meth: str, node: ast.Call, env: Env) -> Value:
        """A method no library model knows, of a value not known: as stable as it and its arguments."""
        stab = worst(recv.stability, *(value_stability(v) for v in self.arg_values(node, env)))
        return OpaqueV(stab, self.src(env, node), self.loc(env, node), recv.cause, hops=recv.hops,
                       passthrough=recv.passthrough and meth in ("copy", "strip"),
                       elements=recv.elements if meth == "copy" else None)

    def module_for_path(self, path: str, env: Env) -> ModuleInfo | None:
        if path == env.mod.path or not path:
            return env.mod
        return self.module_from_path(path)

    def module_from_path(self, path: str) -> ModuleInfo | None:
        return self.project.module_from_path(path)


def _ix(v: object) -> int | None:
    """A slice bound: an int or None; anything else raises TypeError like Python does."""
    if v is None or (isinstance(v, int) and not isinstance(v, bool)):
        return v
    raise TypeError("slice indices must be integers or None")


def _span_of(loc: Loc, env: Env) -> Span:
    line, col, end_line, end_col = loc.pos
    if loc.path == env.mod.path:
        return env.mod.span(loc.node)
    return Span(loc.path, line, col + 1, end_line, end_col + 1)


def safe_arith(a: object, b: object, op: ast.operator) -> int | float | None:
    if not isinstance(a, int | float) or not isinstance(b, int | float) or isinstance(a, bool) or isinstance(b, bool):
        return None
    try:
        if isinstance(op, ast.Add):
            return a + b
        if isinstance(op, ast.Sub):
            return a - b
        if isinstance(op, ast.Mult):
            if abs(a) > 2**64 or abs(b) > 2**64:
                return None
            return a * b
        if isinstance(op, ast.Pow):
            if isinstance(a, int) and isinstance(b, int) and (b < 0 or b > 64 or abs(a) > 2**16):
                return None  # 10**12 is fine; 10**10**9 is not built
            r = a**b
            return r if isinstance(r, int | float) else None
        if isinstance(op, ast.FloorDiv) and b:
            return a // b
        if isinstance(op, ast.Div) and b:
            return a / b
        if isinstance(op, ast.Mod) and b:
            return a % b
    except (OverflowError, ZeroDivisionError, ValueError):
        return None
    return None


__all__ = ["MAX_STEPS", "MAX_TEXT", "Budget", "Env", "Evaluator", "ProjectHooks"]


def _is_none(v: Value) -> bool:
    return isinstance(v, ConstV) and v.value is None

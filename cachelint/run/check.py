"""One module through the analysis and the rules: decode, parse, assemble every recognised call's
prompt (and those of calls of wrappers), run the enabled rules, drop duplicates and what a
suppression comment silences."""

from __future__ import annotations

import ast
import dataclasses
import os
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

from cachelint.analysis import indirect
from cachelint.analysis.assemble import assemble_all
from cachelint.analysis.calls import FoundCall
from cachelint.analysis.env import MAX_STEPS, env_at
from cachelint.analysis.evaluate import Budget
from cachelint.analysis.hierarchy import Implementation
from cachelint.analysis.module import ModuleInfo
from cachelint.analysis.project import MAX_MODULE_BYTES, FunctionNode, Project, StepEnvs
from cachelint.analysis.values import FuncRefV, Loc
from cachelint.diagnostics import NOT_ANALYSED, Diagnostic, LintError, LintWarning, NotAnalysed, Span
from cachelint.directives import has_directives, parse_directives
from cachelint.fastinit import replace
from cachelint.models import runs_on
from cachelint.prompt import AssembledPrompt, CallSite
from cachelint.pyversions import needs_message, newer_syntax
from cachelint.rules._base import Rule
from cachelint.rules.cl901_unused_suppression import UnusedSuppression
from cachelint.rules.context import RuleContext
from cachelint.run.tracked import TrackedProject
from cachelint.settings import Settings
from cachelint.sources import SourceError, decode_source, parse_source
from cachelint.suppress import (
    apply_directives,
    apply_per_file_ignores,
    filter_suppressed,
    unknown_selectors,
    unused_selectors,
)
from cachelint.tokens import UNAVAILABLE, TokenizerUnavailable


@dataclass
class LintResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    errors: list[LintError] = field(default_factory=list)
    files_checked: int = 0

    def extend(self, other: LintResult) -> None:
        self.diagnostics.extend(other.diagnostics)
        self.errors.extend(other.errors)
        self.files_checked += other.files_checked



def check_source(
    data: bytes | str,
    path: str,
    settings: Settings,
    rules: Sequence[type[Rule]],
    project: Project,
) -> LintResult:
    """Lint one module's source in `project`; never raises for bad input (it becomes a LintError)."""
    result = LintResult(files_checked=1)
    try:
        text = decode_source(data) if isinstance(data, bytes) else data
    except SourceError as exc:
        result.errors.append(LintError(path, str(exc)))
        return result
    if not project.may_matter(text):
        # No SDK or wrapper name in the text: cannot hold a recognised call (its suppression
        # comments are still judged).
        return settle(result, [], text, path, settings, rules)
    if len(text) > MAX_MODULE_BYTES:
        # Parsing 50 MB of (generated) code takes minutes and gigabytes; such modules are not followed either.
        result.errors.append(LintError(path, f"too large to analyse: {len(text) >> 10} KiB of source, "
                                             f"the limit is {MAX_MODULE_BYTES >> 10} KiB"))
        return result
    try:
        tree = parse_in(project, path, text)
    except SourceError as exc:
        result.errors.append(LintError(path, syntax_message(exc, text)))
        return result
    exhausted: list[int] = []
    try:
        found = check_module(tree, text, path, settings, rules, project, exhausted)
    except TokenizerUnavailable as exc:  # the same for every file: the command line says it once
        result.errors.append(LintError(path, f"{UNAVAILABLE}{exc}"))
        return result
    except RecursionError:
        result.errors.append(LintError(path, "internal error: code nested too deeply to analyse"))
        return result
    except Exception as exc:  # one file's analysis failure must not stop the run
        if os.environ.get("CACHELINT_DEBUG"):
            raise
        detail = " ".join(str(exc).split())[:200]
        result.errors.append(LintError(path, f"internal error in analysis: {type(exc).__name__}: {detail}"))
        return result
    # Recorded with the file's errors, so worker processes and the result cache carry it.
    result.errors.extend(NotAnalysed(path, NOT_ANALYSED, line) for line in sorted(set(exhausted)))
    return settle(result, found, text, path, settings, rules)


def syntax_message(exc: SourceError, text: str) -> str:
    """The error line for a module that does not parse: Python's words, or the newer Python
    it needs when the error is on a line holding syntax of a later version."""
    newer = newer_syntax(text, exc.lineno) if exc.lineno is not None else None
    if newer is None:
        return str(exc)
    return f"syntax error at line {exc.lineno}: {needs_message(newer)}"


def settle(result: LintResult, found: list[Diagnostic], text: str, path: str, settings: Settings,
           rules: Sequence[type[Rule]]) -> LintResult:
    """`result` with the module's findings (`found`) that its suppression comments and the
    per-file ignores leave, a warning for each code a comment names that is no rule, and,
    when CL901 runs, a finding for each suppression that silences nothing."""
    if not has_directives(text):
        result.diagnostics.extend(suppress(found, text, settings))
        return result
    directives = parse_directives(text)
    for directive, selector in unknown_selectors(directives):
        result.errors.append(LintWarning(path, f"unknown rule code or name {selector!r} in `{directive.text}`",
                                         directive.line))
    kept = apply_directives(found, directives)
    if UnusedSuppression in rules:
        unused = unused_selectors(directives, found, [r.code for r in rules])
        reported = UnusedSuppression().report(unused, RuleContext(settings, path))
        # Only a directive that names CL901 silences it: a bare one would silence its own report.
        kept.extend(apply_directives(reported, [d for d in directives if d.selectors is not None]))
        kept.sort(key=Diagnostic.sort_key)
    result.diagnostics.extend(apply_per_file_ignores(kept, settings))
    return result


def suppress(found: list[Diagnostic], text: str, settings: Settings) -> list[Diagnostic]:
    """The findings of one module (its source `text`) that no suppression comment and no
    per-file ignore silences: applied here, once, before results are cached or reported."""
    return apply_per_file_ignores(filter_suppressed(found, text), settings) if found else found



def _span_maker(mod: ModuleInfo, project: Project):  # type: ignore[no-untyped-def]
    ev = project.evaluator

    def span_of(loc: Loc) -> Span:
        if loc.path == mod.path:
            return mod.span(loc.node)
        other = ev.module_from_path(loc.path)
        if other is not None and loc.node is not None and hasattr(loc.node, "lineno"):
            return other.span(loc.node)
        line, col, end_line, end_col = loc.pos
        return Span(loc.path, max(line, 1), col + 1, max(end_line, 1), end_col + 1)

    return span_of


def assemble_module(mod: ModuleInfo, project: Project, exhausted: list[int] | None = None) -> list[AssembledPrompt]:
    """Every recognised call in `mod` with its prompt rebuilt, then every call of a wrapper
    analysed as if it were the SDK call it forwards to (reported where the prompt is built).
    The line of each call whose evaluation ran out of budget is added to `exhausted`."""
    ev = project.evaluator
    span_of = _span_maker(mod, project)
    prompts = []
    direct = project.calls_in(mod)
    for found in direct:
        ev.reset_budget()  # each call site gets its own evaluation budget
        hits = ev.budget_hits
        prompts.extend(assemble_all(found, ev, span_of))
        _note_spent(ev.budget_hits > hits, found.node, exhausted)
    names = project.wrapper_names()
    declared = project.declared_short_names()
    if not names and not declared:
        return prompts
    sdk_nodes = {id(f.node) for f in direct}
    for node in sorted(mod.calls, key=lambda c: (c.lineno, c.col_offset)):
        if id(node) not in sdk_nodes:
            prompts.extend(_through_wrappers(node, mod, project, span_of, exhausted, names, declared))
    return prompts


def _through_wrappers(node: ast.Call, mod: ModuleInfo, project: Project, span_of,  # type: ignore[no-untyped-def]
                      exhausted: list[int] | None, names: frozenset[str],
                      declared: frozenset[str]) -> list[AssembledPrompt]:
    """The prompts a call that is not itself an SDK call sends through the project's wrappers
    (a declared wrapper, a wrapper function or method, a callable handed on or held; `names`
    and `declared`: the project's wrapper names): [] for any other call."""
    ev = project.evaluator
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    if name in declared:
        declared_call = project.declared_call(node, mod)
        if declared_call is not None:
            ev.reset_budget()
            hits = ev.budget_hits
            variants = assemble_all(declared_call, ev, span_of)
            _note_spent(ev.budget_hits > hits, node, exhausted)
            return [dataclasses.replace(p, call=dataclasses.replace(p.call, via=mod.source_of(node.func) + "()"))
                    for p in variants]
    if name not in names:
        made = indirect.handed_on(node, mod)
        if made is not None and (indirect.callee_name(made) in names or indirect.held_callable(made, mod)):
            # `pool.submit(backend.generate, p)`, `pool.submit(judge, p)`
            return _wrapper_prompts(made, mod, project, span_of, exhausted)
        if indirect.held_callable(node, mod) or ("__call__" in names and indirect.typed_callable(node, mod)):
            # `judge(messages)`, a closure; `sampler(messages)` with `sampler: SamplerBase`
            return _wrapper_prompts(node, mod, project, span_of, exhausted)
        ran = _partial_run(node, mod, project, names)
        if ran is not None:
            # `send_inference(partial(self._run, ...))`, the helper calling what it is handed
            lead = f"{mod.source_of(node.func)}() -> partial "
            return _wrapper_prompts(ran, mod, project, span_of, exhausted, lead)
        return []  # not the name of any wrapper in the project
    return _wrapper_prompts(node, mod, project, span_of, exhausted)


def _partial_run(node: ast.Call, mod: ModuleInfo, project: Project, names: Collection[str]) -> ast.Call | None:
    """The call of a wrapper a project helper makes of the `functools.partial` `node` hands it
    (see indirect.run_partial); None for any other call. The arguments are looked at first: the
    callee is evaluated only for a call handed a partial of a wrapper."""
    got = indirect.handed_partial(node, mod)
    if got is None or indirect.callee_name(ast.Call(func=got[1].args[0], args=[], keywords=[])) not in names:
        return None
    try:
        target = project.evaluator.eval(node.func, env_at(mod, node))
    except Budget:
        return None
    if not isinstance(target, FuncRefV) or not isinstance(target.node, ast.FunctionDef | ast.AsyncFunctionDef):
        return None
    return indirect.run_partial(node, mod, target.node, target.bound_self is not None)


def _note_spent(spent: bool, call: ast.expr, exhausted: list[int] | None) -> None:
    """Record the line of `call` when its evaluation ran out of budget (`spent`)."""
    if spent and exhausted is not None:
        exhausted.append(call.lineno)


# Evaluation steps the sites of one caller reached through a dispatch inside a chain share.
MAX_DISPATCHED_STEPS = 2 * MAX_STEPS


def _wrapper_prompts(call: ast.Call, mod: ModuleInfo, project: Project, span_of,  # type: ignore[no-untyped-def]
                     exhausted: list[int] | None = None, lead: str = "") -> list[AssembledPrompt]:
    """The prompt of each SDK call the wrapper call `call` reaches, reported at `call`; `lead`
    names what runs the wrapper when the call is made by a helper it was handed to."""
    ev = project.evaluator
    out = []
    sites = [(site, target) for target in project.callees(call, mod) for site in project.wrapper_sites(*target)]
    ev.reset_budget()
    # Sites reached through a dispatch inside the chain (one per implementation) share a budget:
    # each multiplies the caller's work, and a caller of a provider-neutral wrapper otherwise
    # paid for every provider in full (graphiti: 37 callers of generate_response, 8 clients).
    dispatched_steps = 0
    stepped: StepEnvs = {}
    for site, target in sites:
        if dispatched_steps > MAX_DISPATCHED_STEPS:
            break
        # the caller's values are the same for every site (and every class a method call may
        # reach): evaluated once, each site with a budget of its own
        ev.reset_budget(keep_memo=True)
        start = ev.steps
        hits = ev.budget_hits
        through: list[tuple[FunctionNode, ModuleInfo]] = []
        route: list[str] = []
        dispatched: list[Implementation | None] = []
        try:
            bound = project.bound_env(site, call, env_at(mod, call), through, first=target, route=route,
                                      stepped=stepped, dispatched=dispatched)
        except Budget:
            _note_spent(True, call, exhausted)  # the caller is reported nowhere else
            continue
        if bound is None:
            continue
        env, sdk_call = bound
        found = FoundCall(sdk_call, site.found.provider, site.found.api, site.found.receiver,
                          site.found.client, env, site.found.handed)
        ev.reset_budget(keep_memo=True)
        made = assemble_all(found, ev, span_of)
        sent = made[0].call
        if sent.model is not None and not runs_on(sent.provider.value, sent.model, sent.base_url,
                                                  bool(sent.base_url_unresolved)):
            continue  # a branch of the wrapper for another provider's models: never runs for this one
        _note_spent(ev.budget_hits > hits, call, exhausted)
        inside = any(impl is not None for impl in dispatched[1:])  # dispatched inside the chain
        if inside:
            dispatched_steps += ev.steps - start
        # the call the first wrapper makes on the way (the SDK call itself at the last level)
        next_call = (through[0][1].path, site.chain[0] if len(site.chain) > 1 else site.found.node) if through else None
        # Report at the caller: this call is where the prompt is built.
        via = lead + mod.source_of(call.func) + "()"
        impl = dispatched[0] if dispatched else None
        if impl is not None:
            via += " -> " + impl.label  # dispatched by class hierarchy: name the class
        if inside:
            # dispatched again inside the chain: every level to the implementation that runs
            via += "".join(" -> " + level for level in route)
        for prompt in made:
            site_call = dataclasses.replace(prompt.call, span=mod.span(call), func_span=mod.span(call.func),
                                            via=via,
                                            via_scopes=tuple((m.path, f.lineno, f.end_lineno or f.lineno)
                                                             for f, m in through),
                                            next_call=next_call)
            out.append(dataclasses.replace(prompt, call=site_call))
    return out


def check_module(
    tree: ast.Module,
    text: str,
    path: str,
    settings: Settings,
    rules: Sequence[type[Rule]],
    project: Project,
    exhausted: list[int] | None = None,
) -> list[Diagnostic]:
    """The findings in one parsed module, in `project` (which holds the run's wrapper names),
    sorted; not yet suppressed (see suppress). Calls that ran out of evaluation budget: see
    assemble_module."""
    mod = project.add(project.linted_module(path, text, tree))
    out = [d for _, found in module_findings(mod, path, project, settings, rules, exhausted) for d in found]
    out.sort(key=Diagnostic.sort_key)
    return out


def parse_in(project: Project, path: str, text: str) -> ast.Module:
    """The tree of `path`: the one parsed earlier in this process when the project shares
    parsed modules and the text is the same, else parsed now. Raises SourceError."""
    tree = project.parsed_tree(path, text) if isinstance(project, TrackedProject) else None
    return tree if tree is not None else parse_source(text, path)


def module_findings(
    mod: ModuleInfo, path: str, project: Project, settings: Settings, rules: Sequence[type[Rule]],
    exhausted: list[int] | None = None, repeats: list[Repeat] | None = None,
) -> list[tuple[AssembledPrompt, list[Diagnostic]]]:
    """Every recognised call of `mod` (the linted file, linted as `path`) with its prompt, and
    the findings reported for it, in the order found: a finding reached through several
    calls goes with the first. Not yet suppressed (see suppress). `repeats`, if given, receives
    the findings left to the call a caller's wrapper makes (see _said_deeper)."""
    prompts = assemble_module(mod, project, exhausted)
    if not prompts:
        return []
    ctx = RuleContext(settings, mod.path, _texts(mod, project, path))
    instances = [r() for r in rules]
    seen: set[tuple[str, Span]] = set()
    deeper: dict[int, tuple[Span, list[tuple[AssembledPrompt, RuleContext]]]] = {}
    out: list[tuple[AssembledPrompt, list[Diagnostic]]] = []
    for prompt in prompts:
        mine: list[Diagnostic] = []
        for rule in instances:
            for d in rule.check(prompt, ctx):
                if d.span.path != mod.path:
                    continue  # reported when the module where it is written is linted
                if prompt.call.via_scopes and _inside_wrappers(d, prompt.call):
                    continue  # nothing this caller wrote: the wrapper's own finding, reported inside it
                at = None if prompt.call.next_call is None else \
                    _said_deeper(d, rule, prompt.call.next_call, project, settings, deeper)
                if at is not None:
                    # the wrapper makes it without this caller's values: reported there
                    if repeats is not None:
                        repeats.append(Repeat(prompt, d, at))
                    continue
                key = (d.code, d.span)
                if key in seen:
                    # the same value reached through several calls, or through a method of each of
                    # several classes (counted with each one's model): reported once, as first found
                    continue
                seen.add(key)
                mine.append(d if mod.path == path else _shown_at(d, mod.path, path))
        out.append((prompt, mine))
    return out


@dataclass(frozen=True)
class Repeat:
    """A finding a caller's prompt gets that the call its first wrapper makes (`at`) gets
    too, word for word: reported there, not at the caller."""

    prompt: AssembledPrompt
    finding: Diagnostic
    at: Span


def _said_deeper(d: Diagnostic, rule: Rule, next_call: tuple[str, ast.Call], project: Project,
                 settings: Settings,
                 memo: dict[int, tuple[Span, list[tuple[AssembledPrompt, RuleContext]]]]) -> Span | None:
    """Where `rule` makes the finding `d`, word for word but for notes (see _gist), at
    `next_call`, the call the caller's first wrapper makes on the way to the SDK, analysed
    where it is written (without the caller's values); None when it does not. Then the caller
    adds nothing to it: a module constant sent by the wrapper was reported at the wrapper and
    again at every caller up the chain (sweep's reranker, at four levels). `memo` keeps each
    next call's place and prompts for the module's findings."""
    path, node = next_call
    known = memo.get(id(node))
    if known is None:
        wmod = project.module_from_path(path)
        if wmod is None:
            return None
        ctx = RuleContext(settings, wmod.path, _texts(wmod, project, wmod.path))
        known = memo[id(node)] = (wmod.span(node), [(p, ctx) for p in _prompts_at(node, wmod, project)])
    at, made = known
    said = _gist(d.message)
    if any(other.code == d.code and _gist(other.message) == said
           for prompt, ctx in made for other in rule.check(prompt, ctx)):
        return at
    return None


def _gist(message: str) -> str:
    """A message without its parenthesised notes on where a value came from: the wrapper
    says "`claude-sonnet-4-5` (the default of parameter `model`)" where a caller that leaves
    the model to it says "`claude-sonnet-4-5`", and the finding is the same."""
    return _NOTE.sub("", message)


_NOTE = re.compile(r" \([^()]*\)")


def _prompts_at(node: ast.Call, mod: ModuleInfo, project: Project) -> list[AssembledPrompt]:
    """The prompts of one call of `mod`, as linting `mod` rebuilds them."""
    span_of = _span_maker(mod, project)
    for found in project.calls_in(mod):
        if found.node is node:
            project.evaluator.reset_budget()
            return assemble_all(found, project.evaluator, span_of)
    return _through_wrappers(node, mod, project, span_of, None, project.wrapper_names(),
                             project.declared_short_names())


def _texts(mod: ModuleInfo, project: Project, path: str) -> Callable[[str], str | None]:
    """Where rules read the text their fixes edit: this module's as linted (a notebook's joined
    code cells: fixes.notebooks places each edit in its cell), other modules' as the analysis
    read them."""

    def text_of(wanted: str) -> str | None:
        if wanted == mod.path:
            return mod.text
        other = project.module_from_path(wanted)
        return None if other is None else other.text

    return text_of


def _shown_at(d: Diagnostic, actual: str, shown: str) -> Diagnostic:
    """`d` with the places in the linted file named by the path it was linted as (`shown`),
    not the path of the module copy the analysis used (`actual`, the same file)."""

    def at(span: Span) -> Span:
        return replace(span, path=shown) if span.path == actual else span

    related = tuple(replace(r, span=at(r.span)) if r.span.path == actual else r for r in d.related)
    fix = d.fix
    if fix is not None and fix.path == actual:
        fix = replace(fix, path=shown)
    return replace(d, span=at(d.span), related=related, fix=fix)


def _inside_wrappers(d: Diagnostic, call: CallSite) -> bool:
    """Does every place `d` points to, other than the wrapper call itself, lie in the wrappers
    the call goes through? Then the caller only passes values through, and the same finding
    is made where the prompt is actually written (gptme's analyze_failure() was reported at
    every caller, and at theirs)."""
    places = [d.span, *(r.span for r in d.related)]
    evidence = [s for s in places if s != call.span and not _within(s, call.func_span)]
    return bool(evidence) and all(
        any(s.path == path and first <= s.line and s.end_line <= last for path, first, last in call.via_scopes)
        for s in evidence)


def _within(inner: Span, outer: Span) -> bool:
    return inner.path == outer.path and (inner.line, inner.column) >= (outer.line, outer.column) \
        and (inner.end_line, inner.end_column) <= (outer.end_line, outer.end_column)

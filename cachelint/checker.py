"""Run the enabled rules over every recognised call in one parsed module, and over calls of wrappers."""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Sequence

from cachelint.analysis.assemble import assemble
from cachelint.analysis.calls import FoundCall
from cachelint.analysis.env import env_at
from cachelint.analysis.evaluate import Budget
from cachelint.analysis.module import ModuleInfo
from cachelint.analysis.project import FunctionNode, Project
from cachelint.analysis.values import Loc
from cachelint.diagnostics import Diagnostic, Span
from cachelint.fastinit import replace
from cachelint.prompt import AssembledPrompt, CallSite
from cachelint.rules._base import Rule
from cachelint.rules.context import RuleContext
from cachelint.settings import Settings


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


def assemble_module(mod: ModuleInfo, project: Project) -> list[AssembledPrompt]:
    """Every recognised call in `mod` with its prompt rebuilt, then every call of a wrapper
    analysed as if it were the SDK call it forwards to (reported where the prompt is built)."""
    ev = project.evaluator
    span_of = _span_maker(mod, project)
    prompts = []
    direct = project.calls_in(mod)
    for found in direct:
        ev.reset_budget()  # each call site gets its own evaluation budget
        prompts.append(assemble(found, ev, span_of))
    names = project.wrapper_names()
    declared = project.declared_short_names()
    if not names and not declared:
        return prompts
    sdk_nodes = {id(f.node) for f in direct}
    for node in sorted(mod.calls, key=lambda c: (c.lineno, c.col_offset)):
        if id(node) in sdk_nodes:
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
        if name in declared:
            declared_call = project.declared_call(node, mod)
            if declared_call is not None:
                ev.reset_budget()
                p = assemble(declared_call, ev, span_of)
                prompts.append(dataclasses.replace(p, call=dataclasses.replace(
                    p.call, via=mod.source_of(node.func) + "()")))
                continue
        if name not in names:
            continue  # not the name of any wrapper in the project
        prompts.extend(_wrapper_prompts(node, mod, project, span_of))
    return prompts


def _wrapper_prompts(call: ast.Call, mod: ModuleInfo, project: Project, span_of) -> list[AssembledPrompt]:  # type: ignore[no-untyped-def]
    ev = project.evaluator
    out = []
    sites = [(site, target) for target in project.callees(call, mod) for site in project.wrapper_sites(*target)]
    ev.reset_budget()
    for site, target in sites:
        # the caller's values are the same for every site (and every class a method call may
        # reach): evaluated once, each site with a budget of its own
        ev.reset_budget(keep_memo=True)
        through: list[tuple[FunctionNode, ModuleInfo]] = []
        try:
            bound = project.bound_env(site, call, env_at(mod, call), through, first=target)
        except Budget:
            continue
        if bound is None:
            continue
        env, sdk_call = bound
        found = FoundCall(sdk_call, site.found.provider, site.found.api, site.found.receiver,
                          site.found.client, env)
        ev.reset_budget(keep_memo=True)
        prompt = assemble(found, ev, span_of)
        # Report at the caller: this call is where the prompt is built.
        site_call = dataclasses.replace(prompt.call, span=mod.span(call), func_span=mod.span(call.func),
                                        via=mod.source_of(call.func) + "()",
                                        via_scopes=tuple((m.path, f.lineno, f.end_lineno or f.lineno)
                                                         for f, m in through))
        out.append(dataclasses.replace(prompt, call=site_call))
    return out


def check_module(
    tree: ast.Module,
    text: str,
    path: str,
    settings: Settings,
    rules: Sequence[type[Rule]],
    project: Project | None = None,
) -> list[Diagnostic]:
    project = project or Project(settings.root, settings.wrappers)
    mod = project.add(project.linted_module(path, text, tree))
    prompts = assemble_module(mod, project)
    if not prompts:
        return []
    ctx = RuleContext(settings, mod.path)
    instances = [r() for r in rules]
    seen: set[tuple[str, Span]] = set()
    out: list[Diagnostic] = []
    for prompt in prompts:
        for rule in instances:
            for d in rule.check(prompt, ctx):
                if d.span.path != mod.path:
                    continue  # reported when the module where it is written is linted
                if prompt.call.via_scopes and _inside_wrappers(d, prompt.call):
                    continue  # nothing this caller wrote: the wrapper's own finding, reported inside it
                key = (d.code, d.span)
                if key in seen:
                    # the same value reached through several calls, or through a method of each of
                    # several classes (counted with each one's model): reported once, as first found
                    continue
                seen.add(key)
                out.append(d)
    if mod.path != path:
        out = [_shown_at(d, mod.path, path) for d in out]
    out.sort(key=Diagnostic.sort_key)
    return out


def _shown_at(d: Diagnostic, actual: str, shown: str) -> Diagnostic:
    """`d` with the places in the linted file named by the path it was linted as (`shown`),
    not the path of the module copy the analysis used (`actual`, the same file)."""

    def at(span: Span) -> Span:
        return replace(span, path=shown) if span.path == actual else span

    related = tuple(replace(r, span=at(r.span)) if r.span.path == actual else r for r in d.related)
    return replace(d, span=at(d.span), related=related)


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

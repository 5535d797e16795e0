"""Run the enabled rules over every recognised call in one parsed module."""

from __future__ import annotations

import ast
from collections.abc import Sequence

from cachelint.analysis.assemble import assemble
from cachelint.analysis.calls import find_calls
from cachelint.analysis.evaluate import Evaluator, ProjectHooks
from cachelint.analysis.module import ModuleInfo
from cachelint.analysis.values import Loc
from cachelint.diagnostics import Diagnostic, Span
from cachelint.prompt import AssembledPrompt
from cachelint.rules._base import Rule
from cachelint.rules.context import RuleContext
from cachelint.settings import Settings


def assemble_module(
    mod: ModuleInfo, project: ProjectHooks | None = None, evaluator: Evaluator | None = None
) -> list[AssembledPrompt]:
    """Every recognised call in `mod`, with its prompt rebuilt."""
    ev = evaluator or Evaluator(project)

    def span_of(loc: Loc) -> Span:
        if loc.path == mod.path:
            return mod.span(loc.node)
        other = ev.module_from_path(loc.path)
        if other is not None:
            return other.span(loc.node)
        line, col, end_line, end_col = loc.pos
        return Span(loc.path, line, col + 1, end_line, end_col + 1)

    prompts = []
    for found in find_calls(mod, ev):
        ev.steps = 0  # each call site gets its own evaluation budget
        prompts.append(assemble(found, ev, span_of))
    return prompts


def check_module(
    tree: ast.Module,
    text: str,
    path: str,
    settings: Settings,
    rules: Sequence[type[Rule]],
    project: ProjectHooks | None = None,
) -> list[Diagnostic]:
    mod = ModuleInfo(path, text, tree)
    prompts = assemble_module(mod, project)
    if not prompts:
        return []
    ctx = RuleContext(settings, path)
    instances = [r() for r in rules]
    seen: set[tuple[str, Span, str]] = set()
    out: list[Diagnostic] = []
    for prompt in prompts:
        for rule in instances:
            for d in rule.check(prompt, ctx):
                key = (d.code, d.span, d.message)
                if key in seen:
                    continue  # the same value reached through several calls
                seen.add(key)
                out.append(d)
    out.sort(key=Diagnostic.sort_key)
    return out

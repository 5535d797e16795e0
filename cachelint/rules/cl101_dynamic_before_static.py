"""CL101 dynamic-before-static."""

from __future__ import annotations

from collections.abc import Iterator

from cachelint.diagnostics import Diagnostic, Severity
from cachelint.prompt import AssembledPrompt
from cachelint.rules._base import Rule
from cachelint.rules.context import RuleContext


class DynamicBeforeStatic(Rule):
    code = "CL101"
    name = "dynamic-before-static"
    severity = Severity.ERROR
    summary = "A per-call value precedes static prompt text"

    def check(self, prompt: AssembledPrompt, ctx: RuleContext) -> Iterator[Diagnostic]:
        return iter(())

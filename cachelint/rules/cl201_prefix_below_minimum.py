"""CL201 prefix-below-minimum."""

from __future__ import annotations

from collections.abc import Iterator

from cachelint.diagnostics import Diagnostic, Severity
from cachelint.prompt import AssembledPrompt
from cachelint.rules._base import Rule
from cachelint.rules.context import RuleContext


class PrefixBelowMinimum(Rule):
    code = "CL201"
    name = "prefix-below-minimum"
    severity = Severity.WARNING
    summary = "The request's static text is below the model's minimum cacheable length"

    def check(self, prompt: AssembledPrompt, ctx: RuleContext) -> Iterator[Diagnostic]:
        return iter(())

"""CL103 unordered-in-prefix."""

from __future__ import annotations

from collections.abc import Iterator

from cachelint.diagnostics import Diagnostic, Severity
from cachelint.prompt import AssembledPrompt
from cachelint.rules._base import Rule
from cachelint.rules.context import RuleContext


class UnorderedInPrefix(Rule):
    code = "CL103"
    name = "unordered-in-prefix"
    severity = Severity.WARNING
    summary = "Prompt text built from an unordered source sits in the prefix"

    def check(self, prompt: AssembledPrompt, ctx: RuleContext) -> Iterator[Diagnostic]:
        return iter(())

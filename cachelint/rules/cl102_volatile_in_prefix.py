"""CL102 volatile-in-prefix."""

from __future__ import annotations

from collections.abc import Iterator

from cachelint.diagnostics import Diagnostic, Severity
from cachelint.prompt import AssembledPrompt
from cachelint.rules._base import Rule
from cachelint.rules.context import RuleContext


class VolatileInPrefix(Rule):
    code = "CL102"
    name = "volatile-in-prefix"
    severity = Severity.ERROR
    summary = "A value that changes on every call sits in the prompt prefix"

    def check(self, prompt: AssembledPrompt, ctx: RuleContext) -> Iterator[Diagnostic]:
        return iter(())

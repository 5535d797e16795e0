"""The rule interface: metadata, documented examples, and a pure check over an AssembledPrompt."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from cachelint.diagnostics import Severity

if TYPE_CHECKING:
    from cachelint.diagnostics import Diagnostic
    from cachelint.prompt import AssembledPrompt
    from cachelint.rules.context import RuleContext


# How an INVALID example marks a line that must be reported: `# expect: CL101` (or several codes).
EXPECT = re.compile(r"\s*#\s*expect:\s*(?P<codes>[A-Z0-9, ]+)")


@dataclass(frozen=True)
class Valid:
    """An example that must produce no finding of this rule. `docs=True` shows it in the
    rule's documentation, under "Use instead"."""

    code: str
    files: dict[str, str] = field(default_factory=dict)  # extra project modules
    settings: dict[str, object] = field(default_factory=dict)
    docs: bool = False


@dataclass(frozen=True)
class Invalid:
    """An example whose lines marked `# expect: CODE` must be reported, and nothing else.
    `docs=True` shows it in the rule's documentation, under "Example"."""

    code: str
    files: dict[str, str] = field(default_factory=dict)
    settings: dict[str, object] = field(default_factory=dict)
    message: str | None = None  # an expected substring of the message
    docs: bool = False
    # The example after this rule's fixes (safe and unsafe) are applied, as Fixit's
    # `expected_replacement`; required when the rule writes a fix for the case.
    expected_replacement: str | None = None


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    default: ClassVar[bool] = True  # False for preview rules
    providers: ClassVar[tuple[str, ...]] = ("openai", "anthropic", "gemini")
    summary: ClassVar[str]  # one line, for `cachelint rule --all` and SARIF
    fix_title: ClassVar[str] = ""
    VALID: ClassVar[list[Valid]] = []
    INVALID: ClassVar[list[Invalid]] = []

    def check(self, prompt: AssembledPrompt, ctx: RuleContext) -> Iterator[Diagnostic]:
        raise NotImplementedError

"""The rule interface: metadata, documented examples, and a pure check over an AssembledPrompt."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from cachelint.diagnostics import Severity

if TYPE_CHECKING:
    from cachelint.diagnostics import Diagnostic
    from cachelint.prompt import AssembledPrompt
    from cachelint.rules.context import RuleContext


@dataclass(frozen=True)
class Valid:
    """A documented example that must produce no finding of this rule."""

    code: str
    files: dict[str, str] = field(default_factory=dict)  # extra project modules
    settings: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Invalid:
    """A documented example; lines marked `# expect: CODE` must be reported, nothing else."""

    code: str
    files: dict[str, str] = field(default_factory=dict)
    settings: dict[str, object] = field(default_factory=dict)
    message: str | None = None  # an expected substring of the message


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

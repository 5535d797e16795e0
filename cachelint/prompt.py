"""The prompt model: segments in render order with their stability (rules.md section 1)."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from enum import Enum

from cachelint.diagnostics import Span


class Stability(str, Enum):
    STATIC = "static"
    STABLE = "stable"
    PER_CALL = "per-call"
    VOLATILE = "volatile"
    DAILY = "daily"
    UNORDERED = "unordered"
    UNKNOWN = "unknown"


class Provider(str, Enum):
    OPENAI = "openai"
    ANTHROPIC = "anthropic"
    GEMINI = "gemini"


@dataclass(frozen=True)
class Hop:
    """One step from the call site towards where a value is defined."""

    span: Span
    note: str  # "SYSTEM_PROMPT defined here", "returned by build_messages()"


@dataclass(frozen=True)
class Segment:
    """A contiguous piece of the rendered prompt.

    `text` is known for static segments (and for clock values formatted at date
    precision it is a placeholder); None when only known at run time.
    """

    slot: str  # "tools", "instructions", "messages[0].content", "input[1].content"
    stability: Stability
    text: str | None
    source: str  # the expression as written, quoted in messages
    span: Span  # where `source` is written
    cause: str = ""  # "literal", "datetime.now()", "parameter `user` of ask()"
    hops: tuple[Hop, ...] = ()
    in_preamble: bool = False
    # A whole slot (or whole message list) taken from a parameter: the text is
    # really defined by the caller, so it is treated as unknown for CL201.
    passthrough: bool = False
    # For a value chosen from finite alternatives (`A if flag else B`, a message
    # appended under a condition): the possible texts.
    alternatives: tuple[str, ...] = ()
    truncated: bool = False  # static text longer than the evaluator builds (`"x" * 10**9`)
    node: ast.AST | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class CallSite:
    provider: Provider
    api: str  # "responses.create", "chat.completions.create", "messages.create", ...
    span: Span  # the whole call expression
    func_span: Span  # the callee (`client.responses.create`)
    model: str | None  # resolved `model=` string, if any
    node: ast.Call | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class AssembledPrompt:
    call: CallSite
    segments: tuple[Segment, ...]  # in the order the provider renders the cached prefix
    complete: bool  # False if any part could not be followed
    # Raw keyword values used by parameter rules (CL3xx/CL4xx), by name.
    notes: tuple[str, ...] = ()

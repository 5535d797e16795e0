"""The prompt model: segments in render order with their stability (rules.md section 1),
and the request's cache markers and parameters."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from enum import Enum

from cachelint.diagnostics import Span
from cachelint.fastinit import fast_init


class Stability(str, Enum):
    """How often a segment's text changes (rules.md section 1). The values are shown by
    --show-prompt and are user-facing."""

    STATIC = "static"  # known at lint time
    STABLE = "stable"  # the same on every call of a deployment, text not known
    SESSION = "session"  # the same on every turn of one conversation, differs between them
    TURN = "turn"  # differs from one call to the next inside a conversation
    VOLATILE = "volatile"  # differs on every call even for the same inputs
    DAILY = "daily"  # clock values at date precision
    UNORDERED = "unordered"  # order depends on the hash seed or the filesystem
    UNKNOWN = "unknown"  # could not be followed
    # The class before session and turn were told apart: code written against it (other
    # branches, plugins) means a value that varies per call, which is `turn` by default.
    PER_CALL = "turn"


# The cause given to the earlier turns of a list the instance's methods add to (a conversation
# kept on the instance): a request that sends it re-sends a growing history.
INSTANCE_HISTORY = "items added by the instance's methods (a conversation kept on it)"


# The causes given to what a loop carries from one pass to the next: the items a loop around
# the use appended on earlier passes (a chat loop's history), and a name reassigned on them.
APPENDED_EARLIER = "items appended on earlier iterations"
REASSIGNED_EARLIER = "reassigned on earlier iterations"


class Provider(str, Enum):
    OPENAI = "openai"
    ANTHROPIC = "anthropic"
    GEMINI = "gemini"


@dataclass(frozen=True)
class Hop:
    """One step from the call site towards where a value is defined."""

    span: Span
    note: str  # "SYSTEM_PROMPT defined here", "returned by build_messages()"


@fast_init
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
    # The text comes from `json.dumps` of data whose key order the source does not fix, called
    # without `sort_keys=True`: where that call is written (CL104 reports it and fixes it there).
    unsorted_json: Span | None = None
    # Tokens the provider adds for this segment beyond its text (a built-in tool's own
    # definition, documented by the provider): static text of the prefix no one wrote here.
    hidden_tokens: int = 0
    node: ast.AST | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class CallSite:
    provider: Provider
    api: str  # "responses.create", "chat.completions.create", "messages.create", ...
    span: Span  # the whole call expression
    func_span: Span  # the callee (`client.responses.create`)
    model: str | None  # resolved `model=` string, if any
    node: ast.Call | None = field(default=None, compare=False, repr=False)
    # When the call is reached through a project wrapper: the wrapper call as written
    # (`llm.chat()`); the spans are then those of that call, where the prompt is built.
    via: str = ""
    # ... and where the wrappers on the way are written, as (path, first line, last line):
    # a finding whose evidence lies only there is the wrappers' own, reported inside them.
    via_scopes: tuple[tuple[str, int, int], ...] = field(default=(), compare=False, repr=False)
    # ... and the call the first of them makes on the way, as (path, call): a finding that call
    # makes too, word for word, is reported there, not again at each of its callers.
    next_call: tuple[str, ast.Call] | None = field(default=None, compare=False, repr=False)
    # The OpenAI client's `base_url=` when it is a known string: tells OpenAI-compatible
    # providers (DeepSeek, Groq, a local server, ...) apart from OpenAI itself. When the client
    # is given a base_url the analysis cannot follow, `base_url_unresolved` is that argument
    # as written (the provider is then unknown) and `base_url` is None.
    base_url: str | None = None
    base_url_unresolved: str = ""
    # When `model=` is not a literal but the code gives its value (a parameter default, a
    # class constant, a settings default): which, as messages say it.
    model_origin: str = ""

    def describe(self) -> str:
        return f"`{self.via}` (which calls `{self.api}`)" if self.via else f"`{self.api}`"


class MarkerKind(str, Enum):
    """Which provider's cache marker: Anthropic `cache_control` or OpenAI `prompt_cache_breakpoint`."""

    CACHE_CONTROL = "cache_control"
    PROMPT_CACHE_BREAKPOINT = "prompt_cache_breakpoint"


class _NotStatic:
    """The value of a marker field that is written but not known at lint time."""

    def __repr__(self) -> str:
        return "<not static>"


NOT_STATIC = _NotStatic()


@dataclass(frozen=True)
class Breakpoint:
    """A cache marker and where it sits in render order.

    The marker covers the prefix up to and including segment `after` (-1: before every
    segment, e.g. a marker on a block with no text of its own at the very start).
    `fields` holds the marker's keys as written: the Python value when it is static, else
    NOT_STATIC. With `complete` False the marker may hold keys that could not be seen, so
    an absent key proves nothing.
    """

    after: int
    slot: str  # "tools[2]", "system[1]", "messages[3].content[0]", "cache_control" (top level)
    span: Span  # the marker's value where it is written (may be in another module)
    block_span: Span  # the block (or the call, for the top-level marker) it is attached to
    kind: MarkerKind = MarkerKind.CACHE_CONTROL
    source: str = ""  # the marker as written, quoted in messages
    order: int = 0  # position among the request's markers, in render order
    fields: tuple[tuple[str, object], ...] = ()
    is_dict: bool = True  # False: the marker is not a dict at all (`"ephemeral"`, `True`)
    complete: bool = True
    top_level: bool = False  # Anthropic `cache_control=` keyword: lands on the last block
    block_kind: str | None = None  # "text", "thinking", "tool", "image", "tool_result", "message", ...
    on_plain_string: bool = False  # written beside string content (a message whose content is a str)
    on_last_block: bool = False  # the block is known to be the request's last block
    conditional: bool = False  # present on some paths only (`if`, `A if c else None`)
    repeated: bool = False  # on an item added in a loop: present any number of times
    # Content cachelint does not count (an image, a document, a thinking block) is part of
    # the prefix the marker closes, so its length in tokens is not known.
    uncounted: bool = False
    hops: tuple[Hop, ...] = ()

    def get(self, key: str) -> object | None:
        """The static value of `key`; None when absent; NOT_STATIC when written but unknown."""
        for k, v in self.fields:
            if k == key:
                return v
        return None

    def has(self, key: str) -> bool:
        return any(k == key for k, _ in self.fields)

    @property
    def type(self) -> object | None:
        return self.get("type")

    @property
    def ttl(self) -> object | None:
        return self.get("ttl")

    @property
    def mode(self) -> object | None:
        return self.get("mode")


@dataclass(frozen=True)
class Param:
    """A request parameter other than the prompt itself (`model`, `prompt_cache_key`, ...).

    Gemini `config` entries are recorded as `config.<name>`.
    """

    name: str
    value: object  # the Python value when static, else None
    static: bool
    stability: Stability
    span: Span  # the value as written in the call (or in the config dict)
    source: str  # the expression as written
    # Where the worst part of the value is written and why (`uuid.uuid4()`), when not static.
    origin: Span | None = None
    cause: str = ""
    hops: tuple[Hop, ...] = ()


@dataclass(frozen=True)
class Condition:
    """A part of the request included only on some calls (a tool appended under `if`)."""

    slot: str  # "tools", "tools[2]"
    stability: Stability  # of the condition
    source: str  # the condition as written
    span: Span


@dataclass(frozen=True)
class AssembledPrompt:
    call: CallSite
    segments: tuple[Segment, ...]  # in the order the provider renders the cached prefix
    complete: bool  # False if any part could not be followed
    # What --show-prompt says of the call beside its segments (why a framework call is not checked).
    notes: tuple[str, ...] = ()
    breakpoints: tuple[Breakpoint, ...] = ()  # cache markers in render order
    # Raw keyword values used by parameter rules (CL3xx/CL4xx), by name.
    params: tuple[Param, ...] = ()
    conditions: tuple[Condition, ...] = ()
    # Places a marker could hide that were not seen: a value that could not be followed
    # (`markers_unknown`), or blocks the caller passes in or a loop adds (`markers_passed_in`).
    markers_unknown: bool = False
    markers_passed_in: bool = False
    # Made inside a loop (around the call, or around a wrapper call that leads to it): what
    # is set before the loop is `session`, so a `turn` value is known to change per turn
    # rather than assumed to (a parameter of a function called once per conversation).
    in_loop: bool = False

    def param(self, name: str) -> Param | None:
        for p in self.params:
            if p.name == name:
                return p
        return None

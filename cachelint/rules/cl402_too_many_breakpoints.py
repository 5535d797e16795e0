"""CL402 too-many-breakpoints."""

from __future__ import annotations

from collections.abc import Iterator

from cachelint.diagnostics import Applicability, Diagnostic, Related, Severity
from cachelint.prompt import AssembledPrompt, MarkerKind
from cachelint.rules._base import Invalid, Rule, Valid
from cachelint.rules._markers import MAX_ANTHROPIC_MARKERS, certain, marker_related, marker_span
from cachelint.rules.context import RuleContext
from cachelint.rules.examples import ANTHROPIC_PRELUDE, POLICY_DEF


class TooManyBreakpoints(Rule):
    """
    ## What it does
    Checks for Anthropic requests with more than 4 `cache_control` markers, counting a
    top-level `cache_control=` as one. Markers on tools, system blocks and message blocks
    all count, including markers passed through variables and blocks built in helpers.

    ## Why is this bad?
    The API rejects the request with 400 `invalid_request_error`: "A maximum of 4 blocks with
    cache_control may be provided". A common way to get there is a marker on every tool, or on
    every message of a history, or 4 block markers plus automatic caching at the top level.

    Markers set only on some calls, or added in a loop, are not counted: the rule reports only
    a count it can show.

    ## Fix safety
    Display-only: which markers to keep depends on which parts change between calls.

    ## References
    - Anthropic, prompt caching: up to 4 cache breakpoints per request
    - anthropics/claude-code#8901: "A maximum of 4 blocks with cache_control may be provided. Found 5."
    """

    code = "CL402"
    name = "too-many-breakpoints"
    severity = Severity.ERROR
    providers = ("anthropic",)
    summary = "More than 4 cache_control markers in one request: the API answers 400"
    fix_title = "Keep at most 4 markers: one on the last tool, the last system block, and the last message"

    VALID = [
        # 4 markers: the system prompt and three blocks of the conversation
        Valid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(history, question):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024,
        tools=[{"name": "lookup", "input_schema": {"type": "object"}}],
        system=[{"type": "text", "text": POLICY, "cache_control": CC}],
        messages=[*history,
                  {"role": "user", "content": [{"type": "text", "text": "Context", "cache_control": CC}]},
                  {"role": "assistant", "content": [{"type": "text", "text": "Ok", "cache_control": CC}]},
                  {"role": "user", "content": [{"type": "text", "text": question, "cache_control": CC}]}])
''', docs=True),
        # 3 block markers and the top-level one
        Valid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(history):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024,
        system=[{"type": "text", "text": POLICY, "cache_control": CC},
                {"type": "text", "text": "Style.", "cache_control": CC},
                {"type": "text", "text": "Format.", "cache_control": CC}],
        messages=history, cache_control={"type": "ephemeral"})
'''),
        # markers added in a loop: how many depends on the data
        Valid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(documents, question):
    blocks = []
    for doc in documents:
        blocks.append({"type": "text", "text": doc, "cache_control": CC})
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024, system=POLICY,
        messages=[{"role": "user", "content": [*blocks, {"type": "text", "text": question}]}])
'''),
        # a fifth marker on some calls only: not counted
        Valid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(history, question, pin):
    last = {"type": "text", "text": question}
    if pin:
        last["cache_control"] = CC
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024,
        system=[{"type": "text", "text": POLICY, "cache_control": CC},
                {"type": "text", "text": "A", "cache_control": CC},
                {"type": "text", "text": "B", "cache_control": CC},
                {"type": "text", "text": "C", "cache_control": CC}],
        messages=[*history, {"role": "user", "content": [last]}])
'''),
        # `cache_control=None` is no marker
        Valid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(question):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024,
        system=[{"type": "text", "text": t, "cache_control": None} for t in ["a", "b", "c", "d", "e"]],
        messages=[{"role": "user", "content": question}])
'''),
    ]
    INVALID = [
        # a marker on each of 5 tools
        Invalid(ANTHROPIC_PRELUDE + '''
NAMES = ["search", "lookup", "refund", "cancel", "escalate"]
TOOLS = [{"name": n, "input_schema": {"type": "object"}, "cache_control": CC} for n in NAMES]
def reply(question):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024, tools=TOOLS,  # expect: CL402
                                  messages=[{"role": "user", "content": question}])
''', message="5 `cache_control` markers", docs=True),
        # 4 block markers plus the top-level one: the documented 400
        Invalid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(history, question):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024,
        system=[{"type": "text", "text": POLICY, "cache_control": CC},
                {"type": "text", "text": "Style.", "cache_control": CC},
                {"type": "text", "text": "Format.", "cache_control": CC}],
        messages=[*history, {"role": "user", "content": [{"type": "text", "text": question, "cache_control": CC}]}],
        cache_control={"type": "ephemeral"})  # expect: CL402
''', message="the top-level one"),
        # blocks built in a helper, each with a marker
        Invalid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
def block(text):
    return {"type": "text", "text": text, "cache_control": CC}
def reply(history, question):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024,  # expect: CL402
        system=[block(POLICY), block("Tone."), block("Format.")],
        messages=[*history, {"role": "user", "content": [block("Context."), block(question)]}])
'''),
        # async client, a marker on every message of a literal conversation
        Invalid('''from anthropic import AsyncAnthropic
aclient = AsyncAnthropic()
CC = {"type": "ephemeral", "ttl": "5m"}
async def reply(question):
    return await aclient.messages.create(model="claude-haiku-4-5", max_tokens=256, messages=[
        {"role": "user", "content": [{"type": "text", "text": "Hi", "cache_control": CC}]},
        {"role": "assistant", "content": [{"type": "text", "text": "Hello", "cache_control": CC}]},
        {"role": "user", "content": [{"type": "text", "text": "Order 1", "cache_control": CC}]},
        {"role": "assistant", "content": [{"type": "text", "text": "Shipped", "cache_control": CC}]},
        {"role": "user", "content": [{"type": "text", "text": question, "cache_control": CC}]},  # expect: CL402
    ])
'''),
    ]

    def check(self, prompt: AssembledPrompt, ctx: RuleContext) -> Iterator[Diagnostic]:
        markers = [b for b in prompt.breakpoints if b.kind == MarkerKind.CACHE_CONTROL and certain(b)]
        if len(markers) <= MAX_ANTHROPIC_MARKERS:
            return  # within the limit (markers on some calls only are not counted)
        blocks = sum(1 for b in markers if not b.top_level)
        top = len(markers) - blocks
        where = f"{blocks} on blocks and the top-level one" if top else "all on blocks"
        fifth = markers[MAX_ANTHROPIC_MARKERS]
        # Report at the fifth marker when it is written somewhere of its own; markers built by
        # one helper or one comprehension share a place, so the call is the clearer one.
        span = marker_span(fifth, prompt, ctx)
        own = span != prompt.call.func_span and all(
            marker_span(b, prompt, ctx) != span for b in markers[:MAX_ANTHROPIC_MARKERS])
        if not own:
            span = prompt.call.func_span
        extra: list[Related] = []
        for i, b in enumerate(markers):
            note = Related(b.span, f"marker {i + 1} on `{b.slot}`" if not b.top_level else "the top-level marker")
            if b.span != span and all(r.span != b.span for r in extra):
                extra.append(note)
        related = marker_related(fifth, prompt, ctx, extra[:3]) if own else (
            *extra[:4], Related(prompt.call.func_span, f"in this call to {prompt.call.describe()}"))
        yield ctx.diagnostic(
            self,
            span,
            f"{len(markers)} `cache_control` markers ({where}); the API accepts at most "
            f"{MAX_ANTHROPIC_MARKERS} and answers 400",
            self.fix_title,
            Applicability.DISPLAY_ONLY,
            tuple(related)[:5],
            identity=f"{prompt.call.api}|{len(markers)}|{fifth.slot}",
        )


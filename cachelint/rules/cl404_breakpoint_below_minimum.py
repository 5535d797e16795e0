"""CL404 breakpoint-below-minimum."""

from __future__ import annotations

from collections.abc import Iterator

from cachelint.diagnostics import Applicability, Diagnostic, Related, Severity
from cachelint.prompt import AssembledPrompt, Breakpoint, MarkerKind, Stability
from cachelint.rules._base import Invalid, Rule, Valid
from cachelint.rules._markers import (
    call_model,
    marker_name,
    marker_related,
    marker_span,
    model_phrase,
    surely_below,
    tokens,
)
from cachelint.rules.context import RuleContext, count
from cachelint.rules.examples import ANTHROPIC_PRELUDE, POLICY_DEF
from cachelint.tokens import TokenCount


class BreakpointBelowMinimum(Rule):
    """
    ## What it does
    Checks for a `cache_control` marker whose prefix (everything rendered up to and including
    its block: tools, then system, then messages) is shorter than the model's minimum
    cacheable length: 512 tokens on Claude Opus 5 and the Fable and Mythos 5 models, 1,024 on
    Sonnet 4.5, Sonnet 5 and Opus 4.8, 2,048 on Opus 4.7 and Haiku 3.5, 4,096 on Opus 4.5,
    Opus 4.6 and Haiku 4.5.

    ## Why is this bad?
    Below the minimum nothing is cached and no error is raised: both cache counters read 0
    and every call pays the full input price, while the code looks as if it caches. The
    minimum is not monotonic across generations: a prompt that caches on Opus 5 may not on
    Opus 4.6. On a call with markers this rule takes the place of CL201.

    Claude token counts are estimates; the rule reports only when the prefix is below the
    minimum even at the high end of the estimate's error, and only when everything before the
    marker is static text it can count.

    ## Fix safety
    Display-only: growing the prefix changes what the model sees.

    ## References
    - Anthropic, prompt caching: minimum cacheable prompt length per model
    - "Claude's prompt cache fails silently below 1,024 tokens" (dev.to)
    """

    code = "CL404"
    name = "breakpoint-below-minimum"
    severity = Severity.WARNING
    providers = ("anthropic",)
    summary = "The prefix up to a cache_control marker is below the model's minimum: nothing is cached"
    fix_title = "Mark a prefix of at least {minimum:,} tokens, or remove the marker"

    VALID = [
        # about 1,500 tokens up to the marker on Sonnet 4.5 (1,024 minimum)
        Valid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(question):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024,
        system=[{"type": "text", "text": POLICY, "cache_control": CC}],
        messages=[{"role": "user", "content": question}])
''', docs=True),
        # Opus 5 caches from 512 tokens
        Valid(ANTHROPIC_PRELUDE + '''
GUIDE = "Explain the refund rules in plain words and link the policy page. " * 60
def reply(question):
    return client.messages.create(model="claude-opus-5", max_tokens=1024,
        system=[{"type": "text", "text": GUIDE, "cache_control": CC}],
        messages=[{"role": "user", "content": question}])
'''),
        # text loaded at run time before the marker could make the prefix long enough
        Valid(ANTHROPIC_PRELUDE + '''
SYSTEM = load_prompt("system.md")
def reply(question):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024,
        system=[{"type": "text", "text": "Be brief. " + SYSTEM, "cache_control": CC}],
        messages=[{"role": "user", "content": question}])
'''),
        # an image before the marker: its tokens are not counted
        Valid(ANTHROPIC_PRELUDE + '''
IMAGE = {"type": "image", "source": {"type": "url", "url": "https://example.com/manual.png"}}
def reply(question):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024,
        messages=[{"role": "user", "content": [IMAGE, {"type": "text", "text": "The manual.", "cache_control": CC}]},
                  {"role": "user", "content": question}])
'''),
        # a conversation before the marker: its length is not known
        Valid(ANTHROPIC_PRELUDE + '''
def reply(history, question):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024, system="Be brief.",
        messages=[*history, {"role": "user", "content": [{"type": "text", "text": question, "cache_control": CC}]}])
'''),
        # a dated snapshot is its family's model (claude-sonnet-4-20250514: 1,024 minimum)
        Valid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(question):
    return client.messages.create(model="claude-sonnet-4-20250514", max_tokens=1024,
        system=[{"type": "text", "text": POLICY, "cache_control": CC}],
        messages=[{"role": "user", "content": question}])
'''),
    ]
    INVALID = [
        Invalid(ANTHROPIC_PRELUDE + '''
def reply(question):
    return client.messages.create(model="claude-haiku-4-5", max_tokens=256,
        system=[{"type": "text", "text": "You are a helpful assistant.", "cache_control": CC}],  # expect: CL404
        messages=[{"role": "user", "content": question}])
''', message="4,096-token minimum", docs=True),
        # the top-level marker on a short static conversation
        Invalid(ANTHROPIC_PRELUDE + '''
def classify():
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=16, system="Classify the ticket.",
        messages=[{"role": "user", "content": "Ticket: printer on fire"}],
        cache_control={"type": "ephemeral"})  # expect: CL404
'''),
        # a marker on the tools: the tools alone are short, even though the system prompt is long
        Invalid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
TOOLS = [{"name": "lookup", "description": "Look up an order.", "input_schema": {"type": "object"},
          "cache_control": CC}]  # expect: CL404
def reply(question):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024, tools=TOOLS, system=POLICY,
                                  messages=[{"role": "user", "content": question}])
'''),
        # about 1,500 tokens is below Opus 4.5's 4,096, through an async client
        Invalid('''from anthropic import AsyncAnthropic
aclient = AsyncAnthropic()
''' + POLICY_DEF + '''
async def reply(question):
    return await aclient.messages.create(model="claude-opus-4-5-20251101", max_tokens=1024,
        system=[{"type": "text", "text": POLICY, "cache_control": {"type": "ephemeral"}}],  # expect: CL404
        messages=[{"role": "user", "content": question}])
''', message="~1,500 tokens"),
    ]

    def check(self, prompt: AssembledPrompt, ctx: RuleContext) -> Iterator[Diagnostic]:
        if prompt.call.api == "messages.count_tokens":
            return  # counting tokens caches nothing
        m = call_model(prompt, ctx)
        if not m.caches:
            return  # this model never caches
        minimum = m.min_cache_tokens
        below: list[tuple[Breakpoint, TokenCount]] = []
        for bp in prompt.breakpoints:
            if bp.kind != MarkerKind.CACHE_CONTROL or bp.repeated:
                continue  # markers added in a loop sit on content of unknown length
            if bp.uncounted:
                continue  # an image or document before it: its tokens are not counted
            prefix = prompt.segments[: bp.after + 1]
            if not prefix or any(s.stability != Stability.STATIC or s.truncated for s in prefix):
                continue  # something of unknown length precedes the marker
            n = count(ctx.static_runs(prefix, shortest=False), m)
            if n.n == 0 or not surely_below(n, m, minimum):
                continue  # long enough, or too close to call with an estimate
            below.append((bp, n))
        if not below:
            return
        # The last marker below the minimum has the longest prefix: report it once, with the rest.
        bp, n = below[-1]
        others = len(below) - 1
        also = f"; so are the {others} earlier marker{'s' if others > 1 else ''}" if others else ""
        yield ctx.diagnostic(
            self,
            marker_span(bp, prompt, ctx),
            f"the prefix up to {marker_name(bp)} is {tokens(n)}, below the {minimum:,}-token minimum of "
            f"{model_phrase(m)}: nothing is cached and no error is raised{also}",
            self.fix_title.format(minimum=minimum),
            Applicability.DISPLAY_ONLY,
            marker_related(bp, prompt, ctx, tuple(Related(b.span, f"marker on `{b.slot}`: {tokens(k)}")
                                                  for b, k in below[:-1])[:3]),
            identity=f"{bp.slot}|{n.n}|{prompt.call.api}",
        )

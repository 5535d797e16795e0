"""CL405 ttl-order."""

from __future__ import annotations

from collections.abc import Iterator

from cachelint.diagnostics import Applicability, Diagnostic, Related, Severity
from cachelint.fixes.markers import raise_ttls
from cachelint.prompt import AssembledPrompt, MarkerKind
from cachelint.rules._base import Invalid, Rule, Valid
from cachelint.rules._markers import effective_ttl, marker_name, marker_related, marker_span
from cachelint.rules.context import RuleContext
from cachelint.rules.examples import ANTHROPIC_PRELUDE, POLICY_DEF

_HOUR = 'CC_1H = {"type": "ephemeral", "ttl": "1h"}\n'


class TtlOrder(Rule):
    """
    ## What it does
    Checks the order of `cache_control` TTLs in render order (tools, then system, then
    messages): a `ttl: "1h"` marker after a 5-minute one (`"5m"`, or no `ttl`), and a
    top-level `cache_control` whose TTL differs from an explicit marker on the last block.

    ## Why is this bad?
    When TTLs are mixed, 1-hour entries must come before 5-minute entries; the API rejects
    the request with 400 ("a ttl='1h' cache_control block must not come after a ttl='5m'
    cache_control block"). The top-level marker lands on the last block, so a block marker
    there with another TTL is also rejected.

    ## Fix safety
    Safe, for a 1-hour marker after 5-minute ones: the 5-minute markers before it take the
    1-hour marker's value (as written, when it is a literal or a module constant), so the
    request is accepted and keeps the 1-hour entry it asked for; the model sees the same input.
    Written only where every marker involved is written in the function that makes the call (a
    marker in a shared helper or constant serves other calls too). The 1-hour entries cost more
    to write (2x the input price, against 1.25x). A top-level TTL that contradicts the last
    block has no fix: which of the two was meant cannot be known.

    ## References
    - Anthropic, prompt caching: mixing TTLs
    - karthink/gptel#977: the 400 message
    """

    code = "CL405"
    name = "ttl-order"
    severity = Severity.ERROR
    providers = ("anthropic",)
    summary = "A 1-hour cache_control marker after a 5-minute one, or a top-level TTL that contradicts the last block"
    fix_title = "Put 1-hour markers before 5-minute ones (tools, then system, then messages), or use one TTL"

    VALID = [
        # 1h first, then 5m: the documented order
        Valid(_HOUR + ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(history, question):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024,
        system=[{"type": "text", "text": POLICY, "cache_control": CC_1H}],
        messages=[*history, {"role": "user", "content": [{"type": "text", "text": question, "cache_control": CC}]}])
''', docs=True),
        # one TTL everywhere
        Valid(_HOUR + ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(history):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024,
        system=[{"type": "text", "text": POLICY, "cache_control": CC_1H}],
        messages=history, cache_control=CC_1H)
'''),
        # the top-level TTL matches the marker on the last block
        Valid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(history, question):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024, system=POLICY,
        messages=[*history, {"role": "user", "content": [{"type": "text", "text": question, "cache_control": CC}]}],
        cache_control={"type": "ephemeral", "ttl": "5m"})
'''),
        # a TTL chosen at run time is not known
        Valid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(history, question, ttl):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024,
        system=[{"type": "text", "text": POLICY, "cache_control": CC}],
        messages=[*history, {"role": "user", "content": [
            {"type": "text", "text": question, "cache_control": {"type": "ephemeral", "ttl": ttl}}]}])
'''),
        # the explicit marker is not on the last block: the top-level one is later, with the same TTL order
        Valid(_HOUR + ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(history):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024,
        system=[{"type": "text", "text": POLICY, "cache_control": CC_1H}], messages=history,
        cache_control={"type": "ephemeral"})
'''),
    ]
    INVALID = [
        Invalid(_HOUR + ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(history, question):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024,
        system=[{"type": "text", "text": POLICY, "cache_control": CC}],
        messages=[*history, {"role": "user", "content": [
            {"type": "text", "text": question, "cache_control": CC_1H}]}])  # expect: CL405
''', message="answers 400", docs=True, expected_replacement=_HOUR + ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(history, question):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024,
        system=[{"type": "text", "text": POLICY, "cache_control": CC_1H}],
        messages=[*history, {"role": "user", "content": [
            {"type": "text", "text": question, "cache_control": CC_1H}]}])  # expect: CL405
'''),
        # an inline 1-hour marker after an inline default one: the literal is copied
        Invalid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(question):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024,
        system=[{"type": "text", "text": POLICY, "cache_control": {"type": "ephemeral"}},  # keep
                {"type": "text", "text": POLICY,
                 "cache_control": {"type": "ephemeral", "ttl": "1h"}}],  # expect: CL405
        messages=[{"role": "user", "content": question}])
''', expected_replacement=ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(question):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024,
        system=[{"type": "text", "text": POLICY, "cache_control": {"type": "ephemeral", "ttl": "1h"}},  # keep
                {"type": "text", "text": POLICY,
                 "cache_control": {"type": "ephemeral", "ttl": "1h"}}],  # expect: CL405
        messages=[{"role": "user", "content": question}])
'''),
        # tools render before the system prompt: a 5m marker on the last tool comes first
        Invalid(_HOUR + ANTHROPIC_PRELUDE + POLICY_DEF + '''
TOOLS = [{"name": "lookup", "description": POLICY, "input_schema": {"type": "object"},
          "cache_control": {"type": "ephemeral", "ttl": "5m"}}]
def reply(question):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024, tools=TOOLS,
        system=[{"type": "text", "text": POLICY, "cache_control": CC_1H}],  # expect: CL405
        messages=[{"role": "user", "content": question}])
'''),
        # a top-level TTL that differs from the explicit marker on the last block
        Invalid(_HOUR + ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(history, question):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024, system=POLICY,
        messages=[*history, {"role": "user", "content": [{"type": "text", "text": question, "cache_control": CC}]}],
        cache_control=CC_1H)  # expect: CL405
''', message="last block"),
        # a 1-hour top-level marker lands after a 5-minute block marker; blocks from a helper, async client
        Invalid('''from anthropic import AsyncAnthropic
aclient = AsyncAnthropic()
''' + POLICY_DEF + '''
def text_block(text):
    return {"type": "text", "text": text, "cache_control": {"type": "ephemeral"}}
async def reply(history):
    return await aclient.messages.create(model="claude-sonnet-4-5", max_tokens=1024,
        system=[text_block(POLICY)], messages=history,
        cache_control={"type": "ephemeral", "ttl": "1h"})  # expect: CL405
'''),
    ]

    def check(self, prompt: AssembledPrompt, ctx: RuleContext) -> Iterator[Diagnostic]:
        markers = [b for b in prompt.breakpoints if b.kind == MarkerKind.CACHE_CONTROL and not b.repeated]
        top = next((b for b in markers if b.top_level), None)
        if top is not None and effective_ttl(top) is not None:
            for b in markers:
                if b.top_level or not b.on_last_block:
                    continue  # only a marker on the last block shares the top-level one's place
                ttl, top_ttl = effective_ttl(b), effective_ttl(top)
                if ttl is not None and ttl != top_ttl:
                    yield ctx.diagnostic(
                        self,
                        marker_span(top, prompt, ctx),
                        f"the top-level `cache_control` has TTL \"{top_ttl}\" but the last block carries its own "
                        f"marker with \"{ttl}\": the API answers 400",
                        "Use the same TTL in both, or drop one of the two markers",
                        Applicability.DISPLAY_ONLY,
                        marker_related(top, prompt, ctx, (Related(b.span, f"the marker on `{b.slot}`"),)),
                        identity=f"top|{top_ttl}|{ttl}|{prompt.call.api}",
                    )
                    return  # one finding per call: fixing it may reorder the rest
        short = None  # the first 5-minute marker in render order
        for i, b in enumerate(markers):
            ttl = effective_ttl(b)
            if ttl == "5m" and short is None:
                short = b
            elif ttl == "1h" and short is not None:
                shorts = [m.span for m in markers[:i] if effective_ttl(m) == "5m"]
                edits = raise_ttls(ctx.text_of(prompt.call.span.path), prompt.call.span, b.span, shorts)
                yield ctx.diagnostic(
                    self,
                    marker_span(b, prompt, ctx),
                    f"{marker_name(b)} has ttl \"1h\" but comes after {marker_name(short)} with a 5-minute TTL "
                    f"in render order: the API answers 400",
                    self.fix_title if not edits else "Give the earlier 5-minute markers the 1-hour TTL",
                    Applicability.SAFE if edits else Applicability.DISPLAY_ONLY,
                    marker_related(b, prompt, ctx, (Related(short.span, "the 5-minute marker"),)),
                    identity=f"{b.slot}|{short.slot}|{prompt.call.api}",
                    edits=edits,
                    edits_in=prompt.call.span.path,
                )
                return  # one finding per call

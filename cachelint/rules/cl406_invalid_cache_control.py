"""CL406 invalid-cache-control."""

from __future__ import annotations

from collections.abc import Iterator

from cachelint.diagnostics import Applicability, Diagnostic, Severity
from cachelint.fixes.markers import repair_marker
from cachelint.prompt import NOT_STATIC, AssembledPrompt, Breakpoint, MarkerKind
from cachelint.rules._base import Invalid, Rule, Valid
from cachelint.rules._markers import ANTHROPIC_TTLS, marker_name, marker_related, marker_span
from cachelint.rules.context import RuleContext
from cachelint.rules.examples import ANTHROPIC_PRELUDE, POLICY_DEF

_THINKING = ("thinking", "redacted_thinking")


class InvalidCacheControl(Rule):
    """
    ## What it does
    Checks each `cache_control` marker of an Anthropic request for what the API rejects:
    a `type` other than `"ephemeral"` (or none), a `ttl` other than `"5m"` or `"1h"`, a
    marker that is not an object at all, a marker on a thinking block, and a marker on a
    message beside plain-string content (or on the message instead of one of its blocks).

    ## Why is this bad?
    Each of these is a 400 `invalid_request_error`: the call fails, or a fallback path
    silently drops caching. Thinking blocks cannot carry a marker, and a plain string
    (a `system=` or message `content` given as a `str`) has no block to carry one: use a
    list of text blocks, or the top-level `cache_control=`.

    ## Fix safety
    Safe where the value has one right answer: `"ephemeral"` or `True` becomes
    `{"type": "ephemeral"}`, another `type` becomes `"ephemeral"` (the only one), a missing
    `type` is added, and a TTL written another way (`"60m"`, `3600`, `"5min"`) becomes `"1h"`
    or `"5m"`. The edit lands where the value is written as a literal: at the marker, or where
    the constant it names is defined (the value is wrong for every use). A TTL that is neither
    length, and a marker in the wrong place, have no fix.

    ## References
    - anthropic-sdk-python: `CacheControlEphemeralParam` (`type: "ephemeral"`, `ttl: "5m" | "1h"`),
      `MessageCreateParams.system: str | Iterable[TextBlockParam]`
    - Anthropic, prompt caching: what can and cannot be cached (thinking blocks)
    """

    code = "CL406"
    name = "invalid-cache-control"
    severity = Severity.ERROR
    providers = ("anthropic",)
    summary = "A cache_control marker the API rejects: bad type or ttl, on a thinking block, or beside a plain string"
    fix_title = "Use `{\"type\": \"ephemeral\"}` (optionally with `\"ttl\": \"5m\"` or `\"1h\"`) on a content block"

    VALID = [
        Valid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(history, question):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024,
        system=[{"type": "text", "text": POLICY, "cache_control": {"type": "ephemeral", "ttl": "1h"}}],
        messages=[*history, {"role": "user", "content": [{"type": "text", "text": question, "cache_control": CC}]}])
''', docs=True),
        # a marker on a tool result and on an image
        Valid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(history, tool_id, output, image_url):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024, system=POLICY, messages=[*history,
        {"role": "user", "content": [{"type": "image", "source": {"type": "url", "url": image_url},
                                      "cache_control": CC}]},
        {"role": "assistant", "content": [{"type": "tool_use", "id": tool_id, "name": "f", "input": {}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": tool_id, "content": output,
                                      "cache_control": CC}]}])
'''),
        # a TTL chosen at run time is not known to be wrong
        Valid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(question, ttl):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024,
        system=[{"type": "text", "text": POLICY, "cache_control": {"type": "ephemeral", "ttl": ttl}}],
        messages=[{"role": "user", "content": question}])
'''),
        # the typed params class
        Valid('''from anthropic import Anthropic
from anthropic.types import CacheControlEphemeralParam, TextBlockParam
client = Anthropic()
''' + POLICY_DEF + '''
def reply(question):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024,
        system=[TextBlockParam(type="text", text=POLICY, cache_control=CacheControlEphemeralParam(type="ephemeral"))],
        messages=[{"role": "user", "content": question}])
'''),
        # OpenAI's chat format has no cache_control: not an Anthropic request
        Valid('''from openai import OpenAI
client = OpenAI()
def reply(question):
    return client.chat.completions.create(model="gpt-4.1", messages=[
        {"role": "user", "content": question, "cache_control": {"type": "persistent"}}])
'''),
    ]
    INVALID = [
        Invalid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(question):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024,
        system=[{"type": "text", "text": POLICY, "cache_control": {"type": "persistent"}}],  # expect: CL406
        messages=[{"role": "user", "content": question}])
''', message="type", docs=True, expected_replacement=ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(question):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024,
        system=[{"type": "text", "text": POLICY, "cache_control": {"type": "ephemeral"}}],  # expect: CL406
        messages=[{"role": "user", "content": question}])
'''),
        # an hour written in minutes, in a constant: fixed where it is defined
        Invalid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
CC_HOUR = {"type": "ephemeral", "ttl": "60m"}  # one hour
def reply(question):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024,
        system=[{"type": "text", "text": POLICY, "cache_control": CC_HOUR}],  # expect: CL406
        messages=[{"role": "user", "content": question}])
''', expected_replacement=ANTHROPIC_PRELUDE + POLICY_DEF + '''
CC_HOUR = {"type": "ephemeral", "ttl": "1h"}  # one hour
def reply(question):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024,
        system=[{"type": "text", "text": POLICY, "cache_control": CC_HOUR}],  # expect: CL406
        messages=[{"role": "user", "content": question}])
'''),
        # a TTL the API does not know, through a variable
        Invalid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
CC_10M = {"type": "ephemeral", "ttl": "10m"}
def reply(question):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024,
        system=[{"type": "text", "text": POLICY, "cache_control": CC_10M}],  # expect: CL406
        messages=[{"role": "user", "content": question}])
''', message='"10m"'),
        # a marker on a thinking block
        Invalid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(thought, signature, question):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=2048, system=POLICY,
        thinking={"type": "enabled", "budget_tokens": 1024}, messages=[
        {"role": "user", "content": "Plan the refund."},
        {"role": "assistant", "content": [{"type": "thinking", "thinking": thought, "signature": signature,
                                           "cache_control": CC}]},  # expect: CL406
        {"role": "user", "content": question}])
''', message="thinking block"),
        # a marker beside a plain-string content: strings have no block to carry it
        Invalid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(question):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024, messages=[
        {"role": "user", "content": POLICY, "cache_control": CC},  # expect: CL406
        {"role": "assistant", "content": "Understood."},
        {"role": "user", "content": question}])
''', message="plain-string"),
        # a system message in OpenAI's format sent to Anthropic, built in a helper, async client
        Invalid('''from anthropic import AsyncAnthropic
aclient = AsyncAnthropic()
''' + POLICY_DEF + '''
def system_message(text):
    return {"role": "system", "content": text, "cache_control": {"type": "ephemeral"}}  # expect: CL406
async def reply(question):
    return await aclient.messages.create(model="claude-opus-5", max_tokens=1024,
        messages=[system_message(POLICY), {"role": "user", "content": question}])
'''),
        # a string instead of an object, at the top level
        Invalid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(history):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024, system=POLICY,
                                  messages=history, cache_control="ephemeral")  # expect: CL406
''', expected_replacement=ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(history):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024, system=POLICY,
                                  messages=history, cache_control={"type": "ephemeral"})  # expect: CL406
'''),
        # `type` missing
        Invalid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(history):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024, system=POLICY,
                                  messages=history, cache_control={"ttl": "1h"})  # expect: CL406
''', message="no `type`", expected_replacement=ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(history):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024, system=POLICY,
                                  messages=history, cache_control={"type": "ephemeral", "ttl": "1h"})  # expect: CL406
'''),
    ]

    def check(self, prompt: AssembledPrompt, ctx: RuleContext) -> Iterator[Diagnostic]:
        for bp in prompt.breakpoints:
            if bp.kind != MarkerKind.CACHE_CONTROL:
                continue  # OpenAI breakpoints are CL302's
            problem = _problem(bp)
            if problem is None:
                continue
            message, fix = problem
            where, edits = ("", ()) if bp.block_kind in (*_THINKING, "message") else repair_marker(
                ctx.text_of, bp.span, [h.span for h in bp.hops if h.note == "the marker is defined here"])
            yield ctx.diagnostic(
                self,
                marker_span(bp, prompt, ctx),
                f"{marker_name(bp)} {message}: the API answers 400",
                fix,
                Applicability.SAFE if edits else Applicability.DISPLAY_ONLY,
                marker_related(bp, prompt, ctx),
                identity=f"{bp.slot}|{message}|{prompt.call.api}",
                edits=edits,
                edits_in=where,
            )


def _problem(bp: Breakpoint) -> tuple[str, str] | None:
    """What is wrong with a marker, and the fix; None when nothing is known to be wrong."""
    if bp.block_kind in _THINKING:
        return (f"sits on a {bp.block_kind.replace('_', ' ')} block, which cannot carry one",
                "Put the marker on the last text or tool block of the turn instead")
    if bp.block_kind == "message":
        if bp.on_plain_string:
            return ("sits on a message beside plain-string content, which has no block to carry it",
                    "Make `content` a list of blocks and put the marker on the last one, "
                    "or use the top-level `cache_control=`")
        return ("sits on the message instead of one of its content blocks",
                "Move the marker onto the message's last content block")
    if not bp.is_dict:
        return (f"is `{bp.source}`, not an object", "Use `{\"type\": \"ephemeral\"}`")
    kind = bp.type
    if kind is None and bp.complete:
        return ("has no `type`", "Add `\"type\": \"ephemeral\"`")
    if kind is not None and kind is not NOT_STATIC and kind != "ephemeral":
        return (f"has type {_show(kind)}; the only type is \"ephemeral\"", "Use `\"type\": \"ephemeral\"`")
    ttl = bp.ttl
    if ttl is not None and ttl is not NOT_STATIC and ttl not in ANTHROPIC_TTLS:
        return (f"has ttl {_show(ttl)}; the API takes \"5m\" or \"1h\"",
                "Use `\"ttl\": \"5m\"` (the default) or `\"ttl\": \"1h\"`")
    return None


def _show(v: object) -> str:
    return f'"{v}"' if isinstance(v, str) else repr(v)

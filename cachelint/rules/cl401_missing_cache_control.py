"""CL401 missing-cache-control."""

from __future__ import annotations

from collections.abc import Iterator

from cachelint.analysis import frameworks
from cachelint.diagnostics import Applicability, Diagnostic, Edit, Related, Severity
from cachelint.fixes.markers import add_top_level_marker, mark_system
from cachelint.prompt import AssembledPrompt, Stability
from cachelint.rules._base import Invalid, Rule, Valid
from cachelint.rules._markers import call_model, model_phrase, multi_turn, surely_at_least, varies
from cachelint.rules.context import RuleContext, count
from cachelint.rules.examples import ANTHROPIC_PRELUDE, POLICY_DEF
from cachelint.tokens import TokenCount


class MissingCacheControl(Rule):
    """
    ## What it does
    Checks for Anthropic Messages calls whose static prompt text (tools, system prompt and
    messages, counted together as for CL201) reaches the model's minimum cacheable length,
    but that carry no `cache_control` marker at all: neither the top-level `cache_control=`
    nor one on a block.

    ## Why is this bad?
    Unlike OpenAI and Gemini, Anthropic caches nothing unless the request asks for it. Every
    call pays the full input price for the same system prompt and tools, and reads nothing
    from the cache however often it is sent.

    Claude token counts are estimates (there is no public tokenizer); the rule reports only
    when the estimate reaches the minimum even at the low end of its error.

    ## Known problems
    Markers added by a caller to a message list passed in whole are not seen.

    ## Fix safety
    Safe (the model sees the same input; the first call pays 1.25x for the write). A call that
    re-sends a conversation, or sends the same request every time, gets
    `cache_control={"type": "ephemeral"}` at the top level: the marker lands on the last block
    and moves forward as the conversation grows. A one-shot call (a new question after a shared
    preamble) gets the marker on the end of `system`, when tools and system are static and reach
    the minimum by themselves: a string `system` becomes one text block carrying it (the same
    text), a list of block literals gets it on its last block. Other calls get no fix.

    ## References
    - Anthropic, prompt caching: automatic caching with a top-level `cache_control`
    - LiteLLM: "Anthropic only caches a prompt when the request carries explicit `cache_control` breakpoints"
    """

    code = "CL401"
    name = "missing-cache-control"
    severity = Severity.WARNING
    providers = ("anthropic",)
    summary = "An Anthropic call with a long static prefix carries no cache_control marker, so nothing is cached"
    fix_title = "Add `cache_control={\"type\": \"ephemeral\"}` at the top level, or a marker on the last static block"

    VALID = [
        # the top-level marker: automatic caching, moving forward as the conversation grows
        Valid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(history):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024, system=POLICY,
                                  messages=history, cache_control={"type": "ephemeral"})
''', docs=True),
        # a marker on the system block, passed through a variable
        Valid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(question):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024,
        system=[{"type": "text", "text": POLICY, "cache_control": CC}],
        messages=[{"role": "user", "content": question}])
'''),
        # the block is built in a helper that adds the marker
        Valid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
def cached_block(text):
    return {"type": "text", "text": text, "cache_control": CC}
def reply(question):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024,
        system=[cached_block(POLICY)], messages=[{"role": "user", "content": question}])
'''),
        # a marker set only on some calls still shows the call asks for caching
        Valid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(question, cache):
    block = {"type": "text", "text": POLICY}
    if cache:
        block["cache_control"] = CC
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024, system=[block],
                                  messages=[{"role": "user", "content": question}])
'''),
        # too short to be cached on this model: CL201's business
        Valid(ANTHROPIC_PRELUDE + '''
def reply(question):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024, system="Be brief.",
                                  messages=[{"role": "user", "content": question}])
'''),
        # Opus 4.5 needs 4,096 tokens: about 1,500 is not enough
        Valid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(question):
    return client.messages.create(model="claude-opus-4-5", max_tokens=1024, system=POLICY,
                                  messages=[{"role": "user", "content": question}])
'''),
        # extra keywords the analysis cannot follow could carry the marker
        Valid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(question, **options):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024, system=POLICY,
                                  messages=[{"role": "user", "content": question}], **options)
'''),
        # an agent loop marks the latest tool result in place: the marker cannot be placed, but it exists
        Valid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
def run(task, tools):
    messages = [{"role": "user", "content": task}]
    while True:
        reply = client.messages.create(model="claude-sonnet-4-5", max_tokens=4096, tools=tools,
                                       system=POLICY, messages=messages)
        if reply.stop_reason != "tool_use":
            return reply
        results = [{"type": "tool_result", "tool_use_id": b.id, "content": "ok"} for b in reply.content]
        results[-1]["cache_control"] = CC
        messages += [{"role": "assistant", "content": reply.content}, {"role": "user", "content": results}]
'''),
        # counting tokens is not a generation: nothing to cache
        Valid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
def size(question):
    return client.messages.count_tokens(model="claude-sonnet-4-5", system=POLICY,
                                        messages=[{"role": "user", "content": question}])
'''),
        # a model that never caches (Claude 2.1): a marker would do nothing
        Valid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(question):
    return client.messages.create(model="claude-2.1", max_tokens=1024, system=POLICY,
                                  messages=[{"role": "user", "content": question}])
'''),
    ]
    INVALID = [
        Invalid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(history):
    return client.messages.create(  # expect: CL401
        model="claude-sonnet-4-5", max_tokens=1024, system=POLICY, messages=history)
''', message="~1,500 static tokens", docs=True, expected_replacement=ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(history):
    return client.messages.create(  # expect: CL401
        model="claude-sonnet-4-5", max_tokens=1024, system=POLICY, messages=history, '''
        '''cache_control={"type": "ephemeral"})
'''),
        # async client, system as a list of text blocks without a marker
        Invalid('''from anthropic import AsyncAnthropic
aclient = AsyncAnthropic()
''' + POLICY_DEF + '''
async def reply(question):
    return await aclient.messages.create(model="claude-sonnet-4-5", max_tokens=512,  # expect: CL401
        system=[{"type": "text", "text": POLICY}],
        messages=[{"role": "user", "content": question}])
''', message="1,024-token minimum", expected_replacement='''from anthropic import AsyncAnthropic
aclient = AsyncAnthropic()
''' + POLICY_DEF + '''
async def reply(question):
    return await aclient.messages.create(model="claude-sonnet-4-5", max_tokens=512,  # expect: CL401
        system=[{"type": "text", "text": POLICY, "cache_control": {"type": "ephemeral"}}],
        messages=[{"role": "user", "content": question}])
'''),
        # the tool definitions and the system prompt together reach the minimum
        Invalid(ANTHROPIC_PRELUDE + '''
DESCRIPTION = "Look up an order by its number and return its status, items and delivery dates. " * 40
TOOLS = [
    {"name": "lookup_order", "description": DESCRIPTION, "input_schema": {"type": "object"}},
    {"name": "lookup_refund", "description": DESCRIPTION, "input_schema": {"type": "object"}},
]
def reply(question):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024, tools=TOOLS,  # expect: CL401
        system="Use the tools.", messages=[{"role": "user", "content": question}])
''', expected_replacement=ANTHROPIC_PRELUDE + '''
DESCRIPTION = "Look up an order by its number and return its status, items and delivery dates. " * 40
TOOLS = [
    {"name": "lookup_order", "description": DESCRIPTION, "input_schema": {"type": "object"}},
    {"name": "lookup_refund", "description": DESCRIPTION, "input_schema": {"type": "object"}},
]
def reply(question):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024, tools=TOOLS,  # expect: CL401
        system=[{"type": "text", "text": "Use the tools.", "cache_control": {"type": "ephemeral"}}], '''
        '''messages=[{"role": "user", "content": question}])
'''),
        # streaming and the beta namespace are the same API
        Invalid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(question):
    with client.beta.messages.stream(model="claude-opus-5", max_tokens=1024,  # expect: CL401
                                     system=POLICY, messages=[{"role": "user", "content": question}]) as s:
        return s.get_final_message()
''', expected_replacement=ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(question):
    with client.beta.messages.stream(model="claude-opus-5", max_tokens=1024,  # expect: CL401
                                     system=[{"type": "text", "text": POLICY, '''
        '''"cache_control": {"type": "ephemeral"}}], messages=[{"role": "user", "content": question}]) as s:
        return s.get_final_message()
'''),
        # the system prompt ends with the customer's name: no marker can close a shared part there,
        # so the finding has no fix
        Invalid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(name, question):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024,  # expect: CL401
        system=POLICY + "Customer: " + name, messages=[{"role": "user", "content": question}])
'''),
        # `model=` is not a literal: the Claude fallback minimum is assumed
        Invalid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(model, question):
    return client.messages.create(model=model, max_tokens=1024, system=POLICY,  # expect: CL401
                                  messages=[{"role": "user", "content": question}])
''', message="assumed", expected_replacement=ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(model, question):
    return client.messages.create(model=model, max_tokens=1024, '''
        '''system=[{"type": "text", "text": POLICY, "cache_control": {"type": "ephemeral"}}],  # expect: CL401
                                  messages=[{"role": "user", "content": question}])
'''),
        # a dated snapshot is its family's model (claude-3-5-sonnet-20241022: 1,024 minimum)
        Invalid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(question):
    return client.messages.create(model="claude-3-5-sonnet-20241022", max_tokens=1024,  # expect: CL401
        system=POLICY,
        messages=[{"role": "user", "content": question}])
''', expected_replacement=ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(question):
    return client.messages.create(model="claude-3-5-sonnet-20241022", max_tokens=1024,  # expect: CL401
        system=[{"type": "text", "text": POLICY, "cache_control": {"type": "ephemeral"}}],
        messages=[{"role": "user", "content": question}])
''', docs=True),
        # a chat loop re-sends the growing history with the policy: nothing is cached
        Invalid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
def chat():
    history = []
    while True:
        history.append({"role": "user", "content": input()})
        reply = client.messages.create(model="claude-sonnet-4-5", max_tokens=1024,  # expect: CL401
                                       system=POLICY, messages=history)
        history.append({"role": "assistant", "content": reply.content})
''', expected_replacement=ANTHROPIC_PRELUDE + POLICY_DEF + '''
def chat():
    history = []
    while True:
        history.append({"role": "user", "content": input()})
        reply = client.messages.create(model="claude-sonnet-4-5", max_tokens=1024,  # expect: CL401
                                       system=POLICY, messages=history, cache_control={"type": "ephemeral"})
        history.append({"role": "assistant", "content": reply.content})
'''),
    ]

    def check(self, prompt: AssembledPrompt, ctx: RuleContext) -> Iterator[Diagnostic]:
        if prompt.call.provider.value != "anthropic":
            return  # only Anthropic needs a marker to cache at all
        if prompt.call.api == "messages.count_tokens":
            return  # counting tokens generates nothing and caches nothing
        if prompt.breakpoints:
            return  # the call asks for caching (CL402-CL406 judge how)
        if prompt.markers_unknown:
            return  # a marker could sit in a part the analysis could not follow
        m = call_model(prompt, ctx)
        if not m.caches:
            return  # this model never caches
        total = count(ctx.static_runs(prompt.segments), m)
        hidden = sum(s.hidden_tokens for s in prompt.segments)  # built-in tools' own definitions
        total = TokenCount(total.n + hidden, total.exact, total.encoding)
        minimum = m.min_cache_tokens
        built_in_part = any(s.truncated for s in prompt.segments)  # certainly long
        if not built_in_part and not surely_at_least(total, m, minimum):
            return  # not surely above the minimum: a marker would cache nothing (CL201's business)
        one_shot = not multi_turn(prompt) and any(varies(s) for s in prompt.segments if not s.in_preamble)
        fix = self.fix_title
        if one_shot:
            fix = "Add a `cache_control` marker on the last static block (the end of the system prompt)"
            if any(s.slot == "system" and s.stability == Stability.STATIC for s in prompt.segments):
                fix = ("Make `system` a list of text blocks and add `\"cache_control\": {\"type\": \"ephemeral\"}` "
                       "to the last one")
        edits = self._edits(prompt, ctx, one_shot)
        if edits:
            fix = ("Add `cache_control={\"type\": \"ephemeral\"}` at the top level" if not one_shot else
                   "Add a `cache_control` marker on the end of `system`")
        marker = "`cache_control`"
        if prompt.call.api == "bedrock.converse":
            # Bedrock's Converse API marks the cache with a block of its own
            marker = "`cachePoint`"
            fix = "Add a `{\"cachePoint\": {\"type\": \"default\"}}` block after the last static block of `system`"
        elif frameworks.is_framework_api(prompt.call.api):
            # litellm and langchain pass a content block's marker on to Claude as written
            fix = "Add `\"cache_control\": {\"type\": \"ephemeral\"}` to the last static content block"
        amount = ("more than " if built_in_part else "") + total.display()
        notes = [Related(s.span, f"static text of `{s.slot}`") for s in prompt.segments
                 if s.stability == Stability.STATIC and s.text and len(s.text) > 200][:3]
        yield ctx.diagnostic(
            self,
            prompt.call.func_span,
            f"no {marker} in this call: {amount} static tokens, above the {minimum:,}-token minimum "
            f"of {model_phrase(m)}, are sent at full price on every call",
            fix,
            Applicability.SAFE if edits else Applicability.DISPLAY_ONLY,
            tuple(notes),
            identity=f"{prompt.call.api}|{total.n}",
            edits=edits,
            edits_in=prompt.call.span.path,
        )

    @staticmethod
    def _edits(prompt: AssembledPrompt, ctx: RuleContext, one_shot: bool) -> tuple[Edit, ...]:
        """The marker, where the fix can be written: see Fix safety."""
        if prompt.call.via or frameworks.is_framework_api(prompt.call.api):
            # a wrapper or a framework builds the request: the call written here is not the SDK's
            return ()
        text = ctx.text_of(prompt.call.span.path)
        if not one_shot:
            if multi_turn(prompt) or not any(varies(s) for s in prompt.segments):
                return add_top_level_marker(text, prompt.call.span)
            return ()  # the last block follows text that changes: a marker there is never read
        head = [s for s in prompt.segments if s.in_preamble and s.slot.startswith(("tools", "system"))]
        if not head or any(s.stability not in (Stability.STATIC, Stability.STABLE) for s in head):
            return ()
        if any(s.in_preamble and not s.slot.startswith(("tools", "system")) for s in prompt.segments):
            return ()  # more preamble after the system prompt: its end is not the static part's end
        m = call_model(prompt, ctx)
        marked: TokenCount = count(ctx.static_runs(head), m)
        if not surely_at_least(marked, m, m.min_cache_tokens):
            return ()  # the system prompt alone is too short: its marker would cache nothing
        return mark_system(text, prompt.call.span)

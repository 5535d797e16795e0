"""CL202 unstable-tools."""

from __future__ import annotations

from collections.abc import Iterator

from cachelint.diagnostics import Applicability, Diagnostic, Edit, Related, Severity
from cachelint.fixes.sorting import sorted_tools_source
from cachelint.models import ModelLookup
from cachelint.prompt import AssembledPrompt, Segment, Stability
from cachelint.rules._base import Invalid, Rule, Valid
from cachelint.rules._markers import call_model, surely_at_least, tokens
from cachelint.rules.context import RuleContext, count
from cachelint.rules.examples import ANTHROPIC_PRELUDE, POLICY_DEF, PRELUDE, RULES_DEF
from cachelint.tokens import TokenCount

_TOOL_SLOTS = ("tools", "functions")
# Tools chosen once per agent or user (session) repeat on every turn of its conversation.
_CHANGING = (Stability.TURN, Stability.VOLATILE, Stability.UNORDERED)

_TOOLS_DEF = '''
TOOLS = [
    {"type": "function", "name": "lookup_order", "parameters": {"type": "object", "properties": {}}},
    {"type": "function", "name": "refund", "parameters": {"type": "object", "properties": {}}},
]
'''


class UnstableTools(Rule):
    """
    ## What it does
    Checks for a `tools=` list that differs between calls: filtered or built per call
    (from a parameter, a user's permissions, a request), built from an unordered source (a
    `set`, a directory listing), or containing per-turn or volatile text in a tool's name,
    description or schema. Tools chosen once per agent or user (set when the agent is made,
    or before the loop that makes its requests) are the same on every turn: not reported.
    OpenAI and Anthropic calls (Gemini tools, through either SDK, are not checked yet).

    ## Why is this bad?
    Tool definitions render first, before the instructions or system prompt. Any change to
    them, including their order, changes the very start of the prefix: every token after
    them misses the cache, on every call that sends a different list. An unordered source
    differs between worker processes, so each one fills its own cache entries.

    ## Fix safety
    Tools built from an unordered source: safe, when the call's `tools=` is a comprehension
    over a set of strings or a directory listing (written there, or assigned once to the name
    it iterates): the fix iterates `sorted(...)` of it, the same tools in one order. Tools that
    differ per call: display-only, since sending every tool changes what the model may call
    unless `tool_choice` narrows it.

    ## References
    - OpenAI cookbook, Prompt Caching 201: tools and schemas render before the instructions;
      `allowed_tools` narrows tools without changing the prefix
    - Anthropic, prompt caching: changing tool definitions invalidates every cache level
    """

    code = "CL202"
    name = "unstable-tools"
    severity = Severity.WARNING
    providers = ("openai", "anthropic")
    summary = "The tools list differs between calls; tools render first, so every change misses the whole cache"
    fix_title = "Send one stable, sorted tools list on every call{narrow}"

    VALID = [
        # one constant list
        Valid(PRELUDE + RULES_DEF + _TOOLS_DEF + '''
def reply(text):
    return client.responses.create(model="gpt-4.1", tools=TOOLS, instructions=RULES, input=text)
''', docs=True),
        # narrowed per call with allowed_tools: the tools themselves never change
        Valid(PRELUDE + RULES_DEF + _TOOLS_DEF + '''
def reply(text, allowed):
    return client.responses.create(model="gpt-4.1", tools=TOOLS, instructions=RULES, input=text,
        tool_choice={"type": "allowed_tools", "mode": "auto",
                     "tools": [{"type": "function", "name": n} for n in allowed]})
'''),
        # a set sorted into a list
        Valid(PRELUDE + RULES_DEF + '''
NAMES = {"lookup_order", "refund"}
TOOLS = [{"type": "function", "name": n, "parameters": {"type": "object"}} for n in sorted(NAMES)]
def reply(text):
    return client.responses.create(model="gpt-4.1", tools=TOOLS, instructions=RULES, input=text)
'''),
        # a module-level feature flag decides once per process
        Valid(PRELUDE + RULES_DEF + _TOOLS_DEF + '''
ADMIN_TOOL = {"type": "function", "name": "admin", "parameters": {"type": "object"}}
ENABLE_ADMIN = False
def reply(text):
    tools = list(TOOLS)
    if ENABLE_ADMIN:
        tools.append(ADMIN_TOOL)
    return client.responses.create(model="gpt-4.1", tools=tools, instructions=RULES, input=text)
'''),
        # a wrapper: the caller passes the tools
        Valid(PRELUDE + RULES_DEF + '''
def reply(text, tools=None):
    if tools is None:
        tools = []
    return client.responses.create(model="gpt-4.1", tools=tools, instructions=RULES, input=text)
'''),
        # tools chosen once per agent: the same on every turn of its conversation
        Valid(PRELUDE + RULES_DEF + _TOOLS_DEF + '''
class Agent:
    def __init__(self, allowed):
        self.tools = [t for t in TOOLS if t["name"] in allowed]
    def reply(self, text):
        return client.responses.create(model="gpt-4.1", tools=self.tools, instructions=RULES, input=text)
'''),
        # chosen before the agent's loop and kept through it
        Valid(PRELUDE + RULES_DEF + _TOOLS_DEF + '''
def run(allowed, task):
    tools = [t for t in TOOLS if t["name"] in allowed]
    history = [{"role": "user", "content": task}]
    for _ in range(10):
        reply = client.responses.create(model="gpt-4.1", tools=tools, instructions=RULES, input=history)
        history.append({"role": "assistant", "content": reply.output_text})
'''),
        # tools loaded at import are the same on every call
        Valid(PRELUDE + RULES_DEF + '''
TOOLS = load_tools("tools.json")
def reply(text):
    return client.responses.create(model="gpt-4.1", tools=TOOLS, instructions=RULES, input=text)
'''),
    ]
    INVALID = [
        # filtered per call
        Invalid(PRELUDE + RULES_DEF + _TOOLS_DEF + '''
def reply(text, user):
    tools = [t for t in TOOLS if t["name"] in user.allowed_tools]  # expect: CL202
    return client.responses.create(model="gpt-4.1", tools=tools, instructions=RULES, input=text)
''', message="allowed_tools", docs=True),
        # a tool appended for some users only
        Invalid(PRELUDE + RULES_DEF + _TOOLS_DEF + '''
ADMIN_TOOL = {"type": "function", "name": "admin", "parameters": {"type": "object"}}
def reply(text, user):
    tools = list(TOOLS)
    if user.is_admin:  # expect: CL202
        tools.append(ADMIN_TOOL)
    return client.chat.completions.create(model="gpt-4o", tools=tools, messages=[
        {"role": "system", "content": RULES}, {"role": "user", "content": text}])
'''),
        # chosen again on every step of the agent's loop
        Invalid(PRELUDE + RULES_DEF + _TOOLS_DEF + '''
def run(task, plan):
    history = [{"role": "user", "content": task}]
    for step in plan:
        tools = [t for t in TOOLS if t["name"] in step.allowed]  # expect: CL202
        reply = client.responses.create(model="gpt-4.1", tools=tools, instructions=RULES, input=history)
        history.append({"role": "assistant", "content": reply.output_text})
'''),
        # built from a set: each process renders its own order
        Invalid(PRELUDE + RULES_DEF + '''
ENABLED = {"lookup_order", "refund", "escalate"}  # expect: CL202
def reply(text):
    return client.responses.create(model="gpt-4.1", instructions=RULES, input=text,
        tools=[{"type": "function", "name": n} for n in ENABLED])
''', message="order", expected_replacement=PRELUDE + RULES_DEF + '''
ENABLED = {"lookup_order", "refund", "escalate"}  # expect: CL202
def reply(text):
    return client.responses.create(model="gpt-4.1", instructions=RULES, input=text,
        tools=[{"type": "function", "name": n} for n in sorted(ENABLED)])
'''),
        # the same set of names, assigned twice: which one is iterated is not certain, so no fix
        Invalid(PRELUDE + RULES_DEF + '''
ENABLED = {"lookup_order", "refund", "escalate"}
ENABLED = {"lookup_order", "refund", "escalate"}  # expect: CL202
def reply(text):
    return client.responses.create(model="gpt-4.1", instructions=RULES, input=text,
        tools=[{"type": "function", "name": n} for n in ENABLED])
'''),
        # a tool description naming the tenant: per-turn text
        Invalid(PRELUDE + RULES_DEF + '''
def reply(text, tenant):
    tools = [{"type": "function", "name": "orders",
              "description": f"Look up orders of {tenant}.",  # expect: CL202
              "parameters": {"type": "object"}}]
    return client.responses.create(model="gpt-4.1", tools=tools, instructions=RULES, input=text)
'''),
        # Anthropic: tools chosen per call, async client
        Invalid('''from anthropic import AsyncAnthropic
aclient = AsyncAnthropic()
CC = {"type": "ephemeral"}
''' + POLICY_DEF + '''
SEARCH = {"name": "search", "input_schema": {"type": "object"}}
BROWSE = {"name": "browse", "input_schema": {"type": "object"}}
async def reply(history, web):
    return await aclient.messages.create(model="claude-sonnet-4-5", max_tokens=1024,
        tools=[SEARCH, BROWSE] if web else [SEARCH],  # expect: CL202
        system=[{"type": "text", "text": POLICY, "cache_control": CC}], messages=history)
'''),
        # Anthropic: tools built by a helper from request data
        Invalid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(history, account):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024,
        tools=tools_for(account),  # expect: CL202
        system=POLICY, messages=history, cache_control=CC)
'''),
        # an OpenAI-compatible provider (OpenRouter, by its base_url) gets the ordering rules
        Invalid('''from openai import OpenAI

client = OpenAI(base_url="https://openrouter.ai/api/v1", api_key="or")
''' + RULES_DEF + '''
TOOLS = [{"type": "function", "function": {"name": n, "description": "Look it up. " * 40,
          "parameters": {"type": "object"}}} for n in ("orders", "refunds", "stock")]
def answer(question, allowed):
    tools = [t for t in TOOLS if t["function"]["name"] in allowed]  # expect: CL202
    return client.chat.completions.create(model="openai/gpt-4.1", tools=tools, messages=[
        {"role": "system", "content": RULES}, {"role": "user", "content": question}])
'''),
    ]

    def check(self, prompt: AssembledPrompt, ctx: RuleContext) -> Iterator[Diagnostic]:
        provider = prompt.call.provider.value
        if provider not in self.providers:
            return  # Gemini tools are not covered yet
        m = call_model(prompt, ctx)
        if not m.caches:
            return  # this model never caches: nothing to lose
        total = count(ctx.static_runs(prompt.segments), m)
        if not surely_at_least(total, m, m.min_cache_tokens) and not any(s.truncated for s in prompt.segments):
            return  # too little static text to be cached anyway (CL201's business)
        lost = _shared_after_tools(prompt, ctx, m)
        narrow = (" and narrow it per call with `tool_choice={\"type\": \"allowed_tools\", ...}`"
                  if provider == "openai" else "")
        fix = self.fix_title.format(narrow=narrow)
        seen: set[str] = set()
        for seg in prompt.segments:
            if not _is_tool(seg) or seg.passthrough or seg.stability not in _CHANGING:
                continue  # stable, or the caller's list (a wrapper)
            if seg.source in seen:
                continue
            seen.add(seg.source)
            edits: tuple[Edit, ...] = ()
            if seg.stability == Stability.UNORDERED:
                what = f"`{seg.source}` has no fixed order ({seg.cause}): each process renders a different list"
                this_fix = "Build the tools list from `sorted(...)`"
                if not prompt.call.via and seg.span.path == prompt.call.span.path:
                    edits = sorted_tools_source(ctx.text_of(seg.span.path), prompt.call.span, seg.span)
            elif seg.stability == Stability.VOLATILE:
                what = f"the tool definitions contain `{seg.source}`, which changes every request"
                this_fix = fix
            else:
                what = f"the tool definitions depend on `{seg.source}` ({seg.cause}), so they differ between calls"
                this_fix = fix
            yield ctx.diagnostic(
                self,
                ctx.primary_span(seg, prompt),
                f"{what}; tools render first, so {tokens(lost)} of shared prefix miss the cache",
                this_fix,
                Applicability.SAFE if edits else Applicability.DISPLAY_ONLY,
                ctx.related_for(seg, prompt, ()),
                identity=f"{seg.source}|{seg.slot}|{prompt.call.api}",
                edits=edits,
                edits_in=prompt.call.span.path,
            )
        for cond in prompt.conditions:
            if not cond.slot.startswith(_TOOL_SLOTS) or cond.source in seen:
                continue
            seen.add(cond.source)
            yield ctx.diagnostic(
                self,
                cond.span,
                f"the tools sent depend on `{cond.source}`, so they differ between calls; tools render first, "
                f"so {tokens(lost)} of shared prefix miss the cache whenever the list changes",
                fix,
                Applicability.DISPLAY_ONLY,
                (Related(prompt.call.func_span, f"in this call to {prompt.call.describe()}"),),
                identity=f"{cond.source}|{prompt.call.api}",
            )


def _is_tool(seg: Segment) -> bool:
    return seg.slot.startswith(_TOOL_SLOTS)


def _shared_after_tools(prompt: AssembledPrompt, ctx: RuleContext, m: ModelLookup) -> TokenCount:
    """Static tokens the tools keep from the cache: the static tool definitions and the static
    text after them, up to the next part that changes between calls."""
    kept: list[Segment] = []
    for seg in prompt.segments:
        if _is_tool(seg):
            if seg.stability == Stability.STATIC:
                kept.append(seg)
            continue
        if ctx.stops_count(seg):
            break
        kept.append(seg)
    return count(ctx.static_runs(kept), m)

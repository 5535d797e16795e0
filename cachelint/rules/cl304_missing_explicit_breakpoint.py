"""CL304 missing-explicit-breakpoint."""

from __future__ import annotations

from collections.abc import Iterator

from cachelint.diagnostics import Applicability, Diagnostic, Related, Severity
from cachelint.prompt import AssembledPrompt, MarkerKind, Segment, Stability
from cachelint.rules._base import Invalid, Rule, Valid
from cachelint.rules._markers import call_model, openai_version, reaches_openai, tokens
from cachelint.rules.cl302_invalid_cache_option import FIRST_WITH_OPTIONS
from cachelint.rules.context import RuleContext, count
from cachelint.rules.examples import PRELUDE, RULES_DEF


class MissingExplicitBreakpoint(Rule):
    """
    ## What it does
    Checks gpt-5.6 and later calls in implicit mode (the default) whose prompt starts with
    a large static part (at least the 1,024-token minimum) followed by content that changes
    between calls, with no explicit `prompt_cache_breakpoint` at the end of the static part.

    ## Why is this bad?
    From gpt-5.6 on, OpenAI bills cache writes and places its implicit breakpoint near the
    latest user or tool message, so a large unchanged prefix followed by a changing suffix
    can miss entirely: a replay with a 9,000-token developer prefix and only the last user
    message changing got no cache hits. An explicit breakpoint at the end of the static part
    marks the exact boundary to cache.

    ## Fix safety
    Display-only.

    ## References
    - openai/codex#35300: implicit caching misses a stable developer prefix on gpt-5.6
    - openai-python `prompt_cache_breakpoint`
    """

    code = "CL304"
    name = "missing-explicit-breakpoint"
    severity = Severity.INFO
    default = False
    providers = ("openai",)
    summary = "gpt-5.6+ with a large static prefix and a changing suffix, but no explicit breakpoint"
    fix_title = "Add `\"prompt_cache_breakpoint\": {\"mode\": \"explicit\"}` to the last block of the static part"

    VALID = [
        # an explicit breakpoint closes the static part
        Valid(PRELUDE + RULES_DEF + '''
def reply(text):
    return client.responses.create(model="gpt-5.6", input=[
        {"role": "developer", "content": [{"type": "input_text", "text": RULES,
                                           "prompt_cache_breakpoint": {"mode": "explicit"}}]},
        {"role": "user", "content": text}])
''', docs=True),
        # older models round to 128-token blocks and write for free
        Valid(PRELUDE + RULES_DEF + '''
def reply(text):
    return client.responses.create(model="gpt-5.5", instructions=RULES, input=text)
'''),
        # a short static part: nothing worth a breakpoint
        Valid(PRELUDE + '''
def reply(text):
    return client.responses.create(model="gpt-5.6", instructions="Be brief.", input=text)
'''),
    ]
    INVALID = [
        Invalid(PRELUDE + RULES_DEF + '''
def reply(text):
    return client.responses.create(model="gpt-5.6", instructions=RULES,  # expect: CL304
                                   input=text)
''', message="implicit", docs=True),
        Invalid(PRELUDE + RULES_DEF + '''
def reply(history, text):
    return client.chat.completions.create(model="gpt-5.6-sol", messages=[  # expect: CL304
        {"role": "system", "content": RULES},
        *history, {"role": "user", "content": text}])
'''),
    ]

    def check(self, prompt: AssembledPrompt, ctx: RuleContext) -> Iterator[Diagnostic]:
        if not reaches_openai(prompt, ctx):
            return  # OpenAI's breakpoints
        version = openai_version(prompt.call.model)
        if version is None or version < FIRST_WITH_OPTIONS:
            return  # explicit breakpoints exist from gpt-5.6 on
        options = prompt.param("prompt_cache_options")
        if options is not None and not (options.static and options.value is None):
            value = options.value if options.static else None
            if not isinstance(value, dict) or value.get("mode", "implicit") != "implicit":
                return  # explicit mode, or not known: CL303 covers a missing breakpoint there
        if any(b.kind == MarkerKind.PROMPT_CACHE_BREAKPOINT for b in prompt.breakpoints):
            return  # the call already marks its boundary
        if prompt.markers_unknown:
            return  # a part not followed could carry a breakpoint
        lead: list[Segment] = []
        rest = list(prompt.segments)
        while rest and not ctx.stops_count(rest[0]):
            lead.append(rest.pop(0))
        changing = bool(rest) and (ctx.is_breaker(rest[0]) or (
            rest[0].passthrough and rest[0].stability == Stability.TURN))
        if not changing:
            return  # nothing changing follows the static part
        statics = [s for s in lead if s.stability == Stability.STATIC]
        if not statics:
            return
        m = call_model(prompt, ctx)
        n = count(ctx.static_runs(lead), m)
        if n.n < m.min_cache_tokens:
            return  # too short to be worth a breakpoint
        last = statics[-1]
        yield ctx.diagnostic(
            self,
            prompt.call.func_span,
            f"{tokens(n)} of static prompt precede `{rest[0].source}` in implicit mode with no explicit "
            f"breakpoint: gpt-5.6's implicit breakpoint near the last message can miss them",
            self.fix_title,
            Applicability.DISPLAY_ONLY,
            (Related(last.span, f"the static part ends with `{last.slot}`"),),
            identity=f"{last.slot}|{n.n}|{prompt.call.api}",
        )

"""CL303 breakpoint-limit."""

from __future__ import annotations

from collections.abc import Iterator

from cachelint.diagnostics import Applicability, Diagnostic, Related, Severity
from cachelint.prompt import AssembledPrompt, MarkerKind
from cachelint.rules._base import Invalid, Rule, Valid
from cachelint.rules._markers import (
    call_model,
    certain,
    in_file,
    marker_related,
    marker_span,
    openai_version,
    reaches_openai,
    tokens,
)
from cachelint.rules.cl302_invalid_cache_option import FIRST_WITH_OPTIONS
from cachelint.rules.context import RuleContext, count
from cachelint.rules.examples import PRELUDE

# Breakpoints a request writes: the latest 4 in explicit mode, 3 beside the implicit one.
LIMITS = {"explicit": 4, "implicit": 3}

_PARTS = '''
def part(text):
    return {"type": "input_text", "text": text, "prompt_cache_breakpoint": {"mode": "explicit"}}
'''


class BreakpointLimit(Rule):
    """
    ## What it does
    Checks OpenAI requests (gpt-5.6 and later) for more explicit `prompt_cache_breakpoint`
    markers than a request writes: the latest 4 in explicit mode, the latest 3 in implicit
    mode (beside OpenAI's own implicit breakpoint). Also checks for
    `prompt_cache_options={"mode": "explicit"}` on a request with no breakpoint at all.

    ## Why is this bad?
    Breakpoints beyond the limit are silently not written: the earliest ones, which usually
    close the longest shared prefix, cache nothing. In explicit mode without any breakpoint
    nothing is cached at all, and every call pays the full input price.

    ## Fix safety
    Display-only.

    ## References
    - openai-python `prompt_cache_options`: "writes up to the latest 4 explicit breakpoints
      (3 in implicit mode); with no explicit breakpoint in explicit mode nothing is cached"
    """

    code = "CL303"
    name = "breakpoint-limit"
    severity = Severity.WARNING
    providers = ("openai",)
    summary = "More prompt_cache_breakpoint markers than are written, or explicit mode with none"
    fix_title = "Keep at most {limit} breakpoints, at the ends of the shared parts"

    VALID = [
        # explicit mode, and the conversation passed in may carry the breakpoints
        Valid(PRELUDE + '''
RULES = "Answer from the policy only. " * 300
def reply(history, text):
    return client.chat.completions.create(model="gpt-5.6", messages=[
        {"role": "system", "content": RULES}, *history, {"role": "user", "content": text}],
        prompt_cache_options={"mode": "explicit"})
'''),
        Valid(PRELUDE + _PARTS + '''
def reply(text):
    return client.responses.create(model="gpt-5.6", input=[
        {"role": "developer", "content": [part("Rules."), part("Tools guide."), part("Examples.")]},
        {"role": "user", "content": text}])
''', docs=True),
        # explicit mode writes 4
        Valid(PRELUDE + _PARTS + '''
def reply(text):
    return client.responses.create(model="gpt-5.6", prompt_cache_options={"mode": "explicit"}, input=[
        {"role": "developer", "content": [part("Rules."), part("Tools guide."), part("Examples.")]},
        {"role": "user", "content": [part(text)]}])
'''),
        # explicit mode, and the history passed in may carry the breakpoints
        Valid(PRELUDE + '''
def reply(history):
    return client.responses.create(model="gpt-5.6", input=history, prompt_cache_options={"mode": "explicit"})
'''),
        # breakpoints added in a loop: how many depends on the data
        Valid(PRELUDE + _PARTS + '''
def reply(docs, text):
    return client.responses.create(model="gpt-5.6", input=[
        {"role": "developer", "content": [part(d) for d in docs]}, {"role": "user", "content": text}])
'''),
    ]
    INVALID = [
        # 4 breakpoints in implicit mode (the default): the earliest is not written
        Invalid(PRELUDE + _PARTS + '''
def reply(text):
    return client.responses.create(model="gpt-5.6", input=[  # expect: CL303
        {"role": "developer", "content": [part("Rules."), part("Tools guide."), part("Examples.")]},
        {"role": "user", "content": [part(text)]}])
''', message="3 in implicit mode", docs=True),
        # explicit mode with no breakpoint: nothing is cached
        Invalid(PRELUDE + '''
RULES = "Answer from the policy only. " * 300
def reply(text):
    return client.chat.completions.create(model="gpt-5.6", messages=[
        {"role": "system", "content": RULES}, {"role": "user", "content": text}],
        prompt_cache_options={"mode": "explicit"})  # expect: CL303
''', message="nothing is cached"),
        # explicit mode through `extra_body`, no breakpoint anywhere
        Invalid(PRELUDE + '''
RULES = "Answer from the policy only. " * 300
def reply(text):
    return client.chat.completions.create(model="gpt-5.6", messages=[
        {"role": "system", "content": RULES}, {"role": "user", "content": text}],
        extra_body={"prompt_cache_options": {"mode": "explicit"}})  # expect: CL303
''', message="nothing is cached"),
        # Responses: the input is a string parameter, which carries no breakpoint
        Invalid(PRELUDE + '''
RULES = "Answer from the policy only. " * 300
def reply(text: str):
    return client.responses.create(model="gpt-5.6", instructions=RULES, input=text,
                                   prompt_cache_options={"mode": "explicit"})  # expect: CL303
'''),
        # 5 in explicit mode, each written where it is
        Invalid(PRELUDE + '''
BP = {"mode": "explicit", "ttl": "30m"}
def reply(text):
    return client.chat.completions.create(model="gpt-5.6", prompt_cache_options={"mode": "explicit"}, messages=[
        {"role": "system", "content": [
            {"type": "text", "text": "Rules.", "prompt_cache_breakpoint": BP},  # expect: CL303
            {"type": "text", "text": "Tools.", "prompt_cache_breakpoint": BP},
            {"type": "text", "text": "Style.", "prompt_cache_breakpoint": BP},
            {"type": "text", "text": "Examples.", "prompt_cache_breakpoint": BP}]},
        {"role": "user", "content": [{"type": "text", "text": text, "prompt_cache_breakpoint": BP}]}])
'''),
    ]

    def check(self, prompt: AssembledPrompt, ctx: RuleContext) -> Iterator[Diagnostic]:
        if not reaches_openai(prompt, ctx):
            return  # OpenAI's breakpoints
        version = openai_version(prompt.call.model)
        if version is not None and version < FIRST_WITH_OPTIONS:
            return  # the model rejects breakpoints and options altogether (CL302)
        options = prompt.param("prompt_cache_options")
        mode: str | None = "implicit"
        if options is not None and not (options.static and options.value is None):
            value = options.value if options.static else None
            mode = value.get("mode", "implicit") if isinstance(value, dict) else None
        markers = [b for b in prompt.breakpoints if b.kind == MarkerKind.PROMPT_CACHE_BREAKPOINT]
        if mode == "explicit" and options is not None and not markers:
            if prompt.markers_unknown or prompt.markers_passed_in:
                return  # blocks not seen (history passed in) may carry breakpoints
            total = count(ctx.static_runs(prompt.segments), call_model(prompt, ctx))
            span = options.span if in_file(options.span, ctx) else prompt.call.func_span
            yield ctx.diagnostic(
                self,
                span,
                f"`prompt_cache_options` sets mode \"explicit\" but the request has no `prompt_cache_breakpoint`: "
                f"nothing is cached, and its {tokens(total)} of static prompt are sent at full price on every call",
                "Add `\"prompt_cache_breakpoint\": {\"mode\": \"explicit\"}` to the last block of the shared part, "
                "or use mode \"implicit\"",
                Applicability.DISPLAY_ONLY,
                () if span == prompt.call.func_span else (
                    Related(prompt.call.func_span, f"in this call to {prompt.call.describe()}"),),
                identity=f"explicit-none|{prompt.call.api}",
            )
            return
        sure = [b for b in markers if certain(b)]
        # mode unknown: only a count above both limits is sure
        limit = LIMITS.get(mode or "", LIMITS["explicit"])
        if len(sure) <= limit:
            return
        dropped = len(sure) - limit
        first = sure[0]
        span = marker_span(first, prompt, ctx)
        if any(marker_span(b, prompt, ctx) == span for b in sure[1:]):
            span = prompt.call.func_span  # built by one helper: the call is the clearer place
        mode_text = f"{limit} in {mode} mode" if mode else f"at most {limit}"
        yield ctx.diagnostic(
            self,
            span,
            f"{len(sure)} `prompt_cache_breakpoint` markers but a request writes only the latest {mode_text}: "
            + ("the earliest is not written" if dropped == 1 else f"the earliest {dropped} are not written"),
            self.fix_title.format(limit=limit),
            Applicability.DISPLAY_ONLY,
            marker_related(first, prompt, ctx) if span != prompt.call.func_span else tuple(
                Related(b.span, f"breakpoint on `{b.slot}`") for b in sure[:dropped])[:4],
            identity=f"limit|{len(sure)}|{mode}|{prompt.call.api}",
        )

"""CL302 invalid-cache-option."""

from __future__ import annotations

from collections.abc import Iterator

from cachelint.diagnostics import Applicability, Diagnostic, Related, Severity, Span
from cachelint.prompt import NOT_STATIC, AssembledPrompt, Breakpoint, MarkerKind, Param
from cachelint.rules._base import Invalid, Rule, Valid
from cachelint.rules._markers import in_file, marker_related, marker_span, openai_version, reaches_openai
from cachelint.rules.context import RuleContext
from cachelint.rules.examples import PRELUDE

RETENTIONS = ("in_memory", "24h")
MODES = ("implicit", "explicit")
TTLS = ("30m", "12h")
FIRST_WITH_OPTIONS = (5, 6)  # prompt_cache_options and breakpoints: gpt-5.6 and later
FIRST_24H_ONLY = (5, 5)  # prompt_cache_retention="in_memory" rejected from gpt-5.5 on

_LONG = '''
DEV = [{"type": "input_text", "text": "Answer from the policy only. " * 300,
        "prompt_cache_breakpoint": {"mode": "explicit"}}]
'''


class InvalidCacheOption(Rule):
    """
    ## What it does
    Checks OpenAI cache parameters for values the API rejects or ignores:
    `prompt_cache_retention` other than `"in_memory"` or `"24h"`; `"in_memory"` on gpt-5.5
    and later (they take only `"24h"`); `prompt_cache_options.mode` other than `"implicit"`
    or `"explicit"`; a `ttl` (in the options or on a breakpoint) other than `"30m"` or
    `"12h"`; a `prompt_cache_breakpoint` whose `mode` is not `"explicit"`; and
    `prompt_cache_options` or `prompt_cache_breakpoint` on a model older than gpt-5.6.

    ## Why is this bad?
    A typo in a cache option either fails the request (400) or, where a proxy strips the
    field, silently drops the caching it was meant to set up. Explicit breakpoints and cache
    options exist from gpt-5.6 on; older models reject them (reported by third parties,
    and OpenRouter strips them for that reason).

    Only literal model names are judged: a model chosen at run time, or an Azure deployment
    name, is never reported.

    ## Fix safety
    Display-only.

    ## References
    - openai-python: `prompt_cache_retention: Literal["in_memory", "24h"]`, `prompt_cache_options`
      (`mode: "implicit" | "explicit"`, `ttl: "30m" | "12h"`), `prompt_cache_breakpoint`
    - OpenAI community: gpt-5.6 answers `"in_memory"` with 400
    """

    code = "CL302"
    name = "invalid-cache-option"
    severity = Severity.ERROR
    providers = ("openai",)
    summary = "An OpenAI cache parameter the API rejects or ignores"
    fix_title = "Use {allowed}"

    VALID = [
        Valid(PRELUDE + '''
def reply(text):
    return client.responses.create(model="gpt-4.1", input=text, prompt_cache_retention="24h")
''', docs=True),
        Valid(PRELUDE + _LONG + '''
def reply(text):
    return client.responses.create(model="gpt-5.6", input=[{"role": "developer", "content": DEV},
                                   {"role": "user", "content": text}],
                                   prompt_cache_options={"mode": "explicit", "ttl": "12h"})
'''),
        # "in_memory" is fine before gpt-5.5
        Valid(PRELUDE + '''
def reply(text):
    return client.chat.completions.create(model="gpt-5.1", prompt_cache_retention="in_memory",
                                          messages=[{"role": "user", "content": text}])
'''),
        # a model chosen at run time is not judged
        Valid(PRELUDE + '''
def reply(model, text):
    return client.responses.create(model=model, input=text, prompt_cache_options={"mode": "implicit"})
'''),
        # a value chosen at run time is not known to be wrong
        Valid(PRELUDE + '''
def reply(text, ttl):
    return client.responses.create(model="gpt-5.6", input=text, prompt_cache_options={"ttl": ttl})
'''),
    ]
    INVALID = [
        Invalid(PRELUDE + '''
def reply(text):
    return client.responses.create(model="gpt-4.1", input=text,
                                   prompt_cache_retention="24hours")  # expect: CL302
''', message='"24hours"', docs=True),
        # gpt-5.6 answers "in_memory" with 400
        Invalid(PRELUDE + '''
def reply(text):
    return client.responses.create(model="gpt-5.6-sol", input=text,
                                   prompt_cache_retention="in_memory")  # expect: CL302
''', message="gpt-5.5 and later"),
        Invalid(PRELUDE + _LONG + '''
def reply(text):
    return client.responses.create(model="gpt-5.6", input=[{"role": "developer", "content": DEV},
                                   {"role": "user", "content": text}],
                                   prompt_cache_options={"mode": "explicit", "ttl": "1h"})  # expect: CL302
''', message='"1h"'),
        Invalid(PRELUDE + '''
def reply(text):
    return client.chat.completions.create(model="gpt-5.6", messages=[{"role": "user", "content": text}],
                                          prompt_cache_options={"mode": "manual"})  # expect: CL302
'''),
        # options on a model that predates them
        Invalid(PRELUDE + '''
OPTIONS = {"mode": "implicit", "ttl": "30m"}
def reply(text):
    return client.responses.create(model="gpt-4.1-mini", input=text,
                                   prompt_cache_options=OPTIONS)  # expect: CL302
''', message="older than gpt-5.6"),
        # a breakpoint on a model that predates them, through a variable
        Invalid(PRELUDE + '''
BP = {"mode": "explicit"}
def reply(text):
    return client.chat.completions.create(model="gpt-4o", messages=[
        {"role": "system", "content": [
            {"type": "text", "text": "Rules.", "prompt_cache_breakpoint": BP}]},  # expect: CL302
        {"role": "user", "content": text}])
'''),
        # a breakpoint with a bad ttl, built in a helper
        Invalid(PRELUDE + '''
def marked(text):
    return {"type": "input_text", "text": text,
            "prompt_cache_breakpoint": {"mode": "explicit", "ttl": "24h"}}  # expect: CL302
def reply(text):
    return client.responses.create(model="gpt-5.6", input=[
        {"role": "developer", "content": [marked("Rules.")]}, {"role": "user", "content": text}])
'''),
    ]

    def check(self, prompt: AssembledPrompt, ctx: RuleContext) -> Iterator[Diagnostic]:
        if not reaches_openai(prompt, ctx):
            return  # OpenAI's parameters
        version = openai_version(prompt.call.model)
        model = f"`{prompt.call.model}`"
        retention = prompt.param("prompt_cache_retention")
        if retention is not None and retention.static and retention.value is not None:
            v = retention.value
            if v not in RETENTIONS:
                yield self._report(prompt, ctx, retention.span,
                                   f"`prompt_cache_retention={retention.source}` is not a value the API takes",
                                   '`"24h"` (or `"in_memory"` before gpt-5.5)')
            elif v == "in_memory" and version is not None and version >= FIRST_24H_ONLY:
                yield self._report(prompt, ctx, retention.span,
                                   f"`prompt_cache_retention=\"in_memory\"` on {model}: gpt-5.5 and later take "
                                   f"only \"24h\" and answer 400",
                                   '`"24h"`, or drop it and set `prompt_cache_options={"ttl": ...}`')
        options = prompt.param("prompt_cache_options")
        if options is not None and not (options.static and options.value is None):
            yield from self._options(prompt, ctx, options, version, model)
        breakpoints = [b for b in prompt.breakpoints if b.kind == MarkerKind.PROMPT_CACHE_BREAKPOINT]
        if breakpoints and version is not None and version < FIRST_WITH_OPTIONS:
            bp = breakpoints[0]
            yield ctx.diagnostic(
                self,
                marker_span(bp, prompt, ctx),
                f"`prompt_cache_breakpoint` on {model}: models older than gpt-5.6 reject or ignore explicit "
                f"breakpoints ({len(breakpoints)} in this call)",
                "Remove the breakpoints, or use gpt-5.6 or later",
                Applicability.DISPLAY_ONLY,
                marker_related(bp, prompt, ctx),
                identity=f"bp-model|{prompt.call.model}|{prompt.call.api}",
            )
            return  # the values of breakpoints the model rejects do not matter
        for bp in breakpoints:
            problem = _breakpoint_problem(bp)
            if problem is not None:
                yield ctx.diagnostic(
                    self,
                    marker_span(bp, prompt, ctx),
                    f"`prompt_cache_breakpoint` on `{bp.slot}` {problem[0]}",
                    self.fix_title.format(allowed=problem[1]),
                    Applicability.DISPLAY_ONLY,
                    marker_related(bp, prompt, ctx),
                    identity=f"bp|{bp.slot}|{problem[0]}|{prompt.call.api}",
                )

    def _options(self, prompt: AssembledPrompt, ctx: RuleContext, options: Param,
                 version: tuple[int, int] | None, model: str) -> Iterator[Diagnostic]:
        if version is not None and version < FIRST_WITH_OPTIONS:
            yield self._report(prompt, ctx, options.span,
                               f"`prompt_cache_options` on {model}: models older than gpt-5.6 reject or ignore it",
                               "gpt-5.6 or later, or `prompt_cache_retention` on older models")
            return
        if not options.static:
            return  # built at run time: its values are not known
        value = options.value
        if not isinstance(value, dict):
            yield self._report(prompt, ctx, options.span,
                               f"`prompt_cache_options={options.source}` is not an object",
                               '`{"mode": "implicit" | "explicit", "ttl": "30m" | "12h"}`')
            return
        mode = value.get("mode")
        if "mode" in value and mode not in MODES:
            yield self._report(prompt, ctx, options.span,
                               f"`prompt_cache_options` has mode {_show(mode)}, not a mode the API takes",
                               '`"mode": "implicit"` (the default) or `"mode": "explicit"`')
        ttl = value.get("ttl")
        if "ttl" in value and ttl not in TTLS:
            yield self._report(prompt, ctx, options.span,
                               f"`prompt_cache_options` has ttl {_show(ttl)}, not a TTL the API takes",
                               '`"ttl": "30m"` (the default) or `"ttl": "12h"`')

    def _report(self, prompt: AssembledPrompt, ctx: RuleContext, span: Span, message: str,
                allowed: str) -> Diagnostic:
        primary = span if in_file(span, ctx) else prompt.call.func_span
        related = () if primary == prompt.call.func_span else (
            Related(prompt.call.func_span, f"in this call to {prompt.call.describe()}"),)
        return ctx.diagnostic(self, primary, message, self.fix_title.format(allowed=allowed),
                              Applicability.DISPLAY_ONLY, related, identity=f"{message}|{prompt.call.api}")


def _breakpoint_problem(bp: Breakpoint) -> tuple[str, str] | None:
    if not bp.is_dict:
        return f"is `{bp.source}`, not an object", '`{"mode": "explicit"}`'
    mode = bp.mode
    if mode is not None and mode is not NOT_STATIC and mode != "explicit":
        return f"has mode {_show(mode)}; a breakpoint's mode is \"explicit\"", '`"mode": "explicit"`'
    ttl = bp.ttl
    if ttl is not None and ttl is not NOT_STATIC and ttl not in TTLS:
        return f"has ttl {_show(ttl)}, not a TTL the API takes", '`"ttl": "30m"` or `"ttl": "12h"`'
    return None


def _show(v: object) -> str:
    return f'"{v}"' if isinstance(v, str) else repr(v)

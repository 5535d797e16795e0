"""CL201 prefix-below-minimum."""

from __future__ import annotations

from collections.abc import Iterator

from cachelint.analysis import frameworks
from cachelint.diagnostics import Applicability, Diagnostic, Related, Severity
from cachelint.prompt import AssembledPrompt, MarkerKind, Stability
from cachelint.rules._base import Invalid, Rule, Valid
from cachelint.rules.context import RuleContext, _definition_note, count
from cachelint.rules.examples import ANTHROPIC_PRELUDE, PRELUDE, RULES_DEF


class PrefixBelowMinimum(Rule):
    """
    ## What it does
    Checks for calls whose static prompt text, all of it together (as if every
    changing part were moved to the end), is shorter than the model's minimum
    cacheable prefix: 1,024 tokens on OpenAI, 512 to 4,096 on Anthropic and Gemini
    depending on the model. On Gemini the same minimums apply through the `google.genai`
    client and the legacy `google.generativeai` SDK (whose `GenerativeModel` holds the
    system instruction and tools).

    ## Why is this bad?
    Below the minimum nothing is cached and no error is raised: every call pays the full
    input price however often the same prompt is sent. Either the shared part can grow
    (examples, detailed instructions, tool definitions) to cross the minimum, or the
    call should not be counted on to cache.

    It is reported only when nothing that cachelint could not read (a value loaded
    at run time, a helper it could not follow, a parameter passed straight through)
    could make the prefix longer, and only when the call has some static text.

    ## Fix safety
    Display-only: growing a prompt changes what the model sees.

    ## References
    - OpenAI, Prompt caching: requests of 1,024 tokens or more are cached
    - Anthropic, prompt caching: minimum cacheable prompt length per model
    """

    code = "CL201"
    name = "prefix-below-minimum"
    severity = Severity.WARNING
    summary = "The request's static text is below the model's minimum cacheable length"
    fix_title = "Grow the shared static prefix past {minimum:,} tokens, or do not rely on caching for this call"

    VALID = [
        # the tutorial example: 200 repetitions are well above 1,024 tokens
        Valid(PRELUDE + '''
long_prefix = """You are a highly knowledgeable assistant. Answer accurately and cite sources.""" * 200
def ask(question):
    return client.responses.create(model="gpt-4.1-mini", input=long_prefix + question)
''', docs=True),
        # static text long enough, spread over instructions and input
        Valid(PRELUDE + RULES_DEF + '''
def ask(question):
    return client.responses.create(model="gpt-4.1", instructions=RULES, input=question)
'''),
        # text loaded at run time could make it longer: say nothing
        Valid(PRELUDE + '''
SYSTEM = open_prompt("system.md")
def ask(question):
    return client.responses.create(model="gpt-4.1", instructions="Be brief. " + SYSTEM, input=question)
'''),
        # a wrapper: the caller passes the system prompt
        Valid(PRELUDE + '''
def ask(system, question):
    return client.chat.completions.create(model="gpt-4.1", messages=[
        {"role": "system", "content": system}, {"role": "user", "content": "Q: " + question}])
'''),
        # a wrapper that adds only a response format to the caller's messages
        Valid(PRELUDE + '''
def complete(messages, model):
    return client.chat.completions.create(model=model, messages=messages,
                                          response_format={"type": "json_object"})
'''),
        # no static text at all: nothing to report
        Valid(PRELUDE + '''
def ask(question):
    return client.responses.create(model="gpt-4.1", input=question)
'''),
        # a call with cache_control markers: CL404 judges the prefix up to each marker instead
        Valid(ANTHROPIC_PRELUDE + '''
def ask(question):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=512,
        system=[{"type": "text", "text": "Be brief.", "cache_control": CC}],
        messages=[{"role": "user", "content": question}])
'''),
        # gpt-4 never caches
        Valid(PRELUDE + '''
def ask(question):
    return client.chat.completions.create(model="gpt-4", messages=[
        {"role": "system", "content": "Be brief."}, {"role": "user", "content": question}])
'''),
    ]
    INVALID = [
        # the tutorial example with 5 repetitions
        Invalid(PRELUDE + '''
long_prefix = """You are a highly knowledgeable assistant. Answer accurately and cite sources.""" * 5
def ask(question):
    return client.responses.create(model="gpt-4.1-mini", input=long_prefix + question)  # expect: CL201
''', message="1,024-token minimum", docs=True),
        Invalid(PRELUDE + '''
SYSTEM = "You are a helpful assistant. Answer briefly."
def ask(question):
    return client.chat.completions.create(  # expect: CL201
        model="gpt-4o", messages=[{"role": "system", "content": SYSTEM},
                                  {"role": "user", "content": question}])
'''),
        # per-call text does not count and does not block
        Invalid(PRELUDE + '''
def ask(name, question):
    return client.responses.create(model="gpt-5", instructions=f"Hello {name}, be brief.",  # expect: CL201
                                   input=question)
'''),
        # the configured default model decides when `model=` is not a literal
        Invalid(PRELUDE + '''
def ask(model, question):
    return client.responses.create(model=model, instructions="Be brief.", input=question)  # expect: CL201
'''),
        # tools and schema count as static text, still too little
        Invalid(PRELUDE + '''
TOOLS = [{"type": "function", "name": "lookup", "parameters": {"type": "object", "properties": {}}}]
def ask(question):
    return client.responses.create(model="gpt-4.1", tools=TOOLS,  # expect: CL201
                                   instructions="Use lookup when unsure.", input=question)
'''),
    ]

    def check(self, prompt: AssembledPrompt, ctx: RuleContext) -> Iterator[Diagnostic]:
        m = ctx.model(prompt)
        if not m.caches:
            return  # this model never caches: a minimum means nothing
        if any(b.kind == MarkerKind.CACHE_CONTROL for b in prompt.breakpoints):
            return  # a call with cache_control markers: CL404 judges each marker's prefix
        if any(seg.slot.endswith(":]") for seg in prompt.segments):
            return  # messages of unknown number and content (history, a caller's list) could be long
        # Instructions written by this function (a schema or tools alone do not make it the
        # author of the conversation's preamble).
        own_preamble = any(s.in_preamble and s.stability == Stability.STATIC
                           and not s.slot.startswith(_STRUCTURED) for s in prompt.segments)
        for seg in prompt.segments:
            if seg.stability in (Stability.STABLE, Stability.UNKNOWN):
                return  # text we cannot see could make the prefix long enough
            if seg.passthrough and (seg.in_preamble or (
                    not own_preamble and (seg.slot in _WHOLE_LISTS or seg.slot.endswith(":]")))):
                # The caller supplies the preamble, or the whole conversation while this
                # function writes none: a wrapper whose callers decide the prefix.
                return
            if seg.truncated:
                return  # built only in part: certainly long
        total = ctx.total_static(prompt, shortest=False)
        if total.n == 0:
            return  # no static text at all: there is no prefix to speak of
        if total.n >= m.min_cache_tokens:
            return  # long enough to be cached
        if prompt.call.model is None and frameworks.is_framework_api(prompt.call.api):
            # litellm or langchain with a model the analysis cannot see: any provider, so any
            # minimum (or none at all)
            return
        if not m.known and m.provider != "openai":
            # An Anthropic or Gemini model the table does not hold (or `model=` not a literal
            # and the default another provider's): their minimums differ by model (Claude: 512
            # to 4,096), so "below the minimum" cannot be claimed. OpenAI-compatible providers
            # reached through the OpenAI SDK follow OpenAI's 1,024 (rules.md, section 3).
            return
        minimum = m.min_cache_tokens
        if not m.known:
            model_desc = f"unknown model `{m.name}` (assumed)"
        else:
            model_desc = f"`{m.name}`" + (" (the default model: `model=` is not a literal)" if m.defaulted else "")
        yield ctx.diagnostic(
            self,
            prompt.call.func_span,
            f"static prompt text totals {total.amount()}, below the {minimum:,}-token minimum "
            f"for {model_desc}; this call can never hit the cache",
            self.fix_title.format(minimum=minimum),
            Applicability.DISPLAY_ONLY,
            _statics(prompt, ctx),
            identity=f"{prompt.call.api}|{prompt.call.via}|{prompt.call.model}",
        )


_WHOLE_LISTS = ("messages", "input", "contents")
_STRUCTURED = ("tools", "functions", "response_format", "text.format", "config.tools")


def _statics(prompt: AssembledPrompt, ctx: RuleContext) -> tuple[Related, ...]:
    notes: list[Related] = []
    for seg in prompt.segments:
        if seg.stability == Stability.STATIC and seg.text and len(notes) < 3:
            n = count([seg.text], ctx.model(prompt))
            where = _definition_note(seg) if seg.hops else f"static text of {seg.slot}"
            notes.append(Related(seg.span, f"{where} ({n.amount()}, {n.basis()})"))
    return tuple(notes)

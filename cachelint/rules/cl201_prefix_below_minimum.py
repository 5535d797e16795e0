"""CL201 prefix-below-minimum."""

from __future__ import annotations

import math
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
    could make the prefix longer, and only when reaching the minimum would pay off.

    When it pays: with `S` static tokens, a minimum of `M` tokens and cached input costing `r` times
    the input price (the model table's cached-price ratio), a call pays for its `S`
    tokens at full price today; padded (or merged with other shared text) to `M`
    tokens and read from the cache, it pays for `M x r`. The saving, in percent of the
    static tokens' input cost, is `(S - M x r) / S`. It is reported only when that is
    not negative, i.e. `S >= M x r` (256 tokens on `gpt-4.1`: 1,024 x 0.25; 512 on
    `gpt-4o`: 1,024 x 0.5; 103 on Claude Sonnet 4.5: 1,024 x 0.1). Below that a
    short request (a health check, a 3-token test prompt) is cheaper as it is. The
    saving is per call that reads the cache: the first call of each cache lifetime
    pays the write (free on OpenAI before gpt-5.6, 1.25x on Anthropic and gpt-5.6+).

    Models without prompt caching (gpt-3.5, gpt-4, Claude 2, Gemini before 2.5), models
    whose cached price no source gives, unknown models, a model the code does not name
    (a parameter, a field read at run time, a literal in one branch only) unless
    `default-model` is configured, and OpenAI-compatible
    providers that document no minimum and price (DeepSeek, xAI, Together, a local
    server, ...; `cachelint models` lists them) are never reported.

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
        # a chat loop re-sends its growing history: the prefix soon passes any minimum
        Valid(PRELUDE + '''
SHORT = "Answer support questions about Acme routers. Cite the manual section. " * 20
def chat():
    history = [{"role": "system", "content": SHORT}]
    while True:
        history.append({"role": "user", "content": input()})
        reply = client.chat.completions.create(model="gpt-4.1", messages=history)
        history.append({"role": "assistant", "content": reply.choices[0].message.content})
'''),
        # a conversation kept on the instance, grown by each call of the method
        Valid(PRELUDE + '''
SHORT = "Answer support questions about Acme routers. Cite the manual section. " * 20
class Chat:
    def __init__(self):
        self.history = [{"role": "system", "content": SHORT}]
    def ask(self, question):
        self.history.append({"role": "user", "content": question})
        reply = client.chat.completions.create(model="gpt-4.1", messages=self.history)
        self.history.append({"role": "assistant", "content": reply.choices[0].message.content})
        return reply
'''),
        # the history of earlier turns plus the new message
        Valid(PRELUDE + '''
SHORT = "Answer support questions about Acme routers. Cite the manual section. " * 20
def turn(history, question):
    return client.chat.completions.create(model="gpt-4.1", messages=[
        {"role": "system", "content": SHORT}] + history + [{"role": "user", "content": question}])
'''),
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
        # a health check: 3 tokens, far below 1,024 x 0.25 = 256; padding would cost more than it saves
        Valid(PRELUDE + '''
def healthy():
    return client.responses.create(model="gpt-4.1", input="ping")
'''),
        # the cost threshold from below: 255 static tokens on gpt-4.1 (ratio 0.25, pays from 256)
        Valid(PRELUDE + '''
def ask(question):
    return client.responses.create(model="gpt-4.1", instructions="word " * 254, input=question)
'''),
        # ... and 511 on gpt-4o (ratio 0.5, pays from 512); the same text is reported on gpt-4.1
        Valid(PRELUDE + '''
def ask(question):
    return client.responses.create(model="gpt-4o", instructions="word " * 510, input=question)
'''),
        # models without prompt caching: gpt-4, gpt-3.5-turbo, Claude 2, Gemini 2.0 (no implicit caching)
        Valid(PRELUDE + '''
def ask(question):
    client.chat.completions.create(model="gpt-4", messages=[
        {"role": "system", "content": "word " * 600}, {"role": "user", "content": question}])
    return client.chat.completions.create(model="gpt-3.5-turbo-0125", messages=[
        {"role": "system", "content": "word " * 600}, {"role": "user", "content": question}])
'''),
        Valid(ANTHROPIC_PRELUDE + '''
def ask(question):
    return client.messages.create(model="claude-2.1", max_tokens=512, system="word " * 600,
                                  messages=[{"role": "user", "content": question}])
'''),
        # OpenAI-compatible providers by base_url: DeepSeek caches with no 1,024-token minimum,
        # Groq documents no minimum, a local server is configured by its owner: no size finding
        Valid('''from openai import OpenAI
deepseek = OpenAI(base_url="https://api.deepseek.com")
groq = OpenAI(base_url="https://api.groq.com/openai/v1")
local = OpenAI(base_url="http://localhost:11434/v1")
def ask(question):
    deepseek.chat.completions.create(model="deepseek-chat", messages=[
        {"role": "system", "content": "word " * 600}, {"role": "user", "content": question}])
    groq.chat.completions.create(model="gpt-oss-120b", messages=[
        {"role": "system", "content": "word " * 600}, {"role": "user", "content": question}])
    return local.chat.completions.create(model="gpt-4.1", messages=[
        {"role": "system", "content": "word " * 600}, {"role": "user", "content": question}])
'''),
        # a model the code does not name (a parameter, a database field, a literal in one branch
        # only) and no `default-model` configured: it may be any model, with any minimum
        Valid(PRELUDE + '''
def ask(model, question, tools):
    name = "computer-use-preview" if tools else model.name
    client.responses.create(model=model, instructions="word " * 300, input=question)
    return client.responses.create(model=name, instructions="word " * 300, input=question)
'''),
        # an unknown model: its minimum and price are not known
        Valid(PRELUDE + '''
def ask(question):
    return client.responses.create(model="my-finetune", instructions="word " * 600, input=question)
'''),
    ]
    INVALID = [
        # the tutorial example with 40 repetitions (~480 tokens)
        Invalid(PRELUDE + '''
long_prefix = """You are a highly knowledgeable assistant. Answer accurately and cite sources.""" * 40
def ask(question):
    return client.responses.create(model="gpt-4.1-mini", input=long_prefix + question)  # expect: CL201
''', message="1,024-token minimum", docs=True),
        # the cost threshold from above: 256 static tokens on gpt-4.1 (1,024 x 0.25)
        Invalid(PRELUDE + '''
def ask(question):
    return client.responses.create(model="gpt-4.1", instructions="word " * 255, input=question)  # expect: CL201
''', message="cached input at 0.25x"),
        # ... and 512 on gpt-4o (1,024 x 0.5)
        Invalid(PRELUDE + '''
def ask(question):
    return client.responses.create(model="gpt-4o", instructions="word " * 511, input=question)  # expect: CL201
''', message="cached input at 0.5x"),
        # the saving: 600 static tokens on gpt-4.1: (601 - 256) / 601 = 57%
        Invalid(PRELUDE + '''
def ask(question):
    return client.responses.create(model="gpt-4.1", instructions="word " * 600, input=question)  # expect: CL201
''', message="cut its input cost by 57%"),
        # a dated snapshot
        Invalid(PRELUDE + '''
SYSTEM = "word " * 600
def ask(question):
    return client.chat.completions.create(  # expect: CL201
        model="gpt-4o-2024-08-06", messages=[{"role": "system", "content": SYSTEM},
                                             {"role": "user", "content": question}])
''', message="`gpt-4o-2024-08-06`;"),
        # an alias: Claude 3.5 Sonnet's -latest, 1,024-token minimum, reads at 0.1x (pays from 103)
        Invalid(ANTHROPIC_PRELUDE + '''
def ask(question):
    return client.messages.create(model="claude-3-5-sonnet-latest", max_tokens=512,  # expect: CL201
                                  system="word " * 200, messages=[{"role": "user", "content": question}])
''', message="`claude-3-5-sonnet-latest`;"),
        # an id the table does not list, of a family it knows: the family's facts, said so
        Invalid(PRELUDE + '''
def ask(question):
    return client.responses.create(model="gpt-4.1-2099-01-01", instructions="word " * 600,  # expect: CL201
                                   input=question)
''', message="the gpt-4.1 family's facts are assumed"),
        # per-turn text does not count and does not block
        Invalid(PRELUDE + '''
def ask(name, question):
    return client.responses.create(model="gpt-5",  # expect: CL201
                                   instructions=f"Hello {name}. " + "Be brief and exact. " * 40, input=question)
'''),
        # the configured default model decides when `model=` is not a literal
        Invalid(PRELUDE + '''
def ask(model, question):
    return client.responses.create(model=model, instructions="word " * 300, input=question)  # expect: CL201
''', settings={"default_model": "gpt-4.1"}, message="the configured default-model"),
        # tools and schema count as static text, still too little
        Invalid(PRELUDE + '''
TOOLS = [{"type": "function", "name": "lookup", "parameters": {"type": "object", "properties": {}}}]
def ask(question):
    return client.responses.create(model="gpt-4.1", tools=TOOLS,  # expect: CL201
                                   instructions="Use lookup when unsure. " * 50, input=question)
'''),
        # Azure OpenAI serves OpenAI's models with OpenAI's caching: the same minimum and price
        Invalid('''from openai import AzureOpenAI

client = AzureOpenAI(azure_endpoint="https://acme.openai.azure.com", api_version="2024-10-21")
SHORT = "Answer in one sentence, politely and precisely, citing the manual. " * 40
def answer(question):
    return client.chat.completions.create(model="gpt-4.1", messages=[  # expect: CL201
        {"role": "system", "content": SHORT}, {"role": "user", "content": question}])
'''),
    ]

    def check(self, prompt: AssembledPrompt, ctx: RuleContext) -> Iterator[Diagnostic]:
        m = ctx.model(prompt)
        if not m.caches:
            return  # this model never caches: a minimum means nothing
        price = m.price
        if price is None or not m.size_facts:
            # The minimum or the cached price is not known (an unknown model, a model whose
            # price no source gives, an OpenAI-compatible provider that documents neither):
            # whether reaching a minimum would pay cannot be claimed.
            return
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
        minimum = m.min_cache_tokens
        if total.n >= minimum:
            return  # long enough to be cached
        if prompt.call.model is None and frameworks.is_framework_api(prompt.call.api):
            # litellm or langchain with a model the analysis cannot see: any provider, so any
            # minimum (or none at all)
            return
        if total.n < pays_from(minimum, price.ratio):
            return  # padding to the minimum would cost more than the cache saves
        configured = " (the configured default-model: `model=` is not a literal)"
        model_desc = f"`{m.name}`" + (configured if m.defaulted else
                                      f" ({m.origin}: `model=` is not a literal)" if m.origin else "")
        family = m.family_note()
        cut = _percent(saving(total.n, minimum, price.ratio))
        yield ctx.diagnostic(
            self,
            prompt.call.func_span,
            f"static prompt text totals {total.amount()}, below the {minimum:,}-token minimum "
            f"for {model_desc}; this call can never hit the cache. Padding or merging the shared "
            f"text up to {minimum:,} tokens would cut its input cost by {cut} "
            f"on each call that reads it (cached input at {price.ratio:g}x the price)"
            + (f" ({family})" if family else ""),
            self.fix_title.format(minimum=minimum),
            Applicability.DISPLAY_ONLY,
            _statics(prompt, ctx),
            identity=f"{prompt.call.api}|{prompt.call.via}|{prompt.call.model}",
        )


def pays_from(minimum: int, ratio: float) -> int:
    """The fewest static tokens for which reaching the minimum pays: ceil(minimum x ratio)."""
    return math.ceil(minimum * ratio - 1e-9)


def saving(static: int, minimum: int, ratio: float) -> float:
    """Fraction of the static tokens' input cost saved by caching a prefix padded to `minimum`:
    (static - minimum x ratio) / static."""
    return (static - minimum * ratio) / static


def _percent(fraction: float) -> str:
    pct = fraction * 100
    return "under 1%" if pct < 1 else f"{pct:.0f}%"


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

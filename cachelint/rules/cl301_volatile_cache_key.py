"""CL301 volatile-cache-key."""

from __future__ import annotations

from collections.abc import Iterator

from cachelint.diagnostics import Applicability, Diagnostic, Related, Severity
from cachelint.prompt import AssembledPrompt, Stability
from cachelint.rules._base import Invalid, Rule, Valid
from cachelint.rules._markers import call_model, in_file, tokens
from cachelint.rules.context import RuleContext, count
from cachelint.rules.examples import PRELUDE, RULES_DEF

_IMPORTS = "import time\nimport uuid\n"


class VolatileCacheKey(Rule):
    """
    ## What it does
    Checks for a `prompt_cache_key` built from a value that changes on every request: a
    `uuid4()`, the current time, a random number, a request id.

    ## Why is this bad?
    OpenAI routes a request by a hash of the start of its prompt combined with
    `prompt_cache_key`, so requests that share both land on the same machine and find its
    cache. A key that never repeats sends every request somewhere new: the shared prefix is
    cached on one machine after another and rarely read back.

    ## Fix safety
    Display-only: choosing the key's granularity (per prompt family, tenant or conversation)
    is a design decision; keep each key under about 15 requests per minute.

    ## References
    - OpenAI cookbook, Prompt Caching 201: `prompt_cache_key` and routing
    """

    code = "CL301"
    name = "volatile-cache-key"
    severity = Severity.ERROR
    providers = ("openai",)
    summary = "prompt_cache_key changes on every request, so routing never repeats"
    fix_title = "Use a stable key per prompt family, tenant or conversation"

    VALID = [
        # a key per tenant: per-turn at worst, and it repeats
        Valid(PRELUDE + RULES_DEF + '''
def reply(tenant_id, text):
    return client.responses.create(model="gpt-5", instructions=RULES, input=text,
                                   prompt_cache_key=f"support-{tenant_id}")
''', docs=True),
        # a constant key for one prompt family
        Valid(PRELUDE + RULES_DEF + '''
def reply(text):
    return client.chat.completions.create(model="gpt-4.1", prompt_cache_key="support-v3", messages=[
        {"role": "system", "content": RULES}, {"role": "user", "content": text}])
'''),
        # a uuid made once per process
        Valid(_IMPORTS + PRELUDE + RULES_DEF + '''
WORKER = str(uuid.uuid4())
def reply(text):
    return client.responses.create(model="gpt-5", instructions=RULES, input=text, prompt_cache_key=WORKER)
'''),
        # a request id in metadata is fine
        Valid(_IMPORTS + PRELUDE + RULES_DEF + '''
def reply(conversation_id, text):
    return client.responses.create(model="gpt-5", instructions=RULES, input=text,
                                   prompt_cache_key=conversation_id, metadata={"request": str(uuid.uuid4())})
'''),
        # a key from a helper that cannot be followed is not known to change
        Valid(PRELUDE + RULES_DEF + '''
def reply(text):
    return client.responses.create(model="gpt-5", instructions=RULES, input=text, prompt_cache_key=make_key())
'''),
    ]
    INVALID = [
        Invalid(_IMPORTS + PRELUDE + RULES_DEF + '''
def reply(text):
    return client.responses.create(model="gpt-5", instructions=RULES, input=text,
                                   prompt_cache_key=str(uuid.uuid4()))  # expect: CL301
''', message="uuid.uuid4()", docs=True),
        # a timestamp through a local variable
        Invalid(_IMPORTS + PRELUDE + RULES_DEF + '''
def reply(user_id, text):
    key = f"{user_id}-{time.time()}"  # expect: CL301
    return client.chat.completions.create(model="gpt-4.1", prompt_cache_key=key, messages=[
        {"role": "system", "content": RULES}, {"role": "user", "content": text}])
'''),
        # built in a helper
        Invalid("import secrets\n" + PRELUDE + RULES_DEF + '''
def new_key():
    return secrets.token_hex(8)  # expect: CL301
def reply(text):
    return client.responses.create(model="gpt-5", instructions=RULES, input=text, prompt_cache_key=new_key())
'''),
        # async client, through **kwargs
        Invalid(_IMPORTS + '''from openai import AsyncOpenAI
aclient = AsyncOpenAI()
''' + RULES_DEF + '''
async def reply(text):
    options = {"prompt_cache_key": uuid.uuid4().hex}  # expect: CL301
    return await aclient.responses.create(model="gpt-5", instructions=RULES, input=text, **options)
'''),
    ]

    def check(self, prompt: AssembledPrompt, ctx: RuleContext) -> Iterator[Diagnostic]:
        if prompt.call.provider.value != "openai":
            return  # a routing key is OpenAI's
        key = prompt.param("prompt_cache_key")
        if key is None or key.stability != Stability.VOLATILE:
            return  # absent, constant, or stable per tenant or conversation
        m = call_model(prompt, ctx)
        shared = count(ctx.static_runs(prompt.segments), m)
        span = key.origin if key.origin is not None and in_file(key.origin, ctx) else key.span
        if not in_file(span, ctx):
            span = prompt.call.func_span
        related: list[Related] = []
        if key.span != span:
            related.append(Related(key.span, "passed as `prompt_cache_key` here"))
        related.append(Related(prompt.call.func_span, f"in this call to {prompt.call.describe()}"))
        cost = (f"; the {tokens(shared)} of static prompt are rarely read from the cache" if shared.n
                else "")
        yield ctx.diagnostic(
            self,
            span,
            f"`prompt_cache_key` comes from `{key.cause or key.source}`, which changes every request: "
            f"no two requests share a routing key{cost}",
            self.fix_title,
            Applicability.DISPLAY_ONLY,
            tuple(related),
            identity=f"{key.source}|{prompt.call.api}",
        )

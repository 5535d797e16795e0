"""CL301 volatile-cache-key."""

from __future__ import annotations

from collections.abc import Iterator

from cachelint.diagnostics import Applicability, Diagnostic, Edit, Related, Severity
from cachelint.fixes.keys import stable_key
from cachelint.prompt import AssembledPrompt, Stability
from cachelint.rules._base import Invalid, Rule, Valid
from cachelint.rules._markers import call_model, in_file, reaches_openai, tokens
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
    Unsafe: the key decides how requests are routed (the model's input is the same), and its
    granularity (per prompt family, tenant or conversation) is a design decision; keep each key
    under about 15 requests per minute. The fix keeps what the key shares between requests: a
    changing placeholder of an f-string is dropped with one separator next to it
    (`f"{user_id}-{time.time()}"` becomes `f"{user_id}"`), and a key that is nothing but the
    changing value (`str(uuid.uuid4())`) becomes the name of the prompt family, the module and
    function that make the call (`"app.reply"`). Written only where the key is built in the
    function that makes the call; a key from a helper has no fix.

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
''', message="uuid.uuid4()", docs=True, expected_replacement=_IMPORTS + PRELUDE + RULES_DEF + '''
def reply(text):
    return client.responses.create(model="gpt-5", instructions=RULES, input=text,
                                   prompt_cache_key="example.reply")  # expect: CL301
'''),
        # a timestamp through a local variable
        Invalid(_IMPORTS + PRELUDE + RULES_DEF + '''
def reply(user_id, text):
    key = f"{user_id}-{time.time()}"  # expect: CL301
    return client.chat.completions.create(model="gpt-4.1", prompt_cache_key=key, messages=[
        {"role": "system", "content": RULES}, {"role": "user", "content": text}])
''', expected_replacement=_IMPORTS + PRELUDE + RULES_DEF + '''
def reply(user_id, text):
    key = f"{user_id}"  # expect: CL301
    return client.chat.completions.create(model="gpt-4.1", prompt_cache_key=key, messages=[
        {"role": "system", "content": RULES}, {"role": "user", "content": text}])
'''),
        # the key is only the clock, in an f-string with a name: the name stays, a key per family
        Invalid(_IMPORTS + PRELUDE + RULES_DEF + '''
def reply(text):
    return client.responses.create(model="gpt-5", instructions=RULES, input=text,
                                   prompt_cache_key=f"support:{time.time_ns()}")  # expect: CL301
''', expected_replacement=_IMPORTS + PRELUDE + RULES_DEF + '''
def reply(text):
    return client.responses.create(model="gpt-5", instructions=RULES, input=text,
                                   prompt_cache_key="support")  # expect: CL301
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
        if not reaches_openai(prompt, ctx):
            return  # a routing key is OpenAI's (other endpoints route as they document)
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
        edits: tuple[Edit, ...] = ()
        if not prompt.call.via and in_file(key.span, ctx):
            edits = stable_key(ctx.text_of(prompt.call.span.path), prompt.call.span, key.span, key.origin)
        yield ctx.diagnostic(
            self,
            span,
            f"`prompt_cache_key` comes from `{key.cause or key.source}`, which changes every request: "
            f"no two requests share a routing key{cost}",
            self.fix_title if not edits else "Keep only what the key shares between requests",
            Applicability.UNSAFE if edits else Applicability.DISPLAY_ONLY,
            tuple(related),
            identity=f"{key.source}|{prompt.call.api}",
            edits=edits,
            edits_in=prompt.call.span.path,
        )

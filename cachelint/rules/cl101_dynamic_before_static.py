"""CL101 dynamic-before-static."""

from __future__ import annotations

from collections.abc import Iterator

from cachelint.diagnostics import Applicability, Diagnostic, Severity
from cachelint.prompt import AssembledPrompt, Segment, Stability
from cachelint.rules._base import Invalid, Rule, Valid
from cachelint.rules.context import RuleContext, describe_behind, sources
from cachelint.rules.examples import PRELUDE, RULES_DEF


class DynamicBeforeStatic(Rule):
    """
    ## What it does
    Checks for a per-call value (a function parameter, request or user data, anything
    derived from them) that is placed ahead of static prompt text.

    ## Why is this bad?
    Providers cache the longest identical prefix of a request. A value that differs
    between users or requests ends the shared prefix where it appears: every static
    token behind it is sent, and billed, uncached on every call. Moving the value after
    the static text makes those tokens cacheable. It is reported only when the static
    text behind the value is at least `min-lost-tokens` (default 128) and the request's
    static text reaches the model's minimum cacheable length, so the move would pay.

    ## Fix safety
    Unsafe: moving a value changes the text the model sees (the same facts, in another
    place). The fix moves the line of the f-string that holds the value to the start of the
    last user message, written only when the f-string is written in the function that makes
    the call (a helper's text serves other calls), the line holds nothing but the moved
    values, and the last user message is written in the call as an f-string or a parameter
    annotated `str`. Otherwise the finding has no fix.

    ## References
    - OpenAI, Prompt caching: "put static content at the beginning, user-specific information at the end"
    - rules.md, section 1: stability classes
    """

    code = "CL101"
    name = "dynamic-before-static"
    severity = Severity.ERROR
    summary = "A per-call value precedes static prompt text, so that text is never read from the cache"
    fix_title = "Move {source} after the static text (end of {where}, or into the last user message)"

    VALID = [
        # the per-call value comes after all static text
        Valid(PRELUDE + RULES_DEF + '''
def answer(user_name, question):
    return client.responses.create(model="gpt-4.1", instructions=RULES,
                                   input=f"I am {user_name}. {question}")
''', docs=True),
        # a module-level constant is static, not per-call
        Valid(PRELUDE + RULES_DEF + '''
PRODUCT = "Acme"
def answer(question):
    return client.responses.create(model="gpt-4.1", instructions=f"You support {PRODUCT}.\\n" + RULES,
                                   input=question)
'''),
        # too little static text behind the value to be worth caching (below min-lost-tokens)
        Valid(PRELUDE + RULES_DEF + '''
def answer(user_name, question):
    return client.responses.create(model="gpt-4.1", instructions=RULES + f"\\nUser: {user_name}. Be brief.",
                                   input=question)
'''),
        # an unresolvable call is unknown, never per-call
        Valid(PRELUDE + RULES_DEF + '''
def answer(question):
    return client.responses.create(model="gpt-4.1", instructions=load_header() + RULES, input=question)
'''),
        # the request's static text is below the minimum: CL201's business, not CL101's
        Valid(PRELUDE + '''
SHORT = "Answer in one sentence, politely and precisely. " * 20
def answer(name, question):
    return client.responses.create(model="gpt-4.1", instructions=f"Hi {name}. " + SHORT, input=question)
'''),
        # a parameter passed through as a whole slot is the caller's text (a wrapper)
        Valid(PRELUDE + RULES_DEF + '''
def ask(system, question):
    return client.chat.completions.create(model="gpt-4.1", messages=[
        {"role": "system", "content": system},
        {"role": "user", "content": RULES + question},
    ])
'''),
        # conversation history before the last user message is normal conversation order
        Valid(PRELUDE + RULES_DEF + '''
def chat(history, question):
    messages = [{"role": "system", "content": RULES}]
    messages.extend(history)
    messages.append({"role": "user", "content": question})
    return client.chat.completions.create(model="gpt-4.1", messages=messages)
'''),
        # suppressed on the reported line
        Valid(PRELUDE + RULES_DEF + '''
def answer(user_name, question):
    return client.responses.create(model="gpt-4.1",
        instructions=f"User {user_name}.\\n" + RULES,  # cachelint: ignore[CL101]
        input=question)
'''),
        # not an OpenAI client: Twilio's messages.create
        Valid('''from twilio.rest import Client
client = Client("sid", "token")
def notify(user_name):
    client.messages.create(body=f"Hi {user_name}", to="+1555", from_="+1666")
'''),
    ]
    INVALID = [
        Invalid(PRELUDE + RULES_DEF + '''
def answer(user_name, question):
    return client.responses.create(model="gpt-4.1",
        instructions=f"The user is {user_name}.\\n" + RULES,  # expect: CL101
        input=question)
''', message="`{user_name}` precedes", docs=True),
        # the question is known to be a str: the line moves into it (unsafe fix)
        Invalid(PRELUDE + RULES_DEF + '''
def answer(tenant, question: str):
    return client.responses.create(model="gpt-4.1",
        instructions=f"You answer for {tenant}.\\n\\n" + RULES,  # expect: CL101
        input=question)
''', expected_replacement=PRELUDE + RULES_DEF + '''
def answer(tenant, question: str):
    return client.responses.create(model="gpt-4.1",
        instructions=RULES,  # expect: CL101
        input=f"You answer for {tenant}.\\n\\n{question}")
'''),
        # the user message is an f-string: the line opens it; the rest of the system text stays
        Invalid(PRELUDE + RULES_DEF + '''
def reply(user, question):
    system = f"Name: {user.name}\\n{RULES}"  # expect: CL101
    return client.chat.completions.create(model="gpt-4.1", messages=[
        {"role": "system", "content": system},
        {"role": "user", "content": f"Question: {question}"}])
''', expected_replacement=PRELUDE + RULES_DEF + '''
def reply(user, question):
    system = f"{RULES}"  # expect: CL101
    return client.chat.completions.create(model="gpt-4.1", messages=[
        {"role": "system", "content": system},
        {"role": "user", "content": f"Name: {user.name}\\nQuestion: {question}"}])
'''),
        # the same text built in a helper serves every caller: no fix
        Invalid(PRELUDE + RULES_DEF + '''
def system_for(user):
    return f"Name: {user.name}\\n{RULES}"  # expect: CL101
def reply(user, question: str):
    return client.responses.create(model="gpt-4.1", instructions=system_for(user), input=question)
'''),
        # system message in Chat Completions, value from a request object
        Invalid(PRELUDE + RULES_DEF + '''
def reply(request):
    return client.chat.completions.create(model="gpt-4o", messages=[
        {"role": "system", "content": f"Customer: {request.customer.name}\\n{RULES}"},  # expect: CL101
        {"role": "user", "content": request.text},
    ])
'''),
        # through a local variable and str.format
        Invalid(PRELUDE + RULES_DEF + '''
TEMPLATE = "You are helping {name} from {company}.\\n" + RULES
def reply(name, company, text):
    system = TEMPLATE.format(
        name=name,  # expect: CL101
        company=company)
    return client.chat.completions.create(model="gpt-4.1-mini", messages=[
        {"role": "system", "content": system}, {"role": "user", "content": text}])
'''),
        # % formatting
        Invalid(PRELUDE + RULES_DEF + '''
def reply(tenant, text):
    system = "Tenant %s.\\n%s" % (tenant, RULES)  # expect: CL101
    return client.chat.completions.create(model="gpt-4.1", messages=[
        {"role": "system", "content": system}, {"role": "user", "content": text}])
'''),
        # a message list built with append, the per-call value in a developer message
        Invalid(PRELUDE + RULES_DEF + '''
def reply(user_id, text):
    messages = []
    messages.append({"role": "developer", "content": "Account " + user_id})  # expect: CL101
    messages.append({"role": "developer", "content": RULES})
    messages.append({"role": "user", "content": text})
    return client.chat.completions.create(model="gpt-5", messages=messages)
'''),
        # the value is in the user message, but static instructions follow it there
        Invalid(PRELUDE + RULES_DEF + '''
def summarise(document):
    return client.responses.create(model="gpt-4.1",
        input=f"Document:\\n{document}\\n\\n" + RULES)  # expect: CL101
'''),
        # built by a helper in the same module, parameter bound at the call site
        Invalid(PRELUDE + RULES_DEF + '''
def build_system(user):
    return "\\n".join([f"Name: {user.name}", RULES])  # expect: CL101
def reply(user, text):
    return client.chat.completions.create(model="gpt-4.1", messages=[
        {"role": "system", "content": build_system(user)},
        {"role": "user", "content": text}])
'''),
        # async client, joined list
        Invalid('''from openai import AsyncOpenAI
aclient = AsyncOpenAI()
''' + RULES_DEF + '''
async def reply(locale, text):
    parts = ["Reply in " + locale + ".", RULES]  # expect: CL101
    return await aclient.responses.create(model="o4-mini", instructions="\\n".join(parts), input=text)
'''),
        # textwrap.dedent around an f-string
        Invalid('''import textwrap
''' + PRELUDE + RULES_DEF + '''
def reply(plan, text):
    system = textwrap.dedent(
        f"    Plan: {plan}\\n"  # expect: CL101
        f"    {RULES}\\n")
    return client.responses.create(model="gpt-4.1", instructions=system, input=text)
'''),
    ]

    def check(self, prompt: AssembledPrompt, ctx: RuleContext) -> Iterator[Diagnostic]:
        m = ctx.model(prompt)
        if not m.caches:
            return  # this model never caches: nothing to lose
        for members, lost, behind in ctx.groups(prompt, _candidate):
            if lost.n < ctx.settings.min_lost_tokens:
                continue  # too little static text behind it to be worth caching
            total = ctx.total_static(prompt)
            if total.n < m.min_cache_tokens:
                continue  # moving it would not reach the minimum: CL201 covers this call
            seg = prompt.segments[members[0]]
            names = sources(prompt, members)
            edits = ctx.moved_to_user(prompt, members)
            where = describe_behind(seg, behind)
            verb = "precedes" if len({prompt.segments[k].source for k in members}) == 1 else "precede"
            yield ctx.diagnostic(
                self,
                ctx.primary_span(seg, prompt),
                f"{names} {verb} {lost.amount('static token')} of {where}; "
                f"they can never be read from the cache",
                self.fix_title.format(source=names, where=where) if not edits else
                f"Move {names} into the last user message",
                Applicability.UNSAFE if edits else Applicability.DISPLAY_ONLY,
                ctx.related_for(seg, prompt, behind),
                identity=f"{seg.source}|{seg.slot}|{prompt.call.api}",
                edits=edits,
                edits_in=prompt.call.span.path,
            )


def _candidate(seg: Segment) -> bool:
    """A value known to vary per call, in text the model reads (not tools, not history)."""
    if seg.stability != Stability.PER_CALL or seg.passthrough:
        return False  # only values known to vary per call are blamed
    if seg.slot.startswith(("tools", "config.tools")):
        return False  # per-call tools are CL202
    return not seg.slot.endswith(":]")  # a run of conversation history items

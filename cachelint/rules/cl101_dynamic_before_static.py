"""CL101 dynamic-before-static."""

from __future__ import annotations

from collections.abc import Iterator

from cachelint.diagnostics import Applicability, Diagnostic, Severity
from cachelint.prompt import APPENDED_EARLIER, INSTANCE_HISTORY, REASSIGNED_EARLIER, AssembledPrompt, Segment, Stability
from cachelint.rules._base import Invalid, Rule, Valid
from cachelint.rules.context import RuleContext, describe_behind, sources
from cachelint.rules.examples import PRELUDE, RULES_DEF

# An OpenAI-compatible provider reached through the OpenAI SDK (Groq).
_GROQ = """from openai import OpenAI

client = OpenAI(base_url="https://api.groq.com/openai/v1", api_key="gsk")
"""


class DynamicBeforeStatic(Rule):
    """
    ## What it does
    Checks for a value that changes between requests, per conversation (`session`: the user
    an agent serves, a value set before the chat loop) or per turn (`turn`: a parameter of the
    function that makes each request, request data, the step of an agent's loop), placed ahead
    of static prompt text. Configuration read once, and parameters every caller passes as text
    fixed in the code, are `stable`: not reported.

    ## Why is this bad?
    Providers cache the longest identical prefix of a request. A value that differs
    between users or requests ends the shared prefix where it appears: every static
    token behind it is sent, and billed, uncached on every call. Moving the value after
    the static text makes those tokens cacheable. A per-conversation value costs each
    conversation its own copy, the first call of each at full price; after a per-turn value
    no call reads the text at all. It is reported only when the static text behind the value
    is at least `min-lost-tokens` (default 128) and the request's static text reaches the
    model's minimum cacheable length, so the move would pay, or when a per-turn value in a
    loop (or in a method that grows a conversation kept on the instance) precedes the
    conversation history: then every turn re-processes the whole conversation.

    ## Fix safety
    Unsafe: moving a value changes the text the model sees (the same facts, in another
    place). A per-turn value moves into the last user message: the line of the f-string that
    holds it opens that message (written in the function that makes the call, as an f-string,
    a parameter annotated `str` or a call of a function annotated `-> str`), or becomes a user
    message of its own after the conversation history the message list ends with. A
    per-conversation value, or a per-turn one that cannot move there, goes to the end of the
    text it is written in: its line of an f-string or `.format`/`%` template, its operand of a
    `+` chain, its item of a `sep.join([...])`, where that text is written (a helper or prompt
    module included), when that text is the whole of what the request receives there and little
    static text follows it. Otherwise the finding has no fix.

    ## References
    - OpenAI, Prompt caching: "put static content at the beginning, user-specific information at the end"
    - rules.md, section 1: stability classes
    """

    code = "CL101"
    name = "dynamic-before-static"
    severity = Severity.ERROR
    summary = ("A per-conversation or per-turn value precedes static prompt text, which is then cached per "
               "conversation or never read")
    fix_title = "Move {source} after the static text (end of {where}, or into the last user message)"

    VALID = [
        # the per-turn value comes after all static text
        Valid(PRELUDE + RULES_DEF + '''
def answer(user_name, question):
    return client.responses.create(model="gpt-4.1", instructions=RULES,
                                   input=f"I am {user_name}. {question}")
''', docs=True),
        # a module-level constant is static, not per-turn
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
        # an unresolvable call is unknown, never session or turn
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
        # configuration read once (an environment variable) is stable: the same on every call
        Valid(PRELUDE + RULES_DEF + '''
import os
class Agent:
    def __init__(self):
        self.locale = os.environ.get("LOCALE", "en")
    def answer(self, question):
        return client.responses.create(model="gpt-4.1", instructions=f"Locale: {self.locale}.\\n" + RULES,
                                       input=question)
'''),
        # a private helper whose every caller passes a literal persona: stable
        Valid(PRELUDE + RULES_DEF + '''
def _answer(persona, question):
    return client.responses.create(model="gpt-4.1", instructions=f"You are {persona}.\\n" + RULES,
                                   input=question)
def as_pirate(question):
    return _answer("a pirate", question)
def as_butler(question):
    return _answer("a butler", question)
'''),
        # per-step text after the conversation history of an agent loop: nothing is lost
        Valid(PRELUDE + RULES_DEF + '''
def run(task):
    history = [{"role": "user", "content": task}]
    for step in range(10):
        reply = client.chat.completions.create(model="gpt-4.1", messages=[
            {"role": "system", "content": RULES}, *history,
            {"role": "user", "content": f"Step {step} of 10."}])
        history.append({"role": "assistant", "content": reply.choices[0].message.content})
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
        # a model that never caches (gpt-4): no order can make it cache
        Valid(PRELUDE + RULES_DEF + '''
def answer(user_name, question):
    return client.chat.completions.create(model="gpt-4", messages=[
        {"role": "system", "content": f"The user is {user_name}.\\n" + RULES},
        {"role": "user", "content": question}])
'''),
    ]
    INVALID = [
        Invalid(PRELUDE + RULES_DEF + '''
def answer(user_name, question):
    return client.responses.create(model="gpt-4.1",
        instructions=f"The user is {user_name}.\\n" + RULES,  # expect: CL101
        input=question)
''', message="`{user_name}` precedes", docs=True, expected_replacement=PRELUDE + RULES_DEF + '''
def answer(user_name, question):
    return client.responses.create(model="gpt-4.1",
        instructions=RULES + f"\\nThe user is {user_name}.",  # expect: CL101
        input=question)
'''),
        # a per-user value set in the constructor: session, each user caches a copy of the rules
        Invalid(PRELUDE + RULES_DEF + '''
class Assistant:
    def __init__(self, user_name):
        self.user_name = user_name
    def answer(self, question):
        return client.responses.create(model="gpt-4.1",
            instructions=f"The user is {self.user_name}.\\n" + RULES,  # expect: CL101
            input=question)
''', message="each conversation or user caches its own copy", expected_replacement=PRELUDE + RULES_DEF + '''
class Assistant:
    def __init__(self, user_name):
        self.user_name = user_name
    def answer(self, question):
        return client.responses.create(model="gpt-4.1",
            instructions=RULES + f"\\nThe user is {self.user_name}.",  # expect: CL101
            input=question)
'''),
        # set before a chat loop and reused in it: session
        Invalid(PRELUDE + RULES_DEF + '''
def chat(user_name):
    system = f"The user is {user_name}.\\n" + RULES  # expect: CL101
    history = []
    while True:
        history.append({"role": "user", "content": input()})
        reply = client.chat.completions.create(model="gpt-4.1", messages=[
            {"role": "system", "content": system}, *history])
        history.append({"role": "assistant", "content": reply.choices[0].message.content})
''', message="the first call of each pays full price", expected_replacement=PRELUDE + RULES_DEF + '''
def chat(user_name):
    system = RULES + f"\\nThe user is {user_name}."  # expect: CL101
    history = []
    while True:
        history.append({"role": "user", "content": input()})
        reply = client.chat.completions.create(model="gpt-4.1", messages=[
            {"role": "system", "content": system}, *history])
        history.append({"role": "assistant", "content": reply.choices[0].message.content})
'''),
        # a per-step value before the growing history of an agent loop
        Invalid(PRELUDE + '''
def run(task):
    history = [{"role": "user", "content": task}]
    for step in range(10):
        reply = client.chat.completions.create(model="gpt-4.1", messages=[
            {"role": "system", "content": f"Step {step} of 10. Be brief."},  # expect: CL101
            *history])
        history.append({"role": "assistant", "content": reply.choices[0].message.content})
''', message="every turn re-processes the whole conversation"),
        # a system message placed after the user message is checked like any other
        Invalid(PRELUDE + RULES_DEF + '''
def reply(user_name, text):
    return client.chat.completions.create(model="gpt-4.1", messages=[
        {"role": "user", "content": text},
        {"role": "system", "content": f"The user is {user_name}.\\n" + RULES}])  # expect: CL101
''', expected_replacement=PRELUDE + RULES_DEF + '''
def reply(user_name, text):
    return client.chat.completions.create(model="gpt-4.1", messages=[
        {"role": "user", "content": text},
        {"role": "system", "content": RULES + f"\\nThe user is {user_name}."}])  # expect: CL101
'''),
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
        # the same text built in a helper serves every caller: the line moves to its end, for all
        Invalid(PRELUDE + RULES_DEF + '''
def system_for(user):
    return f"Name: {user.name}\\n{RULES}"  # expect: CL101
def reply(user, question: str):
    return client.responses.create(model="gpt-4.1", instructions=system_for(user), input=question)
''', expected_replacement=PRELUDE + RULES_DEF + '''
def system_for(user):
    return f"{RULES}\\nName: {user.name}"  # expect: CL101
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
''', expected_replacement=PRELUDE + RULES_DEF + '''
def reply(request):
    return client.chat.completions.create(model="gpt-4o", messages=[
        {"role": "system", "content": f"{RULES}\\nCustomer: {request.customer.name}"},  # expect: CL101
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
''', expected_replacement=PRELUDE + RULES_DEF + '''
TEMPLATE = RULES + "\\nYou are helping {name} from {company}."
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
''', expected_replacement=PRELUDE + RULES_DEF + '''
def reply(tenant, text):
    system = "%s\\nTenant %s." % (RULES, tenant)  # expect: CL101
    return client.chat.completions.create(model="gpt-4.1", messages=[
        {"role": "system", "content": system}, {"role": "user", "content": text}])
'''),
        # a message list built with append, the per-turn value in a developer message
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
''', expected_replacement=PRELUDE + RULES_DEF + '''
def summarise(document):
    return client.responses.create(model="gpt-4.1",
        input=RULES + f"\\n\\nDocument:\\n{document}")  # expect: CL101
'''),
        # built by a helper in the same module, parameter bound at the call site
        Invalid(PRELUDE + RULES_DEF + '''
def build_system(user):
    return "\\n".join([f"Name: {user.name}", RULES])  # expect: CL101
def reply(user, text):
    return client.chat.completions.create(model="gpt-4.1", messages=[
        {"role": "system", "content": build_system(user)},
        {"role": "user", "content": text}])
''', expected_replacement=PRELUDE + RULES_DEF + '''
def build_system(user):
    return "\\n".join([RULES, f"Name: {user.name}"])  # expect: CL101
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
''', expected_replacement='''from openai import AsyncOpenAI
aclient = AsyncOpenAI()
''' + RULES_DEF + '''
async def reply(locale, text):
    parts = [RULES, "Reply in " + locale + "."]  # expect: CL101
    return await aclient.responses.create(model="o4-mini", instructions="\\n".join(parts), input=text)
'''),
        # a per-step value before the history of an agent loop: it leaves the system message
        # and becomes a user message after the history
        Invalid(PRELUDE + RULES_DEF + '''
def run(task):
    history = [{"role": "user", "content": task}]
    for step in range(10):
        reply = client.chat.completions.create(model="gpt-4.1", messages=[
            {"role": "system", "content": f"Step {step} of 10.\\n" + RULES},  # expect: CL101
            *history,
        ])
        history.append({"role": "assistant", "content": reply.choices[0].message.content})
''', expected_replacement=PRELUDE + RULES_DEF + '''
def run(task):
    history = [{"role": "user", "content": task}]
    for step in range(10):
        reply = client.chat.completions.create(model="gpt-4.1", messages=[
            {"role": "system", "content": RULES},  # expect: CL101
            *history,
            {"role": "user", "content": f"Step {step} of 10."},
        ])
        history.append({"role": "assistant", "content": reply.choices[0].message.content})
'''),
        # the same, but the list ends with a message of the assistant's: no user message to
        # move it to, no fix
        Invalid(PRELUDE + RULES_DEF + '''
def run(task):
    history = [{"role": "user", "content": task}]
    for step in range(10):
        reply = client.chat.completions.create(model="gpt-4.1", messages=[
            {"role": "system", "content": f"Step {step} of 10.\\n" + RULES},  # expect: CL101
            *history,
            {"role": "assistant", "content": "Next step:"},
        ])
        history.append({"role": "assistant", "content": reply.choices[0].message.content})
'''),
        # a per-user value in a system prompt sent with the history (messages built by append):
        # the line goes to the end of the system text
        Invalid(PRELUDE + RULES_DEF + '''
class Helper:
    def __init__(self, device):
        self.device = device
    def ask(self, history, question):
        system = f"Device: {self.device}\\n\\n{RULES}"  # expect: CL101
        messages = [{"role": "system", "content": system}]
        messages.extend(history)
        messages.append({"role": "user", "content": question})
        return client.chat.completions.create(model="gpt-4.1", messages=messages)
''', expected_replacement=PRELUDE + RULES_DEF + '''
class Helper:
    def __init__(self, device):
        self.device = device
    def ask(self, history, question):
        system = f"{RULES}\\n\\nDevice: {self.device}"  # expect: CL101
        messages = [{"role": "system", "content": system}]
        messages.extend(history)
        messages.append({"role": "user", "content": question})
        return client.chat.completions.create(model="gpt-4.1", messages=messages)
'''),
        # the same text also goes elsewhere (logged): moving it is not this call's business, no fix
        Invalid(PRELUDE + RULES_DEF + '''
class Helper:
    def __init__(self, device):
        self.device = device
    def ask(self, history, question):
        system = f"Device: {self.device}\\n\\n{RULES}"  # expect: CL101
        print(system)
        messages = [{"role": "system", "content": system}]
        messages.extend(history)
        messages.append({"role": "user", "content": question})
        return client.chat.completions.create(model="gpt-4.1", messages=messages)
'''),
        # a header kept in a variable: it goes to the end of the instructions, its line breaks
        # before it
        Invalid(PRELUDE + RULES_DEF + '''
def note(ticket, text):
    header = f"Ticket {ticket}\\n\\n"  # expect: CL101
    instructions = header + RULES
    return client.responses.create(model="gpt-4.1", instructions=instructions, input=text)
''', expected_replacement=PRELUDE + RULES_DEF + '''
def note(ticket, text):
    header = f"\\n\\nTicket {ticket}"  # expect: CL101
    instructions = RULES + header
    return client.responses.create(model="gpt-4.1", instructions=instructions, input=text)
'''),
        # a .format template whose line holds another field after the value: no fix
        Invalid(PRELUDE + RULES_DEF + '''
TEMPLATE = "Customer {name}: {rules}"
def reply(name, text):
    system = TEMPLATE.format(name=name, rules=RULES)  # expect: CL101
    return client.chat.completions.create(model="gpt-4.1-mini", messages=[
        {"role": "system", "content": system}, {"role": "user", "content": text}])
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
        # an OpenAI-compatible provider (Groq, by its base_url) gets the ordering rules
        Invalid(_GROQ + RULES_DEF + '''
def answer(user_name, question):
    return client.chat.completions.create(model="llama-3.3-70b-versatile", messages=[
        {"role": "system", "content": f"The user is {user_name}.\\n" + RULES},  # expect: CL101
        {"role": "user", "content": question}])
''', docs=True, expected_replacement=_GROQ + RULES_DEF + '''
def answer(user_name, question):
    return client.chat.completions.create(model="llama-3.3-70b-versatile", messages=[
        {"role": "system", "content": RULES + f"\\nThe user is {user_name}."},  # expect: CL101
        {"role": "user", "content": question}])
'''),
        # a dated snapshot is its family's model (gpt-4o-2024-08-06: 1,024 minimum)
        Invalid(PRELUDE + RULES_DEF + '''
def answer(user_name, question):
    return client.chat.completions.create(model="gpt-4o-2024-08-06", messages=[
        {"role": "system", "content": f"The user is {user_name}.\\n" + RULES},  # expect: CL101
        {"role": "user", "content": question}])
''', expected_replacement=PRELUDE + RULES_DEF + '''
def answer(user_name, question):
    return client.chat.completions.create(model="gpt-4o-2024-08-06", messages=[
        {"role": "system", "content": RULES + f"\\nThe user is {user_name}."},  # expect: CL101
        {"role": "user", "content": question}])
'''),
    ]

    def check(self, prompt: AssembledPrompt, ctx: RuleContext) -> Iterator[Diagnostic]:
        m = ctx.model(prompt)
        if not m.caches:
            return  # this model never caches: nothing to lose
        total = ctx.total_static(prompt)
        for members, lost, behind in ctx.groups(prompt, _candidate):
            seg = prompt.segments[members[0]]
            names = sources(prompt, members)
            moved = members
            verb = "precedes" if len({prompt.segments[k].source for k in members}) == 1 else "precede"
            # Only in a loop, or in a method that adds to a conversation kept on the instance,
            # is a turn value known to change per turn (elsewhere a parameter may well be the
            # same for the whole conversation, like the history beside it).
            history = _history_after(prompt, members[-1])
            if history is not None and not (prompt.in_loop or history.cause == INSTANCE_HISTORY):
                history = None
            turn = any(prompt.segments[k].stability == Stability.TURN for k in members)
            if history is not None and any(_known_turn(prompt.segments[k]) for k in members):
                # every turn re-sends the conversation behind a value that changes per turn
                turns = [k for k in members if _known_turn(prompt.segments[k])]
                seg = prompt.segments[turns[0]]
                names = sources(prompt, turns)
                moved = turns
                one = len({prompt.segments[k].source for k in turns}) == 1
                verb = "precedes" if one else "precede"
                message = (f"{names} {'changes' if one else 'change'} every turn and {verb} the conversation history "
                           f"`{history.source}`: every turn re-processes the whole conversation")
                if lost.n >= ctx.settings.min_lost_tokens:
                    message += f" and {lost.amount('static token')} of {describe_behind(seg, behind)}"
            else:
                if lost.n < ctx.settings.min_lost_tokens:
                    continue  # too little static text behind it to be worth caching
                if total.n < m.min_cache_tokens:
                    continue  # moving it would not reach the minimum: CL201 covers this call
                where = describe_behind(seg, behind)
                if turn:
                    consequence = "they can never be read from the cache"
                else:
                    consequence = ("each conversation or user caches its own copy, "
                                   "and the first call of each pays full price")
                message = f"{names} {verb} {lost.amount('static token')} of {where}; {consequence}"
            where = describe_behind(seg, behind) if behind else "the system prompt"
            # Past the history only into the user message; a per-conversation value may stay
            # in its text, at the end.
            past_history = moved is not members
            session = any(prompt.segments[k].stability == Stability.SESSION for k in moved)
            how, edits_in, edits = ctx.moved(prompt, moved, session and not past_history, not past_history)
            if how == "user":
                title = f"Move {names} into the last user message"
            elif how == "end":
                title = f"Move {names} to the end of {where}"
            else:
                title = self.fix_title.format(source=names, where=where)
            yield ctx.diagnostic(
                self,
                ctx.primary_span(seg, prompt),
                message,
                title,
                Applicability.UNSAFE if edits else Applicability.DISPLAY_ONLY,
                ctx.related_for(seg, prompt, behind),
                identity=f"{seg.source}|{seg.slot}|{prompt.call.api}",
                edits=edits,
                edits_in=edits_in,
            )


def _candidate(seg: Segment) -> bool:
    """A value known to vary per conversation or per turn, in text the model reads (not
    tools, not history)."""
    if seg.stability not in (Stability.SESSION, Stability.TURN) or seg.passthrough:
        return False  # only values known to vary are blamed
    if seg.slot.startswith(("tools", "config.tools")):
        return False  # tools that change are CL202
    return not seg.slot.endswith(":]")  # a run of conversation history items


def _history_after(prompt: AssembledPrompt, index: int) -> Segment | None:
    """The earlier turns a growing conversation re-sends after segment `index`: items a loop
    around the request appended on earlier passes, a list the instance's methods add to, or
    a history passed in by the caller (`*history`, `history + [new]`)."""
    for seg in prompt.segments[index + 1:]:
        if seg.slot.endswith(":]") and not seg.in_preamble and (
                seg.cause.startswith((APPENDED_EARLIER, "parameter `")) or seg.cause == INSTANCE_HISTORY):
            return seg
    return None


def _known_turn(seg: Segment) -> bool:
    """A value shown to change from turn to turn, not one a loop may have changed (reassigned
    or added to on earlier passes: an agent handed over now and then, parts gathered from the
    conversation)."""
    return seg.stability == Stability.TURN and not any(
        c in seg.cause for c in (APPENDED_EARLIER, REASSIGNED_EARLIER, "in a loop"))

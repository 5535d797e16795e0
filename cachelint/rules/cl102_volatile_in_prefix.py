"""CL102 volatile-in-prefix."""

from __future__ import annotations

from collections.abc import Iterator

from cachelint.diagnostics import Applicability, Diagnostic, Severity
from cachelint.prompt import AssembledPrompt, Segment, Stability
from cachelint.rules._base import Invalid, Rule, Valid
from cachelint.rules.context import RuleContext, describe_behind, sources
from cachelint.rules.examples import PRELUDE, RULES_DEF

_IMPORTS = "import time\nimport uuid\nfrom datetime import datetime, date\n"


class VolatileInPrefix(Rule):
    """
    ## What it does
    Checks for a value that changes on every call (the current time at sub-day
    precision, `time.time()`, `uuid4()`, `random`, `secrets`) placed in the prompt's
    preamble (tools, instructions, system and developer messages, a Gemini system
    instruction, including one given to a legacy `google.generativeai` `GenerativeModel`)
    or ahead of static text.

    ## Why is this bad?
    Prompt caches match an exact prefix. A timestamp or id in the system prompt makes
    every request's prefix unique: nothing after it is ever read from the cache, on every
    call and on every turn of the same conversation. Providers bill cache writes on newer
    models (1.25x on Anthropic and on OpenAI's gpt-5.6 family), so such a prompt can cost
    more than no caching at all.

    ## Fix safety
    Unsafe: moving the value changes the text the model sees (the same facts, in another
    place). The fix moves the line of the f-string that holds it to the start of the last user
    message, under the conditions CL101's fix has (the f-string and the user message written in
    the function that makes the call; the message an f-string, a `str` parameter or a call of a
    function annotated `-> str`). A value outside the preamble may instead go to the end of
    its text, as CL101's does.

    ## References
    - OpenAI cookbook, Prompt Caching 201: timestamps and debug ids belong in `metadata`
    - Anthropic, prompt caching: `datetime.now()` in the system prompt is a silent invalidator
    """

    code = "CL102"
    name = "volatile-in-prefix"
    severity = Severity.ERROR
    summary = "A value that changes on every call sits in the prompt prefix, so the cache never hits"
    fix_title = "Move {source} into the last user message or request `metadata` (or use date precision)"

    VALID = [
        # a count of data that holds a timestamp repeats for the same data: turn, not volatile
        Valid(_IMPORTS + PRELUDE + RULES_DEF + '''
def answer(question):
    stamped = [f"{datetime.now()}: {question}"]
    return client.responses.create(model="gpt-4.1", instructions=f"{len(stamped)} messages.\\n" + RULES,
                                   input=stamped[0])
'''),
        # one timestamped prompt sent by a warm-up call and the real call: the real call reads it
        Valid(_IMPORTS + PRELUDE + RULES_DEF + '''
def answer(question):
    system = f"Now: {datetime.now()}.\\n" + RULES
    client.responses.create(model="gpt-4.1", instructions=system, input="ping")
    return client.responses.create(model="gpt-4.1", instructions=system, input=question)
'''),
        # the time at the end of the last user message breaks nothing
        Valid(_IMPORTS + PRELUDE + RULES_DEF + '''
def reply(text):
    return client.responses.create(model="gpt-4.1", instructions=RULES,
                                   input=f"{text}\\n(sent at {datetime.now():%H:%M})")
''', docs=True),
        # date precision is a daily value: not flagged by default
        Valid(_IMPORTS + PRELUDE + RULES_DEF + '''
def reply(text):
    return client.responses.create(model="gpt-4.1",
        instructions=f"Today is {datetime.now():%Y-%m-%d}.\\n" + RULES, input=text)
'''),
        Valid(_IMPORTS + PRELUDE + RULES_DEF + '''
def reply(text):
    today = date.today().isoformat()
    return client.responses.create(model="gpt-4.1", instructions=f"Date: {today}\\n{RULES}", input=text)
'''),
        # evaluated once at import: the same for the life of the process
        Valid(_IMPORTS + PRELUDE + RULES_DEF + '''
STARTED = datetime.now()
SYSTEM = f"Server started {STARTED}.\\n" + RULES
def reply(text):
    return client.responses.create(model="gpt-4.1", instructions=SYSTEM, input=text)
'''),
        # a request id in metadata, not in the prompt
        Valid(_IMPORTS + PRELUDE + RULES_DEF + '''
def reply(text):
    return client.responses.create(model="gpt-4.1", instructions=RULES, input=text,
                                   metadata={"request_id": str(uuid.uuid4())})
'''),
        # strftime at date precision
        Valid(_IMPORTS + PRELUDE + RULES_DEF + '''
def reply(text):
    day = datetime.now().strftime("%A, %B %d")
    return client.chat.completions.create(model="gpt-4o", messages=[
        {"role": "system", "content": f"It is {day}. " + RULES},
        {"role": "user", "content": text}])
'''),
        # a volatile value in a later user message of a chat, with nothing static after it
        Valid(_IMPORTS + PRELUDE + RULES_DEF + '''
def reply(history, text):
    return client.chat.completions.create(model="gpt-4o", messages=[
        {"role": "system", "content": RULES}, *history,
        {"role": "user", "content": f"[{time.time()}] {text}"}])
'''),
        # a model that never caches
        Valid(_IMPORTS + PRELUDE + RULES_DEF + '''
def reply(text):
    return client.chat.completions.create(model="gpt-4", messages=[
        {"role": "system", "content": f"Now: {datetime.now()}\\n{RULES}"},
        {"role": "user", "content": text}])
'''),
    ]
    INVALID = [
        Invalid(_IMPORTS + PRELUDE + RULES_DEF + '''
def reply(text):
    return client.responses.create(model="gpt-4.1",
        instructions=f"Time: {datetime.now():%H:%M}.\\n" + RULES,  # expect: CL102
        input=text)
''', message="changes every request", docs=True),
        # the last line of the instructions moves, with the line break before it, into the question
        Invalid(_IMPORTS + PRELUDE + RULES_DEF + '''
def reply(text: str):
    return client.responses.create(model="gpt-4.1",
        instructions=f"{RULES}\\nRequest {uuid.uuid4()}",  # expect: CL102
        input=text)
''', expected_replacement=_IMPORTS + PRELUDE + RULES_DEF + '''
def reply(text: str):
    return client.responses.create(model="gpt-4.1",
        instructions=f"{RULES}",  # expect: CL102
        input=f"Request {uuid.uuid4()}\\n{text}")
'''),
        # the line also holds static text: moving it would move the rules too, so no fix
        Invalid(_IMPORTS + PRELUDE + RULES_DEF + '''
def reply(text: str):
    return client.responses.create(model="gpt-4.1",
        instructions=f"Request {uuid.uuid4()}: {RULES}",  # expect: CL102
        input=text)
'''),
        # bare datetime.now() in an f-string renders to the microsecond
        Invalid(_IMPORTS + PRELUDE + RULES_DEF + '''
def reply(text):
    now = datetime.now()
    return client.chat.completions.create(model="gpt-4o", messages=[
        {"role": "system", "content": f"{RULES}\\nNow: {now}"},  # expect: CL102
        {"role": "user", "content": text}])
'''),
        # a request id ahead of the instructions
        Invalid(_IMPORTS + PRELUDE + RULES_DEF + '''
def reply(text):
    rid = uuid.uuid4()
    return client.responses.create(model="gpt-4.1",
        instructions=f"[request {rid}]\\n{RULES}",  # expect: CL102
        input=text)
'''),
        # time.time() through a helper
        Invalid(_IMPORTS + PRELUDE + RULES_DEF + '''
def header():
    return "ts=" + str(int(time.time()))  # expect: CL102
def reply(text):
    return client.responses.create(model="gpt-4.1",
        instructions=header() + RULES,
        input=text)
'''),
        # isoformat keeps the time of day
        Invalid(_IMPORTS + PRELUDE + RULES_DEF + '''
def reply(text):
    stamp = datetime.utcnow().isoformat()
    messages = [{"role": "system", "content": RULES + "\\nGenerated at " + stamp}]  # expect: CL102
    messages.append({"role": "user", "content": text})
    return client.chat.completions.create(model="gpt-4.1", messages=messages)
'''),
        # strftime with hours
        Invalid(_IMPORTS + PRELUDE + RULES_DEF + '''
def reply(text):
    when = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    return client.responses.create(model="gpt-4.1-mini",
        instructions="Current time: %s\\n%s" % (when, RULES),  # expect: CL102
        input=text)
'''),
        # random in the developer message of a Responses input list
        Invalid("import random\n" + PRELUDE + RULES_DEF + '''
def reply(text):
    return client.responses.create(model="gpt-5", input=[
        {"role": "developer", "content": f"Seed {random.randint(0, 9999)}. {RULES}"},  # expect: CL102
        {"role": "user", "content": text}])
'''),
        # the user message is a call of a function that returns a str: the line opens it
        Invalid(_IMPORTS + PRELUDE + RULES_DEF + '''
def transcript(turns) -> str:
    return "\\n".join(turns)
def review(turns):
    run_id = uuid.uuid4().hex
    messages = [
        {"role": "system", "content": f"Review run {run_id}.\\n\\n{RULES}"},  # expect: CL102
        {"role": "user", "content": transcript(turns)},
    ]
    return client.chat.completions.create(model="gpt-4.1", messages=messages)
''', expected_replacement=_IMPORTS + PRELUDE + RULES_DEF + '''
def transcript(turns) -> str:
    return "\\n".join(turns)
def review(turns):
    run_id = uuid.uuid4().hex
    messages = [
        {"role": "system", "content": f"{RULES}"},  # expect: CL102
        {"role": "user", "content": f"Review run {run_id}.\\n\\n{transcript(turns)}"},
    ]
    return client.chat.completions.create(model="gpt-4.1", messages=messages)
'''),
        # the same, but what the function returns is not known to be a str: no fix
        Invalid(_IMPORTS + PRELUDE + RULES_DEF + '''
def transcript(turns):
    return "\\n".join(turns)
def review(turns):
    run_id = uuid.uuid4().hex
    messages = [
        {"role": "system", "content": f"Review run {run_id}.\\n\\n{RULES}"},  # expect: CL102
        {"role": "user", "content": transcript(turns)},
    ]
    return client.chat.completions.create(model="gpt-4.1", messages=messages)
'''),
        # daily values are reported when the project opts in
        Invalid(_IMPORTS + PRELUDE + RULES_DEF + '''
def reply(text):
    return client.responses.create(model="gpt-4.1",
        instructions=f"Today is {date.today()}.\\n" + RULES,  # expect: CL102
        input=text)
''', settings={"flag_daily_values": True}),
        # a clock before the growing history of a chat loop: every turn re-processes it all
        Invalid(PRELUDE + RULES_DEF + '''
from datetime import datetime
def chat():
    history = []
    while True:
        history.append({"role": "user", "content": input()})
        reply = client.chat.completions.create(model="gpt-4.1", messages=[
            {"role": "system", "content": f"Now: {datetime.now()}.\\n" + RULES},  # expect: CL102
            *history])
        history.append({"role": "assistant", "content": reply.choices[0].message.content})
''', docs=True),
        # an OpenAI-compatible provider (DeepSeek, by its base_url) gets the ordering rules
        Invalid('''from openai import OpenAI
from datetime import datetime

client = OpenAI(base_url="https://api.deepseek.com", api_key="sk")
''' + RULES_DEF + '''
def answer(question):
    return client.chat.completions.create(model="deepseek-chat", messages=[
        {"role": "system", "content": f"Now: {datetime.now()}.\\n" + RULES},  # expect: CL102
        {"role": "user", "content": question}])
'''),
    ]

    def check(self, prompt: AssembledPrompt, ctx: RuleContext) -> Iterator[Diagnostic]:
        if not ctx.model(prompt).caches:
            return  # this model never caches: nothing to lose
        daily = ctx.settings.flag_daily_values

        def candidate(seg: Segment) -> bool:
            if seg.slot.startswith(("tools", "config.tools")):
                return False  # tools that change per call are CL202
            return seg.stability == Stability.VOLATILE or (seg.stability == Stability.DAILY and daily)

        for members, lost, behind in ctx.groups(prompt, candidate):
            seg = prompt.segments[members[0]]
            place = ctx.prefix_place(prompt, members, lost, behind, "no later turn is read from the cache")
            if place is None:
                continue  # after the preamble with little static text behind: harmless
            what = "changes every day" if seg.stability == Stability.DAILY else "changes every request"
            names = sources(prompt, members)
            # Out of the preamble only into the user message; after it, the end of its text will do.
            how, edits_in, edits = ctx.moved(prompt, members, False, not seg.in_preamble)
            if how == "user":
                title = f"Move {names} into the last user message"
            elif how == "end":
                title = f"Move {names} to the end of {describe_behind(seg, behind)}"
            else:
                title = self.fix_title.format(source=names)
            yield ctx.diagnostic(
                self,
                ctx.primary_span(seg, prompt),
                f"{names} {what} ({seg.cause}) and {place}",
                title,
                Applicability.UNSAFE if edits else Applicability.DISPLAY_ONLY,
                ctx.related_for(seg, prompt, behind),
                identity=f"{seg.source}|{seg.slot}|{prompt.call.api}",
                edits=edits,
                edits_in=edits_in,
            )

"""CL104 unsorted-json-in-prefix."""

from __future__ import annotations

from collections.abc import Iterator

from cachelint.diagnostics import Applicability, Diagnostic, Related, Severity
from cachelint.fixes.sort_keys import sort_json_keys
from cachelint.prompt import AssembledPrompt
from cachelint.rules._base import Invalid, Rule, Valid
from cachelint.rules.context import RuleContext, slot_label
from cachelint.rules.examples import PRELUDE, RULES_DEF

# An OpenAI-compatible provider reached through the OpenAI SDK (Together).
_TOGETHER = """import json
from openai import OpenAI

client = OpenAI(base_url="https://api.together.xyz/v1", api_key="tg")
"""


class UnsortedJsonInPrefix(Rule):
    """
    ## What it does
    Checks for `json.dumps` of data that is not written in the source (a parameter, a value
    loaded or computed at run time, a value cachelint cannot follow), called without
    `sort_keys=True`, whose text sits in the preamble (tools, schemas, instructions, system
    and developer messages).

    ## Why is this bad?
    `json.dumps` writes a dict's keys in the order they were inserted. When that order is not
    fixed by the code (a dict filled from a set, from a directory listing, from a database
    row, or merged from several sources), the same data renders as different text from one
    process or run to the next, and every prefix cached behind it is lost.

    This is a preview rule: cachelint does not follow where run-time data gets its key order,
    so it reports every such `json.dumps` in the preamble, including data whose order happens
    to be the same on every call (a dict built by code in a fixed order, JSON loaded from a
    file). A dict or list written in the source keeps its order and is not reported; neither
    is JSON in the last user message, after everything that can be cached.

    ## Fix safety
    Safe: `sort_keys=True` writes the same keys and values, in one order on every call.

    ## References
    - Python docs, `json.dumps` (`sort_keys`)
    - OpenAI and Anthropic prompt caching: the cached prefix must match exactly
    """

    code = "CL104"
    name = "unsorted-json-in-prefix"
    severity = Severity.WARNING
    default = False  # preview: run-time data often has a fixed key order cachelint cannot see
    summary = "`json.dumps` of run-time data without `sort_keys=True` sits in the preamble"
    fix_title = "Add `sort_keys=True` to the `json.dumps` call"

    VALID = [
        Valid("import json\n" + PRELUDE + RULES_DEF + '''
def answer(profile, question):
    return client.responses.create(model="gpt-4.1",
        instructions=RULES + "\\nUser profile: " + json.dumps(profile, sort_keys=True),
        input=question)
''', docs=True),
        # a literal: its keys are written in one order
        Valid("import json\n" + PRELUDE + RULES_DEF + '''
SCHEMA = {"name": "string", "age": "integer"}
def answer(question):
    return client.responses.create(model="gpt-4.1",
        instructions=RULES + "\\nReply as JSON shaped like " + json.dumps(SCHEMA),
        input=question)
''', docs=True),
        # a dict written in the source, with values known only at run time: the keys keep their order
        Valid("import json\n" + PRELUDE + RULES_DEF + '''
def answer(name, plan, question):
    return client.responses.create(model="gpt-4.1",
        instructions=RULES + "\\nUser: " + json.dumps({"name": name, "plan": plan}),
        input=question)
'''),
        # JSON in the last user message: nothing after it is cached
        Valid("import json\n" + PRELUDE + RULES_DEF + '''
def answer(profile, question):
    return client.chat.completions.create(model="gpt-4o", messages=[
        {"role": "system", "content": RULES},
        {"role": "user", "content": question + "\\n" + json.dumps(profile)}])
''', docs=True),
        # `sort_keys` chosen at run time, or options passed through: may well sort
        Valid("import json\n" + PRELUDE + RULES_DEF + '''
def answer(profile, question, stable, options):
    return client.responses.create(model="gpt-4.1",
        instructions=RULES + json.dumps(profile, sort_keys=stable) + json.dumps(profile, **options),
        input=question)
'''),
    ]
    INVALID = [
        Invalid("import json\n" + PRELUDE + RULES_DEF + '''
def answer(profile, question):
    return client.responses.create(model="gpt-4.1",
        instructions=RULES + "\\nUser profile: " + json.dumps(profile),  # expect: CL104
        input=question)
''', message="sort_keys", docs=True, expected_replacement="import json\n" + PRELUDE + RULES_DEF + '''
def answer(profile, question):
    return client.responses.create(model="gpt-4.1",
        instructions=RULES + "\\nUser profile: " + json.dumps(profile, sort_keys=True),  # expect: CL104
        input=question)
'''),
        # through a name, in a system message, `sort_keys=False` written
        Invalid("import json\n" + PRELUDE + RULES_DEF + '''
def answer(settings, question):
    shown = json.dumps(settings, indent=2, sort_keys=False)  # expect: CL104
    return client.chat.completions.create(model="gpt-4o", messages=[
        {"role": "system", "content": f"{RULES}\\nSettings:\\n{shown}"},
        {"role": "user", "content": question}])
''', expected_replacement="import json\n" + PRELUDE + RULES_DEF + '''
def answer(settings, question):
    shown = json.dumps(settings, indent=2, sort_keys=True)  # expect: CL104
    return client.chat.completions.create(model="gpt-4o", messages=[
        {"role": "system", "content": f"{RULES}\\nSettings:\\n{shown}"},
        {"role": "user", "content": question}])
'''),
        # data loaded at run time, the call written over several lines
        Invalid("import json\n" + PRELUDE + RULES_DEF + '''
CATALOG = json.load(open("catalog.json"))
def answer(question):
    return client.responses.create(model="gpt-4.1",
        instructions=RULES + json.dumps(  # expect: CL104
            CATALOG,
            indent=2,
        ),
        input=question)
''', expected_replacement="import json\n" + PRELUDE + RULES_DEF + '''
CATALOG = json.load(open("catalog.json"))
def answer(question):
    return client.responses.create(model="gpt-4.1",
        instructions=RULES + json.dumps(  # expect: CL104
            CATALOG,
            indent=2,
            sort_keys=True,
        ),
        input=question)
'''),
        # an OpenAI-compatible provider (Together, by its base_url) gets the ordering rules
        Invalid(_TOGETHER + RULES_DEF + '''
def answer(profile, question):
    return client.chat.completions.create(model="meta-llama/Llama-3.3-70B-Instruct-Turbo", messages=[
        {"role": "system", "content": RULES + json.dumps(profile)},  # expect: CL104
        {"role": "user", "content": question}])
''', expected_replacement=_TOGETHER + RULES_DEF + '''
def answer(profile, question):
    return client.chat.completions.create(model="meta-llama/Llama-3.3-70B-Instruct-Turbo", messages=[
        {"role": "system", "content": RULES + json.dumps(profile, sort_keys=True)},  # expect: CL104
        {"role": "user", "content": question}])
'''),
    ]

    def check(self, prompt: AssembledPrompt, ctx: RuleContext) -> Iterator[Diagnostic]:
        if not ctx.model(prompt).caches:
            return  # this model never caches: nothing to lose
        seen: set[object] = set()
        for seg in prompt.segments:
            at = seg.unsorted_json
            if at is None or not seg.in_preamble or at in seen:
                continue
            seen.add(at)
            span = at if at.path == ctx.path else ctx.primary_span(seg, prompt)
            related = ctx.related_for(seg, prompt, ())
            if at != span:
                related = (Related(at, "`json.dumps` is called here"), *related)
            yield ctx.diagnostic(
                self,
                span,
                f"`{seg.source}` writes JSON of run-time data into {slot_label(seg)} without "
                f"`sort_keys=True`; when its keys come in another order, the same data renders "
                f"differently and the prefix misses the cache",
                self.fix_title,
                Applicability.SAFE,
                related[:5],
                identity=f"{at.line}:{at.column}|{seg.slot}|{prompt.call.api}",
                edits=sort_json_keys(ctx.text_of(at.path), at),
                edits_in=at.path,
            )

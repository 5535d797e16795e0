"""CL103 unordered-in-prefix."""

from __future__ import annotations

from collections.abc import Iterator

from cachelint.diagnostics import Applicability, Diagnostic, Severity
from cachelint.fixes.sorting import sorted_join
from cachelint.prompt import AssembledPrompt, Segment, Stability
from cachelint.rules._base import Invalid, Rule, Valid
from cachelint.rules.context import RuleContext, sources
from cachelint.rules.examples import PRELUDE, RULES_DEF

# An OpenAI-compatible provider reached through the OpenAI SDK (xAI), with a set of topics.
_XAI = """from openai import OpenAI

client = OpenAI(base_url="https://api.x.ai/v1", api_key="xai")
TOPICS = {"billing", "shipping", "returns"}
"""


class UnorderedInPrefix(Rule):
    """
    ## What it does
    Checks for prompt text built by iterating something whose order is not fixed: a
    `set` or `frozenset` (its order depends on `PYTHONHASHSEED`, different in every
    process), `os.listdir`, `os.scandir`, `glob.glob` or `Path.iterdir()` (filesystem
    order), placed in the preamble or ahead of static text.

    ## Why is this bad?
    Each worker process renders a different prefix from the same data, so requests
    served by different processes never share a cache entry, and a restart empties it.
    (A tools list built from an unordered source is reported by CL202.)

    ## Fix safety
    Safe: `sorted(...)` keeps the same items and only fixes their order.

    ## References
    - FastMCP: a tool schema's `required` list built from a set changed with the hash seed
    - Python docs, `PYTHONHASHSEED`
    """

    code = "CL103"
    name = "unordered-in-prefix"
    severity = Severity.WARNING
    summary = "Prompt text built from an unordered source (set, directory listing) sits in the prefix"
    fix_title = "Wrap the iterated value in `sorted(...)`"

    VALID = [
        Valid(PRELUDE + RULES_DEF + '''
CAPABILITIES = {"search", "summarise", "translate"}
def reply(text):
    return client.responses.create(model="gpt-4.1",
        instructions="You can: " + ", ".join(sorted(CAPABILITIES)) + "\\n" + RULES, input=text)
''', docs=True),
        # a list keeps its order
        Valid(PRELUDE + RULES_DEF + '''
CAPABILITIES = ["search", "summarise", "translate"]
def reply(text):
    return client.responses.create(model="gpt-4.1",
        instructions="You can: " + ", ".join(CAPABILITIES) + "\\n" + RULES, input=text)
'''),
        # a set with one element has one order
        Valid(PRELUDE + RULES_DEF + '''
def reply(text):
    return client.responses.create(model="gpt-4.1",
        instructions="You can: " + ", ".join({"search"}) + "\\n" + RULES, input=text)
'''),
        # directory listing sorted
        Valid("import os\n" + PRELUDE + RULES_DEF + '''
def reply(text):
    files = sorted(os.listdir("docs"))
    return client.responses.create(model="gpt-4.1",
        instructions="Files: " + ", ".join(files) + "\\n" + RULES, input=text)
'''),
        # unordered text at the end of the user message
        Valid(PRELUDE + RULES_DEF + '''
def reply(text, tags):
    return client.responses.create(model="gpt-4.1", instructions=RULES,
        input=text + "\\nTags: " + ", ".join(set(tags)))
'''),
    ]
    INVALID = [
        Invalid(PRELUDE + RULES_DEF + '''
CAPABILITIES = {"search", "summarise", "translate"}
def reply(text):
    return client.responses.create(model="gpt-4.1",
        instructions="You can: " + ", ".join(CAPABILITIES) + "\\n" + RULES,  # expect: CL103
        input=text)
''', message="order", docs=True, expected_replacement=PRELUDE + RULES_DEF + '''
CAPABILITIES = {"search", "summarise", "translate"}
def reply(text):
    return client.responses.create(model="gpt-4.1",
        instructions="You can: " + ", ".join(sorted(CAPABILITIES)) + "\\n" + RULES,  # expect: CL103
        input=text)
'''),
        Invalid("import os\n" + PRELUDE + RULES_DEF + '''
def reply(text):
    files = os.listdir("docs")
    return client.chat.completions.create(model="gpt-4o", messages=[
        {"role": "system", "content": "Files: " + ", ".join(files) + "\\n" + RULES},  # expect: CL103
        {"role": "user", "content": text}])
''', expected_replacement="import os\n" + PRELUDE + RULES_DEF + '''
def reply(text):
    files = os.listdir("docs")
    return client.chat.completions.create(model="gpt-4o", messages=[
        {"role": "system", "content": "Files: " + ", ".join(sorted(files)) + "\\n" + RULES},  # expect: CL103
        {"role": "user", "content": text}])
'''),
        Invalid(PRELUDE + RULES_DEF + '''
def reply(text, tags):
    topics = "\\n".join(f"- {t}" for t in set(tags))  # expect: CL103
    return client.responses.create(model="gpt-4.1",
        instructions=f"Topics:\\n{topics}\\n{RULES}",
        input=text)
''', expected_replacement=PRELUDE + RULES_DEF + '''
def reply(text, tags):
    topics = "\\n".join(sorted(f"- {t}" for t in set(tags)))  # expect: CL103
    return client.responses.create(model="gpt-4.1",
        instructions=f"Topics:\\n{topics}\\n{RULES}",
        input=text)
'''),
        Invalid("from pathlib import Path\n" + PRELUDE + RULES_DEF + '''
def reply(text):
    names = [p.stem for p in Path("skills").iterdir()]
    return client.responses.create(model="gpt-4.1",
        instructions="Skills: " + ", ".join(names) + "\\n" + RULES,  # expect: CL103
        input=text)
''', expected_replacement="from pathlib import Path\n" + PRELUDE + RULES_DEF + '''
def reply(text):
    names = [p.stem for p in Path("skills").iterdir()]
    return client.responses.create(model="gpt-4.1",
        instructions="Skills: " + ", ".join(sorted(names)) + "\\n" + RULES,  # expect: CL103
        input=text)
'''),
        # no fix: `sorted(LANGS)` would print as a list, not the text the model saw
        Invalid(PRELUDE + RULES_DEF + '''
LANGS = frozenset(["en", "fr", "de"])
def reply(text):
    return client.responses.create(model="gpt-4.1",
        instructions=f"Languages: {LANGS}\\n" + RULES,  # expect: CL103
        input=text)
'''),
        # an OpenAI-compatible provider (xAI, by its base_url) gets the ordering rules
        Invalid(_XAI + RULES_DEF + '''
def answer(question):
    return client.chat.completions.create(model="grok-3", messages=[
        {"role": "system", "content": "Topics: " + ", ".join(TOPICS) + "\\n" + RULES},  # expect: CL103
        {"role": "user", "content": question}])
''', expected_replacement=_XAI + RULES_DEF + '''
def answer(question):
    return client.chat.completions.create(model="grok-3", messages=[
        {"role": "system", "content": "Topics: " + ", ".join(sorted(TOPICS)) + "\\n" + RULES},  # expect: CL103
        {"role": "user", "content": question}])
'''),
    ]

    def check(self, prompt: AssembledPrompt, ctx: RuleContext) -> Iterator[Diagnostic]:
        if not ctx.model(prompt).caches:
            return  # this model never caches: nothing to lose

        def candidate(seg: Segment) -> bool:
            # an unordered tools list is CL202
            return seg.stability == Stability.UNORDERED and not seg.slot.startswith(("tools", "config.tools"))

        for members, lost, behind in ctx.groups(prompt, candidate):
            seg = prompt.segments[members[0]]
            place = ctx.prefix_place(prompt, members, lost, behind, "nothing after it is shared between processes")
            if place is None:
                continue  # after the preamble with little static text behind: harmless
            span = ctx.primary_span(seg, prompt)
            yield ctx.diagnostic(
                self,
                span,
                f"{sources(prompt, members)} has no fixed order ({seg.cause}) and {place}; "
                f"each process renders a different prefix",
                self.fix_title,
                Applicability.SAFE,
                ctx.related_for(seg, prompt, behind),
                identity=f"{seg.source}|{seg.slot}|{prompt.call.api}",
                edits=sorted_join(ctx.text_of(seg.span.path), seg.span),
                edits_in=seg.span.path,
            )

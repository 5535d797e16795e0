"""CL403 breakpoint-after-dynamic."""

from __future__ import annotations

from collections.abc import Iterator

from cachelint.analysis import frameworks
from cachelint.diagnostics import Applicability, Diagnostic, Edit, Related, Severity, Span
from cachelint.fixes.markers import move_marker_back
from cachelint.prompt import AssembledPrompt, Breakpoint, MarkerKind, Segment, Stability
from cachelint.rules._base import Invalid, Rule, Valid
from cachelint.rules._markers import (
    WRITE_PRICE,
    call_model,
    effective_ttl,
    marker_name,
    marker_related,
    marker_span,
    multi_turn,
    surely_at_least,
    varies,
)
from cachelint.rules.context import RuleContext, count
from cachelint.rules.examples import ANTHROPIC_PRELUDE, POLICY_DEF

_IMPORTS = "from datetime import datetime\n"


class BreakpointAfterDynamic(Rule):
    """
    ## What it does
    Checks for a `cache_control` marker that sits on, or after, content that differs between
    calls: a per-turn value (a parameter of the function that makes each request, request
    data) or a volatile one (the time, a uuid) in the tools or system prompt, or, in a
    single-turn request, the user's question. Values that stay the same for a whole
    conversation (the user set on an agent, a document sent with each of its chunks, a value
    one warm-up call and the real call share) are read back by the later calls: not reported.

    ## Why is this bad?
    A marker writes the whole prefix up to its block into the cache, at 1.25x the input price
    (2x for a 1-hour TTL). When that prefix contains something that changes on the next call,
    the entry is never read: every call pays for a write and gets no read. The shared part
    before the changing content would have been cached by a marker placed at its end.

    In a conversation the marker on the last message is the normal pattern: the next turn
    sends the same messages again and reads the entry. So content in the messages counts only
    when the request carries no earlier turns; dynamic content in the tools or system prompt
    counts always.

    ## Fix safety
    Safe (the model sees the same input; which prefix is cached changes, to one that is read):
    when what changes is in the marked block itself, and that block and the one before it are
    dict literals of one list written in the function that makes the call, the marker's entry
    moves onto the block before, the end of the shared part, provided that part reaches the
    model's minimum. Other markers keep their advice.

    ## References
    - Anthropic, prompt caching: the cache prefix, write prices and breakpoints
    - rules.md, section 1: stability classes (`session`, `turn`, `volatile`)
    """

    code = "CL403"
    name = "breakpoint-after-dynamic"
    severity = Severity.WARNING
    providers = ("anthropic",)
    summary = "A cache_control marker follows per-turn or volatile content: every call writes an entry none reads"
    fix_title = "Move the marker to the last block before {source} (the end of the shared part)"

    VALID = [
        # the marker closes the shared policy; the customer block after it is sent uncached
        Valid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(name, question):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024,
        system=[{"type": "text", "text": POLICY, "cache_control": CC},
                {"type": "text", "text": f"The customer is {name}."}],
        messages=[{"role": "user", "content": question}])
''', docs=True),
        # a conversation: the marker on the last message is read by the next turn
        Valid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(history, question):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024, system=POLICY,
        messages=[*history, {"role": "user", "content": [{"type": "text", "text": question, "cache_control": CC}]}])
'''),
        # the top-level marker in a conversation moves forward with it
        Valid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(history):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024, system=POLICY,
                                  messages=history, cache_control={"type": "ephemeral"})
'''),
        # a value computed at import is the same on every call
        Valid(_IMPORTS + ANTHROPIC_PRELUDE + POLICY_DEF + '''
STARTED = datetime.now()
def reply(question):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024,
        system=[{"type": "text", "text": f"Up since {STARTED}. " + POLICY, "cache_control": CC}],
        messages=[{"role": "user", "content": question}])
'''),
        # a document block re-sent with every chunk of that document: later chunks read it
        Valid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
def summarise(document, chunks):
    for chunk in chunks:
        client.messages.create(model="claude-sonnet-4-5", max_tokens=500, system=POLICY,
            messages=[{"role": "user", "content": [
                {"type": "text", "text": document, "cache_control": CC},
                {"type": "text", "text": f"Summarise this part: {chunk}"}]}])
'''),
        # a timestamped prompt shared by a warm-up call and the real call: the real call reads it
        Valid(_IMPORTS + ANTHROPIC_PRELUDE + POLICY_DEF + '''
def ask(question):
    system = [{"type": "text", "text": f"Now: {datetime.now():%H:%M}. " + POLICY, "cache_control": CC}]
    client.messages.create(model="claude-sonnet-4-5", max_tokens=1, system=system,
                           messages=[{"role": "user", "content": "ping"}])
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024, system=system,
                                  messages=[{"role": "user", "content": question}])
'''),
        # the user an agent serves, set when it is made: the same on each of its turns
        Valid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
class Agent:
    def __init__(self, user_name):
        self.user_name = user_name
    def reply(self, question):
        return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024,
            system=[{"type": "text", "text": POLICY},
                    {"type": "text", "text": f"The user is {self.user_name}.", "cache_control": CC}],
            messages=[{"role": "user", "content": question}])
'''),
        # a system prompt passed in by the caller is the caller's text, not known to vary
        Valid(ANTHROPIC_PRELUDE + '''
def complete(system, question):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024,
        system=[{"type": "text", "text": system, "cache_control": CC}],
        messages=[{"role": "user", "content": question}])
'''),
        # a wrapper with no shared text of its own: there is nothing to move the marker to
        Valid(ANTHROPIC_PRELUDE + '''
def complete(prompt):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024,
        messages=[{"role": "user", "content": [{"type": "text", "text": prompt, "cache_control": CC}]}])
'''),
        # the user of a chat loop, set before it: every turn of the conversation reads the entry
        Valid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
def chat(user_name):
    system = [{"type": "text", "text": POLICY + f"\\nThe user is {user_name}.", "cache_control": CC}]
    history = []
    while True:
        history.append({"role": "user", "content": input()})
        reply = client.messages.create(model="claude-sonnet-4-5", max_tokens=1024, system=system,
                                       messages=history)
        history.append({"role": "assistant", "content": reply.content})
''', docs=True),
    ]
    INVALID = [
        Invalid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(name, question):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024,
        system=[{"type": "text", "text": POLICY},
                {"type": "text", "text": f"The customer is {name}.", "cache_control": CC}],  # expect: CL403
        messages=[{"role": "user", "content": question}])
''', message="cache entry (1.25x the input price)", docs=True, expected_replacement=ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(name, question):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024,
        system=[{"type": "text", "text": POLICY, "cache_control": CC},
                {"type": "text", "text": f"The customer is {name}."}],  # expect: CL403
        messages=[{"role": "user", "content": question}])
'''),
        # the marker on each chunk: every chunk writes an entry no other call reads
        Invalid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
def summarise(document, chunks):
    for chunk in chunks:
        client.messages.create(model="claude-sonnet-4-5", max_tokens=500, system=POLICY,
            messages=[{"role": "user", "content": [
                {"type": "text", "text": document},
                {"type": "text", "text": f"Summarise this part: {chunk}",
                 "cache_control": CC}]}])  # expect: CL403
''', expected_replacement=ANTHROPIC_PRELUDE + POLICY_DEF + '''
def summarise(document, chunks):
    for chunk in chunks:
        client.messages.create(model="claude-sonnet-4-5", max_tokens=500, system=POLICY,
            messages=[{"role": "user", "content": [
                {"type": "text", "text": document, "cache_control": CC},
                {"type": "text", "text": f"Summarise this part: {chunk}"}]}])  # expect: CL403
'''),
        # the time in the system prompt, marker through a helper-built block
        Invalid(_IMPORTS + ANTHROPIC_PRELUDE + POLICY_DEF + '''
def cached(text):
    return {"type": "text", "text": text, "cache_control": CC}  # expect: CL403
def reply(question):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024,
        system=[cached(f"Now: {datetime.now():%H:%M}. " + POLICY)],
        messages=[{"role": "user", "content": question}])
''', message="`{datetime.now():%H:%M}`"),
        # a one-shot question marked: the shared policy is never read back
        Invalid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
def answer(question):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024,
        system=[{"type": "text", "text": POLICY}],
        messages=[{"role": "user", "content": [
            {"type": "text", "text": question, "cache_control": CC}]}])  # expect: CL403
'''),
        # the top-level marker lands on the one-shot question
        Invalid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
def answer(question):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024, system=POLICY,
                                  messages=[{"role": "user", "content": question}],
                                  cache_control={"type": "ephemeral", "ttl": "1h"})  # expect: CL403
''', message="2x"),
        # a conversation whose system prompt ends with the time: no turn reads the last one's entry
        Invalid('''from anthropic import AsyncAnthropic
from datetime import datetime
aclient = AsyncAnthropic()
''' + POLICY_DEF + '''
async def reply(history, question):
    system = POLICY + f"\\nCurrent time: {datetime.now():%H:%M:%S}"
    return await aclient.messages.create(model="claude-sonnet-4-5", max_tokens=1024, system=system,
        messages=[*history, {"role": "user", "content": [
            {"type": "text", "text": question, "cache_control": {"type": "ephemeral"}}]}])  # expect: CL403
''', message="changes every request"),
        # an alias (claude-3-5-haiku-latest) is its family's model
        Invalid(ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(question, request_id):
    return client.messages.create(model="claude-3-5-haiku-latest", max_tokens=1024,
        system=[{"type": "text", "text": POLICY},
                {"type": "text", "text": f"Request {request_id}.", "cache_control": CC}],  # expect: CL403
        messages=[{"role": "user", "content": question}])
'''),
    ]

    def check(self, prompt: AssembledPrompt, ctx: RuleContext) -> Iterator[Diagnostic]:
        if prompt.call.api == "messages.count_tokens":
            return  # counting tokens writes nothing
        m = call_model(prompt, ctx)
        if not m.caches:
            return  # this model never caches
        for bp in prompt.breakpoints:
            if bp.kind != MarkerKind.CACHE_CONTROL or bp.repeated:
                continue  # markers added in a loop sit on history
            culprit = _first_changing(prompt, bp)
            if culprit is None:
                continue  # everything up to the marker is the same on every call
            segs = prompt.segments
            shared = [s for s in segs[:culprit] if s.stability == Stability.STATIC]
            if not shared:
                continue  # no shared part to move the marker to (a wrapper's whole prompt)
            seg = segs[culprit]
            earlier = [b for b in prompt.breakpoints if b.order < bp.order and b.after < culprit]
            start = max((b.after for b in earlier), default=-1) + 1
            written = count(ctx.static_runs([s for s in segs[start: bp.after + 1]
                                             if s.stability == Stability.STATIC]), m)
            ttl = effective_ttl(bp) or "5m"
            price = WRITE_PRICE.get(ttl, "1.25x")
            what = "changes every request" if seg.stability == Stability.VOLATILE else "differs between calls"
            size = f"{written.display()}-token " if written.n else ""
            edits = self._edits(prompt, bp, culprit, ctx)
            yield ctx.diagnostic(
                self,
                marker_span(bp, prompt, ctx),
                f"{marker_name(bp)} follows `{seg.source}`, which {what}: every call writes a new "
                f"{size}cache entry ({price} the input price) that no later call reads",
                self.fix_title.format(source=f"`{seg.source}`"),
                Applicability.SAFE if edits else Applicability.DISPLAY_ONLY,
                marker_related(bp, prompt, ctx, _culprit_note(seg, ctx)),
                identity=f"{bp.slot}|{seg.source}|{prompt.call.api}",
                edits=edits,
                edits_in=prompt.call.span.path,
            )

    @staticmethod
    def _edits(prompt: AssembledPrompt, bp: Breakpoint, culprit: int, ctx: RuleContext) -> tuple[Edit, ...]:
        """The marker moved onto the block before its own, when what changes is in its own block
        and the prefix up to the block before reaches the minimum (see Fix safety)."""
        call, block = prompt.call, bp.block_span
        changing = prompt.segments[culprit].span
        if call.via or bp.top_level or bp.conditional or not _within(changing, block):
            return ()
        if call.api == frameworks.BEDROCK_SEND["converse"]:
            return ()  # a cachePoint is a block of its own, not a key the fix can move
        before = [s for s in prompt.segments[:culprit]
                  if s.stability == Stability.STATIC and not _within(s.span, block)]
        m = call_model(prompt, ctx)
        if not surely_at_least(count(ctx.static_runs(before), m), m, m.min_cache_tokens):
            return ()  # the shared part is too short to be cached: moving the marker there caches nothing
        return move_marker_back(ctx.text_of(call.span.path), call.span, block)


def _within(inner: Span, outer: Span) -> bool:
    return inner.path == outer.path and (outer.line, outer.column) <= (inner.line, inner.column) and \
        (inner.end_line, inner.end_column) <= (outer.end_line, outer.end_column)


def _first_changing(prompt: AssembledPrompt, bp: Breakpoint) -> int | None:
    """The first segment up to the marker that differs between calls in a way no later call repeats."""
    conversation = multi_turn(prompt, bp.after)
    for i, seg in enumerate(prompt.segments[: bp.after + 1]):
        if not varies(seg):
            continue
        if seg.in_preamble or seg.slot.startswith(("tools", "system")):
            if not seg.passthrough:
                return i  # the tools or system prompt change between calls
        elif not conversation:
            return i  # a single-turn request: the question itself is never sent again
    return None


def _culprit_note(seg: Segment, ctx: RuleContext) -> tuple[Related, ...]:
    if seg.span.path != ctx.path:
        return ()
    return (Related(seg.span, f"`{seg.source}` ({seg.cause})"),)

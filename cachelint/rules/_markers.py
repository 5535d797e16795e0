"""Helpers shared by the cache-parameter rules (CL202, CL3xx, CL4xx): the call's model, counts
with their error bounds, where a marker is reported, and the shape of the conversation."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

from cachelint.diagnostics import Related, Span
from cachelint.models import ModelLookup, normalise_model_name
from cachelint.prompt import AssembledPrompt, Breakpoint, Segment, Stability
from cachelint.rules.context import RuleContext, provider_fallback
from cachelint.tokens import ESTIMATE_ERROR, TokenCount

# Anthropic's marker TTLs and what a write costs, as a multiple of the input price.
ANTHROPIC_TTLS = ("5m", "1h")
WRITE_PRICE = {"5m": "1.25x", "1h": "2x"}
MAX_ANTHROPIC_MARKERS = 4


def call_model(prompt: AssembledPrompt, ctx: RuleContext) -> ModelLookup:
    """The call's model (RuleContext.model already gives a call without a literal model its
    provider's fallback row); a literal model of another provider also gets this provider's
    fallback row, keeping its name: markers follow the API the call is made to."""
    m = ctx.model(prompt)
    provider = prompt.call.provider.value
    if m.provider == provider:
        return m
    return dataclasses.replace(provider_fallback(provider), name=m.name, defaulted=m.defaulted,
                               assumed=m.assumed)


def reaches_openai(prompt: AssembledPrompt, ctx: RuleContext) -> bool:
    """Is the call sent to OpenAI itself (or Azure OpenAI), whose cache parameters the CL3xx
    rules describe? An OpenAI-compatible provider, or an endpoint of unknown provider, reached
    through the OpenAI SDK gets only the ordering rules (rules.md section 1)."""
    if prompt.call.provider.value != "openai":
        return False
    via = ctx.model(prompt).via
    return via is None or via.openai_rows


def surely_at_least(n: TokenCount, m: ModelLookup, minimum: int) -> bool:
    """At or above `minimum` even at the low end of the estimate's error."""
    if n.exact:
        return n.n >= minimum
    low, _ = ESTIMATE_ERROR.get(m.provider, (0.0, 0.0))
    return n.n * (1 + low) >= minimum


def surely_below(n: TokenCount, m: ModelLookup, minimum: int) -> bool:
    """Below `minimum` even at the high end of the estimate's error."""
    if n.exact:
        return n.n < minimum
    _, high = ESTIMATE_ERROR.get(m.provider, (0.0, 0.0))
    return n.n * (1 + high) < minimum


def model_phrase(m: ModelLookup) -> str:
    """"`claude-sonnet-4-5`", "a Claude model not named in the call (1,024 assumed)"."""
    if m.known and m.origin:
        return f"`{m.name}` ({m.origin}: `model=` is not a literal)"
    if m.known and not m.defaulted:
        family = m.family_note()  # an id the table does not list: its family's facts
        return f"`{m.name}` ({family.split(': ', 1)[1]})" if family else f"`{m.name}`"
    if m.known:
        return f"`{m.name}` (the configured default-model: `model=` is not a literal)"
    label = {"anthropic": "Claude", "gemini": "Gemini", "openai": "OpenAI"}[m.provider]
    if m.name:
        return f"unknown model `{m.name}` (assumed)"
    return f"a {label} model not named in the call (assumed)"


def tokens(n: TokenCount) -> str:
    """"~1,500 tokens", "1 token"."""
    return f"{n.display()} token{'' if n.n == 1 else 's'}"


def caches(prompt: AssembledPrompt, ctx: RuleContext) -> bool:
    return call_model(prompt, ctx).caches


def in_file(span: Span, ctx: RuleContext) -> bool:
    return span.path == ctx.path


def marker_span(bp: Breakpoint, prompt: AssembledPrompt, ctx: RuleContext) -> Span:
    """Where to report a marker: as written on its block if that is in the linted file, else
    its block, else the call."""
    for span in (bp.span, bp.block_span):
        if in_file(span, ctx):
            return span
    return prompt.call.func_span


def marker_related(bp: Breakpoint, prompt: AssembledPrompt, ctx: RuleContext,
                   extra: Sequence[Related] = ()) -> tuple[Related, ...]:
    primary = marker_span(bp, prompt, ctx)
    notes: list[Related] = list(extra)
    if bp.span != primary:
        notes.append(Related(bp.span, "the marker is written here"))
    if bp.block_span not in (primary, bp.span) and not bp.top_level:
        notes.append(Related(bp.block_span, f"on this block ({bp.slot})"))
    for hop in bp.hops:
        if hop.span != primary:
            notes.append(Related(hop.span, hop.note))
    notes.append(Related(prompt.call.func_span, f"in this call to {prompt.call.describe()}"))
    out: list[Related] = []
    for r in notes:
        if r not in out:
            out.append(r)
    return tuple(out[:5])


def marker_name(bp: Breakpoint) -> str:
    """How a message names a marker: "the top-level `cache_control`", "the marker on `system[1]`"."""
    key = bp.kind.value
    if bp.top_level:
        return f"the top-level `{key}`"
    return f"the `{key}` marker on `{bp.slot}`"


def effective_ttl(bp: Breakpoint) -> str | None:
    """An Anthropic marker's TTL: the written value, "5m" when it is known to be absent, else None."""
    if not bp.is_dict:
        return None
    ttl = bp.ttl
    if ttl is None:
        return "5m" if bp.complete else None
    return ttl if isinstance(ttl, str) else None


def certain(bp: Breakpoint) -> bool:
    """Present on every call, exactly once."""
    return not bp.conditional and not bp.repeated


# ---- the conversation


def is_history(seg: Segment) -> bool:
    """Earlier turns: items added at run time, a whole message list, assistant turns."""
    return (seg.slot.endswith(":]") or seg.slot in ("messages", "input", "contents")
            or "(assistant)" in seg.slot or "(model)" in seg.slot)


def multi_turn(prompt: AssembledPrompt, upto: int | None = None) -> bool:
    """Does the request carry earlier turns (before segment `upto`, or anywhere)?"""
    segs = prompt.segments if upto is None else prompt.segments[: upto + 1]
    return any(is_history(s) and not s.in_preamble for s in segs)


def varies(seg: Segment) -> bool:
    # A session value (the user's name, a document sent with each of its chunks) repeats on
    # every turn of its conversation: a marker after it is read by the later turns.
    return seg.stability in (Stability.TURN, Stability.VOLATILE)


def static_texts(segs: Sequence[Segment], ctx: RuleContext, shortest: bool = True) -> list[str]:
    return ctx.static_runs([s for s in segs if s.stability == Stability.STATIC], shortest)


# ---- OpenAI model generations

_GPT = re.compile(r"^gpt-(\d+)(?:\.(\d+))?(?=$|[-_])")
_OLD_OPENAI = re.compile(r"^(?:gpt-4o|gpt-4\.1|gpt-4\.5|gpt-4|gpt-3\.5|gpt-35|chatgpt-4o|o1|o3|o4)(?=$|[-.])")


def openai_version(model: str | None) -> tuple[int, int] | None:
    """(major, minor) of an OpenAI model name: gpt-5.6-sol → (5, 6), gpt-4o → (4, 0), o3 → (4, 0).
    None for names that are not OpenAI's own (Azure deployments, other providers' models)."""
    if not model:
        return None
    name = normalise_model_name(model)
    if _OLD_OPENAI.match(name):
        return (4, 0)  # the gpt-4 generation and the o-series: older than every gpt-5
    m = _GPT.match(name)
    if m is None or name.startswith("gpt-oss"):
        return None
    return (int(m.group(1)), int(m.group(2) or 0))

"""What a rule sees besides the prompt: settings, the model's facts, token counts, reporting helpers."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

from cachelint.analysis.realpaths import real_path
from cachelint.diagnostics import Applicability, Diagnostic, Edit, Fix, Related, Span
from cachelint.fixes.filetree import FileTree
from cachelint.fixes.move import move_to_user
from cachelint.fixes.reorder import move_to_end
from cachelint.models import ModelLookup, lookup_model
from cachelint.prompt import AssembledPrompt, Segment, Stability
from cachelint.rules._base import Rule
from cachelint.settings import DEFAULT_MODEL, Settings
from cachelint.tokens import ESTIMATE_FACTORS, TokenCount, count_for_encoding

# Segments that end a cacheable run for every rule. UNKNOWN and passthrough
# segments also stop a count: they might vary, so tokens behind them are not
# claimed as lost (precision over recall).
_BREAKING = {Stability.SESSION, Stability.TURN, Stability.VOLATILE, Stability.UNORDERED}


# A name no row matches, so lookup_model falls back to the provider's defaults.
PROVIDER_PROBE = {"anthropic": "claude", "gemini": "gemini", "openai": "gpt"}


def count(texts: Iterable[str], m: ModelLookup) -> TokenCount:
    """Tokens of several runs of text under the model `m`, each run counted whole: exact for
    OpenAI's tokenizers, an estimate (scaled by the provider's factor) for Claude and Gemini."""
    base = sum(count_for_encoding(t, m.encoding) for t in texts if t)
    if m.exact_tokens or base == 0:
        return TokenCount(base, True, m.encoding)
    factor = ESTIMATE_FACTORS.get(m.provider, 1.0)
    return TokenCount(int(base * factor + 0.5), False, m.encoding)


def provider_fallback(provider: str) -> ModelLookup:
    """The fallback row of a provider (its tokenizer and usual minimum, model unknown)."""
    probe = PROVIDER_PROBE[provider]
    return lookup_model(probe, probe)


@dataclass
class RuleContext:
    settings: Settings
    path: str  # the linted file: primary locations must be inside it
    # The text of a file of the project, from which fixes are written: the linted file's as
    # linted, other modules' as the analysis read them. None: no fix can be written there (a
    # notebook, whose linted text is its joined cells, not the file).
    text_of: Callable[[str], str | None] = field(default=lambda path: None)
    _models: dict[tuple[str | None, str, str | None, str, str], ModelLookup] = field(default_factory=dict)
    # Files parsed for fixes, by path: parsed once per module linted, not once per finding.
    _trees: dict[str, FileTree | None] = field(default_factory=dict)

    # ---- model facts and counting

    def model(self, prompt: AssembledPrompt) -> ModelLookup:
        """The call's model row. When `model=` is not a literal and the configured default
        belongs to another provider, that provider's fallback row: an Anthropic call with an
        unknown model is not counted with gpt-4.1's tokenizer and minimum."""
        call = prompt.call
        key = (call.model, call.provider.value, call.base_url, call.model_origin, call.base_url_unresolved)
        if key not in self._models:
            configured = self.settings.default_model
            m = lookup_model(key[0], configured or DEFAULT_MODEL, key[2], bool(key[4]))
            if m.defaulted and configured is None:
                # No model named and none configured: the call may run on any model, so no
                # minimum or price is claimed for it (the size rules stay silent).
                m = replace(m, assumed=True)
            if key[3]:
                m = replace(m, origin=key[3])
            if m.defaulted and m.provider != key[1]:
                m = replace(provider_fallback(key[1]), name=PROVIDER_PROBE[key[1]] + "-*", defaulted=True,
                            via=m.via, assumed=m.assumed)
            self._models[key] = m
        return self._models[key]

    # ---- segment classes

    def is_breaker(self, seg: Segment) -> bool:
        """Does this segment differ between calls (so nothing after it is read from cache)?"""
        if seg.passthrough:
            return False  # the caller defines it: unknown here, not turn
        if seg.stability in _BREAKING:
            return True
        return seg.stability == Stability.DAILY and self.settings.flag_daily_values

    def stops_count(self, seg: Segment) -> bool:
        return self.is_breaker(seg) or seg.passthrough or seg.stability == Stability.UNKNOWN

    def static_runs(self, segs: Sequence[Segment], shortest: bool = True) -> list[str]:
        """Static text of consecutive segments, joined per slot, so each run is counted whole.

        A segment with alternatives contributes its shortest (or longest) text.
        """
        runs: list[str] = []
        cur: list[str] = []
        slot: str | None = None
        for s in segs:
            if s.stability != Stability.STATIC:
                if cur:
                    runs.append("".join(cur))
                cur, slot = [], None
                continue
            text = s.text
            if text is None and s.alternatives:
                text = min(s.alternatives, key=len) if shortest else max(s.alternatives, key=len)
            elif s.alternatives and shortest:
                text = min(s.alternatives, key=len)
            if text is None:
                continue
            if slot is not None and s.slot != slot and cur:
                runs.append("".join(cur))
                cur = []
            slot = s.slot
            cur.append(text)
        if cur:
            runs.append("".join(cur))
        return runs

    def static_after(self, prompt: AssembledPrompt, index: int) -> tuple[TokenCount, list[Segment]]:
        """Static tokens after segment `index`, up to the next segment that stops a count."""
        segs = prompt.segments
        behind: list[Segment] = []
        for s in segs[index + 1 :]:
            if self.stops_count(s):
                break
            behind.append(s)
        statics = [s for s in behind if s.stability == Stability.STATIC]
        return count(self.static_runs(behind), self.model(prompt)), statics

    def groups(
        self, prompt: AssembledPrompt, is_candidate: Callable[[Segment], bool]
    ) -> list[tuple[list[int], TokenCount, list[Segment]]]:
        """Candidate segments grouped for reporting, each group with the static tokens it costs.

        Within a run of candidates (no other segment that stops a count between them),
        candidates separated by less than `min-lost-tokens` of static text form one group:
        moving one of them alone would not make that text cacheable. A group costs the
        static text after it, up to the next group (which blocks the rest anyway).
        """
        out: list[tuple[list[int], TokenCount, list[Segment]]] = []
        segs = prompt.segments
        threshold = max(1, self.settings.min_lost_tokens)
        i = 0
        while i < len(segs):
            if not is_candidate(segs[i]):
                i += 1
                continue
            # the run: indexes from i up to the next segment that stops a count
            j = i + 1
            while j < len(segs) and (is_candidate(segs[j]) or not self.stops_count(segs[j])):
                j += 1
            members = [k for k in range(i, j) if is_candidate(segs[k])]
            # static tokens between each member and the next one (or the end of the run)
            gaps = []
            for n, m in enumerate(members):
                end = members[n + 1] if n + 1 < len(members) else j
                between = [s for s in segs[m + 1 : end]]
                gaps.append((count(self.static_runs(between), self.model(prompt)), between))
            group: list[int] = []
            behind: list[Segment] = []
            total = 0
            exact = True
            encoding = ""
            for m, (gap, between) in zip(members, gaps, strict=True):
                group.append(m)
                behind.extend(between)
                total += gap.n
                exact = exact and gap.exact
                encoding = gap.encoding
                if gap.n >= threshold:
                    statics = [s for s in behind if s.stability == Stability.STATIC]
                    out.append((group, TokenCount(total, exact, encoding), statics))
                    group, behind, total = [], [], 0
            if group:
                # trailing members with (almost) nothing static behind them
                statics = [s for s in behind if s.stability == Stability.STATIC]
                out.append((group, TokenCount(total, exact, encoding), statics))
            i = j
        return out

    def prefix_place(self, prompt: AssembledPrompt, members: Sequence[int], lost: TokenCount,
                     behind: Sequence[Segment], consequence: str) -> str | None:
        """How a changing value in the prefix costs the cache, for CL102 and CL103 messages:
        'precedes N static tokens of X', or at the end of the preamble, `consequence` and
        what is still shared before it. None when it is harmless (after the preamble with
        little static text behind it)."""
        seg = prompt.segments[members[0]]
        if lost.n >= self.settings.min_lost_tokens or (seg.in_preamble and lost.n):
            return f"precedes {lost.amount('static token')} of {describe_behind(seg, behind)}"
        if not seg.in_preamble:
            return None
        kept = self.static_before(prompt, members[0]).amount("static token")
        return f"sits in {slot_label(seg)}: {consequence} (only the {kept} before it are)"

    def static_before(self, prompt: AssembledPrompt, index: int) -> TokenCount:
        """Static tokens that are still shared before segment `index` (from the start up to
        the first segment that stops a count)."""
        before: list[Segment] = []
        for s in prompt.segments[:index]:
            if self.stops_count(s):
                break
            before.append(s)
        return count(self.static_runs(before), self.model(prompt))

    def total_static(self, prompt: AssembledPrompt, shortest: bool = True) -> TokenCount:
        """All static text of the request, with the tokens built-in tools add of their own."""
        got = count(self.static_runs(prompt.segments, shortest), self.model(prompt))
        hidden = sum(s.hidden_tokens for s in prompt.segments)
        return TokenCount(got.n + hidden, got.exact, got.encoding) if hidden else got

    # ---- reporting

    def primary_span(self, seg: Segment, prompt: AssembledPrompt) -> Span:
        """Where to report a segment: where it is written if that is in the linted file,
        else the innermost step of the chain inside it, else the call."""
        if seg.span.path == self.path:
            return seg.span
        # The innermost step of the chain from the call to the definition that is in
        # this file; where the value itself came from is only a fallback.
        for hop in reversed(seg.hops):
            if hop.span.path == self.path and not hop.note.startswith("value `"):
                return hop.span
        for hop in reversed(seg.hops):
            if hop.span.path == self.path:
                return hop.span
        return prompt.call.func_span

    def related_for(self, seg: Segment, prompt: AssembledPrompt, behind: Sequence[Segment]) -> tuple[Related, ...]:
        notes: list[Related] = []
        primary = self.primary_span(seg, prompt)
        if seg.span != primary:
            notes.append(Related(seg.span, f"`{seg.source}` is written here ({seg.cause})"))
        for hop in seg.hops:
            if hop.span != primary:
                notes.append(Related(hop.span, hop.note))
        # Where the biggest static text that is lost is defined.
        statics = [s for s in behind if s.text]
        if statics:
            big = max(statics, key=lambda s: len(s.text or ""))
            n = count([big.text or ""], self.model(prompt))
            where = _definition_note(big)
            notes.append(Related(big.span, f"{_defined(where)} ({n.amount()}, {n.basis()})"))
        notes.append(Related(prompt.call.func_span, f"in this call to {prompt.call.describe()}"))
        seen: set[tuple[Span, str]] = set()
        out: list[Related] = []
        for r in notes:
            if (r.span, r.message) not in seen:
                seen.add((r.span, r.message))
                out.append(r)
        return tuple(out[:5])

    def tree_of(self, path: str) -> FileTree | None:
        """A project file's text parsed and indexed for fixes (None: not a module of the project,
        or it does not parse)."""
        if path not in self._trees:
            self._trees[path] = FileTree.of(self.text_of(path), path)
        return self._trees[path]

    def moved_to_user(self, prompt: AssembledPrompt, members: Sequence[int]) -> tuple[Edit, ...]:
        """Edits that move the segments `members` (one line of an f-string) into the call's last
        user message (CL101, CL102), when they can be written for certain (fixes/move.py)."""
        call = prompt.call
        spans = [prompt.segments[k].span for k in members]
        if any(s.path != call.span.path for s in spans) or not prompt.segments:
            return ()  # text written elsewhere: other calls share it
        return move_to_user(self.tree_of, call.span, call.api, spans, prompt.segments[-1].slot)

    def moved_to_end(self, prompt: AssembledPrompt, members: Sequence[int]) -> tuple[str, tuple[Edit, ...]]:
        """The file and edits that move the segments `members` to the end of the text they are
        written in (fixes/reorder.py), when that puts them after every static token that
        counts: the text is the whole of its slot, and what follows the slot is too little to
        report. ("", ()) otherwise."""
        segs = prompt.segments
        slot = segs[members[0]].slot
        if any(segs[k].slot != slot for k in members):
            return "", ()
        last = max(i for i, s in enumerate(segs) if s.slot == slot)
        behind: list[Segment] = []
        for s in segs[last + 1:]:
            if self.stops_count(s):
                break
            behind.append(s)
        if count(self.static_runs(behind), self.model(prompt)).n >= self.settings.min_lost_tokens:
            return "", ()
        returned = [h.span for h in reversed(segs[members[0]].hops) if h.note.startswith("returned by")]
        values = [next((h.note.split("`")[1] for h in segs[k].hops if h.note.startswith("value `")), "")
                  for k in members]
        return move_to_end(self.tree_of, [segs[k].span for k in members], returned, prompt.call.span, values)

    def moved(self, prompt: AssembledPrompt, members: Sequence[int], end_first: bool,
              end_allowed: bool) -> tuple[str, str, tuple[Edit, ...]]:
        """The fix that moves the segments `members` out of the way (CL101, CL102): ("user",
        file, edits) into the last user message, ("end", file, edits) to the end of its text,
        ("", "", ()) when neither can be written. `end_first`: try the end of the text first
        (a per-conversation value stays in the system prompt); `end_allowed`: the end of the
        text is far enough (not for a value that must leave the preamble or the history's way)."""
        for how in ("end", "user") if end_first else ("user", "end"):
            if how == "user":
                edits = self.moved_to_user(prompt, members)
                if edits:
                    return how, prompt.call.span.path, edits
            elif end_allowed:
                path, edits = self.moved_to_end(prompt, members)
                if edits:
                    return how, path, edits
        return "", "", ()

    def diagnostic(self, rule: Rule, span: Span, message: str, fix_title: str | None,
                   applicability: Applicability = Applicability.DISPLAY_ONLY,
                   related: tuple[Related, ...] = (), identity: str = "",
                   edits: tuple[Edit, ...] = (), edits_in: str = "") -> Diagnostic:
        """A finding of `rule`; with `edits` (in the file `edits_in`, when it is not the
        finding's own) its fix can be applied."""
        # The path relative to the project root, so the same finding keeps its identity
        # whether cachelint runs from the root, a subfolder or with absolute paths.
        try:
            rel = os.path.relpath(real_path(self.path), real_path(self.settings.root))
        except ValueError:
            rel = self.path
        fp_src = "\0".join([rule.code, rel.replace(os.sep, "/"), identity or message])
        if not edits:
            applicability = Applicability.DISPLAY_ONLY  # advice: there is nothing to apply
        return Diagnostic(
            code=rule.code,
            name=rule.name,
            severity=rule.severity,
            message=message,
            span=span,
            fix=Fix(fix_title, applicability, edits, "" if edits_in == span.path else edits_in) if fix_title else None,
            related=related,
            fingerprint=hashlib.sha256(fp_src.encode()).hexdigest()[:16],
        )


def _definition_note(seg: Segment) -> str:
    """The most specific 'defined here' step of a static segment, else its first hop."""
    for hop in reversed(seg.hops):
        if "defined here" in hop.note:
            return hop.note
    return seg.hops[0].note if seg.hops else "static text"


def _defined(note: str) -> str:
    # "`SYSTEM` imported from prompts" -> "`SYSTEM` imported from prompts"; plain text otherwise
    return note[0].upper() + note[1:] if note else "Static text"


def sources(prompt: AssembledPrompt, members: Sequence[int], limit: int = 3) -> str:
    """'`{a}`', '`{a}` and `{b}`', '`{a}`, `{b}` and 2 more' for a run of segments."""
    names: list[str] = []
    for m in members:
        src = f"`{prompt.segments[m].source}`"
        if src not in names:
            names.append(src)
    if len(names) == 1:
        return names[0]
    shown = names[:limit]
    rest = len(names) - len(shown)
    if rest:
        return ", ".join(shown) + f" and {rest} more"
    return ", ".join(shown[:-1]) + " and " + shown[-1]


def slot_label(seg: Segment) -> str:
    """A human name for where a segment sits: 'the instructions', 'the system message'."""
    slot = seg.slot
    if slot.startswith("instructions"):
        return "the instructions"
    if slot.startswith("system") or slot.startswith("config.system_instruction"):
        return "the system prompt"
    if slot.startswith("tools") or slot.startswith("config.tools"):
        return "the tool definitions"
    if "(system)" in slot:
        return "the system message"
    if "(developer)" in slot:
        return "the developer message"
    if "(user)" in slot or slot.startswith("input"):
        return "the user message"
    if "(assistant)" in slot:
        return "an assistant message"
    return "the prompt"


def describe_behind(seg: Segment, behind: Sequence[Segment]) -> str:
    labels = {slot_label(s) for s in behind}
    if len(labels) == 1:
        return next(iter(labels))
    return "the prompt"

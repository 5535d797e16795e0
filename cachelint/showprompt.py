"""`cachelint --show-prompt PATH[:LINE]`: how each call's prompt was rebuilt, segment by segment."""

from __future__ import annotations

import os
from collections.abc import Sequence

from cachelint.diagnostics import Diagnostic, Span
from cachelint.notebook import NotebookError, is_notebook, read_notebook
from cachelint.prompt import AssembledPrompt, Segment, Stability
from cachelint.report.locate import Locator, plain_location
from cachelint.rules._base import Rule
from cachelint.rules.context import RuleContext, count
from cachelint.run.check import Repeat, module_findings, parse_in, suppress
from cachelint.run.lint import project_factory
from cachelint.settings import Settings
from cachelint.sources import SourceError, decode_source, lint_message, read_bytes
from cachelint.tokens import TokenCount


def _where(span: Span, cwd: str, locate: Locator | None = None) -> str:
    if locate is not None:
        return locate(span).label(cwd)  # a notebook: the cell and the line in it
    path = span.path
    try:
        rel = os.path.relpath(path, cwd)
        if not rel.startswith(".."):
            path = rel
    except ValueError:
        pass
    return f"{path.replace(os.sep, '/')}:{span.line}:{span.column}"


def preview(seg: Segment) -> str:
    """A segment as the table shows it: its text (shortened) when static, else its expression."""
    if seg.stability == Stability.STATIC:
        if seg.text is not None:
            one = " ".join(seg.text.split()) or seg.text
            return repr(one if len(one) <= 48 else one[:47] + "…")
        if seg.alternatives:
            return f"one of {len(seg.alternatives)} texts: {seg.source}"
    return seg.source


def token_cell(seg: Segment, prompt: AssembledPrompt, ctx: RuleContext) -> str:
    """A segment's token count as the table shows it: '-' when it is not static text."""
    if seg.stability != Stability.STATIC:
        return "-"
    if seg.text is not None:
        n = count([seg.text], ctx.model(prompt))
        shown = n.display() + (f"+{seg.hidden_tokens:,}" if seg.hidden_tokens else "")  # a built-in tool's own
        return ("≥" + shown) if seg.truncated else shown
    if seg.alternatives:
        # the longest text is not always the one with most tokens ("Japanese" 2, "Korean" 1)
        counts = sorted((count([t], ctx.model(prompt)) for t in seg.alternatives), key=lambda c: c.n)
        lo, hi = counts[0], counts[-1]
        return lo.display() if lo.n == hi.n else f"{lo.display()}-{hi.display()}"
    return "?"


def model_summary(prompt: AssembledPrompt, ctx: RuleContext) -> str:
    """The model a call is counted against: its name, its cache minimum and its tokenizer."""
    m = ctx.model(prompt)
    how = (" (assumed: the call names no model and no default-model is set; size rules off)" if m.assumed
           else " (default-model)" if m.defaulted else "")
    model = m.name + how + ("" if m.known else " (unknown: assumed)")
    note = endpoint_note(prompt, ctx)
    return (f"model {model}: {m.min_cache_tokens:,}-token minimum, {m.encoding}"
            f"{'' if m.exact_tokens else ' (counts are estimates)'}" + (f"; {note}" if note else ""))


def endpoint_note(prompt: AssembledPrompt, ctx: RuleContext) -> str:
    """Why the size rules may be silent for an OpenAI SDK call: the endpoint it reaches is
    another provider's, or not known. "" for OpenAI and Azure OpenAI."""
    via = ctx.model(prompt).via
    if via is None or via.openai_rows:
        return ""
    call = prompt.call
    off = "size rules and OpenAI cache-parameter rules off, ordering rules on"
    if via.key == "unknown":
        if call.base_url_unresolved:
            return (f"provider unknown: base_url={call.base_url_unresolved} not followed, "
                    f"so not known to be an OpenAI endpoint ({off})")
        return f"provider unknown: base_url={call.base_url!r} not an OpenAI endpoint ({off})"
    by = f"base_url={call.base_url!r}" if call.base_url else f"model `{call.model}`"
    if ctx.model(prompt).size_facts:
        return f"served by {via.label} ({by}): its documented minimum and cached price apply"
    return f"served by {via.label} ({by}): minimum or cached price not documented ({off})"


def cacheable_prefix(prompt: AssembledPrompt, ctx: RuleContext) -> str:
    """How much static text comes before the first segment that changes per call, against
    the model's minimum, and how much static text the whole request holds."""
    m = ctx.model(prompt)
    first_break = next((i for i, s in enumerate(prompt.segments) if ctx.is_breaker(s)), len(prompt.segments))
    before = prompt.segments[:first_break]
    prefix = count(ctx.static_runs(before), ctx.model(prompt))
    hidden = sum(s.hidden_tokens for s in before)  # built-in tools' own definitions
    prefix = TokenCount(prefix.n + hidden, prefix.exact, prefix.encoding)
    unseen = any(s.stability in (Stability.STABLE, Stability.UNKNOWN) or s.passthrough for s in before)
    total = ctx.total_static(prompt)
    verdict = "reaches" if prefix.n >= m.min_cache_tokens else "is below"
    return (
        f"{'≥ ' if unseen else ''}{prefix.amount()} of static text before the first "
        f"changing segment ({verdict} the {m.min_cache_tokens:,}-token minimum); "
        f"static text in the whole request: {total.amount()}"
    )


def render_prompt(prompt: AssembledPrompt, ctx: RuleContext, findings: Sequence[Diagnostic], cwd: str,
                  locate: Locator | None = None, repeats: Sequence[Repeat] = ()) -> str:
    call = f"{prompt.call.via} -> {prompt.call.api}" if prompt.call.via else prompt.call.api
    head = (f"{_where(prompt.call.func_span, cwd, locate)}: {prompt.call.provider.value} {call}, "
            f"{model_summary(prompt, ctx)}")
    rows = [("#", "slot", "stability", "tokens", "expression", "where", "why")]
    for i, seg in enumerate(prompt.segments, start=1):
        why = seg.cause
        if seg.passthrough:
            why += " (passed through: the caller decides)"
        hops = [h for h in seg.hops if seg.cause not in h.note]
        if hops:
            why += "; " + "; ".join(h.note + " @" + _where(h.span, cwd, locate) for h in hops[:3])
        rows.append((str(i), seg.slot + (" *" if seg.in_preamble else ""), seg.stability.value,
                     token_cell(seg, prompt, ctx), preview(seg), _where(seg.span, cwd, locate), why))
    widths = [max(len(r[c]) for r in rows) for c in range(5)]
    lines = [head]
    for r in rows:
        cells = [r[0].rjust(widths[0]), r[1].ljust(widths[1]), r[2].ljust(widths[2]), r[3].rjust(widths[3]),
                 r[4].ljust(widths[4]), r[5]]
        line = "  " + "  ".join(cells)
        if r[6] and r is not rows[0]:
            line += "  " + r[6]
        elif r is rows[0]:
            line += "  why"
        lines.append(line.rstrip())
    lines.extend(f"  ({note})" for note in prompt.notes)
    if not prompt.segments and not prompt.notes:
        lines.append("  (no prompt arguments found)")
    lines.append("  * = preamble (tools, schemas, instructions, system and developer messages)")
    for b in prompt.breakpoints:
        covered = prompt.segments[: b.after + 1] if b.after >= 0 else ()
        upto = count(ctx.static_runs(covered), ctx.model(prompt))
        fields = ", ".join(f"{k}={v!r}" for k, v in b.fields) or "?"
        where = "top level" if b.top_level else f"after segment {b.after + 1}"
        flags = [f for f, on in (("conditional", b.conditional), ("in a loop", b.repeated),
                                 ("uncounted content before it", b.uncounted)) if on]
        lines.append(f"  marker {b.order + 1}: {b.kind.value} {{{fields}}} on {b.slot} ({where}), "
                     f"{upto.amount('static token')} up to it @{_where(b.span, cwd, locate)}"
                     + (f" [{', '.join(flags)}]" if flags else ""))
    lines.append(f"  cacheable prefix: {cacheable_prefix(prompt, ctx)}")
    if not prompt.complete:
        lines.append("  some parts could not be followed: rules say nothing about them")
    if findings:
        for d in findings:
            lines.append(f"  finding: {_where(d.span, cwd, locate)} {d.code} {d.message}")
    else:
        lines.append("  findings: none")
    for rep in repeats:
        here = locate if rep.at.path == prompt.call.span.path else None
        lines.append(f"  not reported here: {rep.finding.code} {rep.finding.message}: the call at "
                     f"{_where(rep.at, cwd, here)}, inside the wrapper, makes it the same without this "
                     "caller's values, so it is reported inside the wrapper, once for all its callers")
    return "\n".join(lines)


def show_prompt(path: str, line: int | None, settings: Settings, rules: Sequence[type[Rule]]) -> str:
    """The reconstruction of every recognised call in `path` (or the one covering `line`),
    with the findings of the enabled `rules` that `cachelint` reports for each."""
    cwd = os.getcwd()
    data = read_bytes(path)
    if not isinstance(data, bytes):
        return f"{path}: {data.error if data.error is not None else lint_message(data)}"
    # The file goes through what `cachelint` runs on it (a project with the run's wrapper
    # names, the same rules, deduplication and suppression), so what is shown is what is reported.
    project = project_factory(settings)()
    locate: Locator | None = None
    try:
        if is_notebook(path):
            # The code cells as the one module `cachelint` lints, shown by cell and line.
            notebook = read_notebook(data, path)
            text, locate = notebook.source, notebook.locate
        else:
            text = decode_source(data)
        tree = parse_in(project, path, text)
    except (SourceError, NotebookError) as exc:
        return f"{path}: {exc}"
    mod = project.add(project.linted_module(path, text, tree))
    repeats: list[Repeat] = []
    found = module_findings(mod, path, project, settings, rules, repeats=repeats)
    if line is not None:
        # a notebook's line is a line of the .ipynb file, as in the JSON and SARIF reports
        at = locate or plain_location
        found = [(p, ds) for p, ds in found if at(p.call.span).line <= line <= at(p.call.span).end_line]
    if not found:
        where = f"{path}:{line}" if line is not None else path
        return f"{where}: no recognised LLM call (OpenAI, Anthropic or Gemini SDK, or a wrapper of one)"
    ctx = RuleContext(settings, mod.path)
    blocks = [render_prompt(p, ctx, suppress(ds, text, settings), cwd, locate,
                            [r for r in repeats if r.prompt is p]) for p, ds in found]
    return "\n\n".join(blocks) + "\n"

"""An LLM call's rebuilt prompt as Markdown, for a hover: the `--show-prompt` table, in cells."""

from __future__ import annotations

from collections.abc import Sequence

from cachelint.diagnostics import Diagnostic
from cachelint.prompt import AssembledPrompt
from cachelint.rules.context import RuleContext
from cachelint.showprompt import cacheable_prefix, model_summary, preview, token_cell


def _cell(text: str) -> str:
    """Text as one Markdown table cell: no line break, no column separator."""
    return " ".join(text.split()).replace("\\", "\\\\").replace("|", "\\|")


def _code(text: str) -> str:
    """Text as inline code in a table cell: backticks in it get a longer fence around them."""
    one = _cell(text)
    if not one:
        return ""
    longest = 0
    current = 0
    for ch in one:
        current = current + 1 if ch == "`" else 0
        longest = max(longest, current)
    fence = "`" * (longest + 1)
    pad = " " if one.startswith("`") or one.endswith("`") else ""
    return f"{fence}{pad}{one}{pad}{fence}"


def render_hover(prompt: AssembledPrompt, ctx: RuleContext, findings: Sequence[Diagnostic]) -> str:
    """The prompt of one call: which segments it is built from, how stable each is, and how
    much of it the provider can cache (the table `cachelint --show-prompt` prints)."""
    call = prompt.call
    what = f"`{call.via}` → `{call.api}`" if call.via else f"`{call.api}`"
    lines = [f"**cachelint**: {call.provider.value} {what}, {_cell(model_summary(prompt, ctx))}", ""]
    if prompt.segments:
        lines += ["| # | slot | stability | tokens | expression |", "|--:|---|---|--:|---|"]
        for i, seg in enumerate(prompt.segments, start=1):
            slot = _cell(seg.slot) + (" \\*" if seg.in_preamble else "")
            lines.append(f"| {i} | {slot} | {seg.stability.value} | {_cell(token_cell(seg, prompt, ctx))} "
                         f"| {_code(preview(seg))} |")
        lines += ["", "\\* preamble: tools, schemas, instructions, system and developer messages"]
    else:
        lines.append("No prompt arguments found.")
    summary = cacheable_prefix(prompt, ctx)
    lines += ["", f"**Cacheable prefix**: {_cell(summary)}"]
    if not prompt.complete:
        lines += ["", "Some parts could not be followed: rules say nothing about them."]
    if findings:
        lines += ["", "**Findings**:"]
        lines += [f"- {d.code} ({d.name}) line {d.span.line}: {_cell(d.message)}" for d in findings]
    return "\n".join(lines) + "\n"

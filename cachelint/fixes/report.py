"""What the text output says about fixes: what --fix fixed, and what it could fix."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from cachelint.diagnostics import Applicability, Diagnostic
from cachelint.discovery import display_path
from cachelint.fixes.apply import applicable


def _findings(n: int) -> str:
    return f"{n:,} finding{'s' if n != 1 else ''}"


def fixed_summary(fixed: Sequence[Diagnostic], show: bool) -> str:
    """`Fixed 3 findings.` (nothing when none was), and with `show` each file's fixed findings
    per rule, as ruff's --show-fixes lists them."""
    if not fixed:
        return ""
    out = [f"Fixed {_findings(len(fixed))}:" if show else f"Fixed {_findings(len(fixed))}."]
    if show:
        by_path: dict[str, Counter[tuple[str, str]]] = {}
        for d in fixed:
            where = d.fix.target(d.span) if d.fix is not None else d.span.path
            by_path.setdefault(where, Counter())[(d.code, d.name)] += 1
        for path in sorted(by_path, key=display_path):
            out.append(f"- {display_path(path)}:")
            out.extend(f"    {n} × {code} ({name})" for (code, name), n in sorted(by_path[path].items()))
    return "\n".join(out) + "\n"


def fixable_hint(diagnostics: Sequence[Diagnostic], unsafe: bool,
                 writable: Callable[[Diagnostic], bool] = lambda d: True) -> str:
    """`2 fixable with `--fix` (1 more with `--unsafe-fixes`).`, or "" when no safe fix can be
    applied: a run whose only fixes are unsafe keeps its output as it was (those fixes change
    what the model reads, and are offered in each finding's JSON, SARIF and editor action).
    Counted are the fixes --fix would write: not those in standard input, nor those `writable`
    refuses (a notebook cell with IPython magics)."""
    fixable = [d for d in diagnostics if d.fix is not None and d.fix.target(d.span) != "-" and writable(d)]
    safe = sum(1 for d in fixable if applicable(d, unsafe))
    if not safe:
        return ""
    hidden = 0 if unsafe else sum(
        1 for d in fixable if d.fix is not None and d.fix.edits and d.fix.applicability == Applicability.UNSAFE)
    line = f"{safe:,} fixable with `--fix`"
    return line + (f" ({hidden:,} more with `--unsafe-fixes`)." if hidden else ".")

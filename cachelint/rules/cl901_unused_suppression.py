"""CL901 unused-suppression."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from cachelint.diagnostics import Applicability, Diagnostic, Severity, Span
from cachelint.directives import Directive
from cachelint.prompt import AssembledPrompt
from cachelint.rules._base import Invalid, Rule, Valid
from cachelint.rules.context import RuleContext
from cachelint.rules.examples import PRELUDE


class UnusedSuppression(Rule):
    """
    ## What it does
    Checks for suppression comments of cachelint that suppress nothing: a
    `# cachelint: ignore[...]` (or `# noqa: CLnnn`) on a line where none of the rules it
    names reports anything, and a bare `# cachelint: ignore` on a line with no finding.

    ## Why is this bad?
    A suppression outlives the code it was written for: once the prompt is fixed, the
    comment stays and would silence the next real problem on that line. Like ruff's
    RUF100, this rule finds them so they can be removed.

    Only what cachelint can judge is reported: a bare `# noqa` and other tools' codes
    (`# noqa: E501`) are theirs, a code that names no rule is warned about on stderr
    instead (`unknown rule code`), and a rule that is not enabled in the run is never
    called unused, since it might report something when it is.

    The rule is off by default (enable it with `extend-select = ["CL901"]`): whether a
    suppression is used depends on the analysis of other files too (a constant or a wrapper
    in another module), so a comment can turn unused when another file changes, which a
    pre-commit run on one file would then report in a file nobody touched. Run it from
    time to time, or in CI over the whole project.

    ## Fix safety
    Safe: removing a comment changes nothing the code does (cachelint does not edit files
    yet; the fix is shown as advice).

    ## References
    - ruff's `unused-noqa` (RUF100), the same check for noqa comments:
      https://docs.astral.sh/ruff/rules/unused-noqa/
    """

    code = "CL901"
    name = "unused-suppression"
    severity = Severity.WARNING
    default = False
    summary = "A suppression comment that suppresses nothing"
    fix_title = "Remove the unused suppression"

    VALID = [
        # The suppression silences the finding on its line.
        Valid(PRELUDE + '''
import uuid

def reply(text):
    return client.responses.create(
        model="gpt-4.1",
        instructions=f"Request {uuid.uuid4()}. " + "Answer politely. " * 300,  # cachelint: ignore[CL102]
        input=text,
    )
''', docs=True),
        # Other tools' codes and a bare noqa are theirs to judge.
        Valid(PRELUDE + '''
import os  # noqa: F401
x = 1  # noqa
y = 2  # noqa: E501
'''),
        # A code that names no rule is warned about, not reported here.
        Valid(PRELUDE + '''
x = 1  # cachelint: ignore[CL999]
'''),
        # Naming this rule silences it.
        Valid(PRELUDE + '''
x = 1  # cachelint: ignore[CL101, CL901]
'''),
    ]
    INVALID = [
        Invalid(PRELUDE + '''
def reply(text):
    return client.responses.create(
        model="gpt-4.1",
        instructions="Answer politely. " * 300,  # cachelint: ignore[CL102]  # expect: CL901
        input=text,
    )
''', message="suppresses nothing", docs=True),
        # A bare directive with nothing to silence.
        Invalid(PRELUDE + '''
x = 1  # cachelint: ignore  # expect: CL901
'''),
        # One name of two is unused; by name and by noqa code alike.
        Invalid(PRELUDE + '''
import uuid

def reply(text):
    return client.responses.create(
        model="gpt-4.1",
        instructions=f"Request {uuid.uuid4()}. " + "Answer politely. " * 300,  # noqa: CL102, CL103  # expect: CL901
        input=text,
    )

y = 2  # cachelint: ignore[dynamic-before-static]  # expect: CL901
''', message="`CL103`"),
        # A file with no LLM call at all.
        Invalid('''
def add(a, b):
    return a + b  # cachelint: ignore[CL101]  # expect: CL901
'''),
    ]

    def check(self, prompt: AssembledPrompt, ctx: RuleContext) -> Iterator[Diagnostic]:
        # Judged per module once every rule has run (see report), not per prompt.
        return iter(())

    def report(self, unused: Sequence[tuple[Directive, tuple[str, ...] | None]],
               ctx: RuleContext) -> list[Diagnostic]:
        """Findings for the unused suppressions of the linted module: (directive, None) for
        a bare one, else (directive, its selectors that silence nothing), as
        cachelint.suppress.unused_selectors finds them."""
        out = []
        for directive, selectors in unused:
            if selectors is not None:
                selectors = tuple(s for s in selectors if s.upper() != self.code and s != self.name)
                if not selectors:
                    continue  # `ignore[CL901]` is judged by whether it silenced this rule
            span = Span(ctx.path, directive.line, directive.column, directive.line, directive.end_column)
            if selectors is None or selectors == directive.selectors:
                message = f"`{directive.text}` suppresses nothing on this line"
            else:
                names = ", ".join(f"`{s}`" for s in selectors)
                message = f"{names} in `{directive.text}` suppresses nothing on this line"
            out.append(ctx.diagnostic(self, span, message, self.fix_title, Applicability.SAFE,
                                      identity=f"{directive.text}|{','.join(selectors or ())}"))
        return out

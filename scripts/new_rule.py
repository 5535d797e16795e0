#!/usr/bin/env python3
"""Create a new rule module: its docstring sections, a placeholder check, one VALID and one
INVALID case (both shown in the docs), all runnable at once.

    python scripts/new_rule.py CL107 value-in-prefix            # writes cachelint/rules/cl107_value_in_prefix.py
    python scripts/new_rule.py CL107 value-in-prefix --dir DIR  # writes DIR/cl107_value_in_prefix.py

The registry finds the module by its name: nothing else to edit. The placeholder check reports
a per-turn value in the preamble, which its INVALID case has; replace the check, the prose
and the cases, then run its tests (`pytest tests/rules/test_rule_examples.py -k CL107`) and
`python scripts/render_rule_docs.py`.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RULES_DIR = REPO / "cachelint" / "rules"

_CODE = re.compile(r"CL\d{3}")
_NAME = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")

TEMPLATE = '''"""{code} {name}."""

from __future__ import annotations

from collections.abc import Iterator

from cachelint.diagnostics import Applicability, Diagnostic, Severity
from cachelint.prompt import AssembledPrompt, Stability
from cachelint.rules._base import Invalid, Rule, Valid
from cachelint.rules.context import RuleContext
from cachelint.rules.examples import PRELUDE


class {cls}(Rule):
    """
    ## What it does
    TODO: what the rule looks for, in one or two sentences.

    ## Why is this bad?
    TODO: what it costs in cached tokens, and when it is reported.

    ## Fix safety
    Display-only: cachelint does not rewrite prompts.

    ## References
    - TODO: the provider's documentation this rule rests on
    """

    code = "{code}"
    name = "{name}"
    severity = Severity.WARNING
    default = False  # a preview rule until its cases cover what it must and must not report
    summary = "TODO: one line for `cachelint rule --all`, SARIF and the README"
    fix_title = "TODO: what to do about {{source}}"

    VALID = [
        # static instructions, the per-turn value in the user's input
        Valid(PRELUDE + \'\'\'
def answer(user_name, question):
    return client.responses.create(model="gpt-4.1", instructions="Answer politely.",
                                   input=f"I am {{user_name}}. {{question}}")
\'\'\', docs=True),
    ]
    INVALID = [
        Invalid(PRELUDE + \'\'\'
def answer(user_name, question):
    return client.responses.create(model="gpt-4.1",
        instructions=f"The user is {{user_name}}. Answer politely.",  # expect: {code}
        input=question)
\'\'\', docs=True),
    ]

    def check(self, prompt: AssembledPrompt, ctx: RuleContext) -> Iterator[Diagnostic]:
        for seg in prompt.segments:
            if seg.in_preamble and seg.stability == Stability.TURN and not seg.passthrough:
                yield ctx.diagnostic(
                    self,
                    ctx.primary_span(seg, prompt),
                    f"`{{seg.source}}` is a per-turn value in the preamble",
                    self.fix_title.format(source=f"`{{seg.source}}`"),
                    Applicability.DISPLAY_ONLY,
                    identity=f"{{seg.source}}|{{seg.slot}}",
                )
'''


def module_name(code: str, name: str) -> str:
    """`cl107_value_in_prefix`: what the registry reads a rule's code and name from."""
    return f"{code.lower()}_{name.replace('-', '_')}"


def class_name(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-"))


def render(code: str, name: str) -> str:
    return TEMPLATE.format(code=code, name=name, cls=class_name(name))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("code", help="the rule's code, CL followed by three digits (CL107)")
    parser.add_argument("name", help="the rule's name in kebab-case (value-in-prefix)")
    parser.add_argument("--dir", type=Path, default=RULES_DIR,
                        help="where to write the module (default: cachelint/rules)")
    args = parser.parse_args(argv)
    code: str = args.code.upper()
    name: str = args.name
    folder: Path = args.dir
    if not _CODE.fullmatch(code):
        print(f"error: {args.code!r} is not a rule code like CL107", file=sys.stderr)
        return 2
    if not _NAME.fullmatch(name):
        print(f"error: {name!r} is not a kebab-case name like value-in-prefix", file=sys.stderr)
        return 2
    if not folder.is_dir():
        print(f"error: {folder} is not a folder", file=sys.stderr)
        return 2
    # The registry refuses two modules with one code; a name is looked up like a code.
    same_name = f"cl[0-9][0-9][0-9]_{name.replace('-', '_')}.py"
    taken = sorted({*folder.glob(f"{code.lower()}_*.py"), *folder.glob(same_name)})
    if taken:
        print(f"error: {taken[0]} already defines {code} or {name}", file=sys.stderr)
        return 2
    target = folder / f"{module_name(code, name)}.py"
    target.write_text(render(code, name), encoding="utf-8", newline="\n")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

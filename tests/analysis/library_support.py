"""Small synthetic projects for the library model tests: one module whose `ask()` sends a
system prompt built by the code under test, analysed through the project (never run)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from cachelint.analysis.project import Project
from cachelint.prompt import AssembledPrompt, Segment, Stability
from cachelint.run.check import assemble_module

TEMPLATE = '''\
from anthropic import Anthropic
{setup}

client = Anthropic()


def ask(q):
{body}
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=10, system=system,
                                  messages=[{{"role": "user", "content": q}}])
'''


def prompts(root: Path, code: str, files: dict[str, str] | None = None, name: str = "app.py") -> list[AssembledPrompt]:
    """The prompts of every SDK call in `code`, written as `name` in the project at `root`."""
    for rel, text in {**(files or {}), name: code}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    project = Project(str(root))
    mod = project.load(str(root / name))
    assert mod is not None
    return assemble_module(mod, project)


def system(root: Path, body: str, setup: str = "", files: dict[str, str] | None = None) -> list[Segment]:
    """The segments of the system prompt `body` assigns to `system` inside `ask(q)`."""
    code = TEMPLATE.format(setup=textwrap.dedent(setup), body=textwrap.indent(textwrap.dedent(body), "    "))
    (prompt,) = prompts(root, code, files)
    return [s for s in prompt.segments if s.slot == "system"]


def stabilities(segments: list[Segment]) -> list[Stability]:
    return [s.stability for s in segments]


def static_text(segments: list[Segment]) -> str | None:
    """The whole text when every segment is static, else None."""
    if any(s.stability != Stability.STATIC or s.text is None for s in segments):
        return None
    return "".join(s.text or "" for s in segments)

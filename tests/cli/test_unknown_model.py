"""A call whose model the code does not name: the size rules (CL201) say nothing unless the
user configures `default-model`. Found on khoj's operator agent, where the model is
"computer-use-preview" in one branch and a database field in the other, and CL201 claimed
gpt-4.1's minimum and price for it (three false findings)."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

RunCli = Callable[..., Any]

# The khoj construct, reduced: an agent base class, a subclass whose `_call_model` picks the
# model by branch (a literal in one, an attribute read at run time in the other) and sends
# ~280 tokens of static instructions built by branch.
AGENT = '''\
from openai import AsyncOpenAI

class Agent:
    def __init__(self, model, query):
        self.model = model
        self.query = query
        self.messages = []

class OpenAIAgent(Agent):
    async def act(self, kind):
        system_prompt = self.get_instructions(kind)
        tools = [{"type": "computer_use_preview", "display_width": 1024}] if kind == "computer" else []
        return await self._call_model(self.model, system_prompt, tools)

    async def _call_model(self, model, system_prompt, tools):
        client = AsyncOpenAI()
        if tools:
            model_name = MODEL_IN_BRANCH
        else:
            model_name = model.name
        return await client.responses.create(
            model=model_name,
            input=[{"role": "user", "content": self.query}],
            instructions=system_prompt,
        )

    def get_instructions(self, kind):
        if kind == "browser":
            return "You operate a web browser for the user. Be careful and precise. " * 24
        return "You operate a Linux computer for the user. Be careful and precise. " * 24
'''


def _write(root: Path, model_in_branch: str, config: str = "") -> None:
    (root / "pyproject.toml").write_text("[project]\nname = 'agent'\n" + config, encoding="utf-8")
    (root / "agent.py").write_text(textwrap.dedent(AGENT).replace("MODEL_IN_BRANCH", model_in_branch),
                                   encoding="utf-8")


def _cl201(run: RunCli) -> list[tuple[int, str]]:
    result = run("--format", "json", "--no-cache", "-j", "1", "--exit-zero", "--select", "CL201", ".")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    return [(d["line"], d["message"]) for d in json.loads(result.stdout) if d["code"] == "CL201"]


def test_a_model_known_in_one_branch_only_gets_no_size_finding(project: Path, run: RunCli) -> None:
    _write(project, '"computer-use-preview"')
    assert _cl201(run) == []
    shown = run("--no-cache", "--show-prompt", "agent.py:13", ".")
    assert "assumed: the call names no model and no default-model is set; size rules off" in shown.stdout
    assert "findings: none" in shown.stdout


def test_the_same_construct_with_a_model_in_both_branches_is_reported(project: Path, run: RunCli) -> None:
    """The negative twin: when both branches name gpt-4.1 the model is known, and ~290 static
    tokens on gpt-4.1 (pays from 256) are reported at the caller."""
    _write(project, '"gpt-4.1"')
    text = (project / "agent.py").read_text(encoding="utf-8").replace("model.name", '"gpt-4.1"')
    (project / "agent.py").write_text(text, encoding="utf-8")
    found = _cl201(run)
    assert len(found) == 1, found
    assert "below the 1,024-token minimum for `gpt-4.1`;" in found[0][1]


def test_a_configured_default_model_is_used_and_said(project: Path, run: RunCli) -> None:
    """The user who sets `default-model` says which model such a call runs on: CL201 speaks,
    and its message names the configured default."""
    _write(project, '"computer-use-preview"', "[tool.cachelint]\ndefault-model = 'gpt-4.1'\n")
    found = _cl201(run)
    assert len(found) == 1, found
    assert "`gpt-4.1` (the configured default-model: `model=` is not a literal)" in found[0][1]

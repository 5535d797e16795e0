"""Snapshot tests for `--show-prompt`: what users read to trust (or question) a finding.

Run with CACHELINT_UPDATE_SNAPSHOTS=1 to rewrite the snapshots, then review the diff.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from cachelint.cli import cli as cli_main

SNAPSHOTS = Path(__file__).parent / "snapshots"
RULES = 'RULES = "Always cite the relevant section of the support policy and never guess an answer. " * 90\n'

PROJECT = {
    "pyproject.toml": "[project]\nname = 'demo'\n[tool.cachelint]\ndefault-model = 'gpt-4.1'\n",
    "app/__init__.py": "",
    "app/prompts.py": RULES + "def system_for(user):\n    return f'Customer: {user.name}\\n' + RULES\n",
    "app/llm.py": "from openai import OpenAI\n\n\nclass LLM:\n    def __init__(self):\n"
    "        self.client = OpenAI()\n\n    def chat(self, system, question):\n"
    "        return self.client.chat.completions.create(\n            model='gpt-4o',\n"
    "            messages=[{'role': 'system', 'content': system}, {'role': 'user', 'content': question}],\n"
    "        )\n",
    "app/service.py": "from datetime import datetime\n\nfrom app.llm import LLM\n"
    "from app.prompts import RULES, system_for\n\n"
    "llm = LLM()\n\n\ndef ask(user, question):\n    return llm.chat(system_for(user), question)\n\n\n"
    "def stamped(question):\n    return llm.chat(f'Time: {datetime.now():%H:%M}\\n' + RULES, question)\n\n\n"
    "def loaded(question):\n    return llm.chat(load_policy() + RULES, question)\n",
}


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, text in PROJECT.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def _check(name: str, output: str) -> None:
    snap = SNAPSHOTS / f"{name}.txt"
    if os.environ.get("CACHELINT_UPDATE_SNAPSHOTS") or not snap.exists():
        snap.write_text(output)
    assert output == snap.read_text()


@pytest.mark.parametrize(
    ("name", "target"),
    [
        ("show_prompt_helper_across_modules", "app/service.py:10"),
        ("show_prompt_volatile_through_wrapper", "app/service.py:14"),
        ("show_prompt_unknown_part", "app/service.py:18"),
        ("show_prompt_wrapper_itself", "app/llm.py"),
    ],
)
def test_show_prompt_snapshot(project: Path, name: str, target: str) -> None:
    result = CliRunner().invoke(cli_main, ["--show-prompt", target])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    _check(name, result.stdout)


def test_show_prompt_line_without_call(project: Path) -> None:
    result = CliRunner().invoke(cli_main, ["--show-prompt", "app/prompts.py:1"])
    assert result.exit_code == 0
    assert "no recognised LLM call" in result.stdout


def test_one_of_several_texts_shows_the_fewest_and_most_tokens(project: Path) -> None:
    """The longest text is not the one with most tokens: "Japanese" is 1 token, "Korean" 2."""
    (project / "app" / "lang.py").write_text(
        "from openai import OpenAI\n\nfrom app.prompts import RULES\n\nclient = OpenAI()\n"
        "NAMES = {'ja': 'Japanese', 'ko': 'Korean'}\n\n\n"
        "def ask(lang, question):\n"
        "    return client.responses.create(model='gpt-4.1', instructions=NAMES[lang] + RULES, input=question)\n")
    result = CliRunner().invoke(cli_main, ["--show-prompt", "app/lang.py"])
    assert result.exit_code == 0, result.output
    assert re.search(r"static +1-2 +one of 2 texts: NAMES\[lang\]", result.output), result.output

"""Snapshot tests for `--show-prompt`: what users read to trust (or question) a finding.

Run with CACHELINT_UPDATE_SNAPSHOTS=1 to rewrite the snapshots, then review the diff.
"""

from __future__ import annotations

import json
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


# ---- --show-prompt and `cachelint` report the same findings

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
_FINDING = re.compile(r"^  finding: (\S+):(\d+):(\d+) (CL\d{3}) (.*)$")
_NO_CALL = "no recognised LLM call"


def test_show_prompt_agrees_with_the_linter_on_every_call_of_the_examples(monkeypatch: pytest.MonkeyPatch) -> None:
    """For every module of examples/, the findings --show-prompt lists under the file's calls
    are exactly those `cachelint` reports in that file (none missing, none extra, none twice)."""
    monkeypatch.chdir(EXAMPLES)
    monkeypatch.setenv("NO_COLOR", "1")
    runner = CliRunner()
    linted = runner.invoke(cli_main, ["--no-cache", "--format", "json", "."])
    assert linted.exit_code in (0, 1), linted.output
    reported: dict[str, list[tuple[int, int, str, str]]] = {}
    for d in json.loads(linted.stdout):
        reported.setdefault(d["path"], []).append((d["line"], d["column"], d["code"], d["message"]))
    modules = sorted(p.relative_to(EXAMPLES).as_posix() for p in EXAMPLES.rglob("*.py"))
    with_calls = 0
    for module in modules:
        shown = runner.invoke(cli_main, ["--no-cache", "--show-prompt", module])
        assert shown.exit_code == 0, shown.output
        if _NO_CALL in shown.stdout:
            assert module not in reported
            continue
        with_calls += 1
        found = []
        for line in shown.stdout.splitlines():
            m = _FINDING.match(line)
            if m is not None:
                assert m.group(1) == module  # a call's findings are in its own file
                found.append((int(m.group(2)), int(m.group(3)), m.group(4), m.group(5)))
        assert sorted(found) == sorted(reported.get(module, [])), module
    assert with_calls >= 5 and sum(map(len, reported.values())) >= 10  # the examples exercise this

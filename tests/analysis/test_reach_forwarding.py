"""Reach (issue 18, measured on deepeval and smolagents): arguments handed on through a project
function's `*args, **kwargs`, and an SDK method handed to the project's own retry helper.

Each case is a small project linted with the CLI: the findings must be exactly the lines marked
`# expect: CODE`. Every case has a twin that looks the same and must stay silent."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run, write_tree
from expect_cases import expected, lint

HEAD = (
    "from openai import OpenAI\n"
    'RULES = "Always cite the relevant section of the support policy and never guess an answer. " * 90\n'
)
FORWARD = HEAD + (
    "class Model:\n"
    "    def __init__(self):\n"
    "        self.client = OpenAI()\n"
    "    def generate(self, prompt, schema=None):\n"
    "        return self.client.chat.completions.create(\n"
    "            model='gpt-4.1', messages=[{{'role': 'user', 'content': prompt}}])\n"
    "    def generate_with_schema(self, *args, schema=None, **kwargs):\n"
    "        return self.generate({forward}, schema=schema, **kwargs)\n"
    "def judge(user, q):\n"
    "    prompt = {prompt}\n"
    "    return Model().generate_with_schema(prompt, schema=dict)\n"
)
VOLATILE_FIRST = "f'User {user}. ' + RULES + q  # expect: CL101"
STABLE_FIRST = "RULES + f'User {user}. ' + q"

CASES: dict[str, dict[str, str]] = {
    "*args handed on to a project method": {
        "app/__init__.py": "", "app/m.py": FORWARD.format(forward="*args", prompt=VOLATILE_FIRST)},
    "*args handed on, the prompt's stable part first (silent)": {
        "app/__init__.py": "", "app/m.py": FORWARD.format(forward="*args", prompt=STABLE_FIRST)},
    "*args sliced before it is handed on: not followed (silent)": {
        "app/__init__.py": "",
        "app/m.py": FORWARD.format(forward="*args[1:]", prompt=VOLATILE_FIRST.split("  #")[0])},
}

RETRY = (
    "import time\n"
    "class Retrying:\n"
    "    def __init__(self, attempts=3):\n"
    "        self.attempts = attempts\n"
    "    def __call__(self, fn, *args, **kwargs):\n"
    "        for _ in range(self.attempts):\n"
    "            try:\n"
    "                {body}\n"
    "            except Exception:\n"
    "                time.sleep(1)\n"
    "        raise RuntimeError('gave up')\n"
    "def with_retry(fn, *args, **kwargs):\n"
    "    {body}\n"
)
RETRIED = HEAD + (
    "from app.retry import Retrying, with_retry\n"
    "class Model:\n"
    "    def __init__(self):\n"
    "        self.client = OpenAI()\n"
    "        self.retryer = Retrying()\n"
    "    def generate(self, user, q):\n"
    "        system = f'User {user}. ' + RULES  {mark}\n"
    "        kwargs = dict(model='gpt-4.1', messages=[{'role': 'system', 'content': system}])\n"
    "        return self.retryer(\n"
    "            self.client.chat.completions.create, **kwargs)\n"
    "    def generate2(self, user, q):\n"
    "        system = f'User {user}. ' + RULES  {mark}\n"
    "        return with_retry(self.client.chat.completions.create, model='gpt-4.1',\n"
    "                          messages=[{'role': 'system', 'content': system}])\n"
)
CASES.update({
    "an SDK method handed to the project's retry object and function": {
        "app/__init__.py": "", "app/retry.py": RETRY.format(body="return fn(*args, **kwargs)"),
        "app/m.py": RETRIED.replace("{mark}", "# expect: CL101")},
    "an SDK method handed to a project helper that only logs it (silent)": {
        "app/__init__.py": "", "app/retry.py": RETRY.format(body="return print(fn, args, kwargs)"),
        "app/m.py": RETRIED.replace("{mark}", "")},
})


@pytest.mark.parametrize("name", sorted(CASES))
def test_forwarding_case(project: Path, run: Callable[..., Run], name: str) -> None:
    found, _ = lint(project, run, CASES[name])
    assert found == expected(CASES[name])


def test_show_prompt_rebuilds_the_forwarded_prompt(project: Path, run: Callable[..., Run]) -> None:
    write_tree(project, CASES["*args handed on to a project method"])
    shown = run("--show-prompt", "app/m.py:13")
    assert shown.exit_code == 0, shown.stderr
    assert "Always cite the relevant section" in shown.stdout
    assert "generate_with_schema" in shown.stdout


def test_show_prompt_rebuilds_a_retried_sdk_call(project: Path, run: Callable[..., Run]) -> None:
    write_tree(project, CASES["an SDK method handed to the project's retry object and function"])
    shown = run("--show-prompt", "app/m.py:12")  # the line that names the SDK method
    assert shown.exit_code == 0, shown.stderr
    assert "chat.completions.create" in shown.stdout
    assert "Always cite the relevant section" in shown.stdout

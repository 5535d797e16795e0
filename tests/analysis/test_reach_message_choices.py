"""Message lists chosen between by branches (issue 18, qodo-cover's `call_model`: `[user]` when
the system prompt is empty, the system text folded into the user turn for o1 models, else
`[system, user]`; OpenManus's `system_msgs + rest if system_msgs else rest`): when every
branch gives a list, the request is one of them, each rebuilt and checked as if it were the
one sent (as a call that may reach several classes' methods is); more than a few, or a branch
whose value is not a list, and the list stays chosen at run time.

Each case is a small project linted with the CLI: the findings must be exactly the lines marked
`# expect: CODE`. Every case has a twin that looks the same and must stay silent."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run, write_tree
from expect_cases import expected, lint

RULES = 'RULES = "Always cite the relevant section of the support policy and never guess an answer. " * 90\n'

CALLER = "from openai import OpenAI\n" + RULES + (
    "class Caller:\n"
    "    def __init__(self, model):\n"
    "        self.model = model\n"
    "    def call_model(self, prompt):\n"
    "        if prompt['system'] == '':\n"
    "            messages = [{{'role': 'user', 'content': prompt['user']}}]\n"
    "        elif self.model in ('o1-preview', 'o1-mini'):\n"
    "            messages = [{{'role': 'user', 'content': prompt['system'] + '\\n' + prompt['user']}}]\n"
    "        else:\n"
    "            messages = [{{'role': 'system', 'content': prompt['system']}},\n"
    "                        {{'role': 'user', 'content': prompt['user']}}]\n"
    "{more}"
    "        return OpenAI().chat.completions.create(model=self.model, messages=messages)\n"
    "def ask(caller: Caller, user, q):\n"
    "    return caller.call_model({{'system': f'User {{user}}. ' + RULES, 'user': q}})  {mark}\n"
)
# Two more lists: five to choose between, more than are rebuilt one by one.
MORE = ("        if self.model == 'a':\n"
        "            messages = [{'role': 'developer', 'content': prompt['system']}]\n"
        "        elif self.model == 'b':\n"
        "            messages = [{'role': 'assistant', 'content': prompt['system']}]\n")
# A branch whose value is not a list known to the analysis: the choice is not known.
UNKNOWN = ("        if self.model == 'a':\n"
           "            messages = prompt['history']\n")

# OpenManus's shape: the system messages are put ahead of the rest when there are any.
PREPENDED = "from openai import OpenAI\n" + RULES + (
    "def send(messages, system_msgs=None):\n"
    "    if system_msgs:\n"
    "        messages = system_msgs + messages\n"
    "    return OpenAI().chat.completions.create(model='gpt-4.1', messages=messages)\n"
    "def ask(user, q):\n"
    "    return send([{'role': 'user', 'content': q}],\n"
    "                system_msgs=[{'role': 'system', 'content': f'User {user}. ' + RULES}])  {mark}\n"
    "def plain(q):\n"
    "    return send([{'role': 'user', 'content': q}])\n"
)

CASES: dict[str, dict[str, str]] = {
    "three message lists chosen by branches: each is checked": {
        "app/__init__.py": "", "app/m.py": CALLER.format(more="", mark="# expect: CL101")},
    "five message lists: more than are rebuilt one by one (silent)": {
        "app/__init__.py": "", "app/m.py": CALLER.format(more=MORE, mark="")},
    "a branch whose message list is not known (silent)": {
        "app/__init__.py": "", "app/m.py": CALLER.format(more=UNKNOWN, mark="")},
    "system messages put ahead of the rest in one branch": {
        "app/__init__.py": "", "app/m.py": PREPENDED.replace("{mark}", "# expect: CL101")},
    "the same without a user name ahead of the rules (silent)": {
        "app/__init__.py": "", "app/m.py": PREPENDED.replace("f'User {user}. ' + RULES", "RULES + f'User {user}.'")
        .replace("{mark}", "")},
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_message_choice_case(project: Path, run: Callable[..., Run], name: str) -> None:
    found, _ = lint(project, run, CASES[name])
    assert found == expected(CASES[name])


def test_show_prompt_says_which_list_each_request_is(project: Path, run: Callable[..., Run]) -> None:
    write_tree(project, CASES["three message lists chosen by branches: each is checked"])
    shown = run("--show-prompt", "app/m.py:16")
    assert shown.exit_code == 0, shown.stderr
    for i in (1, 2, 3):
        assert f"message list {i} of 3 the code chooses between" in shown.stdout
    assert "messages[0].content (system)" in shown.stdout
    assert "chosen at run time" not in shown.stdout

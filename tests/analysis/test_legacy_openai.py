"""The pre-1.0 OpenAI SDK: `openai.ChatCompletion.create(...)` / `.acreate(...)` on the module
send the same chat request as `client.chat.completions.create`, so the same prompt caching
applies and the same rules run. A `ChatCompletion` of anything else says nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run
from expect_cases import expected, lint

RULES = 'RULES = "Always cite the relevant section of the support policy and never guess an answer. " * 90\n'

CASES: dict[str, dict[str, str]] = {
    "legacy module call: a user name ahead of the rules": {
        "app.py": RULES + (
            "import openai\n"
            "def ask(user, q):\n"
            "    return openai.ChatCompletion.create(model='gpt-4o', messages=[\n"
            "        {'role': 'system', 'content': f'User {user}. ' + RULES},  # expect: CL101\n"
            "        {'role': 'user', 'content': q}])\n"
        ),
    },
    "legacy async call, reached through a wrapper": {
        "app.py": RULES + (
            "import openai\n"
            "async def send(messages):\n"
            "    return await openai.ChatCompletion.acreate(model='gpt-4o', messages=messages)\n"
            "async def ask(user, q):\n"
            "    system = f'User {user}. ' + RULES  # expect: CL101\n"
            "    return await send([{'role': 'system', 'content': system}, {'role': 'user', 'content': q}])\n"
        ),
    },
    "twin: the rules first, the user's name after them": {
        "app.py": RULES + (
            "import openai\n"
            "def ask(user, q):\n"
            "    return openai.ChatCompletion.create(model='gpt-4o', messages=[\n"
            "        {'role': 'system', 'content': RULES},\n"
            "        {'role': 'user', 'content': f'I am {user}. ' + q}])\n"
        ),
    },
    "twin: a project class named ChatCompletion is not the SDK": {
        "app.py": RULES + (
            "class ChatCompletion:\n"
            "    @staticmethod\n"
            "    def create(**kw):\n"
            "        return kw\n"
            "def ask(user, q):\n"
            "    return ChatCompletion.create(model='gpt-4o', messages=[\n"
            "        {'role': 'system', 'content': f'User {user}. ' + RULES},\n"
            "        {'role': 'user', 'content': q}])\n"
        ),
    },
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_legacy_openai_case(project: Path, run: Callable[..., Run], name: str) -> None:
    files = CASES[name]
    found, _ = lint(project, run, files)
    assert found == expected(files)

"""Reach (issue 18, measured on browser-use): `@overload` stubs before a method's or function's
real definition, and receivers annotated with a string naming the class.

Each case is a small project linted with the CLI: the findings must be exactly the lines marked
`# expect: CODE`. Every case has a twin that looks the same and must stay silent."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run, write_tree
from expect_cases import expected, lint

RULES = 'RULES = "Always cite the relevant section of the support policy and never guess an answer. " * 90\n'
BASE = (
    "from abc import ABC, abstractmethod\n"
    "class Backend(ABC):\n"
    "    @abstractmethod\n"
    "    async def send(self, messages):\n"
    "        ...\n"
)


def overloaded(body: str) -> str:
    """A subclass whose `send` is declared twice with `@overload` before the real definition."""
    return (
        "from typing import overload\n"
        "from openai import AsyncOpenAI\n"
        "from app.base import Backend\n"
        "class OpenAIBackend(Backend):\n"
        "    def __init__(self):\n"
        "        self.client = AsyncOpenAI()\n"
        "    @overload\n"
        "    async def send(self, messages: list, fmt: None = None) -> str: ...\n"
        "    @overload\n"
        "    async def send(self, messages: list, fmt: type) -> object: ...\n"
        "    async def send(self, messages, fmt=None):\n"
        f"        {body}\n"
    )


SDK_SYNC = "return client.chat.completions.create(model='gpt-4.1', messages=messages)"
SDK_BODY = "return await self.client.chat.completions.create(model='gpt-4.1', messages=messages)"
USE = (
    "from app.prompts import RULES\n"
    "from app.base import Backend\n"
    "async def ask(llm: {ann}, user, q):\n"
    "    system = f'User {{user}}. ' + RULES  # expect: CL101\n"
    "    return await llm.send([{{'role': 'system', 'content': system}}, {{'role': 'user', 'content': q}}])\n"
)
FUNCTION = (
    "from typing import overload\n"
    "from openai import OpenAI\n"
    "from app.prompts import RULES\n"
    "client = OpenAI()\n"
    "class Chat:\n"
    "    @overload\n"
    "    def complete(self, messages: list) -> str: ...\n"
    "    @overload\n"
    "    def complete(self, messages: str) -> str: ...\n"
    "    def complete(self, messages):\n"
    "        {body}\n"
    "def go(user, q):\n"
    "    system = f'User {{user}}. ' + RULES  # expect: CL101\n"
    "    return Chat().complete([{{'role': 'system', 'content': system}}, {{'role': 'user', 'content': q}}])\n"
)


def _silent(text: str) -> str:
    return re.sub(r"\s*# expect:.*", "", text)


COMMON = {"app/__init__.py": "", "app/prompts.py": RULES, "app/base.py": BASE}
CASES: dict[str, dict[str, str]] = {
    "overload stubs before the implementation a base-class receiver dispatches to": {
        **COMMON, "app/oa.py": overloaded(SDK_BODY), "app/use.py": USE.format(ann="Backend")},
    "overload stubs before an implementation that is no SDK call (silent)": {
        **COMMON, "app/oa.py": overloaded("print(messages)"), "app/use.py": _silent(USE.format(ann="Backend"))},
    "a receiver annotated with the class's name in a string": {
        **COMMON, "app/oa.py": overloaded(SDK_BODY), "app/use.py": USE.format(ann='"Backend"')},
    "a string annotation naming a class with no SDK implementation (silent)": {
        **COMMON, "app/oa.py": overloaded("print(messages)"), "app/use.py": _silent(USE.format(ann='"Backend"'))},
    "a method called on an instance, overloaded": {
        **{k: v for k, v in COMMON.items() if k != "app/base.py"},
        "app/chat.py": FUNCTION.format(body=SDK_SYNC)},
    "a method called on an instance, overloaded, that is no SDK call (silent)": {
        "app/__init__.py": "", "app/prompts.py": RULES,
        "app/chat.py": _silent(FUNCTION.format(body="return print(messages)"))},
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_overload_case(project: Path, run: Callable[..., Run], name: str) -> None:
    found, _ = lint(project, run, CASES[name])
    assert found == expected(CASES[name])


def test_show_prompt_follows_the_real_definition(project: Path, run: Callable[..., Run]) -> None:
    write_tree(project, CASES["a receiver annotated with the class's name in a string"])
    shown = run("--show-prompt", "app/use.py:5")
    assert shown.exit_code == 0, shown.stderr
    assert "llm.send() -> Backend.send() -> OpenAIBackend.send() -> chat.completions.create" in shown.stdout

"""Reach (issue 18, measured on aider): a project object whose class's `__getattr__` hands every
name on to one object, a module imported when first used (aider's `LazyLiteLLM`, which defers
`import litellm`) or a client it wraps; the object's attributes are that object's.

Each case is a small project linted with the CLI: the findings must be exactly the lines marked
`# expect: CODE`. Every case has a twin that looks the same and must stay silent."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run, write_tree
from expect_cases import expected, lint

RULES = 'RULES = "Always cite the relevant section of the support policy and never guess an answer. " * 90\n'

LAZY = (
    "import importlib\n"
    "class LazyModule:\n"
    "    _lazy_module = None\n"
    "    def __getattr__(self, name):\n"
    "        if name == '_lazy_module':\n"
    "            return super()\n"
    "        self._load()\n"
    "        return getattr(self._lazy_module, name)\n"
    "    def _load(self):\n"
    "        if self._lazy_module is not None:\n"
    "            return\n"
    "        self._lazy_module = importlib.import_module({module!r})\n"
    "        self._lazy_module.drop_params = True\n"
    "litellm = LazyModule()\n"
)
SEND = (
    "from app.llm import litellm\n" + RULES
    + "def send(user, q):\n"
    "    kwargs = dict(model='gpt-4.1', messages=[{{'role': 'system', 'content': {system}}},  {mark}\n"
    "                                             {{'role': 'user', 'content': q}}])\n"
    "    return litellm.completion(**kwargs)\n"
)

PROXY = (
    "from openai import OpenAI\n"
    "class Client:\n"
    "    def __init__(self):\n"
    "        self._client = OpenAI()\n"
    "    def __getattr__(self, name):\n"
    "        {body}\n"
)
ASK = (  # in the proxy's module: a module that names no SDK is not read (cachelint.run.prefilter)
    RULES + "client = Client()\n"
    "def ask(user):\n"
    "    return client.chat.completions.create(\n"
    "        model='gpt-4.1', messages=[{'role': 'system', 'content': f'User {user}. ' + RULES}])  {mark}\n"
)

CASES: dict[str, dict[str, str]] = {
    "litellm imported when first used, through __getattr__": {
        "app/__init__.py": "", "app/llm.py": LAZY.format(module="litellm"),
        "app/m.py": SEND.format(system="f'User {user}. ' + RULES", mark="# expect: CL101")},
    "litellm imported when first used, the prompt's stable part first (silent)": {
        "app/__init__.py": "", "app/llm.py": LAZY.format(module="litellm"),
        "app/m.py": SEND.format(system="RULES + f'User {user}.'", mark="")},
    "another module imported when first used (silent)": {
        "app/__init__.py": "", "app/llm.py": LAZY.format(module="requests"),
        "app/m.py": SEND.format(system="f'User {user}. ' + RULES", mark="")},
    "a client wrapped by a proxy that hands every name on": {
        "app/__init__.py": "", "app/m.py": PROXY.format(body="return getattr(self._client, name)")
        + ASK.replace("{mark}", "# expect: CL101")},
    "a proxy whose __getattr__ does more than hand names on (silent)": {
        "app/__init__.py": "",
        "app/m.py": PROXY.format(body="if name.startswith('chat'):\n            return self\n"
                                      "        return getattr(self._client, name)")
        + ASK.replace("{mark}", "")},
    "a proxy that hands names on to one of two objects (silent)": {
        "app/__init__.py": "",
        "app/m.py": PROXY.format(body="return getattr(self._client, name)")
        + "    def use(self, other):\n        self._client = other\n" + ASK.replace("{mark}", "")},
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_getattr_case(project: Path, run: Callable[..., Run], name: str) -> None:
    found, _ = lint(project, run, CASES[name])
    assert found == expected(CASES[name])


def test_show_prompt_names_the_lazy_module(project: Path, run: Callable[..., Run]) -> None:
    write_tree(project, CASES["litellm imported when first used, through __getattr__"])
    shown = run("--show-prompt", "app/m.py:6")
    assert shown.exit_code == 0, shown.stderr
    assert "litellm.completion" in shown.stdout
    assert "Always cite the relevant section" in shown.stdout

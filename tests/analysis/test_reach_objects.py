"""Values held on objects and receivers passed around (issue 18): attributes set in `__init__`
from the constructor's arguments, traced to where the project builds the object; SDK clients
passed as parameters; and class-hierarchy dispatch part-way down a chain of wrappers.

Each case is a small project linted with the CLI: the findings must be exactly the lines marked
`# expect: CODE`. Every case has a twin that looks the same and must stay silent."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run
from expect_cases import expected, lint

RULES = 'RULES = "Always cite the relevant section of the support policy and never guess an answer. " * 90\n'

# MetaGPT's shape: the prompt is built by a caller of `aask` (concrete in the base), which goes
# through `acompletion_text` (concrete) to `_achat_completion` (abstract, one per provider).
CHAIN_BASE = (
    "from abc import ABC, abstractmethod\n"
    "class BaseLLM(ABC):\n"
    "    async def aask(self, msg, system):\n"
    "        messages = [{'role': 'system', 'content': system}, {'role': 'user', 'content': msg}]\n"
    "        return await self.acompletion_text(messages)\n"
    "    async def acompletion_text(self, messages):\n"
    "        return await self._achat_completion(messages)\n"
    "    @abstractmethod\n"
    "    async def _achat_completion(self, messages):\n"
    "        ...\n"
)
CHAIN_OPENAI = (
    "from openai import AsyncOpenAI\n"
    "from app.base import BaseLLM\n"
    "class OpenAILLM(BaseLLM):\n"
    "    def __init__(self):\n        self.aclient = AsyncOpenAI()\n"
    "    async def _achat_completion(self, messages):\n"
    "        return await self.aclient.chat.completions.create(model='gpt-4.1', messages=messages)\n"
)
CHAIN_CLAUDE = (
    "from anthropic import AsyncAnthropic\n"
    "from app.base import BaseLLM\n"
    "class ClaudeLLM(BaseLLM):\n"
    "    def __init__(self):\n        self.aclient = AsyncAnthropic()\n"
    "    async def _achat_completion(self, messages):\n"
    "        return await self.aclient.messages.create(model='claude-sonnet-4-5', max_tokens=100,\n"
    "                                                  system=messages[0]['content'], messages=messages[1:])\n"
)
CHAIN_LOG = (  # an implementation that is no SDK call
    "from app.base import BaseLLM\n"
    "class LogLLM(BaseLLM):\n"
    "    async def _achat_completion(self, messages):\n"
    "        print(messages)\n"
)
ACTION = (
    "import time\n"
    "from app.base import BaseLLM\n"
    "from app.prompts import RULES\n"
    "class Action:\n"
    "    def __init__(self, llm: BaseLLM):\n"
    "        self.llm = llm\n"
    "    async def run(self, q):\n"
    "        return await self.llm.aask(q, f'Now {time.time()} ' + RULES)  # expect: CL102\n"
)
# the receiver is a property declared to return the base class (MetaGPT's `ContextMixin.llm`)
ACTION_PROPERTY = (
    "import time\n"
    "from app.base import BaseLLM\n"
    "from app.prompts import RULES\n"
    "from app.registry import make_llm\n"
    "class Action:\n"
    "    @property\n"
    "    def llm(self) -> BaseLLM:\n"
    "        return make_llm()\n"
    "    async def run(self, q):\n"
    "        return await self.llm.aask(q, f'Now {time.time()} ' + RULES)  # expect: CL102\n"
)
REGISTRY = "import os\nREGISTRY = {}\ndef make_llm():\n    return REGISTRY[os.environ['LLM']]()\n"

CASES: dict[str, dict[str, str]] = {
    "dispatch inside a chain of wrappers: caller -> concrete -> abstract -> each provider": {
        "app/__init__.py": "", "app/prompts.py": RULES, "app/base.py": CHAIN_BASE,
        "app/oa.py": CHAIN_OPENAI, "app/claude.py": CHAIN_CLAUDE,
        "app/action.py": ACTION.replace("# expect: CL102", "# expect: CL102, CL401"),
    },
    "dispatch inside a chain whose only implementation is no SDK call (silent)": {
        "app/__init__.py": "", "app/prompts.py": RULES, "app/base.py": CHAIN_BASE,
        "app/log.py": CHAIN_LOG, "app/action.py": ACTION.replace("  # expect: CL102", ""),
    },
    "a property declared to return the base class, dispatched inside the chain": {
        "app/__init__.py": "", "app/prompts.py": RULES, "app/base.py": CHAIN_BASE,
        "app/oa.py": CHAIN_OPENAI, "app/registry.py": REGISTRY, "app/action.py": ACTION_PROPERTY,
    },
    "a property with no return annotation (silent)": {
        "app/__init__.py": "", "app/prompts.py": RULES, "app/base.py": CHAIN_BASE,
        "app/oa.py": CHAIN_OPENAI, "app/registry.py": REGISTRY,
        "app/action.py": ACTION_PROPERTY.replace(" -> BaseLLM", "").replace("  # expect: CL102", ""),
    },
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_reach_objects_case(project: Path, run: Callable[..., Run], name: str) -> None:
    found, _ = lint(project, run, CASES[name])
    assert found == expected(CASES[name])


def test_show_prompt_names_every_level_of_a_dispatched_chain(project: Path, run: Callable[..., Run]) -> None:
    """From the caller through the concrete wrapper and the abstract method to each provider's
    implementation and its SDK call; the finding made on the Anthropic branch names it."""
    files = {**CASES["dispatch inside a chain of wrappers: caller -> concrete -> abstract -> each provider"]}
    _, got = lint(project, run, files)
    assert got.exit_code == 1
    shown = run("--show-prompt", "app/action.py:8")
    assert shown.exit_code == 0
    route = "self.llm.aask() -> BaseLLM.aask() -> BaseLLM.acompletion_text() -> BaseLLM._achat_completion() -> "
    assert route + "OpenAILLM._achat_completion() -> chat.completions.create" in shown.stdout
    assert route + "ClaudeLLM._achat_completion() -> messages.create" in shown.stdout
    full = run("--no-cache", ".")
    assert "ClaudeLLM._achat_completion()` (which calls `messages.create`)" in full.stdout

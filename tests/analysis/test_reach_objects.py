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

# simple-evals' shape: the sampler keeps what it was built with; the project builds it in a table
SAMPLER = (
    "import anthropic\n"
    "class ClaudeSampler:\n"
    "    def __init__(self, model, system_message=None):\n"
    "        self.client = anthropic.Anthropic()\n"
    "        self.model = model\n"
    "        self.system_message = system_message\n"
    "    def __call__(self, messages):\n"
    "        return self.client.messages.create(model=self.model, max_tokens=100,  # expect: CL401\n"
    "                                           system=self.system_message, messages=messages)\n"
)
SAMPLERS = (
    "from app.prompts import RULES\n"
    "from app.sampler import ClaudeSampler\n"
    "SAMPLERS = {\n"
    "    'opus': ClaudeSampler(model='claude-opus-4-1', system_message=RULES),\n"
    "    'sonnet': ClaudeSampler('claude-sonnet-4-5', RULES),\n"
    "}\n"
)
# gpt-researcher's shape: a classmethod picks the langchain class by name and builds `cls(llm)`
PROVIDER = (
    "class GenericLLMProvider:\n"
    "    def __init__(self, llm, verbose=True):\n"
    "        self.llm = llm\n"
    "    @classmethod\n"
    "    def from_provider(cls, provider, **kwargs):\n"
    "        if provider == 'openai':\n"
    "            from langchain_openai import ChatOpenAI\n"
    "            llm = ChatOpenAI(**kwargs)\n"
    "        elif provider == 'anthropic':\n"
    "            from langchain_anthropic import ChatAnthropic\n"
    "            llm = ChatAnthropic(**kwargs)\n"
    "        else:\n"
    "            raise ValueError(provider)\n"
    "        return cls(llm, verbose=False)\n"
    "    async def get_chat_response(self, messages):\n"
    "        return await self.llm.ainvoke(messages)\n"
)
RESEARCH = (
    "import time\n"
    "from app.prompts import RULES\n"
    "from app.provider import GenericLLMProvider\n"
    "async def create_chat_completion(messages, provider_name):\n"
    "    provider = GenericLLMProvider.from_provider(provider_name, model='gpt-4.1')\n"
    "    return await provider.get_chat_response(messages)\n"
    "async def summarize(text):\n"
    "    system = {'role': 'system', 'content': f'{time.time()} ' + RULES}  # expect: CL102\n"
    "    return await create_chat_completion([system, {'role': 'user', 'content': text}], 'openai')\n"
)
# kotaemon's shape: the client is made by the subclass and handed to the method that sends
KOTAEMON = (
    "class BaseChat:\n"
    "    def prepare_client(self):\n        raise NotImplementedError\n"
    "    def openai_response(self, client, **kwargs):\n        raise NotImplementedError\n"
    "    def invoke(self, messages):\n"
    "        return self.openai_response(self.prepare_client(), messages=messages)\n"
    "class ChatOpenAI(BaseChat):\n"
    "    def prepare_client(self):\n"
    "        from openai import OpenAI\n"
    "        return OpenAI()\n"
    "    def openai_response(self, client, **kwargs):\n"
    "        return client.chat.completions.create(model='gpt-4.1', **kwargs)\n"
)
QA = (
    "import time\n"
    "from app.prompts import RULES\n"
    "from app.chat import ChatOpenAI\n"
    "llm = ChatOpenAI()\n"
    "def answer(q):\n"
    "    return llm.invoke([{'role': 'system', 'content': f'{time.time()} ' + RULES},  # expect: CL102\n"
    "                       {'role': 'user', 'content': q}])\n"
)

CASES: dict[str, dict[str, str]] = {
    "an attribute set from a constructor parameter: the value each construction passes": {
        "app/__init__.py": "", "app/prompts.py": RULES, "app/sampler.py": SAMPLER, "app/samplers.py": SAMPLERS,
    },
    "a class also kept as a value may be built anywhere (silent)": {
        "app/__init__.py": "", "app/prompts.py": RULES, "app/sampler.py": SAMPLER.replace("  # expect: CL401", ""),
        "app/samplers.py": SAMPLERS + "FACTORIES = {'claude': ClaudeSampler}\n",
    },
    "a constructor parameter no construction passes: its default": {
        "app/__init__.py": "", "app/prompts.py": RULES,
        "app/sampler.py": "from app.prompts import RULES\n"
        + SAMPLER.replace("system_message=None", "system_message=RULES"),
        "app/samplers.py": "from app.sampler import ClaudeSampler\nSAMPLER = ClaudeSampler('claude-sonnet-4-5')\n",
    },
    "a class the project never builds: its parameters stay unknown (silent)": {
        "app/__init__.py": "", "app/prompts.py": RULES,
        "app/sampler.py": "from app.prompts import RULES\n"
        + SAMPLER.replace("system_message=None", "system_message=RULES").replace("  # expect: CL401", ""),
    },
    "a subclass passes the parameter on through super().__init__": {
        "app/__init__.py": "", "app/prompts.py": RULES, "app/sampler.py": SAMPLER,
        "app/samplers.py": "from app.prompts import RULES\nfrom app.sampler import ClaudeSampler\n"
        "class PolicySampler(ClaudeSampler):\n"
        "    def __init__(self, model):\n        super().__init__(model, system_message=RULES)\n"
        "SAMPLER = PolicySampler('claude-sonnet-4-5')\n",
    },
    "a subclass passes on what its own caller gives, from outside the project (silent)": {
        "app/__init__.py": "", "app/prompts.py": RULES, "app/sampler.py": SAMPLER.replace("  # expect: CL401", ""),
        "app/samplers.py": "from app.sampler import ClaudeSampler\n"
        "class PolicySampler(ClaudeSampler):\n"
        "    def __init__(self, model, policy):\n        super().__init__(model, system_message=policy)\n",
    },
    "a factory classmethod builds the object from one of several langchain models": {
        "app/__init__.py": "", "app/prompts.py": RULES, "app/provider.py": PROVIDER, "app/research.py": RESEARCH,
    },
    "a factory classmethod builds the object from a model it is handed (silent)": {
        "app/__init__.py": "", "app/prompts.py": RULES,
        "app/provider.py": PROVIDER.split("    @classmethod")[0]
        + "    @classmethod\n    def from_provider(cls, llm, model):\n        return cls(llm)\n"
        + "    async def get_chat_response(self, messages):\n        return await self.llm.ainvoke(messages)\n",
        "app/research.py": RESEARCH.replace("  # expect: CL102", ""),
    },
    "an SDK client passed as a parameter by every call of the method": {
        "app/__init__.py": "", "app/prompts.py": RULES, "app/chat.py": KOTAEMON, "app/qa.py": QA,
    },
    "a parameter some call passes something else than a client (silent)": {
        "app/__init__.py": "", "app/prompts.py": RULES,
        "app/chat.py": KOTAEMON + "class Echo(ChatOpenAI):\n    def prepare_client(self):\n        return object()\n",
        "app/qa.py": QA.replace("  # expect: CL102", ""),
    },
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


def test_show_prompt_names_where_the_object_was_built(project: Path, run: Callable[..., Run]) -> None:
    """The system text of the sampler's call is shown with the construction that passed it."""
    files = CASES["an attribute set from a constructor parameter: the value each construction passes"]
    lint(project, run, files)
    shown = run("--show-prompt", "app/sampler.py:8")
    assert shown.exit_code == 0
    assert "`self.system_message` set in __init__() @app/sampler.py:6:9" in shown.stdout
    assert "`system_message` given to the constructor here @app/samplers.py:4:13" in shown.stdout


def test_show_prompt_names_the_method_a_client_is_handed_to(project: Path, run: Callable[..., Run]) -> None:
    files = CASES["an SDK client passed as a parameter by every call of the method"]
    lint(project, run, files)
    sent = run("--show-prompt", "app/chat.py:13")
    assert sent.exit_code == 0
    assert sent.stdout.startswith("app/chat.py:13:16: openai chat.completions.create, model gpt-4.1")
    shown = run("--show-prompt", "app/qa.py:6")
    assert shown.exit_code == 0
    assert "app/qa.py:6:12: openai llm.invoke() -> chat.completions.create, model gpt-4.1" in shown.stdout

"""Prompts built by application code that reaches the SDK through objects (issue 18, constructs
1 and 2): class-hierarchy dispatch (template methods, base classes, ABCs and Protocols), callable
objects, instances in tables, factories, bound methods handed on, SDK methods kept in variables.

Each case is a small project linted with the CLI: the findings must be exactly the lines marked
`# expect: CODE`. Every case has a twin that looks the same and must stay silent."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run
from expect_cases import expected, lint

from cachelint.analysis.hierarchy import ClassIndex, class_facts
from cachelint.run.check import LintResult

RULES = 'RULES = "Always cite the relevant section of the support policy and never guess an answer. " * 90\n'
OPENAI = "from openai import OpenAI\nclient = OpenAI()\n"


BASE_TEMPLATE = (
    "from abc import ABC, abstractmethod\n"
    "from app.prompts import RULES\n"
    "class Backend(ABC):\n"
    "    def ask(self, user, q):\n"
    "        system = f'User {user}. ' + RULES  # expect: CL101\n"
    "        return self.send([{'role': 'system', 'content': system}, {'role': 'user', 'content': q}])\n"
    "    @abstractmethod\n"
    "    def send(self, messages):\n"
    "        ...\n"
)
BACKEND_ABC = (
    "from abc import ABC, abstractmethod\n"
    "class Backend(ABC):\n"
    "    @abstractmethod\n"
    "    def send(self, messages):\n"
    "        ...\n"
)
OPENAI_BACKEND = (
    "from openai import OpenAI\n"
    "from app.base import Backend\n"
    "class OpenAIBackend(Backend):\n"
    "    def __init__(self):\n        self.client = OpenAI()\n"
    "    def send(self, messages):\n"
    "        return self.client.chat.completions.create(model='gpt-4.1', messages=messages)\n"
)
LOGGING_BACKEND = (  # an implementation that is no SDK call
    "from app.base import Backend\n"
    "class LogBackend(Backend):\n"
    "    def send(self, messages):\n"
    "        print(messages)\n"
)

CASES: dict[str, dict[str, str]] = {
    "template method: the base class builds the prompt, a subclass sends it": {
        "app/__init__.py": "", "app/prompts.py": RULES, "app/base.py": BASE_TEMPLATE,
        "app/oa.py": OPENAI_BACKEND,
    },
    "template method whose only implementation is no SDK call (silent)": {
        "app/__init__.py": "", "app/prompts.py": RULES,
        "app/base.py": BASE_TEMPLATE.replace("  # expect: CL101", ""), "app/log.py": LOGGING_BACKEND,
    },
    "a mixin's method runs the implementation of another base of the concrete class": {
        "app/__init__.py": "", "app/prompts.py": RULES,
        "app/mixin.py": "from app.prompts import RULES\n"
        "class PromptMixin:\n"
        "    def run(self, user, q):\n"
        "        return self.complete(system=f'Hello {user}. ' + RULES,  # expect: CL101, CL401\n"
        "                             messages=[{'role': 'user', 'content': q}])\n",
        "app/sender.py": "import anthropic\n"
        "class AnthropicSender:\n"
        "    def complete(self, system, messages):\n"
        "        raise NotImplementedError\n"
        "class ClaudeSender(AnthropicSender):\n"
        "    client = anthropic.Anthropic()\n"
        "    def complete(self, system, messages):\n"
        "        return self.client.messages.create(model='claude-sonnet-4-5', max_tokens=512,\n"
        "                                           system=system, messages=messages)\n",
        "app/bot.py": "from app.mixin import PromptMixin\nfrom app.sender import ClaudeSender\n"
        "class Bot(PromptMixin, ClaudeSender):\n    pass\n",
    },
    "a mixin no class completes with an SDK call (silent)": {
        "app/__init__.py": "", "app/prompts.py": RULES,
        "app/mixin.py": "from app.prompts import RULES\n"
        "class PromptMixin:\n"
        "    def run(self, user, q):\n"
        "        return self.complete(system=f'Hello {user}. ' + RULES, messages=[q])\n",
        "app/bot.py": "from app.mixin import PromptMixin\n"
        "class Bot(PromptMixin):\n"
        "    def complete(self, system, messages):\n        return system\n",
    },
    "a parameter typed with an ABC: every implementation in the project": {
        "app/__init__.py": "", "app/prompts.py": RULES, "app/base.py": BACKEND_ABC,
        "app/oa.py": OPENAI_BACKEND,
        "app/service.py": "from app.base import Backend\nfrom app.prompts import RULES\n"
        "def answer(backend: Backend, user: str, q: str):\n"
        "    msgs = [{'role': 'system', 'content': RULES + user}, {'role': 'user', 'content': q}]\n"
        "    bad = [{'role': 'system', 'content': user + RULES}, {'role': 'user', 'content': q}]  # expect: CL101\n"
        "    backend.send(msgs)\n"
        "    return backend.send(bad)\n",
    },
    "a parameter typed with a class that has no SDK implementation (silent)": {
        "app/__init__.py": "", "app/prompts.py": RULES,
        "app/base.py": BACKEND_ABC, "app/log.py": LOGGING_BACKEND,
        "app/service.py": "from app.base import Backend\nfrom app.prompts import RULES\n"
        "def answer(backend: Backend, user: str, q: str):\n"
        "    return backend.send([{'role': 'system', 'content': user + RULES}, {'role': 'user', 'content': q}])\n",
    },
    "an inherited template method reached through a parameter typed with the base": {
        "app/__init__.py": "", "app/prompts.py": RULES,
        "app/base.py": "class Backend:\n"
        "    def chat(self, system, q):\n"
        "        return self.send([{'role': 'system', 'content': system}, {'role': 'user', 'content': q}])\n"
        "    def send(self, messages):\n        raise NotImplementedError\n",
        "app/oa.py": OPENAI_BACKEND,
        "app/service.py": "from app.base import Backend\nfrom app.prompts import RULES\n"
        "def answer(backend: Backend, user: str, q: str):\n"
        "    return backend.chat(f'User {user}. ' + RULES, q)  # expect: CL101\n",
    },
    "an inherited template method whose only implementation is no SDK call (silent)": {
        "app/__init__.py": "", "app/prompts.py": RULES,
        "app/base.py": "class Backend:\n"
        "    def chat(self, system, q):\n"
        "        return self.send([{'role': 'system', 'content': system}, {'role': 'user', 'content': q}])\n"
        "    def send(self, messages):\n        raise NotImplementedError\n",
        "app/log.py": LOGGING_BACKEND,
        "app/service.py": "from app.base import Backend\nfrom app.prompts import RULES\n"
        "def answer(backend: Backend, user: str, q: str):\n"
        "    return backend.chat(f'User {user}. ' + RULES, q)\n",
    },
    "a Protocol is satisfied by structure": {
        "app/__init__.py": "", "app/prompts.py": RULES,
        "app/types.py": "from typing import Protocol\n"
        "class ChatBackend(Protocol):\n"
        "    def chat(self, messages: list) -> str: ...\n",
        "app/oa.py": OPENAI + "class OpenAIChat:\n"
        "    def chat(self, messages):\n"
        "        return client.chat.completions.create(model='gpt-4.1', messages=messages)\n",
        "app/agent.py": "from app.types import ChatBackend\nfrom app.prompts import RULES\n"
        "class Agent:\n"
        "    def __init__(self, model: ChatBackend):\n        self.model = model\n"
        "    def step(self, state, q):\n"
        "        return self.model.chat([{'role': 'system', 'content': f'Step {state}. ' + RULES},  # expect: CL101\n"
        "                                {'role': 'user', 'content': q}])\n",
    },
    "a Protocol no class satisfies (silent)": {
        "app/__init__.py": "", "app/prompts.py": RULES,
        "app/types.py": "from typing import Protocol\n"
        "class ChatBackend(Protocol):\n"
        "    def chat(self, messages: list) -> str: ...\n"
        "    def close(self) -> None: ...\n",
        "app/oa.py": OPENAI + "class OpenAIChat:\n"
        "    def chat(self, messages):\n"
        "        return client.chat.completions.create(model='gpt-4.1', messages=messages)\n",
        "app/agent.py": "from app.types import ChatBackend\nfrom app.prompts import RULES\n"
        "def step(model: ChatBackend, state, q):\n"
        "    return model.chat([{'role': 'system', 'content': f'Step {state}. ' + RULES},\n"
        "                       {'role': 'user', 'content': q}])\n",
    },
    "a dataclass field with default_factory names the exact class": {
        "app/__init__.py": "", "app/prompts.py": RULES, "app/base.py": BACKEND_ABC,
        "app/oa.py": OPENAI_BACKEND, "app/log.py": LOGGING_BACKEND,
        "app/agent.py": "from dataclasses import dataclass, field\n"
        "from app.base import Backend\nfrom app.oa import OpenAIBackend\nfrom app.log import LogBackend\n"
        "from app.prompts import RULES\n"
        "@dataclass\n"
        "class Agent:\n"
        "    llm: Backend = field(default_factory=OpenAIBackend)\n"
        "    quiet: Backend = field(default_factory=LogBackend)\n"
        "    def run(self, user, q):\n"
        "        self.quiet.send([{'role': 'system', 'content': f'{user} ' + RULES}])\n"
        "        return self.llm.send([{'role': 'system', 'content': f'{user} ' + RULES},  # expect: CL101\n"
        "                              {'role': 'user', 'content': q}])\n",
    },
    "a pydantic field with default_factory, a field declared in a base class": {
        "app/__init__.py": "", "app/prompts.py": RULES, "app/base.py": BACKEND_ABC,
        "app/oa.py": OPENAI_BACKEND, "app/log.py": LOGGING_BACKEND,
        "app/agent.py": "from pydantic import BaseModel, Field\n"
        "from app.base import Backend\nfrom app.oa import OpenAIBackend\nfrom app.log import LogBackend\n"
        "from app.prompts import RULES\n"
        "class Agent(BaseModel):\n"
        "    llm: Backend = Field(default_factory=OpenAIBackend)\n"
        "    quiet: Backend = Field(default_factory=LogBackend)\n"
        "    def run(self, user):\n"
        "        self.quiet.send([{'role': 'system', 'content': f'{user} ' + RULES}])\n"
        "        return self.llm.send([{'role': 'system', 'content': f'{user} ' + RULES}])  # expect: CL101\n"
        "class Holder:\n"
        "    def __init__(self, llm: Backend, log: LogBackend):\n        self.llm, self.log = llm, log\n"
        "        self.backend = llm\n"
        "        self.logger = log\n"
        "class Child(Holder):\n"
        "    def run(self, user):\n"
        "        self.logger.send([{'role': 'system', 'content': f'{user} ' + RULES}])\n"
        "        return self.backend.send([{'role': 'system', 'content': f'{user} ' + RULES}])  # expect: CL101\n",
    },
    # ---- construct 2: objects that reach the SDK indirectly
    "a callable object: judge(messages) runs Judge.__call__": {
        "app/__init__.py": "", "app/prompts.py": RULES,
        "app/judge.py": OPENAI + "class Judge:\n"
        "    def __init__(self, model):\n        self.model = model\n"
        "    def __call__(self, messages):\n"
        "        return client.chat.completions.create(model=self.model, messages=messages)\n"
        "class Echo:\n"
        "    def __call__(self, messages):\n        return messages\n",
        "app/evals.py": "from app.judge import Judge, Echo\nfrom app.prompts import RULES\n"
        "judge = Judge('gpt-4.1')\necho = Echo()\n"
        "def grade(case, pool):\n"
        "    echo([{'role': 'system', 'content': f'Case {case}. ' + RULES}])\n"
        "    pool.submit(echo, [{'role': 'system', 'content': f'Case {case}. ' + RULES}])\n"
        "    pool.submit(judge, [{'role': 'system', 'content': f'Case {case}. ' + RULES}])  # expect: CL101\n"
        "    return judge([{'role': 'system', 'content': f'Case {case}. ' + RULES}])  # expect: CL101\n",
    },
    "an object typed with a base class is called: its class's __call__": {
        "app/__init__.py": "", "app/prompts.py": RULES,
        "app/types.py": "class SamplerBase:\n"
        "    def __call__(self, message_list):\n        raise NotImplementedError\n"
        "class Printer:\n    def __call__(self, message_list):\n        print(message_list)\n",
        "app/sampler.py": OPENAI + "from app.types import SamplerBase\n"
        "class ChatSampler(SamplerBase):\n"
        "    def __call__(self, message_list):\n"
        "        return client.chat.completions.create(model='gpt-4.1', messages=message_list)\n",
        "app/evals.py": "from app.types import SamplerBase, Printer\nfrom app.prompts import RULES\n"
        "def run(sampler: SamplerBase, printer: Printer, q):\n"
        "    printer([{'role': 'system', 'content': q + RULES}])\n"
        "    return sampler([{'role': 'system', 'content': q + RULES}])  # expect: CL101\n"
        "class Eval:\n"
        "    def __init__(self, grader: SamplerBase, printer: Printer):\n"
        "        self.grader = grader\n        self.printer = printer\n"
        "    def grade(self, q):\n"
        "        self.printer([{'role': 'system', 'content': q + RULES}])\n"
        "        return self.grader([{'role': 'system', 'content': q + RULES}])  # expect: CL101\n",
    },
    "instances held in a dict, one picked by name": {
        "app/__init__.py": "", "app/prompts.py": RULES, "app/base.py": BACKEND_ABC,
        "app/oa.py": OPENAI_BACKEND, "app/log.py": LOGGING_BACKEND,
        "app/route.py": "from app.oa import OpenAIBackend\nfrom app.log import LogBackend\n"
        "from app.prompts import RULES\n"
        "BACKENDS = {'openai': OpenAIBackend(), 'log': LogBackend()}\n"
        "QUIET = {'log': LogBackend()}\n"
        "def route(name, user):\n"
        "    QUIET[name].send([{'role': 'system', 'content': user + RULES}])\n"
        "    return BACKENDS[name].send([{'role': 'system', 'content': user + RULES}])  # expect: CL101\n",
    },
    "instances held in a list, indexed or iterated": {
        "app/__init__.py": "", "app/prompts.py": RULES, "app/base.py": BACKEND_ABC,
        "app/oa.py": OPENAI_BACKEND, "app/log.py": LOGGING_BACKEND,
        "app/fan.py": "from app.oa import OpenAIBackend\nfrom app.log import LogBackend\n"
        "from app.prompts import RULES\n"
        "BACKENDS = [OpenAIBackend()]\nQUIET = [LogBackend(), LogBackend()]\n"
        "def fan(user):\n"
        "    for b in QUIET:\n        b.send([{'role': 'system', 'content': user + RULES}])\n"
        "    QUIET[0].send([{'role': 'system', 'content': user + RULES}])\n"
        "    for b in BACKENDS:\n        b.send([{'role': 'system', 'content': user + RULES}])  # expect: CL101\n"
        "    return BACKENDS[0].send([{'role': 'system', 'content': user + RULES}])  # expect: CL101\n",
    },
    "a classmethod factory returns one of several subclasses": {
        "app/__init__.py": "", "app/prompts.py": RULES,
        "app/providers.py": OPENAI + "class Provider:\n"
        "    @classmethod\n"
        "    def from_name(cls, name):\n"
        "        if name == 'openai':\n            return OpenAIProvider()\n"
        "        return NullProvider()\n"
        "    def generate(self, messages):\n        raise NotImplementedError\n"
        "class OpenAIProvider(Provider):\n"
        "    def generate(self, messages):\n"
        "        return client.chat.completions.create(model='gpt-4.1', messages=messages)\n"
        "class NullProvider(Provider):\n"
        "    def generate(self, messages):\n        return ''\n"
        "class Quiet:\n"
        "    @classmethod\n"
        "    def from_name(cls, name):\n        return NullProvider()\n",
        "app/use.py": "from app.providers import Provider, Quiet\nfrom app.prompts import RULES\n"
        "def run(name, user):\n"
        "    Quiet.from_name(name).generate([{'role': 'system', 'content': user + RULES}])\n"
        "    p = Provider.from_name(name)\n"
        "    return p.generate([{'role': 'system', 'content': user + RULES}])  # expect: CL101\n",
    },
    "a closure returned by a method": {
        "app/__init__.py": "", "app/prompts.py": RULES,
        "app/llm.py": OPENAI + "class LLM:\n"
        "    def sender(self, model):\n"
        "        def _send(messages):\n"
        "            return client.chat.completions.create(model=model, messages=messages)\n"
        "        return _send\n"
        "    def printer(self):\n"
        "        def _print(messages):\n            print(messages)\n"
        "        return _print\n",
        "app/use.py": "from app.llm import LLM\nfrom app.prompts import RULES\n"
        "def run(user):\n"
        "    llm = LLM()\n"
        "    show = llm.printer()\n"
        "    show([{'role': 'system', 'content': user + RULES}])\n"
        "    send = llm.sender('gpt-4.1')\n"
        "    return send([{'role': 'system', 'content': user + RULES}])  # expect: CL101\n",
    },
    "bound methods handed to executors, threads and partial": {
        "app/__init__.py": "", "app/prompts.py": RULES, "app/base.py": BACKEND_ABC,
        "app/oa.py": OPENAI_BACKEND, "app/log.py": LOGGING_BACKEND,
        "app/use.py": "import asyncio\nimport functools\nfrom concurrent.futures import ThreadPoolExecutor\n"
        "from app.oa import OpenAIBackend\nfrom app.log import LogBackend\nfrom app.prompts import RULES\n"
        "backend = OpenAIBackend()\nlog = LogBackend()\npool = ThreadPoolExecutor()\n"
        "async def run(user):\n"
        "    pool.submit(backend.send, [{'role': 'system', 'content': user + RULES}])  # expect: CL101\n"
        "    await asyncio.to_thread(backend.send, [{'role': 'system', 'content': user + RULES}])  # expect: CL101\n"
        "    loop = asyncio.get_running_loop()\n"
        "    await loop.run_in_executor(None, backend.send,\n"
        "                               [{'role': 'system', 'content': user + RULES}])  # expect: CL101\n"
        "    functools.partial(backend.send, [{'role': 'system', 'content': user + RULES}])()  # expect: CL101\n"
        "    pool.submit(log.send, [{'role': 'system', 'content': user + RULES}])\n"
        "    await asyncio.to_thread(print, [{'role': 'system', 'content': user + RULES}])\n",
    },
    "an SDK method kept in a variable": {
        "app/__init__.py": "", "app/prompts.py": RULES,
        "app/use.py": OPENAI + "from app.prompts import RULES\n"
        "completion = client.chat.completions.create\n"
        "other = client.chat.completions.with_raw_response\n"
        "def run(user):\n"
        "    return completion(model='gpt-4.1',\n"
        "                      messages=[{'role': 'system', 'content': user + RULES}])  # expect: CL101\n"
        "def quiet(user):\n"
        "    say = print\n"
        "    return say(model='gpt-4.1', messages=[{'role': 'system', 'content': user + RULES}])\n",
    },
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_dispatch_case(project: Path, run: Callable[..., Run], name: str) -> None:
    found, _ = lint(project, run, CASES[name])
    assert found == expected(CASES[name])


def test_the_finding_names_the_class_and_show_prompt_the_chain(project: Path, run: Callable[..., Run]) -> None:
    """A user sees which implementation made the prompt: in the finding, and as the chain from
    the caller through the abstract method to the SDK call in --show-prompt."""
    files = CASES["template method: the base class builds the prompt, a subclass sends it"]
    _, got = lint(project, run, files)
    assert got.exit_code == 1
    full = run("--no-cache", ".")
    assert "`self.send() -> Backend.send() -> OpenAIBackend.send()` (which calls `chat.completions.create`)" \
        in full.stdout
    shown = run("--show-prompt", "app/base.py:6")
    assert shown.exit_code == 0
    assert "self.send() -> Backend.send() -> OpenAIBackend.send() -> chat.completions.create" in shown.stdout


def test_a_new_implementation_in_a_new_file_invalidates_cached_callers(
        tmp_path: Path, lint: Callable[..., LintResult], write: Callable[[Path, dict[str, str]], list[str]]) -> None:
    """A cached result that dispatched `self.send` depends on which classes implement it: an
    implementation added in a file of its own (the wrapper names unchanged: `send` already is
    one) must make the base class's file be linted again."""
    root = tmp_path / "proj"
    other = OPENAI + "class Unrelated:\n    def send(self, messages):\n" \
        "        return client.chat.completions.create(model='gpt-4.1', messages=messages)\n"
    files = {"app/__init__.py": "", "app/prompts.py": RULES, "app/base.py": BASE_TEMPLATE,
             "app/log.py": LOGGING_BACKEND, "app/other.py": other}
    paths = write(root, files)
    assert lint(paths).diagnostics == []
    assert lint(paths).diagnostics == [] and lint.linted == []  # type: ignore[attr-defined]
    paths = write(root, {**files, "app/oa.py": OPENAI_BACKEND})
    after = lint(paths)
    assert "base.py" in lint.linted  # type: ignore[attr-defined]
    assert [(Path(d.span.path).name, d.span.line, d.code) for d in after.diagnostics] == [("base.py", 5, "CL101")]
    assert after == lint(paths, cached=False)


def test_the_class_index_reads_class_headers_from_text() -> None:
    text = ("class A(Base[dict[str, int]], mixins.Logged, metaclass=Meta):\n"
            "    async def run(self):\n        pass\n"
            "class B(\n    Other,\n):\n    def go(self): ...\n"
            "def top():\n    pass\n")
    assert class_facts(text) == (("Base", "Logged", "Other"), ("go", "run"),
                                 ("A", "B", "Base", "Logged", "Meta", "Other"))
    assert class_facts("x = 1\n") == ((), (), ())
    assert class_facts("s = Sampler(model=None)\n") == ((), (), ("Sampler",))  # builds one: no class header
    index = ClassIndex.of([("a.py", class_facts(text)), ("b.py", (("Base",), (), ("Other",)))])
    assert index.with_base("Base") == ("a.py", "b.py") and index.with_method("top") == ()
    assert index.with_name("Other") == ("a.py", "b.py") and index.with_name("True") == ()
    assert index.signature("[classes:base]Base") == "a.py\nb.py" and index.signature("app.prompts") is None
    assert index.signature("[classes:name]Meta") == "a.py"

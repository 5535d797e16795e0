"""Reach on real code (issue 18, measured on openai/evals, camel and quivr): a retry helper
that keeps parameters of its own, an SDK method held in a local and handed on by name, a
litellm function kept on an attribute, and langchain chat models known only by a base-class
annotation (`llm: BaseChatModel`) or held by an object known only by its declared class.

Each case is a small project linted with the CLI: the findings must be exactly the lines marked
`# expect: CODE`. Every case has a twin that looks the same and must stay silent."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run, write_tree
from expect_cases import expected, lint

RULES = 'RULES = "Always cite the relevant section of the support policy and never guess an answer. " * 90\n'

# evals's create_retrying: `retry_exceptions` is the helper's own, given by keyword, while the
# caller's `*args, **kwargs` go on to the SDK method.
RETRYING = (
    "def create_retrying(func, retry_exceptions, *args, **kwargs):\n"
    "    try:\n"
    "        return {body}\n"
    "    except retry_exceptions:\n"
    "        return False\n"
)
RETRIED = "from openai import OpenAI\nfrom app.retry import create_retrying\n" + RULES + (
    "def chat_retrying(client: OpenAI, *args, **kwargs):\n"
    "    return create_retrying(client.chat.completions.create, retry_exceptions=(TimeoutError,), *args, **kwargs)\n"
    "def ask(user, q):\n"
    "    system = f'User {user}. ' + RULES  {mark}\n"
    "    return chat_retrying(OpenAI(), model='gpt-4.1', messages=[\n"
    "        {'role': 'system', 'content': system}, {'role': 'user', 'content': q}])\n"
    "def ask_positional(user, q):\n"
    "    system = f'User {user}. ' + RULES  {mark}\n"
    "    return create_retrying(OpenAI().chat.completions.create, (TimeoutError,), model='gpt-4.1', messages=[\n"
    "        {'role': 'system', 'content': system}, {'role': 'user', 'content': q}])\n"
)
# camel's backends: the SDK method is held in a local, in two methods, and handed to a helper.
HELD = "from anthropic import Anthropic\n" + RULES + (
    "class Backend:\n"
    "    def __init__(self):\n"
    "        self._client = Anthropic()\n"
    "    def _call_client(self, call, *args, **kwargs):\n"
    "        return call(*args, **kwargs)\n"
    "    def run(self, user, q):\n"
    "        create_func = self._client.messages.create\n"
    "        {twice}\n"
    "        return self._call_client(create_func, model='claude-sonnet-4-5', max_tokens=100,  {mark401}\n"
    "                                 system=f'User {user}. ' + RULES,  {mark}\n"
    "                                 messages=[{'role': 'user', 'content': q}])\n"
    "    async def arun(self, q):\n"
    "        create_func = self._client.messages.create\n"
    "        return await self._call_client(create_func, model='claude-sonnet-4-5', max_tokens=100,\n"
    "                                       system=RULES[:40], messages=[{'role': 'user', 'content': q}])\n"
)
# camel's LiteLLMModel: `from litellm import completion` kept as `self.client`.
LITE = RULES + (
    "class Lite:\n"
    "    def __init__(self):\n"
    "        from {module} import completion  # imported here: an optional dependency\n"
    "        self.client = completion\n"
    "    def run(self, user, q):\n"
    "        return self.client(model='gpt-4.1', messages=[\n"
    "            {'role': 'system', 'content': f'User {user}. ' + RULES}, {'role': 'user', 'content': q}])  {mark}\n"
)

CASES: dict[str, dict[str, str]] = {
    "an SDK method handed to a retry helper with a parameter of its own": {
        "app/__init__.py": "", "app/retry.py": RETRYING.format(body="func(*args, **kwargs)"),
        "app/m.py": RETRIED.replace("{mark}", "# expect: CL101")},
    "a retry helper that changes the keywords it hands on (silent)": {
        "app/__init__.py": "",
        "app/retry.py": RETRYING.format(body="func(*args, **kwargs)").replace(
            "    try:\n", "    kwargs['messages'] = kwargs['messages'][-1:]\n    try:\n"),
        "app/m.py": RETRIED.replace("{mark}", "")},
    "a retry helper that hands its own parameter on too (silent)": {
        "app/__init__.py": "", "app/retry.py": RETRYING.format(body="func(retry_exceptions, *args, **kwargs)"),
        "app/m.py": RETRIED.replace("{mark}", "")},
    "an SDK method held in a local of each method and handed on by name": {
        "app/__init__.py": "", "app/m.py": HELD.replace("{twice}", "pass").replace("{mark401}", "# expect: CL401")
        .replace("{mark}", "# expect: CL101")},
    "a local that may hold another callable when handed on (silent)": {
        "app/__init__.py": "",
        "app/m.py": HELD.replace("{twice}", "create_func = q.send if q else create_func").replace("{mark401}", "")
        .replace("{mark}", "")},
    "a litellm function kept on an attribute": {
        "app/__init__.py": "", "app/m.py": LITE.replace("{module}", "litellm").replace("{mark}", "# expect: CL101")},
    "a function of the same name from another package kept on an attribute (silent)": {
        "app/__init__.py": "", "app/m.py": LITE.replace("{module}", "app.mine").replace("{mark}", ""),
        "app/mine.py": "def completion(**kwargs):\n    return kwargs\n"},
}

# quivr: the chat model is a constructor argument typed with langchain's base class, and the
# object holding it is itself known only by its declared class where the call is made.
ENDPOINT = (
    "from langchain_core.language_models.chat_models import BaseChatModel\n"
    "from langchain_anthropic import ChatAnthropic\n"
    "from langchain_openai import ChatOpenAI\n"
    "class LLMEndpoint:\n"
    "    def __init__(self, config, llm: BaseChatModel):\n"
    "        self._config = config\n"
    "        self._llm = llm\n"
    "    @classmethod\n"
    "    def from_config(cls, config):\n"
    "        if config.supplier == 'anthropic':\n"
    "            _llm = ChatAnthropic(model='claude-sonnet-4-5', max_tokens=1000)\n"
    "        else:\n"
    "            _llm = ChatOpenAI(model='gpt-4.1')\n"
    "        return cls(config, llm=_llm)\n"
)
# A module is looked at only when it names an SDK (here, as in quivr, for its exception).
RAG = "import openai\nfrom langchain_core.messages import SystemMessage, HumanMessage\n" + (
    "from app.endpoint import LLMEndpoint\n") + RULES + (
    "class Rag:\n"
    "    def __init__(self, llm: LLMEndpoint):\n"
    "        self.llm_endpoint = llm\n"
    "    def answer(self, q):\n"
    "        try:\n"
    "            return self.llm_endpoint._llm.invoke([SystemMessage(RULES), HumanMessage(q)])  {mark}\n"
    "        except openai.BadRequestError:\n"
    "            return None\n"
)
TYPED = "from langchain_core.messages import SystemMessage, HumanMessage\nfrom {module} import {base}\n" + RULES + (
    "def direct(llm: {base}, user, q):\n"
    "    return llm.invoke([SystemMessage(f'User {{user}}. ' + RULES), HumanMessage(q)])  {mark}\n"
    "def short(llm: '{base} | None', q):\n"
    "    return llm.invoke([SystemMessage(RULES[:200]), HumanMessage(q)])\n"
)
CASES.update({
    "a chat model typed BaseChatModel: ordering rules, no size rule": {
        "app/__init__.py": "", "app/m.py": TYPED.format(module="langchain_core.language_models", base="BaseChatModel",
                                                         mark="# expect: CL101")},
    "a chat model typed BaseLanguageModel": {
        "app/__init__.py": "", "app/m.py": TYPED.format(module="langchain_core.language_models.base",
                                                         base="BaseLanguageModel", mark="# expect: CL101")},
    "a receiver typed Runnable, which need not be a chat model (silent)": {
        "app/__init__.py": "", "app/m.py": TYPED.format(module="langchain_core.runnables", base="Runnable", mark="")},
    "a chat model held by an object known by its declared class, followed to its constructions": {
        "app/__init__.py": "", "app/endpoint.py": ENDPOINT, "app/rag.py": RAG.replace("{mark}", "# expect: CL401")},
    "the same, where a subclass of the declared class may hold another (silent)": {
        "app/__init__.py": "", "app/rag.py": RAG.replace("{mark}", ""),
        "app/endpoint.py": ENDPOINT + (
            "class LocalEndpoint(LLMEndpoint):\n"
            "    def __init__(self, config):\n"
            "        self._llm = config.model\n")},
})


@pytest.mark.parametrize("name", sorted(CASES))
def test_handed_case(project: Path, run: Callable[..., Run], name: str) -> None:
    found, _ = lint(project, run, CASES[name])
    assert found == expected(CASES[name])


def test_show_prompt_names_the_retried_sdk_method(project: Path, run: Callable[..., Run]) -> None:
    write_tree(project, CASES["an SDK method handed to a retry helper with a parameter of its own"])
    shown = run("--show-prompt", "app/m.py:8")  # the caller that builds the prompt
    assert shown.exit_code == 0, shown.stderr
    assert "chat_retrying() -> " in shown.stdout and "chat.completions.create" in shown.stdout
    assert "Always cite the relevant section" in shown.stdout


def test_show_prompt_shows_each_chat_model_the_endpoint_is_built_with(project: Path, run: Callable[..., Run]) -> None:
    write_tree(project, CASES["a chat model held by an object known by its declared class, followed to its "
                              "constructions"])
    shown = run("--show-prompt", "app/rag.py:10")
    assert shown.exit_code == 0, shown.stderr
    assert "ChatAnthropic.invoke" in shown.stdout and "ChatOpenAI.invoke" in shown.stdout
    assert "Always cite the relevant section" in shown.stdout


def test_show_prompt_says_a_base_class_chat_model_has_no_known_model(project: Path, run: Callable[..., Run]) -> None:
    write_tree(project, CASES["a chat model typed BaseChatModel: ordering rules, no size rule"])
    shown = run("--show-prompt", "app/m.py:5")
    assert shown.exit_code == 0, shown.stderr
    assert "BaseChatModel.invoke" in shown.stdout
    assert "size rules off" in shown.stdout

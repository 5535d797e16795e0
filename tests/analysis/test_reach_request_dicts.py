"""Reach (issue 18, measured on kotaemon, smolagents, storm, aider and canopy): a request
carried in a dict spread into the SDK call (`create(**params)`), the dict built in the function,
changed by item assignment and `update`, filtered by a comprehension, returned by a project
helper or sent as JSON text and read back; and a bound method handed to the executors web apps use (starlette's
`run_in_threadpool`, anyio's `to_thread.run_sync`).

Each case is a small project linted with the CLI: the findings must be exactly the lines marked
`# expect: CODE`. Every case has a twin that looks the same and must stay silent."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run, write_tree
from expect_cases import expected, lint

RULES = 'RULES = "Always cite the relevant section of the support policy and never guess an answer. " * 90\n'
VOLATILE_FIRST = "f'User {user}. ' + RULES  # expect: CL101"
STABLE_FIRST = "RULES + f'User {user}.'"

# The client is a parameter nobody types: the call is an SDK call by its shape, which here is
# only in the keys of the dict it spreads.
SHAPED = (
    "from openai import OpenAI\n" + RULES
    + "def send(client, user, q):\n"
    "    system = {system}\n"
    "    params = {{'model': 'gpt-4.1', 'messages': [{{'role': 'system', 'content': system}}]}}\n"
    "    params['messages'].append({{'role': 'user', 'content': q}})\n"
    "    return client.chat.completions.create(**params)\n"
)
LOOKALIKE = (  # Twilio's client.messages.create in a file that also imports the Anthropic SDK
    "import anthropic\n" + RULES
    + "def text(client, user, number):\n"
    "    params = {'to': number, 'from_': '+15550100', 'body': f'User {user}. ' + RULES}\n"
    "    return client.messages.create(**params)\n"
)
UNKNOWN_DICT = (  # keys the analysis cannot see: no shape, nothing said
    "from openai import OpenAI\n" + RULES
    + "def send(client, params, user):\n"
    "    params.update(messages=[{'role': 'system', 'content': f'User {user}. ' + RULES}])\n"
    "    return client.chat.completions.create(**params)\n"
)

# smolagents' Model._prepare_completion_kwargs: a helper builds the request, then overrides
# entries from the model's own settings with keys it does not name.
HELPER = (
    "from openai import OpenAI\n" + RULES
    + "class Model:\n"
    "    def __init__(self, model_id, **kwargs):\n"
    "        self.model_id = model_id\n"
    "        self.kwargs = kwargs\n"
    "        self.client = OpenAI()\n"
    "    def _prepare_completion_kwargs(self, messages, tools=None, **kwargs):\n"
    "        completion_kwargs = {{'messages': messages}}\n"
    "        if tools:\n"
    "            completion_kwargs['tools'] = tools\n"
    "        completion_kwargs.update(kwargs)\n"
    "        for name, value in self.kwargs.items():\n"
    "            {override}\n"
    "        return completion_kwargs\n"
    "    def generate(self, messages, **kwargs):\n"
    "        completion_kwargs = self._prepare_completion_kwargs(messages=messages, model=self.model_id, **kwargs)\n"
    "        return self.client.chat.completions.create(**completion_kwargs)\n"
    "def main(user, q):\n"
    "    system = {system}\n"
    "    return Model('gpt-4.1', temperature=0.2).generate(\n"
    "        [{{'role': 'system', 'content': system}}, {{'role': 'user', 'content': q}}])\n"
)
OVERRIDE_BY_NAME = "completion_kwargs[name] = value"
REMOVE_BY_NAME = ("if value is None:\n                completion_kwargs.pop(name, None)\n"
                  "            else:\n                completion_kwargs[name] = value")
REPLACED_WHOLE = "completion_kwargs = dict(value)"  # the whole request replaced: nothing known

# kotaemon's ChatOpenAI.prepare_params: settings that are None are filtered out of the request.
FILTERED = (
    "from openai import OpenAI\n" + RULES
    + "class Chat:\n"
    "    def __init__(self, model, temperature=None, tools=None):\n"
    "        self.model = model\n"
    "        self.temperature = temperature\n"
    "        self.tools = tools\n"
    "    def prepare_params(self, **kwargs):\n"
    "        params_ = {{'model': self.model, 'temperature': self.temperature, 'tools': self.tools}}\n"
    "        params = {{k: v for k, v in params_.items() if {keep}}}\n"
    "        params.update(kwargs)\n"
    "        return params\n"
    "    def send(self, user, q):\n"
    "        system = {system}\n"
    "        params = self.prepare_params(messages=[{{'role': 'system', 'content': system}},\n"
    "                                               {{'role': 'user', 'content': q}}])\n"
    "        return OpenAI().chat.completions.create(**params)\n"
)

# A request built as keywords of dict(), extended by update() and handed to litellm.
LITELLM = (
    "import litellm\n" + RULES
    + "def ask(user, q, extra):\n"
    "    params = dict(model='gpt-4.1', **extra)\n"
    "    params.update(messages=[{{'role': 'system', 'content': {system}}}, {{'role': 'user', 'content': q}}])\n"
    "    return litellm.completion(**params)\n"
)

# storm's LitellmModel: the request goes as JSON text through a cached helper, which reads it
# back and spreads it into litellm; the messages are the caller's or a default.
JSON_TEXT = (
    "import functools\nimport litellm\nimport ujson\n" + RULES
    + "class LM:\n"
    "    def __init__(self, model, **kwargs):\n"
    "        self.model = model\n"
    "        self.kwargs = dict(temperature=0.0, **kwargs)\n"
    "    def __call__(self, prompt=None, messages=None, **kwargs):\n"
    "        messages = messages or [{{'role': 'user', 'content': prompt}}]\n"
    "        kwargs = {{**self.kwargs, **kwargs}}\n"
    "        return cached_completion(ujson.dumps(dict(model=self.model, messages=messages, **kwargs)))\n"
    "@functools.lru_cache(maxsize=16)\n"
    "def cached_completion(request):\n"
    "    kwargs = {loads}\n"
    "    return litellm.completion(**kwargs)\n"
    "def ask(user, q):\n"
    "    system = {system}\n"
    "    lm = LM('gpt-4.1')\n"
    "    return lm(messages=[{{'role': 'system', 'content': system}}, {{'role': 'user', 'content': q}}])\n"
)

CASES: dict[str, dict[str, str]] = {
    "a request sent as JSON text through a cached helper and read back": {
        "app/__init__.py": "", "app/m.py": JSON_TEXT.format(loads="ujson.loads(request)", system=VOLATILE_FIRST)},
    "a request sent as JSON text, the prompt's stable part first (silent)": {
        "app/__init__.py": "", "app/m.py": JSON_TEXT.format(loads="ujson.loads(request)", system=STABLE_FIRST)},
    "a request read from text no dumps wrote (silent)": {
        "app/__init__.py": "",
        "app/m.py": JSON_TEXT.format(loads="ujson.loads(open('request.json').read())",
                                     system=VOLATILE_FIRST.split("  #")[0])},
    "create(**params) on an untyped client: recognised by the dict's keys": {
        "app/__init__.py": "", "app/m.py": SHAPED.format(system=VOLATILE_FIRST)},
    "create(**params), the prompt's stable part first (silent)": {
        "app/__init__.py": "", "app/m.py": SHAPED.format(system=STABLE_FIRST)},
    "messages.create(**params) whose keys are another API's (silent)": {
        "app/__init__.py": "", "app/m.py": LOOKALIKE},
    "create(**params) of a dict whose keys are not known (silent)": {
        "app/__init__.py": "", "app/m.py": UNKNOWN_DICT},
    "a helper's request dict, entries overridden by keys it does not name": {
        "app/__init__.py": "",
        "app/m.py": HELPER.format(override=OVERRIDE_BY_NAME, system=VOLATILE_FIRST)},
    "a helper's request dict, entries removed and set by keys it does not name": {
        "app/__init__.py": "",
        "app/m.py": HELPER.format(override=REMOVE_BY_NAME, system=VOLATILE_FIRST)},
    "a helper's request dict, the prompt's stable part first (silent)": {
        "app/__init__.py": "",
        "app/m.py": HELPER.format(override=OVERRIDE_BY_NAME, system=STABLE_FIRST)},
    "a helper's request dict replaced by one it does not know (silent)": {
        "app/__init__.py": "",
        "app/m.py": HELPER.format(override=REPLACED_WHOLE, system=VOLATILE_FIRST.split("  #")[0])},
    "a request dict filtered by a comprehension, then updated": {
        "app/__init__.py": "",
        "app/m.py": FILTERED.format(keep="v is not None", system=VOLATILE_FIRST)},
    "a request dict filtered by a comprehension, the stable part first (silent)": {
        "app/__init__.py": "",
        "app/m.py": FILTERED.format(keep="v is not None", system=STABLE_FIRST)},
    "dict(model=..., **extra) updated with the messages, sent by litellm": {
        "app/__init__.py": "", "app/m.py": LITELLM.format(system=VOLATILE_FIRST.split("  #")[0])
        .replace("'role': 'user', 'content': q}])\n", "'role': 'user', 'content': q}])  # expect: CL101\n")},
    "dict(model=..., **extra) sent by litellm, the stable part first (silent)": {
        "app/__init__.py": "", "app/m.py": LITELLM.format(system=STABLE_FIRST)},
}

BACKEND = (
    "from openai import OpenAI\n" + RULES
    + "class LLM:\n"
    "    def __init__(self):\n"
    "        self.client = OpenAI()\n"
    "    def chat_completion(self, system, q):\n"
    "        return self.client.chat.completions.create(\n"
    "            model='gpt-4.1', messages=[{'role': 'system', 'content': system}, {'role': 'user', 'content': q}])\n"
    "    def log(self, system, q):\n"
    "        print(system, q)\n"
)
TYPED_BACKENDS = (
    "from abc import ABC, abstractmethod\nfrom openai import OpenAI\n"
    "class BaseLLM(ABC):\n"
    "    @abstractmethod\n"
    "    def chat_completion(self, system, q):\n        ...\n"
    "class OpenAILLM(BaseLLM):\n"
    "    def __init__(self):\n        self.client = OpenAI()\n"
    "    def chat_completion(self, system, q):\n"
    "        return self.client.chat.completions.create(\n"
    "            model='gpt-4.1', messages=[{'role': 'system', 'content': system}, {'role': 'user', 'content': q}])\n"
    "class QuietLLM:\n"
    "    def chat_completion(self, system, q):\n        return None\n"
)
GLOBAL_APP = (  # canopy's server: the engine is a global declared with its type, set at startup
    "from starlette.concurrency import run_in_threadpool\n"
    "from app.llm import BaseLLM, OpenAILLM, QuietLLM\n" + RULES
    + "llm: BaseLLM\n"
    "def startup():\n"
    "    global llm\n"
    "    llm = OpenAILLM()\n"
    "async def health(user, q):\n"
    "    {body}\n"
)
CASES.update({
    "bound methods handed to starlette's and anyio's thread runners": {
        "app/__init__.py": "", "app/llm.py": BACKEND,
        "app/api.py": "import anyio\nfrom starlette.concurrency import run_in_threadpool\n"
        "from app.llm import LLM, RULES\n"
        "llm = LLM()\n"
        "async def answer(user, q):\n"
        "    await run_in_threadpool(llm.chat_completion, f'User {user}. ' + RULES, q)  # expect: CL101\n"
        "    await anyio.to_thread.run_sync(llm.chat_completion, f'User {user}. ' + RULES, q,  # expect: CL101\n"
        "                                   abandon_on_cancel=True)\n"
        "    await run_in_threadpool(llm.log, f'User {user}. ' + RULES, q)\n"
        "    await anyio.to_thread.run_sync(llm.log, f'User {user}. ' + RULES, q)\n"
        "    return await run_in_threadpool(llm.chat_completion, RULES + f'User {user}.', q)\n"},
    "a module global typed with a base class, its method handed to run_in_threadpool": {
        "app/__init__.py": "", "app/llm.py": TYPED_BACKENDS,
        "app/api.py": GLOBAL_APP.format(body="await run_in_threadpool(llm.chat_completion, f'User {user}. ' + RULES, q)"
                                             "  # expect: CL101")},
    "a module global typed with a base class, set again in the function (silent)": {
        "app/__init__.py": "", "app/llm.py": TYPED_BACKENDS,
        "app/api.py": GLOBAL_APP.format(body="llm = QuietLLM()\n    await run_in_threadpool("
                                             "llm.chat_completion, f'User {user}. ' + RULES, q)")},
    "SDK methods handed to a thread, an executor and partial": {
        "app/__init__.py": "",
        "app/m.py": "import asyncio\nimport functools\nfrom openai import OpenAI\n" + RULES
        + "client = OpenAI()\n"
        "async def in_thread(user):\n"
        "    system = [{'role': 'system', 'content': f'User {user}. ' + RULES}]  # expect: CL101\n"
        "    await asyncio.to_thread(client.chat.completions.create, model='gpt-4.1', messages=system)\n"
        "async def in_executor(user):\n"
        "    system = [{'role': 'system', 'content': f'User {user}. ' + RULES}]  # expect: CL101\n"
        "    loop = asyncio.get_running_loop()\n"
        "    await loop.run_in_executor(None, functools.partial(\n"
        "        client.chat.completions.create, model='gpt-4.1', messages=system))\n"
        "def partly(user):\n"
        "    system = [{'role': 'system', 'content': f'User {user}. ' + RULES}]  # expect: CL101\n"
        "    functools.partial(client.chat.completions.create, model='gpt-4.1')(messages=system)\n"},
    "SDK methods handed to something that does not run them (silent)": {
        "app/__init__.py": "",
        "app/m.py": "import asyncio\nimport functools\nfrom openai import OpenAI\nfrom app.hooks import register\n"
        + RULES + "client = OpenAI()\n"
        "async def answer(user):\n"
        "    system = [{'role': 'system', 'content': f'User {user}. ' + RULES}]\n"
        "    register(client.chat.completions.create, model='gpt-4.1', messages=system)\n"
        "    functools.partial(client.chat.completions.create, model='gpt-4.1', messages=system)\n"
        "    loop = asyncio.get_running_loop()\n"
        "    await loop.run_in_executor(None, print, system)\n",
        "app/hooks.py": "HOOKS = []\ndef register(fn, **defaults):\n    HOOKS.append((fn, defaults))\n"},
})


@pytest.mark.parametrize("name", sorted(CASES))
def test_request_dict_case(project: Path, run: Callable[..., Run], name: str) -> None:
    found, _ = lint(project, run, CASES[name])
    assert found == expected(CASES[name])


def test_show_prompt_rebuilds_the_request_from_the_helpers_dict(project: Path, run: Callable[..., Run]) -> None:
    """The user sees the system text the helper's dict carries, and that keys it cannot name
    leave part of the request unknown."""
    write_tree(project, CASES["a helper's request dict, entries overridden by keys it does not name"])
    shown = run("--show-prompt", "app/m.py:21")
    assert shown.exit_code == 0, shown.stderr
    assert "Always cite the relevant section" in shown.stdout
    assert "some parts could not be followed" in shown.stdout

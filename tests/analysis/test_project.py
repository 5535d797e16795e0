"""Following prompts across a project: imports, helpers, classes, wrappers (issue 3).

Each case is a small project written to a temporary folder; every file is linted
and the findings must be exactly the lines marked `# expect: CODE`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cachelint.analysis.project import Project
from cachelint.prompt import Stability
from cachelint.rules import ALL_RULES
from cachelint.run.check import assemble_module
from cachelint.run.lint import lint_files
from cachelint.settings import Settings

_EXPECT = re.compile(r"#\s*expect:\s*([A-Z0-9, ]+)")

RULES_MOD = '''RULES = "Always cite the relevant section of the support policy and never guess an answer. " * 90
'''
CLIENT = "from openai import OpenAI\nclient = OpenAI()\n"


Found = set[tuple[str, int, str]]


def run_project(tmp_path: Path, files: dict[str, str], **settings: object) -> tuple[Found, Found, list[str]]:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    expected: set[tuple[str, int, str]] = set()
    for name, text in files.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        for n, line in enumerate(text.splitlines(), start=1):
            m = _EXPECT.search(line)
            if m:
                for code in m.group(1).replace(",", " ").split():
                    expected.add((name, n, code))
    paths = sorted(str(tmp_path / n) for n in files if n.endswith(".py"))
    result = lint_files(paths, Settings(root=str(tmp_path), **settings), list(ALL_RULES))  # type: ignore[arg-type]
    found = {(str(Path(d.span.path).relative_to(tmp_path)), d.span.line, d.code) for d in result.diagnostics}
    return found, expected, [str(e) for e in result.errors]


TABLES_MOD = (
    'LANGUAGES = {"ja": "Japanese", "ko": "Korean", "zh": "Chinese"}\n'
    'TERMS = {"ja": {"agent": "agent (ja)"}, "ko": {"agent": "agent (ko)"}}\n'
    'EXTRA = {"common": ["* Keep code as is."], "ja": ["* Use half-width spaces."]}\n'
)

LLM_BASE = (
    "from abc import ABC, abstractmethod\n"
    "class LLMBase(ABC):\n"
    "    def __init__(self, config=None):\n        self.config = config\n"
    "    def _get_supported_params(self, **kwargs):\n"
    "        if self.config.model.startswith('o1'):\n"
    "            supported = {}\n"
    "            if 'messages' in kwargs:\n                supported['messages'] = kwargs['messages']\n"
    "            if 'tools' in kwargs:\n                supported['tools'] = kwargs['tools']\n"
    "            return supported\n"
    "        return self._get_common_params(**kwargs)\n"
    "    def _get_common_params(self, **kwargs):\n"
    "        params = {'temperature': self.config.temperature}\n"
    "        params.update(kwargs)\n        return params\n"
    "    @abstractmethod\n"
    "    def generate_response(self, messages, tools=None, **kwargs):\n        pass\n"
)
OPENAI_LLM = (
    "import os\nfrom openai import OpenAI\nfrom app.llms.base import LLMBase\n"
    "class OpenAILLM(LLMBase):\n"
    "    def __init__(self, config=None):\n        super().__init__(config)\n        self.client = OpenAI()\n"
    "    def generate_response(self, messages, tools=None, response_format=None, **kwargs):\n"
    "        params = self._get_supported_params(messages=messages, **kwargs)\n"
    "        params.update({'model': self.config.model, 'messages': messages})\n"
    "        if os.getenv('OPENROUTER_API_KEY'):\n            params.pop('model')\n"
    "        if response_format:\n            params['response_format'] = response_format\n"
    "        if tools:\n            params['tools'] = tools\n"
    "        return self.client.chat.completions.create(**params)\n"
)
ANTHROPIC_LLM = (
    "import anthropic\nfrom app.llms.base import LLMBase\n"
    "class AnthropicLLM(LLMBase):\n"
    "    def __init__(self, config=None):\n        super().__init__(config)\n"
    "        self.client = anthropic.Anthropic()\n"
    "    def generate_response(self, messages, tools=None, **kwargs):\n"
    "        params = {'model': 'claude-sonnet-4-5', 'max_tokens': 1024, 'system': messages[0]['content'],\n"
    "                  'messages': messages[1:]}\n"
    "        return self.client.messages.create(**params)\n"
)
FACTORY = (
    "import importlib\n"
    "def load_class(class_type):\n"
    "    module_path, class_name = class_type.rsplit('.', 1)\n"
    "    module = importlib.import_module(module_path)\n"
    "    return getattr(module, class_name)\n"
    "class LlmFactory:\n"
    "    provider_to_class = {'openai': ('app.llms.openai.OpenAILLM', dict),\n"
    "                         'anthropic': ('app.llms.anthropic.AnthropicLLM', dict)}\n"
    "    @classmethod\n"
    "    def create(cls, provider_name, config=None):\n"
    "        class_type, config_class = cls.provider_to_class[provider_name]\n"
    "        return load_class(class_type)(config)\n"
)

CASES: dict[str, dict[str, str]] = {
    # ---- request dicts built by helpers, and classes chosen by a factory (mem0)
    "a request dict built by a helper, updated and passed as **params": {
        "app/__init__.py": "", "app/llms/__init__.py": "",
        "app/llms/base.py": LLM_BASE,
        "app/llms/openai.py": OPENAI_LLM,
        "app/prompts.py": RULES_MOD,
        "app/memory.py": "from datetime import datetime\nfrom app.llms.openai import OpenAILLM\n"
        "from app.prompts import RULES\n"
        "llm = OpenAILLM()\n"
        "def stamped(q):\n"
        "    system = f'Now: {datetime.now().isoformat()}\\n' + RULES  # expect: CL102\n"
        "    return llm.generate_response(messages=[{'role': 'system', 'content': system},\n"
        "                                           {'role': 'user', 'content': q}])\n"
        "def steady(q):\n"
        "    return llm.generate_response(messages=[{'role': 'system', 'content': RULES},\n"
        "                                           {'role': 'user', 'content': q}])\n",
    },
    "keyword arguments gathered by **kwargs reach the SDK": {
        "app/__init__.py": "",
        "app/prompts.py": RULES_MOD,
        "app/llm.py": CLIENT + "def chat(**kwargs):\n    return client.chat.completions.create(**kwargs)\n",
        "app/main.py": "from app.llm import chat\nfrom app.prompts import RULES\n"
        "def ask(user, q):\n"
        "    return chat(model='gpt-4.1', messages=[\n"
        "        {'role': 'system', 'content': f'User: {user.name}\\n' + RULES},  # expect: CL101\n"
        "        {'role': 'user', 'content': q}])\n"
        "def ask_well(user, q):\n"
        "    return chat(model='gpt-4.1', messages=[{'role': 'system', 'content': RULES},\n"
        "                                           {'role': 'user', 'content': f'User: {user.name}\\n{q}'}])\n",
    },
    "a method of one of several classes loaded by a factory from a table": {
        "app/__init__.py": "", "app/llms/__init__.py": "",
        "app/llms/base.py": LLM_BASE,
        "app/llms/openai.py": OPENAI_LLM,
        "app/llms/anthropic.py": ANTHROPIC_LLM,
        "app/factory.py": FACTORY,
        "app/prompts.py": RULES_MOD,
        "app/memory.py": "from app.factory import LlmFactory\nfrom app.prompts import RULES\n"
        "class Memory:\n"
        "    def __init__(self, config):\n"
        "        self.llm = LlmFactory.create(config.provider, config.llm)\n"
        "    def extract(self, user, q):\n"
        "        return self.llm.generate_response(messages=[  # expect: CL401\n"
        "            {'role': 'system', 'content': f'User: {user.name}\\n' + RULES},  # expect: CL101\n"
        "            {'role': 'user', 'content': q}])\n"
        "    def extract_well(self, user, q):\n"
        "        return self.llm.generate_response(messages=[  # expect: CL401 (AnthropicLLM has no cache_control)\n"
        "            {'role': 'system', 'content': RULES},\n"
        "            {'role': 'user', 'content': f'User: {user.name}\\n{q}'}])\n",
    },
    # ---- tables looked up by a computed key (openai-agents' translation script)
    "a table looked up by a parameter gives one of its texts": {
        "app/__init__.py": "",
        "app/prompts.py": RULES_MOD + TABLES_MOD,
        "app/translate.py": CLIENT + "from app.prompts import EXTRA, LANGUAGES, RULES, TERMS\n"
        "def build(lang_code):\n"
        "    terms = '\\n'.join([f'* {k} -> {v}' for k, v in TERMS.get(lang_code, {}).items()])\n"
        "    extra = '\\n'.join(EXTRA.get('common', []) + EXTRA.get(lang_code, []))\n"
        "    return f'Translate into {LANGUAGES[lang_code]}.\\n' + RULES + terms + extra\n"
        "def translate(text, lang_code):\n"
        "    return client.responses.create(model='gpt-4.1', instructions=build(lang_code), input=text)\n"
        "def run(text):\n"
        "    for code in LANGUAGES:\n"
        "        translate(text, code)\n"
        "def greet(text, lang, user):\n"
        "    hello = {'ja': f'Hi {user.name}', 'ko': 'Korean'}  # expect: CL101\n"
        "    return client.responses.create(model='gpt-4.1', instructions=hello[lang] + RULES, input=text)\n",
    },
    # ---- SDK calls inside comprehensions (graphiti's reranker)
    "a call in a comprehension over message lists built the same way": {
        "app/__init__.py": "",
        "app/prompts.py": RULES_MOD,
        "app/rank.py": CLIENT + "from app.prompts import RULES\n"
        "def rank(query, passages):\n"
        "    batches = [[{'role': 'system', 'content': f'Query: {query}\\n' + RULES},  # expect: CL101\n"
        "                {'role': 'user', 'content': p}] for p in passages]\n"
        "    return [client.chat.completions.create(model='gpt-4.1', messages=m) for m in batches]\n"
        "def rank_well(query, passages):\n"
        "    batches = [[{'role': 'system', 'content': RULES},\n"
        "                {'role': 'user', 'content': f'Query: {query}\\n{p}'}] for p in passages]\n"
        "    return [client.chat.completions.create(model='gpt-4.1', messages=m) for m in batches]\n",
    },
    # ---- wrappers of wrappers (gptme's CI script)
    "a finding written inside a wrapper is not repeated at the callers of its callers": {
        "app/__init__.py": "",
        "app/llm.py": CLIENT + "def call_model(prompt):\n"
        "    return client.chat.completions.create(model='gpt-4.1',\n"
        "                                          messages=[{'role': 'user', 'content': prompt}])\n",
        "app/analyze.py": "from app.llm import call_model\n"
        "def analyze(log):\n"
        "    prompt = 'Explain this failure in two sentences. ' * 40 + f'\\n{log}'\n"
        "    return call_model(prompt)  # expect: CL201\n",
        "app/main.py": "from app.analyze import analyze\n"
        "def run(log):\n"
        "    return analyze(log)\n"
        "def run_twice(log):\n"
        "    return run(log), run(log)\n",
    },
    "a caller that adds text of its own is still reported": {
        "app/__init__.py": "",
        "app/llm.py": CLIENT + "def call_model(prompt, system):\n"
        "    return client.chat.completions.create(model='gpt-4.1', messages=[\n"
        "        {'role': 'system', 'content': system}, {'role': 'user', 'content': prompt}])\n",
        "app/analyze.py": "from app.llm import call_model\n"
        "def analyze(log, system):\n"
        "    prompt = f'Explain this failure in two sentences.\\n{log}'\n"
        "    return call_model(prompt, system)\n",
        "app/main.py": "from app.analyze import analyze\n"
        "def run(log):\n"
        "    return analyze(log, 'You are a CI assistant. ' * 60)  # expect: CL201\n",
    },
    "a wrapper is found whatever function the scan meets first (khoj)": {
        "app/__init__.py": "",
        "app/a.py": CLIENT + "from app.d import f3\n"
        "def too_deep(messages):\n"
        "    client.moderations.create(input='scanned first')\n"
        "    return f3(messages)\n"
        "def f0(messages):\n"
        "    return client.chat.completions.create(model='gpt-4.1', messages=messages)\n",
        "app/b.py": "from app.a import f0\ndef f1(messages):\n    return f0(messages)\n",
        "app/c.py": "from app.b import f1\ndef f2(messages):\n    return f1(messages)\n",
        "app/d.py": "from app.c import f2\ndef f3(messages):\n    return f2(messages)\n",
        "app/main.py": "from app.b import f1\n"
        "def run(q):\n"
        "    return f1([{'role': 'system', 'content': 'Be brief. ' * 100},  # expect: CL201\n"
        "               {'role': 'user', 'content': q}])\n",
    },
    # ---- loops that pick some elements of a mixed list (khoj's wrappers)
    "wrapper lifts the system message out of a mixed list (valid)": {
        "app/__init__.py": "",
        "app/prompts.py": RULES_MOD,
        "app/fmt.py": "def fmt(messages):\n"
        "    out = []\n"
        "    for m in reversed(messages):\n"
        "        out.append({'role': m['role'], 'content': m['content']})\n"
        "    return out\n",
        "app/llm.py": CLIENT + "import copy\nfrom app.fmt import fmt\n"
        "def send(messages, system=None):\n"
        "    msgs = copy.deepcopy(messages)\n"
        "    if system:\n"
        "        msgs = [{'role': 'system', 'content': system}] + msgs\n"
        "    formatted = fmt(msgs)\n"
        "    instructions = None\n"
        "    if formatted[0]['role'] == 'system':\n"
        "        instructions = formatted[0]['content']\n"
        "        formatted = formatted[1:]\n"
        "    return client.responses.create(model='gpt-4.1', instructions=instructions, input=formatted)\n",
        "app/main.py": "from app.llm import send\nfrom app.prompts import RULES\n"
        "def ask(q):\n"
        "    examples = [{'role': 'user', 'content': 'Policy examples: ' + RULES}]\n"
        "    return send(examples + [{'role': 'user', 'content': q}], system='You are a support agent.')\n",
    },
    "a loop over per-call values only is still per-call": {
        "app/__init__.py": "",
        "app/prompts.py": RULES_MOD,
        "app/main.py": CLIENT + "from app.prompts import RULES\n"
        "def ask(notes, q):\n"
        "    system = ''\n"
        "    for n in [notes[0], notes[1]]:\n"
        "        system += n  # expect: CL101\n"
        "    return client.responses.create(model='gpt-4.1', instructions=system + RULES, input=q)\n",
    },
    # ---- imports
    "absolute import of a constant (valid)": {
        "app/__init__.py": "",
        "app/prompts.py": RULES_MOD,
        "app/main.py": CLIENT + "from app.prompts import RULES\n"
        "def ask(q):\n    return client.responses.create(model='gpt-4.1', instructions=RULES, input=q)\n",
    },
    "absolute import, per-call value before it": {
        "app/__init__.py": "",
        "app/prompts.py": RULES_MOD,
        "app/main.py": CLIENT + "from app.prompts import RULES\n"
        "def ask(name, q):\n"
        "    return client.responses.create(model='gpt-4.1', instructions=f'Hi {name}\\n' + RULES,  # expect: CL101\n"
        "                                   input=q)\n",
    },
    "relative import and import-as": {
        "pkg/__init__.py": "",
        "pkg/text.py": RULES_MOD,
        "pkg/svc.py": CLIENT + "from . import text as t\nfrom .text import RULES as R\n"
        "def ask(tenant, q):\n"
        "    return client.responses.create(model='gpt-4.1', instructions=tenant + t.RULES,  # expect: CL101\n"
        "                                   input=q)\n"
        "def ok(q):\n    return client.responses.create(model='gpt-4.1', instructions=R, input=q)\n",
    },
    "import x.y as z and dotted access": {
        "lib/__init__.py": "",
        "lib/prompts/__init__.py": "",
        "lib/prompts/base.py": RULES_MOD,
        "main.py": CLIENT + "import lib.prompts.base as base\nimport lib.prompts.base\n"
        "from datetime import datetime\n"
        "def ask(q):\n"
        "    return client.responses.create(model='gpt-4.1',\n"
        "        instructions=f'{datetime.now()}' + base.RULES + lib.prompts.base.RULES,  # expect: CL102\n"
        "        input=q)\n",
    },
    "star import": {
        "policies.py": RULES_MOD + "EXTRA = 'Be kind.'\n",
        "agent.py": CLIENT + "from policies import *\n"
        "def ask(user_id, q):\n"
        "    return client.responses.create(model='gpt-4.1', instructions=user_id + EXTRA + RULES,  # expect: CL101\n"
        "                                   input=q)\n",
    },
    "re-export through __init__": {
        "core/__init__.py": "from .prompts import RULES\n",
        "core/prompts.py": RULES_MOD,
        "svc.py": CLIENT + "from core import RULES\nimport uuid\n"
        "def ask(q):\n"
        "    rid = uuid.uuid4()\n"
        "    return client.responses.create(model='gpt-4.1', instructions=f'[{rid}] ' + RULES,  # expect: CL102\n"
        "                                   input=q)\n",
    },
    "star re-export through __init__": {
        "pkg/__init__.py": "from .sub.texts import *\n",
        "pkg/sub/__init__.py": "",
        "pkg/sub/texts.py": RULES_MOD,
        "svc.py": CLIENT + "from pkg import RULES\n"
        "def ask(user_id, q):\n"
        "    return client.responses.create(model='gpt-4.1', instructions=user_id + RULES,  # expect: CL101\n"
        "                                   input=q)\n",
    },
    "src layout": {
        "src/acme/__init__.py": "",
        "src/acme/prompts.py": RULES_MOD,
        "src/acme/app.py": CLIENT + "from acme.prompts import RULES\n"
        "def ask(org, q):\n"
        "    return client.responses.create(model='gpt-4.1', instructions=f'Org {org}. {RULES}',  # expect: CL101\n"
        "                                   input=q)\n",
    },
    "import cycle terminates": {
        "a.py": "from b import B\nA = 'x' + B\n",
        "b.py": "from a import A\nB = 'y' + A\n",
        "main.py": CLIENT + "from a import A\n"
        "def ask(q):\n    return client.responses.create(model='gpt-4.1', instructions=A, input=q)\n",
    },
    # ---- helpers in other modules
    "helper in another module, parameter bound at the call": {
        "prompts.py": RULES_MOD + "def system_for(user):\n"
        "    return f'Customer {user.name}.\\n' + RULES\n"
        "def static_system(kind='support'):\n    return f'Kind: {kind}.\\n' + RULES\n",
        "svc.py": CLIENT + "from prompts import system_for, static_system\n"
        "def ask(user, q):\n"
        "    return client.chat.completions.create(model='gpt-4.1', messages=[\n"
        "        {'role': 'system', 'content': system_for(user)},  # expect: CL101\n"
        "        {'role': 'user', 'content': q}])\n"
        "def ok(q):\n"
        "    return client.chat.completions.create(model='gpt-4.1', messages=[\n"
        "        {'role': 'system', 'content': static_system()},\n"
        "        {'role': 'user', 'content': q}])\n",
    },
    "nested helper chain building the message list": {
        "build.py": RULES_MOD + "def system(user):\n    return 'User: ' + user + '\\n' + RULES\n"
        "def messages(user, q):\n    msgs = [{'role': 'system', 'content': system(user)}]\n"
        "    msgs.append({'role': 'user', 'content': q})\n    return msgs\n",
        "svc.py": CLIENT + "import build\n"
        "def ask(user, q):\n"
        "    return client.chat.completions.create(\n"
        "        model='gpt-4.1', messages=build.messages(user, q))  # expect: CL101\n",
    },
    "self-recursive helper terminates": {
        "svc.py": CLIENT + RULES_MOD + "def f(n):\n    return f(n - 1) + 'x'\n"
        "def ask(q):\n    return client.responses.create(model='gpt-4.1', instructions=f(3) + RULES, input=q)\n",
    },
    # ---- classes
    "class attribute and self.x from a constant": {
        "agent.py": CLIENT + RULES_MOD + "from datetime import datetime\n"
        "class Agent:\n"
        "    SYSTEM = RULES\n"
        "    def __init__(self):\n        self.header = 'Support bot.\\n'\n        self.client = OpenAI()\n"
        "    def ask(self, q):\n"
        "        return self.client.responses.create(\n"
        "            model='gpt-4.1', instructions=self.header + self.SYSTEM, input=q)\n"
        "    def ask_time(self, q):\n"
        "        return self.client.responses.create(model='gpt-4.1',\n"
        "            instructions=f'{datetime.now()}' + self.SYSTEM,  # expect: CL102\n"
        "            input=q)\n",
    },
    "dataclass default and property": {
        "agent.py": CLIENT + RULES_MOD + "from dataclasses import dataclass\nimport time\n"
        "@dataclass\nclass Config:\n    persona: str = 'Acme support.'\n"
        "    @property\n    def system(self):\n        return self.persona + RULES\n"
        "    @property\n    def stamped(self):\n        return str(time.time()) + RULES  # expect: CL102\n"
        "class Bot:\n"
        "    def __init__(self):\n        self.cfg = Config()\n"
        "    def ask(self, q):\n"
        "        return client.responses.create(model='gpt-4.1', instructions=self.cfg.system, input=q)\n"
        "    def ask2(self, q):\n"
        "        return client.responses.create(model='gpt-4.1', instructions=self.cfg.stamped, input=q)\n",
    },
    "method building the prompt via self.method()": {
        "bot.py": CLIENT + RULES_MOD + "class Bot:\n"
        "    def system(self, user):\n        return f'User: {user}\\n{RULES}'  # expect: CL101\n"
        "    def ask(self, user, q):\n"
        "        return client.responses.create(model='gpt-4.1', instructions=self.system(user), input=q)\n",
    },
    "client kept on self, created in a setup method": {
        "llm.py": "from openai import AsyncOpenAI\n" + RULES_MOD + "class LLM:\n"
        "    def setup(self):\n        self.client = AsyncOpenAI()\n"
        "    async def ask(self, user, q):\n"
        "        return await self.client.responses.create(model='gpt-4.1',\n"
        "            instructions=f'{user}: ' + RULES,  # expect: CL101\n"
        "            input=q)\n",
    },
    "an ORM's self.responses.create is not an SDK call": {
        "orm.py": RULES_MOD + "class Survey:\n"
        "    def add(self, user, q):\n"
        "        return self.responses.create(model='x', instructions=f'{user}' + RULES, input=q)\n",
    },
    # ---- wrappers
    "wrapper function: reported at the caller": {
        "llm.py": CLIENT + "def chat(system, question, model='gpt-4.1'):\n"
        "    return client.chat.completions.create(model=model, messages=[\n"
        "        {'role': 'system', 'content': system}, {'role': 'user', 'content': question}])\n",
        "prompts.py": RULES_MOD,
        "svc.py": "from llm import chat\nfrom prompts import RULES\n"
        "def good(q):\n    return chat(RULES, q)\n"
        "def bad(user, q):\n    return chat(f'{user.email}\\n' + RULES, q)  # expect: CL101\n"
        "def short(q):\n    return chat('Be brief. ' * 100, q)  # expect: CL201\n",
    },
    "wrapper of a wrapper (method)": {
        "llm.py": CLIENT + "class LLM:\n"
        "    def complete(self, instructions, text):\n"
        "        return client.responses.create(model='gpt-4.1', instructions=instructions, input=text)\n"
        "def ask(system, text):\n    return LLM().complete(system, text)\n",
        "svc.py": "from llm import ask\nfrom datetime import datetime\n" + RULES_MOD +
        "def bad(q):\n    return ask(f'Now {datetime.now():%H:%M:%S}. ' + RULES, q)  # expect: CL102\n"
        "def good(q):\n    return ask(f'Today {datetime.now():%Y-%m-%d}. ' + RULES, q)\n",
    },
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_project_case(tmp_path: Path, name: str) -> None:
    found, expected, errors = run_project(tmp_path, CASES[name])
    assert errors == []
    assert found == expected


def test_an_element_picked_from_a_mixed_list_is_unknown_not_per_call(tmp_path: Path) -> None:
    """khoj lifts the system message out of [system, user] after copy.deepcopy and reversed():
    blaming the user's per-call text on it made a false CL102."""
    case = CASES["wrapper lifts the system message out of a mixed list (valid)"]
    run_project(tmp_path, case)
    project = Project(str(tmp_path))
    mod = project.load(str(tmp_path / "app" / "main.py"))
    assert mod is not None
    (prompt,) = assemble_module(mod, project)
    # `if system:` is decided by the constant the caller passes, so the list is known item by
    # item: reversed, it starts with the user's question and no instructions are lifted out
    stabilities = [seg.stability for seg in prompt.segments if seg.slot == "instructions"]
    assert stabilities == []
    assert [seg.stability for seg in prompt.segments][-1] == Stability.STATIC  # the system message, last


def test_an_element_picked_from_a_mixed_list_in_an_undecided_branch_is_unknown(tmp_path: Path) -> None:
    """The same with a system text the caller's own caller gives: whether it is prepended is
    not known, so the branch that lifts the first message out holds the unknown item."""
    case = dict(CASES["wrapper lifts the system message out of a mixed list (valid)"])
    case["app/main.py"] = case["app/main.py"].replace("def ask(q):", "def ask(q, system):").replace(
        "system='You are a support agent.'", "system=system")
    run_project(tmp_path, case)
    project = Project(str(tmp_path))
    mod = project.load(str(tmp_path / "app" / "main.py"))
    assert mod is not None
    (prompt,) = assemble_module(mod, project)
    stabilities = [seg.stability for seg in prompt.segments if seg.slot == "instructions"]
    assert Stability.UNKNOWN in stabilities and Stability.PER_CALL not in stabilities


def _stabilities(tmp_path: Path, files: dict[str, str], path: str) -> list[dict[str, Stability]]:
    run_project(tmp_path, files)
    project = Project(str(tmp_path))
    mod = project.load(str(tmp_path / path))
    assert mod is not None
    return [{seg.source: seg.stability for seg in p.segments} for p in assemble_module(mod, project)]


def test_a_table_lookup_is_as_stable_as_its_values_not_its_key(tmp_path: Path) -> None:
    """A language name picked from a fixed table by a parameter is one of three texts: each
    language keeps a cached prefix of its own (it was per-call, a false CL101)."""
    direct = _stabilities(tmp_path, CASES["a table looked up by a parameter gives one of its texts"],
                          "app/translate.py")[0]
    assert direct["{LANGUAGES[lang_code]}"] == Stability.STATIC
    assert Stability.UNKNOWN not in direct.values()  # the comprehension and the list sum too


def test_a_module_table_changed_at_run_time_is_not_its_import_time_value(tmp_path: Path) -> None:
    files = {
        "app.py": CLIENT + RULES_MOD + "PERSONAL = {'a': 'x'}\n"
        "def register(user):\n    PERSONAL[user.id] = f'Hello {user.name}'\n"
        "def ask(text):\n"
        "    return client.responses.create(model='gpt-4.1', instructions=PERSONAL['a'] + RULES, input=text)\n",
    }
    (prompt,) = _stabilities(tmp_path, files, "app.py")
    assert prompt["PERSONAL['a']"] == Stability.UNKNOWN  # was the import-time 'x', static


def test_a_factory_call_is_followed_into_each_class_it_may_make(tmp_path: Path) -> None:
    """`LlmFactory.create(provider)` makes one of the table's classes (importlib and getattr on
    dotted names): the caller's prompt is rebuilt through each class's method, once per class."""
    case = CASES["a method of one of several classes loaded by a factory from a table"]
    run_project(tmp_path, case)
    project = Project(str(tmp_path))
    mod = project.load(str(tmp_path / "app" / "memory.py"))
    assert mod is not None
    apis = sorted((p.call.span.line, p.call.provider, p.call.api) for p in assemble_module(mod, project))
    assert apis == [(7, "anthropic", "messages.create"), (7, "openai", "chat.completions.create"),
                    (11, "anthropic", "messages.create"), (11, "openai", "chat.completions.create")]


def test_the_wrapper_scan_does_not_depend_on_what_it_meets_first(tmp_path: Path) -> None:
    """A scan that reached f1 four calls deep (past the limit) remembered "no SDK call" for it,
    and --show-prompt (one project for the whole run) then missed every caller of f1."""
    run_project(tmp_path, CASES["a wrapper is found whatever function the scan meets first (khoj)"])
    # `run` forwards `q`; `too_deep` reaches the SDK five calls down, past the limit of four
    assert Project(str(tmp_path)).wrapper_names() == {"f0", "f1", "f2", "f3", "run"}


def test_declared_wrapper(tmp_path: Path) -> None:
    files = {
        "use.py": "from mylib.llm import chat\n" + RULES_MOD +
        "def reply(user, q):\n"
        "    return chat(model='gpt-4.1',\n"
        "                msgs=[{'role': 'system', 'content': f'User {user}. ' + RULES},  # expect: CL101\n"
        "                                      {'role': 'user', 'content': q}])\n"
        "def fine(q):\n"
        "    return chat(model='gpt-4.1', msgs=[{'role': 'system', 'content': RULES},\n"
        "                                      {'role': 'user', 'content': q}])\n",
    }
    declared = (("mylib.llm.chat", (("messages", "msgs"), ("model", "model"))),)
    found, expected, errors = run_project(tmp_path, files, wrappers=declared)
    assert errors == []
    assert found == expected
    # without the declaration, a call of an unknown library function is not an LLM call
    found, _, _ = run_project(tmp_path, files)
    assert found == set()

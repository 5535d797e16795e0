"""Issue 18, construct 3: messages built as objects (dataclasses, pydantic models, TypedDicts,
langchain message classes) and converted by a helper, system text pulled out of a message list
by a loop that filters on the role, and lists rebuilt by a loop. Each positive case is a small
project linted through the CLI, with a twin that looks the same and must stay silent."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

RULES = " ".join(["Follow the support policy carefully and answer precisely."] * 200)
# `{user}` (a parameter of the function that builds each request) ahead of ~1,800 static tokens.
SYSTEM_FIRST = 'f"User: {user}. " + RULES'
# The same text with the name after it: nothing to report.
SYSTEM_LAST = 'RULES + f" User: {user}."'


def lint(project: Path, run: Callable[..., Any], code: str, system: str) -> tuple[int, str]:
    (project / "pyproject.toml").write_text("")
    body = textwrap.dedent(code).replace("SYSTEM_TEXT", system)
    (project / "app.py").write_text(f"RULES = {RULES!r}\n" + body)
    result = run("--no-cache", "--format", "concise", "-j", "1", "--select", "CL101", ".")
    return result.exit_code, result.stdout


DATACLASS = '''
from dataclasses import dataclass
from openai import OpenAI
client = OpenAI()

@dataclass
class Message:
    role: str
    content: str

def to_dicts(msgs):
    return [{"role": m.role, "content": m.content} for m in msgs]

def ask(user, q):
    msgs = [Message("system", SYSTEM_TEXT), Message(role="user", content=q)]
    return client.chat.completions.create(model="gpt-4.1", messages=to_dicts(msgs))
'''

PYDANTIC = '''
from pydantic import BaseModel
from openai import OpenAI
client = OpenAI()

class Message(BaseModel):
    role: str = "user"
    content: str

    def to_openai(self):
        return {"role": self.role, "content": self.content}

def ask(user, q):
    msgs = [Message(role="system", content=SYSTEM_TEXT), Message(content=q)]
    return client.chat.completions.create(model="gpt-4.1", messages=[m.to_openai() for m in msgs])
'''

MODEL_DUMP = '''
from pydantic import BaseModel
from openai import OpenAI
client = OpenAI()

class Message(BaseModel):
    role: str
    content: str

def ask(user, q):
    msgs = [Message(role="system", content=SYSTEM_TEXT), Message(role="user", content=q)]
    return client.chat.completions.create(model="gpt-4.1", messages=[m.model_dump() for m in msgs])
'''

TYPEDDICT = '''
from typing import TypedDict
from openai import OpenAI
client = OpenAI()

class Msg(TypedDict):
    role: str
    content: str

def ask(user, q):
    msgs = [Msg(role="system", content=SYSTEM_TEXT), Msg(role="user", content=q)]
    return client.chat.completions.create(model="gpt-4.1", messages=msgs)
'''

LANGCHAIN = '''
from langchain_core.messages import HumanMessage, SystemMessage
from openai import OpenAI
client = OpenAI()
ROLES = {"system": "system", "human": "user", "ai": "assistant"}

def convert(msgs):
    return [{"role": ROLES[m.type], "content": m.content} for m in msgs]

def ask(user, q):
    msgs = [SystemMessage(content=SYSTEM_TEXT), HumanMessage(q)]
    return client.chat.completions.create(model="gpt-4.1", messages=convert(msgs))
'''

LANGCHAIN_LOOP = '''
from langchain_core.messages import HumanMessage, SystemMessage
from openai import OpenAI
client = OpenAI()

def convert(msgs):
    out = []
    for m in msgs:
        role = "system" if isinstance(m, SystemMessage) else "user"
        out.append({"role": role, "content": m.content})
    return out

def ask(user, q):
    msgs = [SystemMessage(content=SYSTEM_TEXT), HumanMessage(content=q)]
    return client.chat.completions.create(model="gpt-4.1", messages=convert(msgs))
'''

ROLE_FILTER = '''
from anthropic import Anthropic
client = Anthropic()

def send(messages):
    system = ""
    rest = []
    for m in messages:
        if m["role"] == "system":
            system = m["content"]
        else:
            rest.append(m)
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=10, system=system, messages=rest)

def ask(user, q):
    return send([{"role": "system", "content": SYSTEM_TEXT}, {"role": "user", "content": q}])
'''

DEEPCOPY_LOOP = '''
from copy import deepcopy
from openai import OpenAI
client = OpenAI()

def clean(messages):
    out = []
    for m in deepcopy(messages):
        m.pop("name", None)
        out.append(m)
    return out

def ask(user, q):
    msgs = [{"role": "system", "content": SYSTEM_TEXT, "name": "x"}, {"role": "user", "content": q}]
    return client.chat.completions.create(model="gpt-4.1", messages=clean(msgs))
'''

REVERSED_LOOP = '''
from openai import OpenAI
client = OpenAI()

def newest_first(messages):
    out = []
    for m in reversed(messages):
        out.insert(0, m)
    return out

def ask(user, q):
    msgs = [{"role": "system", "content": SYSTEM_TEXT}, {"role": "user", "content": q}]
    return client.chat.completions.create(model="gpt-4.1", messages=newest_first(msgs))
'''

COMPREHENSION_FILTER = '''
from anthropic import Anthropic
client = Anthropic()

def send(messages):
    system = "\\n".join(m["content"] for m in messages if m["role"] == "system")
    rest = [m for m in messages if m["role"] != "system"]
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=10, system=system, messages=rest)

def ask(user, q):
    return send([{"role": "system", "content": SYSTEM_TEXT}, {"role": "user", "content": q}])
'''

NEXT_FILTER = '''
from anthropic import Anthropic
client = Anthropic()

def send(messages):
    system = next((m["content"] for m in messages if m["role"] == "system"), None)
    rest = [m for m in messages if m["role"] != "system"]
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=10, system=system, messages=rest)

def ask(user, q):
    return send([{"role": "system", "content": SYSTEM_TEXT}, {"role": "user", "content": q}])
'''

HISTORY_CONCAT = '''
from openai import OpenAI
client = OpenAI()

def ask(user, history, q):
    messages = [{"role": "system", "content": SYSTEM_TEXT}] + history + [{"role": "user", "content": q}]
    return client.chat.completions.create(model="gpt-4.1", messages=messages)
'''

HISTORY_STAR = '''
from openai import OpenAI
client = OpenAI()

def ask(user, history, q):
    system = {"role": "system", "content": SYSTEM_TEXT}
    new = {"role": "user", "content": q}
    return client.chat.completions.create(model="gpt-4.1", messages=[system, *history, new])
'''

HISTORY_EXTEND = '''
from openai import OpenAI
client = OpenAI()

def ask(user, history, q):
    messages = [{"role": "system", "content": SYSTEM_TEXT}]
    messages.extend(history)
    messages.extend([{"role": "user", "content": q}])
    return client.chat.completions.create(model="gpt-4.1", messages=messages)
'''

KWARGS_UPDATE = '''
from anthropic import Anthropic
client = Anthropic()

def ask(user, q):
    kwargs = {"model": "claude-sonnet-4-5", "max_tokens": 100}
    kwargs.update({"system": SYSTEM_TEXT})
    return client.messages.create(messages=[{"role": "user", "content": q}], **kwargs)
'''

KWARGS_WRAPPER = '''
from anthropic import Anthropic
client = Anthropic()

def call(messages, **kwargs):
    params = {"model": "claude-sonnet-4-5", "max_tokens": 100, "messages": messages}
    params.update(kwargs)
    return client.messages.create(**params)

def ask(user, q):
    return call([{"role": "user", "content": q}], system=SYSTEM_TEXT)
'''

CASES = {
    "dataclass": DATACLASS, "pydantic-method": PYDANTIC, "pydantic-model_dump": MODEL_DUMP,
    "typeddict": TYPEDDICT, "langchain-comprehension": LANGCHAIN, "langchain-loop": LANGCHAIN_LOOP,
    "role-filter-loop": ROLE_FILTER, "deepcopy-loop": DEEPCOPY_LOOP, "reversed-loop": REVERSED_LOOP,
    "role-filter-comprehension": COMPREHENSION_FILTER, "role-filter-next": NEXT_FILTER,
    "history-concatenated": HISTORY_CONCAT, "history-unpacked": HISTORY_STAR, "history-extended": HISTORY_EXTEND,
    "kwargs-update": KWARGS_UPDATE, "kwargs-through-a-wrapper": KWARGS_WRAPPER,
}


@pytest.mark.parametrize("code", CASES.values(), ids=CASES.keys())
def test_a_name_ahead_of_the_static_prompt_is_found(project: Path, run: Callable[..., Any], code: str) -> None:
    code_, out = lint(project, run, code, SYSTEM_FIRST)
    assert code_ == 1
    assert "CL101 `{user}` precedes" in out
    assert "static tokens of the system" in out


@pytest.mark.parametrize("code", CASES.values(), ids=CASES.keys())
def test_the_same_prompt_with_the_name_last_is_silent(project: Path, run: Callable[..., Any], code: str) -> None:
    code_, out = lint(project, run, code, SYSTEM_LAST)
    assert (code_, out) == (0, "All checks passed!\n")


NOT_A_RECORD = '''
from openai import OpenAI
client = OpenAI()

class Message:
    role: str
    content: str

    def __init__(self, role, content):
        self.role = role
        self.content = "Answer briefly."

def ask(user, q):
    msgs = [Message("system", SYSTEM_TEXT), Message("user", q)]
    return client.chat.completions.create(model="gpt-4.1",
                                          messages=[{"role": m.role, "content": m.content} for m in msgs])
'''

UNDECIDED_FILTER = '''
from anthropic import Anthropic
client = Anthropic()

def send(messages, wanted):
    system = ""
    for m in messages:
        if m["role"] == wanted:
            system = m["content"]
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=10, system=system,
                                  messages=[{"role": "user", "content": "hi"}])

def ask(user, q, wanted):
    return send([{"role": "system", "content": SYSTEM_TEXT}, {"role": "user", "content": q}], wanted)
'''

BREAK_LOOP = '''
from anthropic import Anthropic
client = Anthropic()

def send(messages):
    system = ""
    for m in messages:
        if m["role"] != "system":
            break
        system = m["content"]
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=10, system=system,
                                  messages=[{"role": "user", "content": "hi"}])

def ask(user, q):
    return send([{"role": "user", "content": q}, {"role": "system", "content": SYSTEM_TEXT}])
'''

UNDECIDED_NEXT = '''
from anthropic import Anthropic
client = Anthropic()

def send(messages, wanted):
    system = next((m["content"] for m in messages if m["role"] == wanted), "")
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=10, system=system,
                                  messages=[{"role": "user", "content": "hi"}])

def ask(user, q, wanted):
    return send([{"role": "system", "content": SYSTEM_TEXT}, {"role": "user", "content": q}], wanted)
'''

KWARGS_NOT_SENT = '''
from anthropic import Anthropic
client = Anthropic()

def call(messages, **kwargs):
    options = dict(kwargs)
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=100, messages=messages)

def ask(user, q):
    return call([{"role": "user", "content": q}], system=SYSTEM_TEXT)
'''

POST_INIT = '''
from dataclasses import dataclass
from openai import OpenAI
client = OpenAI()

@dataclass
class Message:
    role: str
    content: str

    def __post_init__(self):
        self.content = "Answer briefly."

def ask(user, q):
    msgs = [Message("system", SYSTEM_TEXT), Message("user", q)]
    return client.chat.completions.create(model="gpt-4.1",
                                          messages=[{"role": m.role, "content": m.content} for m in msgs])
'''

VALIDATOR = '''
from pydantic import BaseModel, field_validator
from openai import OpenAI
client = OpenAI()

class Message(BaseModel):
    role: str
    content: str

    @field_validator("content")
    @classmethod
    def short(cls, v):
        return "Answer briefly."

def ask(user, q):
    msgs = [Message(role="system", content=SYSTEM_TEXT), Message(role="user", content=q)]
    return client.chat.completions.create(model="gpt-4.1", messages=[m.model_dump() for m in msgs])
'''

TWINS = {"hand-written-init": NOT_A_RECORD, "post-init-rewrites-a-field": POST_INIT,
         "validator-rewrites-a-field": VALIDATOR, "test-the-item-does-not-decide": UNDECIDED_FILTER,
         "loop-with-break": BREAK_LOOP, "next-with-a-test-the-item-does-not-decide": UNDECIDED_NEXT,
         "kwargs-never-sent": KWARGS_NOT_SENT}


@pytest.mark.parametrize("code", TWINS.values(), ids=TWINS.keys())
def test_look_alikes_that_cannot_be_followed_stay_silent(project: Path, run: Callable[..., Any], code: str) -> None:
    code_, out = lint(project, run, code, SYSTEM_FIRST)
    assert (code_, out) == (0, "All checks passed!\n")


def test_a_role_filter_in_a_comprehension_moves_the_system_text(project: Path, run: Callable[..., Any]) -> None:
    """The system message goes to `system=` and only there: the comprehension that keeps the
    other messages drops it (before, it stayed in `messages` as a message sent on some calls,
    and the user's question was shown as part of the system text)."""
    lint(project, run, COMPREHENSION_FILTER, SYSTEM_FIRST)
    out = run("--no-cache", "--show-prompt", "app.py:12").stdout
    slots = [line.split()[1] for line in out.splitlines() if line.strip()[:1].isdigit()]
    assert slots == ["system", "system", "system", "system", "messages[0].content"]
    assert "parameter `q`" not in "".join(line for line in out.splitlines() if " system *" in line)


TOOLS = [{"type": "function", "function": {"name": f"tool_{i}", "description": "Look up an order. " * 10,
                                           "parameters": {"type": "object"}}} for i in range(8)]
TOOLS_KWARGS = '''
from openai import OpenAI
client = OpenAI()

def ask(user, q, wanted):
    kwargs = {}
    kwargs["tools"] = [t for t in TOOLS if t["function"]["name"] in WANTED]
    return client.chat.completions.create(
        model="gpt-4.1", messages=[{"role": "system", "content": RULES}, {"role": "user", "content": q}], **kwargs)
'''
TOOLS_WRAPPER = '''
from openai import OpenAI
client = OpenAI()

def call(messages, **kwargs):
    params = {"model": "gpt-4.1", "messages": messages}
    params.update(kwargs)
    return client.chat.completions.create(**params)

def ask(user, q, wanted):
    tools = [t for t in TOOLS if t["function"]["name"] in WANTED]
    return call([{"role": "system", "content": RULES}, {"role": "user", "content": q}], tools=tools)
'''


@pytest.mark.parametrize("code", [TOOLS_KWARGS, TOOLS_WRAPPER], ids=["kwargs-item", "wrapper-kwargs"])
@pytest.mark.parametrize("wanted", ["wanted", "ENABLED"])
def test_tools_filtered_per_call_reach_the_call_through_kwargs(project: Path, run: Callable[..., Any],
                                                               code: str, wanted: str) -> None:
    """A tools list filtered by a parameter is CL202 however it reaches the call; filtered by
    a module constant it is the same on every call (silent)."""
    (project / "pyproject.toml").write_text("")
    (project / "app.py").write_text(f"RULES = {RULES!r}\nTOOLS = {TOOLS!r}\nENABLED = ['tool_1', 'tool_2']\n"
                                    + textwrap.dedent(code).replace("WANTED", wanted))
    result = run("--no-cache", "--format", "concise", "-j", "1", "--select", "CL202", ".")
    if wanted == "ENABLED":
        assert (result.exit_code, result.stdout) == (0, "All checks passed!\n")
    else:
        assert result.exit_code == 1
        assert 'CL202 the tools sent depend on `t["function"]["name"] in wanted`' in result.stdout

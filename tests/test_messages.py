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

CASES = {
    "dataclass": DATACLASS, "pydantic-method": PYDANTIC, "pydantic-model_dump": MODEL_DUMP,
    "typeddict": TYPEDDICT, "langchain-comprehension": LANGCHAIN, "langchain-loop": LANGCHAIN_LOOP,
    "role-filter-loop": ROLE_FILTER, "deepcopy-loop": DEEPCOPY_LOOP, "reversed-loop": REVERSED_LOOP,
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

TWINS = {"hand-written-init": NOT_A_RECORD, "test-the-item-does-not-decide": UNDECIDED_FILTER,
         "loop-with-break": BREAK_LOOP}


@pytest.mark.parametrize("code", TWINS.values(), ids=TWINS.keys())
def test_look_alikes_that_cannot_be_followed_stay_silent(project: Path, run: Callable[..., Any], code: str) -> None:
    code_, out = lint(project, run, code, SYSTEM_FIRST)
    assert (code_, out) == (0, "All checks passed!\n")

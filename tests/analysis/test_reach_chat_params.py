"""Reach (issue 18, measured on TradingAgents): langchain chat models that reach the call
through untyped parameters. An agent is a closure made by `create_agent(llm)`; `llm` comes from
a client object's `get_llm()`, which builds a project subclass of a chat model picked from a
provider table; the agent sends `llm.invoke(prompt)`, `(prompt | llm.bind_tools(tools)).invoke(...)`
with a `ChatPromptTemplate`, or `llm.with_structured_output(Schema)` through helpers.

A parameter is taken for a chat model only when every call of its function in the project hands
one; a project class counts as the chat model it extends only when it changes nothing it sends.
Each case is a small project linted with the CLI: the findings must be exactly the lines marked
`# expect: CODE`, and every case has a twin that looks the same and must stay silent."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run
from expect_cases import expected, lint

POLICY = 'POLICY = "Always cite the relevant section of the support policy and never guess an answer. " * 120\n'

# A client factory as TradingAgents writes it: the chat model class comes from a provider table.
CLIENTS = '''\
from dataclasses import dataclass
from typing import Any

from langchain_openai import ChatOpenAI


class NormalizedChatOpenAI(ChatOpenAI):
    def invoke(self, input, config=None, **kwargs):
        return super().invoke(input, config, **kwargs)


class FastChat(NormalizedChatOpenAI):
    pass


@dataclass(frozen=True)
class Spec:
    chat_class: type = NormalizedChatOpenAI


TABLE = {"openai": Spec(), "fast": Spec(chat_class=FastChat)}


class Client:
    def __init__(self, provider):
        self.provider = provider

    def get_llm(self) -> Any:
        spec = TABLE.get(self.provider)
        cls = NormalizedChatOpenAI
        if spec is not None:
            cls = spec.chat_class
        return cls(model="gpt-4.1")
'''

GRAPH = '''\
from typing import Any

from app.agents import create_agent
from app.clients import Client


class Graph:
    def __init__(self, provider):
        self.llm: Any = Client(provider).get_llm()
        self.agent = create_agent(self.llm)
'''

AGENT = POLICY + '''

def create_agent(llm):
    def node(state):
        return llm.invoke(f"You advise {{state['user']}}. " + POLICY)  {mark}
    return node
'''

CASES: dict[str, dict[str, str]] = {
    "a closure's parameter, every caller hands a chat model from a factory": {
        "app/__init__.py": "", "app/clients.py": CLIENTS, "app/graph.py": GRAPH,
        "app/agents.py": AGENT.format(mark="# expect: CL101"),
    },
    "twin: another caller hands an object of the project's own": {
        "app/__init__.py": "", "app/clients.py": CLIENTS,
        "app/graph.py": GRAPH + '''

class Echo:
    def invoke(self, text):
        return text


echo_agent = create_agent(Echo())
''',
        "app/agents.py": AGENT.format(mark=""),
    },
    "twin: the subclass has a constructor of its own": {
        "app/__init__.py": "",
        "app/clients.py": CLIENTS.replace('''class FastChat(NormalizedChatOpenAI):
    pass''', '''class FastChat(NormalizedChatOpenAI):
    def __init__(self, **kwargs):
        super().__init__(model="gpt-4.1", **kwargs)'''),
        "app/graph.py": GRAPH, "app/agents.py": AGENT.format(mark=""),
    },
    "twin: the subclass rewrites the request": {
        "app/__init__.py": "",
        "app/clients.py": CLIENTS.replace('''class FastChat(NormalizedChatOpenAI):
    pass''', '''class FastChat(NormalizedChatOpenAI):
    def invoke(self, input, config=None, **kwargs):
        return ChatOpenAI(model="gpt-4o").invoke(input)'''),
        "app/graph.py": GRAPH, "app/agents.py": AGENT.format(mark=""),
    },
    "a prompt template piped into the chat model with its tools": {
        "app/__init__.py": "", "app/clients.py": CLIENTS, "app/graph.py": GRAPH,
        "app/agents.py": POLICY + '''
from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder


def lookup(order_id: str) -> str:
    """Find an order."""
    return order_id


def create_agent(llm):
    def node(state):
        prompt = ChatPromptTemplate.from_messages([
            ("system", "Today's date is {current_date}. {policy}"),
            MessagesPlaceholder(variable_name="messages"),
        ])
        prompt = prompt.partial(policy=POLICY)
        prompt = prompt.partial(current_date=state["date"])  # expect: CL101
        chain = prompt | llm.bind_tools([lookup])
        return chain.invoke(state["messages"])
    return node
''',
    },
    "twin: the template puts the date after the policy": {
        "app/__init__.py": "", "app/clients.py": CLIENTS, "app/graph.py": GRAPH,
        "app/agents.py": POLICY + '''
from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder


def create_agent(llm):
    def node(state):
        prompt = ChatPromptTemplate.from_messages([
            ("system", "{policy} Today's date is {current_date}."),
            MessagesPlaceholder(variable_name="messages"),
        ])
        prompt = prompt.partial(policy=POLICY, current_date=state["date"])
        return (prompt | llm).invoke(state["messages"])
    return node
''',
    },
    "a schema bound by one helper, sent by another": {
        "app/__init__.py": "", "app/clients.py": CLIENTS, "app/graph.py": GRAPH,
        "app/structured.py": '''
from typing import Any


def bind_structured(llm: Any, schema: Any) -> Any:
    return llm.with_structured_output(schema)


def invoke_structured(structured_llm: Any, prompt: Any) -> Any:
    return structured_llm.invoke(prompt)
''',
        "app/agents.py": POLICY + '''
from pydantic import BaseModel

from app.structured import bind_structured, invoke_structured


class Verdict(BaseModel):
    verdict: str


def create_agent(llm):
    structured = bind_structured(llm, Verdict)

    def node(state):
        return invoke_structured(structured, [
            {"role": "system", "content": f"You advise {state['user']}. " + POLICY},  # expect: CL101
            {"role": "user", "content": state["question"]}])
    return node
''',
    },
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_chat_param_case(project: Path, run: Callable[..., Run], name: str) -> None:
    found, got = lint(project, run, CASES[name])
    assert found == expected(CASES[name]), got.stdout


def test_a_test_that_hands_a_mock_is_not_checked(project: Path, run: Callable[..., Run]) -> None:
    # The agent's own call is checked with the project's chat model; the test's call of the
    # agent, which hands a mock, is not reported as that chat model's request.
    files = {**CASES["a schema bound by one helper, sent by another"], "tests/test_agent.py": '''
from unittest.mock import MagicMock

from app.agents import create_agent


def test_agent():
    node = create_agent(MagicMock())
    node({"user": "ann", "question": "why?"})
'''}
    found, got = lint(project, run, files)
    assert found == expected(files), got.stdout


def test_show_prompt_names_the_chat_model_class(project: Path, run: Callable[..., Run]) -> None:
    lint(project, run, CASES["a closure's parameter, every caller hands a chat model from a factory"])
    shown = run("--no-cache", "--show-prompt", "app/agents.py:6")
    assert shown.exit_code == 0, shown.stderr
    assert "ChatOpenAI.invoke, model gpt-4.1" in shown.stdout
    assert "Always cite the relevant section" in shown.stdout
    assert "(the chat model: what every call in the project hands parameter `llm` of create_agent())" in shown.stdout


def test_show_prompt_says_the_template_is_rendered(project: Path, run: Callable[..., Run]) -> None:
    lint(project, run, CASES["a prompt template piped into the chat model with its tools"])
    shown = run("--no-cache", "--show-prompt", "app/agents.py:20")
    assert shown.exit_code == 0, shown.stderr
    assert "(messages: the ChatPromptTemplate piped into the chat model, rendered with the input)" in shown.stdout
    assert "tools[0] *" in shown.stdout and "schema generated from `lookup`" in shown.stdout


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_serial_and_parallel_runs_find_the_same(project: Path, run: Callable[..., Run], jobs: str) -> None:
    # The agent's module is first read while the public function's callers are followed for
    # its text (which does not follow constructors); the chat model is still found.
    files = CASES["a closure's parameter, every caller hands a chat model from a factory"]
    lint(project, run, files)
    got = run("--format", "concise", "--no-cache", "-j", jobs, ".")
    assert "app/agents.py:6:41: CL101" in got.stdout, got.stdout

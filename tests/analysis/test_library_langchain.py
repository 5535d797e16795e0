"""The langchain model: chat model constructors (their keywords kept as settings), the message
classes (as the SDK's role/content dicts), and the methods that return the chat model with
tools or an output schema bound."""

from __future__ import annotations

from pathlib import Path

from library_support import prompts

from cachelint.prompt import Stability


def _slots(root: Path, code: str) -> list[tuple[str, Stability, str | None]]:
    (prompt,) = prompts(root, code)
    return [(s.slot, s.stability, s.text) for s in prompt.segments]


def test_message_classes_are_role_content_messages(tmp_path: Path) -> None:
    code = '''\
from langchain_openai import ChatOpenAI
from langchain_core.messages import AIMessage, ChatMessage, HumanMessage, SystemMessage

llm = ChatOpenAI(model="gpt-4.1")


def ask(q):
    return llm.invoke([SystemMessage("Be kind."), HumanMessage(content="Hi"), AIMessage("Hello"),
                       ChatMessage(role="human", content=q)])
'''
    assert _slots(tmp_path, code) == [
        ("messages[0].content (system)", Stability.STATIC, "Be kind."),
        ("messages[1].content (user)", Stability.STATIC, "Hi"),
        ("messages[2].content (assistant)", Stability.STATIC, "Hello"),
        ("messages[3].content (user)", Stability.PER_CALL, None),
    ]


def test_a_message_whose_role_is_not_known_is_not_modelled(tmp_path: Path) -> None:
    code = '''\
from langchain_openai import ChatOpenAI
from langchain_core.messages import ChatMessage

llm = ChatOpenAI(model="gpt-4.1")


def ask(role, q):
    return llm.invoke([ChatMessage(role=role, content="Be kind."), ("human", q)])
'''
    slots = _slots(tmp_path, code)
    assert not any(slot.endswith("(system)") for slot, _, _ in slots)


def test_the_constructor_gives_the_model_and_bind_tools_the_tools(tmp_path: Path) -> None:
    code = '''\
from langchain_anthropic import ChatAnthropic

TOOLS = [{"name": "lookup", "description": "Find an order.", "input_schema": {"type": "object"}}]


def ask(q):
    llm = ChatAnthropic(model_name="claude-sonnet-4-5", temperature=0).bind_tools(TOOLS).with_retry()
    return llm.invoke(q)
'''
    (prompt,) = prompts(tmp_path, code)
    assert prompt.call.provider == "anthropic"
    assert prompt.call.model == "claude-sonnet-4-5"
    assert prompt.segments[0].slot == "tools[0]"


def test_a_class_named_like_a_chat_model_is_not_one(tmp_path: Path) -> None:
    code = '''\
import openai
from mylib import ChatOpenAI

llm = ChatOpenAI(model="gpt-4.1")


def ask(q):
    return llm.invoke([("system", "Be kind."), ("human", q)])
'''
    assert prompts(tmp_path, code, {"mylib.py": "class ChatOpenAI:\n    pass\n"}) == []

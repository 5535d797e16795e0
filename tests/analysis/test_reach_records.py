"""Methods called on the project's own records (issue 18, sweep's `ChatGPT(messages=[...])`
then `chat_gpt.chat_anthropic(...)`): a dataclass or pydantic model built by the caller with
the prompt in a field, whose method sends what its fields hold. The method runs with `self`
being that record, so `self.system_prompt` is the field as the caller filled it; a list field
the class's methods add to holds the constructed items, then earlier turns.

Each case is a small project linted with the CLI: the findings must be exactly the lines marked
`# expect: CODE`. Every case has a twin that looks the same and must stay silent."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run, write_tree
from expect_cases import expected, lint

RULES = 'RULES = "Always cite the relevant section of the support policy and never guess an answer. " * 90\n'

# A record whose field is the system prompt, sent by a method.
FIELD = "from anthropic import Anthropic\n{imports}\n" + RULES + (
    "{decorator}"
    "class Chat({base}):\n"
    "    system_prompt: str\n"
    "    model: str = 'claude-sonnet-4-5'\n"
    "{extra}"
    "    def ask(self, q):\n"
    "        return Anthropic().messages.create(model=self.model, max_tokens=100, system=self.system_prompt,\n"
    "                                           messages=[{{'role': 'user', 'content': q}}])\n"
)
CALLER = "from app.chat import Chat, RULES\n" + (
    "def answer(user, q):\n"
    "    chat = Chat(system_prompt=f'User {user}. ' + RULES)  {mark101}\n"
    "    return chat.ask(q)  {mark401}\n"
)
PYDANTIC = {"imports": "from pydantic import BaseModel", "decorator": "", "base": "BaseModel"}
DATACLASS = {"imports": "from dataclasses import dataclass", "decorator": "@dataclass\n", "base": ""}
# A validator may replace what the field was given: not a record, and `self.system_prompt` is
# not followed to the construction.
VALIDATED = ("    @field_validator('system_prompt')\n"
             "    @classmethod\n"
             "    def trimmed(cls, v):\n"
             "        return v[-200:]\n")

# sweep's shape: the conversation is a list field of message records; the method adds the
# user's turn to it and sends the whole list.
CONVERSATION = "from openai import OpenAI\nfrom pydantic import BaseModel\n" + RULES + (
    "class Message(BaseModel):\n"
    "    role: str\n"
    "    content: str\n"
    "class Chat(BaseModel):\n"
    "    messages: list[Message]\n"
    "    def ask(self, q):\n"
    "        self.messages.append(Message(role='user', content=q))\n"
    "        return OpenAI().chat.completions.create(model='gpt-4.1', messages={sent})\n"
)
CONVERSATION_CALLER = "from app.chat import Chat, Message, RULES\n" + (
    "def answer(user, q):\n"
    "    chat = Chat(messages=[Message(role='system', content=f'User {user}. ' + RULES)])  {mark}\n"
    "    return chat.ask(q)\n"
)
AS_DICTS = "[{'role': m.role, 'content': m.content} for m in self.messages]"
# The system text pulled out of the list with a filter on the role (sweep's `system_message`):
# the constructed system message, then those of earlier turns, if any.
FILTERED = ("[{'role': 'system', 'content': '\\n'.join([m.content for m in self.messages if m.role == 'system'])},"
            " {'role': 'user', 'content': q}]")

CASES: dict[str, dict[str, str]] = {
    "a pydantic model's method reads the field its construction was given": {
        "app/__init__.py": "", "app/chat.py": FIELD.format(**PYDANTIC, extra=""),
        "app/m.py": CALLER.replace("{mark101}", "# expect: CL101").replace("{mark401}", "# expect: CL401")},
    "a dataclass's method reads the field its construction was given": {
        "app/__init__.py": "", "app/chat.py": FIELD.format(**DATACLASS, extra=""),
        "app/m.py": CALLER.replace("{mark101}", "# expect: CL101").replace("{mark401}", "# expect: CL401")},
    "a pydantic model whose validator may replace the field (silent)": {
        "app/__init__.py": "",
        "app/chat.py": FIELD.format(**PYDANTIC, extra=VALIDATED).replace(
            "import BaseModel", "import BaseModel, field_validator"),
        "app/m.py": CALLER.replace("{mark101}", "").replace("{mark401}", "")},
    "a conversation field the method adds to: the constructed system message leads": {
        "app/__init__.py": "", "app/chat.py": CONVERSATION.format(sent=AS_DICTS),
        "app/m.py": CONVERSATION_CALLER.replace("{mark}", "# expect: CL101")},
    "a conversation field filtered for the system text after turns are added": {
        "app/__init__.py": "", "app/chat.py": CONVERSATION.format(sent=FILTERED),
        "app/m.py": CONVERSATION_CALLER.replace("{mark}", "# expect: CL101")},
    "a conversation field the method inserts turns into, anywhere (silent)": {
        "app/__init__.py": "",
        "app/chat.py": CONVERSATION.format(sent=AS_DICTS).replace("self.messages.append(", "self.messages.insert(0, "),
        "app/m.py": CONVERSATION_CALLER.replace("{mark}", "")},
}


# sweep's modify: `chat_gpt = ChatGPT()` then `chat_gpt.messages = [Message(...)]` before the
# call: the method sees the field as set last.
REASSIGNED = "from app.chat import Chat, RULES\n" + (
    "def answer(user, q):\n"
    "    chat = Chat(system_prompt={made})\n"
    "    chat.system_prompt = {later}\n"
    "    return chat.ask(q)  # expect: CL401\n"
)
CASES.update({
    "a record's field set again before its method is called": {
        "app/__init__.py": "", "app/chat.py": FIELD.format(**PYDANTIC, extra=""),
        "app/m.py": REASSIGNED.format(made="RULES", later="f'User {user}. ' + RULES  # expect: CL101")},
    "a record made with a user name first whose field is replaced before the call: no CL101": {
        "app/__init__.py": "", "app/chat.py": FIELD.format(**PYDANTIC, extra=""),
        "app/m.py": REASSIGNED.format(made="f'User {user}. ' + RULES", later="RULES + f'User {user}.'")},
})

# sweep's `chat_anthropic(use_openai=...)`: the Anthropic request is made only when the caller
# does not ask for OpenAI; a caller that does gets no Anthropic finding.
SWITCH = "from anthropic import Anthropic\nfrom openai import OpenAI\n" + RULES + (
    "def send(q, system, use_openai=False, stream=False):\n"
    "    if not use_openai:\n"
    "        if stream:\n"
    "            return None\n"
    "        return Anthropic().messages.create(model='claude-sonnet-4-5', max_tokens=100, system=system,\n"
    "                                           messages=[{'role': 'user', 'content': q}])\n"
    "    return OpenAI().chat.completions.create(model='gpt-4.1', messages=[{'role': 'user', 'content': q}])\n"
    "def to_anthropic(q):\n"
    "    return send(q, RULES)  # expect: CL401\n"
    "def to_openai(q):\n"
    "    return send(q, RULES, use_openai=True)\n"
    "def to_openai_by_position(q):\n"
    "    return send(q, RULES, True)\n"
    "def unknown_choice(q, flag):\n"
    "    return send(q, RULES, use_openai=flag)  # expect: CL401\n"
)
CASES["a wrapper's Anthropic branch, reached by callers that do not ask for OpenAI only"] = {
    "app/__init__.py": "", "app/m.py": SWITCH}


@pytest.mark.parametrize("name", sorted(CASES))
def test_record_case(project: Path, run: Callable[..., Run], name: str) -> None:
    found, _ = lint(project, run, CASES[name])
    assert found == expected(CASES[name])


def test_show_prompt_names_the_record_method_and_the_field(project: Path, run: Callable[..., Run]) -> None:
    write_tree(project, CASES["a pydantic model's method reads the field its construction was given"])
    shown = run("--show-prompt", "app/m.py:4")
    assert shown.exit_code == 0, shown.stderr
    assert "chat.ask() -> messages.create" in shown.stdout
    assert "Always cite the relevant section" in shown.stdout
    assert "parameter `user` of answer()" in shown.stdout


def test_show_prompt_shows_earlier_turns_after_the_constructed_messages(project: Path,
                                                                       run: Callable[..., Run]) -> None:
    write_tree(project, CASES["a conversation field the method adds to: the constructed system message leads"])
    shown = run("--show-prompt", "app/m.py:4")
    assert shown.exit_code == 0, shown.stderr
    lines = shown.stdout.splitlines()
    system = next(i for i, line in enumerate(lines) if "Always cite the relevant section" in line)
    later = next(i for i, line in enumerate(lines) if "messages[1:]" in line)
    assert system < later


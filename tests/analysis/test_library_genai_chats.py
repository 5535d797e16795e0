"""google-genai's chat sessions (issue 18, bilingual_book_maker's Gemini translator): a chat made
by `client.chats.create(model=..., config=..., history=...)` sends its config's system
instruction and tools, its history, then each `send_message`'s message; a `config=` given to
`send_message` replaces the chat's for that request."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run, write_tree
from expect_cases import expected, lint
from library_support import prompts

from cachelint.prompt import Stability

RULES = 'RULES = "Always cite the relevant section of the support policy and never guess an answer. " * 200\n'

CODE = '''\
from google import genai
from google.genai import types

client = genai.Client()
chat = client.chats.create(
    model="gemini-2.5-flash",
    config=types.GenerateContentConfig(system_instruction="Be kind.", temperature=0.2),
    history=[types.Content(role="user", parts=[types.Part(text="Hello")])],
)


def ask(q):
    {call}
'''


def test_a_chat_sends_its_config_its_history_then_the_message(tmp_path: Path) -> None:
    (prompt,) = prompts(tmp_path, CODE.format(call="return chat.send_message(q)"))
    assert prompt.call.api == "ChatSession.send_message"
    assert prompt.call.model == "gemini-2.5-flash"
    slots = [s.slot for s in prompt.segments]
    assert slots.index("system_instruction") < min(i for i, s in enumerate(slots) if s.startswith("history"))
    assert [s.text for s in prompt.segments if s.slot == "system_instruction"] == ["Be kind."]
    assert "Hello" in [s.text for s in prompt.segments if s.slot.startswith("history")]
    assert prompt.segments[-1].stability == Stability.TURN  # the message, last
    assert any(p.name == "temperature" for p in prompt.params)


def test_the_streaming_twin_and_the_message_keyword(tmp_path: Path) -> None:
    (prompt,) = prompts(tmp_path, CODE.format(call="return chat.send_message_stream(message=q)"))
    assert prompt.call.api == "ChatSession.send_message"
    assert prompt.segments[-1].stability == Stability.TURN
    assert not any(p.name == "message" for p in prompt.params)


def test_a_config_given_to_send_message_replaces_the_chats(tmp_path: Path) -> None:
    call = 'return chat.send_message(q, config=types.GenerateContentConfig(system_instruction="Be brief."))'
    (prompt,) = prompts(tmp_path, CODE.format(call=call))
    assert [s.text for s in prompt.segments if s.slot == "system_instruction"] == ["Be brief."]
    assert "Hello" in [s.text for s in prompt.segments if s.slot.startswith("history")]


def test_chats_create_on_something_else_is_not_a_chat(tmp_path: Path) -> None:
    code = "from bot import client\n\n\ndef ask(q):\n    return client.chats.create(model='m').send_message(q)\n"
    assert prompts(tmp_path, code, {"bot.py": "client = object()\n"}) == []


# bilingual_book_maker's shape: the chat is kept on the translator and made again in a second
# method; the system instruction carries the user's name ahead of the rules.
TRANSLATOR = "from google import genai\nfrom google.genai import types\n" + RULES + (
    "class Translator:\n"
    "    def __init__(self, user):\n"
    "        self.client = genai.Client()\n"
    "        self.system = f'User {user}. ' + RULES  {mark}\n"
    "        self.create_convo()\n"
    "    def create_convo(self):\n"
    "        config = types.GenerateContentConfig(system_instruction=self.system)\n"
    "        self.convo = self.client.chats.create(model='gemini-2.5-flash', config=config)\n"
    "    def translate(self, text):\n"
    "        return self.convo.send_message({sent})\n"
)
CASES: dict[str, dict[str, str]] = {
    "a chat kept on an object, its system instruction set from the constructor's argument": {
        "app/__init__.py": "",
        "app/t.py": TRANSLATOR.replace("{mark}", "# expect: CL101").replace("{sent}", "f'Translate: {text}'")},
    "the same chat where each message brings a config of its own (silent)": {
        "app/__init__.py": "",
        "app/t.py": TRANSLATOR.replace("{mark}", "").replace(
            "{sent}", "text, config=types.GenerateContentConfig(system_instruction=RULES)")},
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_chat_case(project: Path, run: Callable[..., Run], name: str) -> None:
    found, _ = lint(project, run, CASES[name])
    assert found == expected(CASES[name])


def test_show_prompt_shows_the_chats_system_instruction_at_send_message(project: Path,
                                                                       run: Callable[..., Run]) -> None:
    write_tree(project, CASES["a chat kept on an object, its system instruction set from the constructor's argument"])
    shown = run("--show-prompt", "app/t.py:13")
    assert shown.exit_code == 0, shown.stderr
    assert "gemini ChatSession.send_message, model gemini-2.5-flash" in shown.stdout
    assert "system_instruction" in shown.stdout and "Always cite the relevant section" in shown.stdout

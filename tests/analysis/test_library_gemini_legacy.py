"""The legacy Gemini model: a GenerativeModel holds its system instruction, a chat its history."""

from __future__ import annotations

from pathlib import Path

from library_support import prompts

from cachelint.prompt import Stability

CODE = '''\
import google.generativeai as genai

model = genai.GenerativeModel("gemini-2.5-flash", system_instruction="Be kind.")


def ask(q):
    {call}
'''


def test_the_system_instruction_given_to_the_model_is_part_of_each_call(tmp_path: Path) -> None:
    (prompt,) = prompts(tmp_path, CODE.format(call="return model.generate_content(q)"))
    system = [s for s in prompt.segments if "system" in s.slot]
    assert [s.text for s in system] == ["Be kind."]
    assert prompt.call.api == "GenerativeModel.generate_content"


def test_a_chat_carries_the_model_settings_and_its_history(tmp_path: Path) -> None:
    call = 'return model.start_chat(history=[{"role": "user", "parts": ["Hi " + q]}]).send_message(q)'
    (prompt,) = prompts(tmp_path, CODE.format(call=call))
    assert prompt.call.api == "ChatSession.send_message"
    assert [s.text for s in prompt.segments if "system" in s.slot] == ["Be kind."]
    history = [s for s in prompt.segments if "history" in s.slot]
    assert history and Stability.TURN in {s.stability for s in history}


def test_start_chat_on_something_else_is_not_a_chat(tmp_path: Path) -> None:
    code = "from bot import model\n\n\ndef ask(q):\n    return model.start_chat().send_message(q)\n"
    assert prompts(tmp_path, code, {"bot.py": "model = object()\n"}) == []

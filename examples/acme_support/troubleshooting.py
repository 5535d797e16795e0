"""Device troubleshooting assistant, opened from the "Get help" button in the app.

The system prompt is a Markdown file next to this module. cachelint reads it (it lies inside
the project root), treats its text as static and counts its tokens.
"""

from __future__ import annotations

from pathlib import Path

from openai import OpenAI
from openai.types.chat import ChatCompletionMessageParam

from acme_support.models import Conversation
from acme_support.prompt_builders import chat_message

PROMPT_DIR = Path(__file__).parent / "prompts"


class DeviceHelpAssistant:
    # A class attribute: read once at import, the same on every call.
    SYSTEM_PROMPT = (PROMPT_DIR / "system.md").read_text(encoding="utf-8")
    MODEL = "gpt-4.1"

    def __init__(self, device_name: str, firmware: str) -> None:
        self.client = OpenAI()
        self.device_name = device_name
        self.firmware = firmware

    def _history(self, conversation: Conversation) -> list[ChatCompletionMessageParam]:
        return [chat_message(turn) for turn in conversation.turns]

    def help_device_first(self, conversation: Conversation, question: str) -> str:
        # CL101 (reported): the device name and firmware are instance state, different for
        # every customer; placed above the 1,000-token guide they stop it from being cached.
        system = f"Device: {self.device_name} (firmware {self.firmware})\n\n{self.SYSTEM_PROMPT}"
        messages: list[ChatCompletionMessageParam] = [{"role": "system", "content": system}]
        messages.extend(self._history(conversation))
        messages.append({"role": "user", "content": question})
        response = self.client.chat.completions.create(model=self.MODEL, messages=messages)
        return response.choices[0].message.content or ""

    def help(self, conversation: Conversation, question: str) -> str:
        # Fine: the guide alone is the system message; the device details ride along with
        # the customer's question at the end.
        messages: list[ChatCompletionMessageParam] = [{"role": "system", "content": self.SYSTEM_PROMPT}]
        messages += self._history(conversation)
        messages.append(
            {"role": "user", "content": f"Device: {self.device_name} (firmware {self.firmware})\n\n{question}"}
        )
        response = self.client.chat.completions.create(model=self.MODEL, messages=messages)
        return response.choices[0].message.content or ""

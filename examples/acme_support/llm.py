"""A thin wrapper around the OpenAI client, shared by the services.

cachelint sees that `LLM.chat` forwards `system` and `messages` into
`chat.completions.create`, so it analyses every caller of `chat` as if it called the SDK
directly, and reports problems at the caller, where the prompt is built.
"""

from __future__ import annotations

from openai import OpenAI
from openai.types.chat import ChatCompletionMessageParam

DEFAULT_MODEL = "gpt-4.1"


class LLM:
    def __init__(self, model: str = DEFAULT_MODEL) -> None:
        self.client = OpenAI()
        self.model = model

    def chat(self, system: str, messages: list[ChatCompletionMessageParam]) -> str:
        """One chat turn: the system prompt first, then the conversation."""
        response = self.client.chat.completions.create(
            model=self.model,
            messages=[{"role": "system", "content": system}, *messages],
            temperature=0.2,
        )
        return response.choices[0].message.content or ""

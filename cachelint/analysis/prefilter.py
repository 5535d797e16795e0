"""A cheap text test that lets files which cannot hold a recognised call skip parsing."""

from __future__ import annotations

import re

# Every recognised call needs its SDK imported somewhere in the module (directly, or
# a project helper that makes a client, which is itself imported by name).
_SDK_WORDS = re.compile(r"\b(?:openai|OpenAI|AzureOpenAI|anthropic|Anthropic|genai)\b")


def may_contain_call(text: str) -> bool:
    return _SDK_WORDS.search(text) is not None

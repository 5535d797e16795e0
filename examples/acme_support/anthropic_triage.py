"""Queue routing on Claude, where the cacheable minimum depends on the model.

A marker on a prefix shorter than the model's minimum caches nothing, and the API raises no
error: both cache counters in `usage` just stay at 0.
"""

from __future__ import annotations

from anthropic import AsyncAnthropic

from acme_support.prompts import SUPPORT_POLICY, TRIAGE_INSTRUCTIONS

client = AsyncAnthropic()
INSTRUCTIONS = SUPPORT_POLICY + "\n" + TRIAGE_INSTRUCTIONS


async def route_on_haiku(message: str) -> str:
    # CL404 (reported): about 1,700 tokens up to the marker, but Claude Haiku 4.5 caches
    # nothing below 4,096 tokens, so every call pays full price and the marker does nothing.
    response = await client.messages.create(
        model="claude-haiku-4-5",
        max_tokens=16,
        system=[{"type": "text", "text": INSTRUCTIONS, "cache_control": {"type": "ephemeral"}}],
        messages=[{"role": "user", "content": message}],
    )
    block = response.content[0]
    return block.text.strip() if block.type == "text" else "other"


async def route(message: str) -> str:
    # Fine: the same prompt on Claude Sonnet 4.5, whose minimum is 1,024 tokens.
    response = await client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=16,
        system=[{"type": "text", "text": INSTRUCTIONS, "cache_control": {"type": "ephemeral"}}],
        messages=[{"role": "user", "content": message}],
    )
    block = response.content[0]
    return block.text.strip() if block.type == "text" else "other"

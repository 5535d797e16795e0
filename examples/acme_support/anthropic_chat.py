"""Web chat on Claude, for retailers that chose Anthropic.

Anthropic caches nothing unless the request carries a `cache_control` marker: either at the top
level (the marker lands on the last cacheable block) or on a block. Claude token counts are
estimates (there is no public tokenizer), so cachelint prints them with a tilde.
"""

from __future__ import annotations

from anthropic import Anthropic
from anthropic.types import CacheControlEphemeralParam, MessageParam, TextBlockParam

from acme_support.models import Conversation
from acme_support.prompts import CHAT_STYLE, SUPPORT_POLICY

client = Anthropic()
MODEL = "claude-sonnet-4-5"
CACHE: CacheControlEphemeralParam = {"type": "ephemeral"}


def history(conversation: Conversation, question: str) -> list[MessageParam]:
    messages: list[MessageParam] = []
    for turn in conversation.turns:
        if turn.role == "user":
            messages.append({"role": "user", "content": turn.text})
        else:
            messages.append({"role": "assistant", "content": turn.text})
    messages.append({"role": "user", "content": question})
    return messages


def reply_uncached(conversation: Conversation, question: str) -> str:
    # CL401 (reported): about 1,700 tokens of static system prompt, above Sonnet 4.5's
    # 1,024-token minimum, but no cache_control anywhere, so every call pays full price for it.
    message = client.messages.create(
        model=MODEL,
        max_tokens=1024,
        system=SUPPORT_POLICY + "\n" + CHAT_STYLE,
        messages=history(conversation, question),
    )
    return message.content[0].text if message.content[0].type == "text" else ""


def reply(conversation: Conversation, question: str) -> str:
    # Fine: the top-level marker caches everything up to the last block, and moves forward as
    # the conversation grows.
    message = client.messages.create(
        model=MODEL,
        max_tokens=1024,
        system=SUPPORT_POLICY + "\n" + CHAT_STYLE,
        messages=history(conversation, question),
        cache_control={"type": "ephemeral"},
    )
    return message.content[0].text if message.content[0].type == "text" else ""


def reply_marking_customer_block(conversation: Conversation, question: str) -> str:
    # CL403 (reported): the marker sits on the block that names the customer, so every call
    # writes a new cache entry (at 1.25x the input price) that no other call will read.
    customer = conversation.customer
    system: list[TextBlockParam] = [
        {"type": "text", "text": SUPPORT_POLICY},
        {"type": "text", "text": f"The customer is {customer.name}, plan {customer.plan}.", "cache_control": CACHE},
    ]
    message = client.messages.create(
        model=MODEL, max_tokens=1024, system=system, messages=history(conversation, question)
    )
    return message.content[0].text if message.content[0].type == "text" else ""


def reply_marking_policy_block(conversation: Conversation, question: str) -> str:
    # Fine: the marker closes the shared policy block; the customer block after it is sent
    # uncached, which is all it can be.
    customer = conversation.customer
    system: list[TextBlockParam] = [
        {"type": "text", "text": SUPPORT_POLICY, "cache_control": CACHE},
        {"type": "text", "text": f"The customer is {customer.name}, plan {customer.plan}."},
    ]
    message = client.messages.create(
        model=MODEL, max_tokens=1024, system=system, messages=history(conversation, question)
    )
    return message.content[0].text if message.content[0].type == "text" else ""

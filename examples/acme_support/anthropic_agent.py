"""The support agent on Claude: tools, the policy and the device guide, with explicit cache markers.

Two mistakes the Anthropic API answers with HTTP 400: more than 4 `cache_control` markers in a
request, and a 1-hour marker placed after a 5-minute one in render order (tools, then system,
then messages).
"""

from __future__ import annotations

from anthropic import Anthropic
from anthropic.types import CacheControlEphemeralParam, Message, MessageParam, TextBlockParam, ToolParam

from acme_support.prompts import CHAT_STYLE, DEVICE_GUIDE, SUPPORT_POLICY

client = Anthropic()
MODEL = "claude-sonnet-4-5"
CACHE: CacheControlEphemeralParam = {"type": "ephemeral"}
CACHE_1H: CacheControlEphemeralParam = {"type": "ephemeral", "ttl": "1h"}

TOOL_GUIDE = """\
Use get_order before answering any question about an order, and open_carrier_trace only after
get_order shows no tracking movement for 5 business days. Never guess an order number.
"""

GET_ORDER: ToolParam = {
    "name": "get_order",
    "description": "Look up an order by its number and return items, status and tracking.",
    "input_schema": {
        "type": "object",
        "properties": {"order_number": {"type": "string", "description": "For example AC-123456."}},
        "required": ["order_number"],
    },
}
OPEN_TRACE: ToolParam = {
    "name": "open_carrier_trace",
    "description": "Ask the carrier to trace a parcel that has not moved for 5 business days.",
    "input_schema": {
        "type": "object",
        "properties": {"tracking_number": {"type": "string"}},
        "required": ["tracking_number"],
    },
}
TOOLS: list[ToolParam] = [GET_ORDER, OPEN_TRACE]


def cached_block(text: str) -> TextBlockParam:
    return {"type": "text", "text": text, "cache_control": CACHE}


def run_agent_marking_every_block(messages: list[MessageParam]) -> Message:
    # CL402 (reported): cached_block puts a marker on each of the four system blocks, and the
    # top-level marker makes 5; the API allows 4 and rejects the request with a 400.
    return client.messages.create(
        model=MODEL,
        max_tokens=2048,
        tools=TOOLS,
        system=[
            cached_block(SUPPORT_POLICY),
            cached_block(DEVICE_GUIDE),
            cached_block(TOOL_GUIDE),
            cached_block(CHAT_STYLE),
        ],
        messages=messages,
        cache_control=CACHE,
    )


def run_agent(messages: list[MessageParam]) -> Message:
    # Fine: one marker on the last system block caches the tools and the whole system prompt
    # (they render before it); the top-level marker caches the conversation so far. 2 of 4.
    return client.messages.create(
        model=MODEL,
        max_tokens=2048,
        tools=TOOLS,
        system=[
            {"type": "text", "text": SUPPORT_POLICY},
            {"type": "text", "text": DEVICE_GUIDE},
            {"type": "text", "text": TOOL_GUIDE},
            cached_block(CHAT_STYLE),
        ],
        messages=messages,
        cache_control=CACHE,
    )


def run_agent_hour_cache_after_default(messages: list[MessageParam]) -> Message:
    # CL405 (reported): the rarely edited device guide got a 1-hour marker, but it renders after
    # the policy's default (5-minute) marker; 1-hour entries must come first, so the API
    # answers 400.
    return client.messages.create(
        model=MODEL,
        max_tokens=2048,
        tools=TOOLS,
        system=[
            {"type": "text", "text": SUPPORT_POLICY, "cache_control": CACHE},
            {"type": "text", "text": DEVICE_GUIDE, "cache_control": CACHE_1H},
        ],
        messages=messages,
    )


def run_agent_hour_cache_first(messages: list[MessageParam]) -> Message:
    # Fine: the 1-hour marker comes first (tools and policy), the 5-minute one after it.
    return client.messages.create(
        model=MODEL,
        max_tokens=2048,
        tools=TOOLS,
        system=[
            {"type": "text", "text": SUPPORT_POLICY, "cache_control": CACHE_1H},
            {"type": "text", "text": DEVICE_GUIDE, "cache_control": CACHE},
        ],
        messages=messages,
    )

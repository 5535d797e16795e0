"""Order-status answers with tool calls: the pattern every call in this service should follow.

Nothing here is reported. The tools list and the output schema are module constants in a
fixed order, the instructions are the static policy, `prompt_cache_key` is the same for every
call of this prompt family, and everything about the customer goes in the input, last.
"""

from __future__ import annotations

import json
from typing import Any

from openai import OpenAI
from openai.types.responses import FunctionToolParam, ResponseFormatTextJSONSchemaConfigParam, ResponseInputParam

from acme_support.models import Conversation
from acme_support.prompts import CHAT_STYLE, SUPPORT_POLICY

client = OpenAI()

ORDER_TOOLS: list[FunctionToolParam] = [
    {
        "type": "function",
        "name": "get_order",
        "description": "Look up an order by its number and return items, status and tracking.",
        "parameters": {
            "type": "object",
            "properties": {"order_number": {"type": "string", "description": "For example AC-123456."}},
            "required": ["order_number"],
            "additionalProperties": False,
        },
        "strict": True,
    },
    {
        "type": "function",
        "name": "open_carrier_trace",
        "description": "Ask the carrier to trace a parcel that has not moved for 5 business days.",
        "parameters": {
            "type": "object",
            "properties": {"tracking_number": {"type": "string"}},
            "required": ["tracking_number"],
            "additionalProperties": False,
        },
        "strict": True,
    },
]

ANSWER_FORMAT: ResponseFormatTextJSONSchemaConfigParam = {
    "type": "json_schema",
    "name": "support_answer",
    "strict": True,
    "schema": {
        "type": "object",
        "properties": {
            "reply": {"type": "string"},
            "handoff": {"type": "boolean"},
        },
        "required": ["reply", "handoff"],
        "additionalProperties": False,
    },
}

INSTRUCTIONS = SUPPORT_POLICY + "\n" + CHAT_STYLE


def order_status(conversation: Conversation, question: str) -> dict[str, Any]:
    customer = conversation.customer
    context = f"Customer {customer.name}, {'signed in' if customer.signed_in else 'not signed in'}."
    items: ResponseInputParam = [{"role": turn.role, "content": turn.text} for turn in conversation.turns]
    items.append({"role": "user", "content": f"{context}\n\n{question}"})
    response = client.responses.create(
        model="gpt-4.1",
        tools=ORDER_TOOLS,
        text={"format": ANSWER_FORMAT},
        instructions=INSTRUCTIONS,
        input=items,
        prompt_cache_key="acme-support/orders",
    )
    answer: dict[str, Any] = json.loads(response.output_text)
    return answer

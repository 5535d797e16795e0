"""The returns desk: tool calls whose availability depends on the retailer's contract.

Tools render before the instructions on every provider, so a tools list that changes between
calls invalidates the whole cached prefix, policy included. OpenAI's `allowed_tools` narrows
the tools per call without changing the list.
"""

from __future__ import annotations

import uuid

from openai import OpenAI
from openai.types.responses import FunctionToolParam, Response, ToolChoiceAllowedParam

from acme_support.models import Tenant
from acme_support.prompts import SUPPORT_POLICY

client = OpenAI()

RETURN_TOOLS: list[FunctionToolParam] = [
    {
        "type": "function",
        "name": "create_return",
        "description": "Start a return for items of an order and email the customer a label.",
        "parameters": {
            "type": "object",
            "properties": {
                "order_number": {"type": "string"},
                "items": {"type": "array", "items": {"type": "string"}},
                "reason": {"type": "string", "enum": ["faulty", "wrong_item", "changed_mind", "other"]},
            },
            "required": ["order_number", "items", "reason"],
            "additionalProperties": False,
        },
        "strict": True,
    },
    {
        "type": "function",
        "name": "issue_refund",
        "description": "Refund an amount up to 250 USD to the original payment method.",
        "parameters": {
            "type": "object",
            "properties": {"order_number": {"type": "string"}, "amount": {"type": "number"}},
            "required": ["order_number", "amount"],
            "additionalProperties": False,
        },
        "strict": True,
    },
    {
        "type": "function",
        "name": "offer_store_credit",
        "description": "Offer store credit instead of a refund, only if the customer asks for it.",
        "parameters": {
            "type": "object",
            "properties": {"order_number": {"type": "string"}, "amount": {"type": "number"}},
            "required": ["order_number", "amount"],
            "additionalProperties": False,
        },
        "strict": True,
    },
]


def handle_return_filtering_tools(tenant: Tenant, request: str) -> Response:
    # CL202 (reported): the tools list is filtered per retailer, so each retailer (and each
    # change to its contract) renders a different first segment and misses the whole cache.
    tools = [tool for tool in RETURN_TOOLS if tool["name"] in tenant.enabled_tools]
    return client.responses.create(model="gpt-4.1", tools=tools, instructions=SUPPORT_POLICY, input=request)


def handle_return(tenant: Tenant, request: str) -> Response:
    # Fine: one stable tools list for everyone; `allowed_tools` narrows what this retailer may
    # call without touching the cached prefix.
    allowed: ToolChoiceAllowedParam = {
        "type": "allowed_tools",
        "mode": "auto",
        "tools": [{"type": "function", "name": name} for name in sorted(tenant.enabled_tools)],
    }
    return client.responses.create(
        model="gpt-4.1",
        tools=RETURN_TOOLS,
        tool_choice=allowed,
        instructions=SUPPORT_POLICY,
        input=request,
        prompt_cache_key=f"returns/{tenant.slug}",
    )


def handle_return_traced(tenant: Tenant, request: str) -> Response:
    # CL301 (reported): a fresh uuid4() as prompt_cache_key sends every request to a different
    # cache shard, so requests with the same prefix rarely meet a cached copy.
    return client.responses.create(
        model="gpt-4.1",
        tools=RETURN_TOOLS,
        instructions=SUPPORT_POLICY,
        input=request,
        prompt_cache_key=str(uuid.uuid4()),
    )

"""Helpers that assemble system prompts and message lists for the services.

cachelint follows calls into these functions from other modules, binding each parameter to
the argument passed at the call site, so a finding lands on the caller's line.
"""

from __future__ import annotations

from collections.abc import Iterable

from openai.types.chat import ChatCompletionMessageParam

from acme_support.models import Customer, Tenant, Turn
from acme_support.prompts import CAPABILITIES, CHAT_STYLE, SUPPORT_POLICY

BRAND_LINE = "You represent {brand}. Refer to the company as {brand} and never mention other retailers."


def branded_policy_brand_first(tenant: Tenant) -> str:
    """The policy with the retailer's brand line on top (the brand differs per tenant)."""
    return BRAND_LINE.format(brand=tenant.display_name) + "\n\n" + SUPPORT_POLICY


def branded_policy(tenant: Tenant) -> str:
    """The policy first, then the brand line: every tenant shares the cached policy."""
    return "\n\n".join([SUPPORT_POLICY, CHAT_STYLE, BRAND_LINE.format(brand=tenant.display_name)])


def capability_list(capabilities: Iterable[str]) -> str:
    return "\n".join(f"- {c}" for c in capabilities)


def policy_with_capabilities_unsorted() -> str:
    """The policy, then what the assistant may do in this deployment, in set iteration order."""
    return SUPPORT_POLICY + "\n# What you can do here\n" + capability_list(CAPABILITIES)


def policy_with_capabilities() -> str:
    """The same text with the capabilities sorted: identical in every process."""
    return SUPPORT_POLICY + "\n# What you can do here\n" + capability_list(sorted(CAPABILITIES))


def chat_message(turn: Turn) -> ChatCompletionMessageParam:
    if turn.role == "user":
        return {"role": "user", "content": turn.text}
    return {"role": "assistant", "content": turn.text}


def conversation_messages(
    customer: Customer, history: Iterable[Turn], question: str
) -> list[ChatCompletionMessageParam]:
    """Earlier turns in order, then the new question with the per-customer context."""
    messages: list[ChatCompletionMessageParam] = []
    for turn in history:
        messages.append(chat_message(turn))
    signed_in = "signed in" if customer.signed_in else "not signed in"
    messages.append(
        {"role": "user", "content": f"Customer {customer.name} ({signed_in}), plan {customer.plan}:\n{question}"}
    )
    return messages

"""Multi-turn chat replies, sent through the `LLM.chat` wrapper in llm.py.

`LLM.chat` forwards `system` and `messages` to `chat.completions.create`, so cachelint analyses
each `llm.chat(...)` below as the SDK call it becomes, with the prompts built by the helpers in
prompt_builders.py.
"""

from __future__ import annotations

from acme_support.llm import LLM
from acme_support.models import Conversation
from acme_support.prompt_builders import (
    branded_policy,
    branded_policy_brand_first,
    conversation_messages,
    policy_with_capabilities,
    policy_with_capabilities_unsorted,
)

llm = LLM()


def reply_brand_first(conversation: Conversation, question: str) -> str:
    # CL101 (reported): the helper puts the tenant's brand line before the policy, so each
    # tenant gets its own copy of the policy in the cache, and a new tenant starts cold.
    system = branded_policy_brand_first(conversation.tenant)
    messages = conversation_messages(conversation.customer, conversation.turns, question)
    return llm.chat(system, messages)


def reply(conversation: Conversation, question: str) -> str:
    # Fine: the brand line comes after the policy and the chat style, so the policy is shared.
    system = branded_policy(conversation.tenant)
    return llm.chat(system, conversation_messages(conversation.customer, conversation.turns, question))


def reply_listing_capabilities_unsorted(conversation: Conversation, question: str) -> str:
    # CL103 (reported): the capabilities come from a frozenset, whose iteration order
    # depends on the hash seed of each worker process, so workers render different system
    # prompts.
    system = policy_with_capabilities_unsorted()
    return llm.chat(system, conversation_messages(conversation.customer, conversation.turns, question))


def reply_listing_capabilities(conversation: Conversation, question: str) -> str:
    # Fine: the same list, sorted.
    return llm.chat(
        system=policy_with_capabilities(),
        messages=conversation_messages(conversation.customer, conversation.turns, question),
    )

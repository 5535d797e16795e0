"""The order-fixing agent: it works a customer's problem in up to ten steps, re-sending the
conversation so far on every step, the way agent loops do.

What stays the same for the whole run (the policy, the locale read from the environment at
start-up, the customer the run serves) goes first; what changes every step goes after the
conversation, or every step pays for the whole conversation again.
"""

from __future__ import annotations

import os
import platform

from openai import OpenAI
from openai.types.chat import ChatCompletionMessageParam

from acme_support.prompts import SUPPORT_POLICY

client = OpenAI()
# Configuration read once at start-up: the same on every call of this deployment (stable).
LOCALE = os.environ.get("ACME_LOCALE", "en-US")
MAX_STEPS = 10


def run_step_first(customer_name: str, task: str) -> str:
    history: list[ChatCompletionMessageParam] = [{"role": "user", "content": task}]
    answer = ""
    for step in range(MAX_STEPS):
        # CL101 (reported): the step number changes on every pass and sits before the
        # conversation history, so no step reads the earlier ones from the cache: each
        # re-processes the whole conversation.
        response = client.chat.completions.create(model="gpt-4.1", messages=[
            {"role": "system", "content": f"Step {step + 1} of {MAX_STEPS}.\n" + SUPPORT_POLICY},
            *history,
        ])
        answer = response.choices[0].message.content or ""
        history.append({"role": "assistant", "content": answer})
        if answer.startswith("DONE"):
            break
    return answer


def run(customer_name: str, task: str) -> str:
    # Fine: the policy and locale first (stable), the customer next (the same on every step of
    # this run: session, read back by the later steps), the history, and the step number last.
    system = f"{SUPPORT_POLICY}\nLocale: {LOCALE}.\nCustomer: {customer_name}."
    history: list[ChatCompletionMessageParam] = [{"role": "user", "content": task}]
    answer = ""
    for step in range(MAX_STEPS):
        response = client.chat.completions.create(model="gpt-4.1", messages=[
            {"role": "system", "content": system},
            *history,
            {"role": "user", "content": f"Step {step + 1} of {MAX_STEPS}: continue."},
        ])
        answer = response.choices[0].message.content or ""
        history.append({"role": "assistant", "content": answer})
        if answer.startswith("DONE"):
            break
    return answer


def quick_answer(question: str) -> str:
    # Not reported: the host name comes from a call cachelint does not follow (`unknown`), so
    # it says nothing about it, although it sits before the policy.
    response = client.chat.completions.create(model="gpt-4.1", messages=[
        {"role": "system", "content": f"Served by {platform.node()}.\n" + SUPPORT_POLICY},
        {"role": "user", "content": question},
    ])
    return response.choices[0].message.content or ""

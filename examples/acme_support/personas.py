"""Answers in the voice of one help desk, named by the caller.

`desk` comes before the policy, yet nothing is reported: every caller in the project
(desks.py) passes the desk's name as text fixed in the code, so `desk` is `stable`: each desk
sends the same instructions on every call, and its copy of the policy is cached after its
first call. A caller that passed a per-request value (a name typed by the customer) would
make it `turn`, and the policy behind it would never be read from the cache (CL101).
"""

from __future__ import annotations

from openai import OpenAI

from acme_support.prompts import SUPPORT_POLICY

client = OpenAI()


def answer_as(desk: str, question: str) -> str:
    # Not reported: `desk` is `stable` (every caller passes a literal); --show-prompt says so.
    response = client.responses.create(
        model="gpt-4.1",
        instructions=f"You are Acme's {desk}.\n\n" + SUPPORT_POLICY,
        input=question,
    )
    return response.output_text

"""Nightly quality review: a model grades yesterday's conversations against the policy.

The calls go through the internal gateway (gateway.complete), declared as a wrapper in
examples/pyproject.toml.
"""

from __future__ import annotations

import uuid

from acme_support.gateway import complete
from acme_support.handoff import transcript
from acme_support.models import Conversation
from acme_support.prompts import SUPPORT_POLICY

REVIEW_MODEL = "gpt-4.1"
REVIEW_TASK = """\
Grade the conversation below against the support policy above. Answer in JSON with the keys
"followed_policy" (true or false), "issues" (a list of short strings quoting the policy rule
that was broken) and "score" (1 to 5, where 5 means an agent would not change a word).
"""


def review_with_run_id(conversation: Conversation) -> str:
    # CL102 (reported): a fresh uuid4() per request heads the system message, so no two
    # reviews share a prefix; the policy is re-sent uncached for every conversation.
    run_id = uuid.uuid4().hex
    messages = [
        {"role": "system", "content": f"Review run {run_id}.\n\n{SUPPORT_POLICY}\n{REVIEW_TASK}"},
        {"role": "user", "content": transcript(conversation)},
    ]
    return complete(messages=messages, model=REVIEW_MODEL)


def review(conversation: Conversation, run_id: str) -> str:
    # Fine: the run id is for our logs; it goes with the conversation, after the static text.
    messages = [
        {"role": "system", "content": f"{SUPPORT_POLICY}\n{REVIEW_TASK}"},
        {"role": "user", "content": f"Run {run_id}, conversation {conversation.id}:\n{transcript(conversation)}"},
    ]
    return complete(messages=messages, model=REVIEW_MODEL)

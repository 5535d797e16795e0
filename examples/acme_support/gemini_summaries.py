"""One-paragraph conversation summaries for the CRM, on Gemini 2.5 Flash."""

from __future__ import annotations

from google import genai

from acme_support.handoff import transcript
from acme_support.models import Conversation
from acme_support.prompts import DEVICE_GUIDE, SUPPORT_POLICY

client = genai.Client()
MODEL = "gemini-2.5-flash"

SUMMARY_TASK = """\
Summarise the support conversation in one paragraph of at most 80 words for the CRM: what the
customer wanted, what was done, and whether anything is still open.
"""


def summarise_short(conversation: Conversation) -> str:
    # CL201 (reported): the device guide and the task are about 1,200 static tokens, below Gemini
    # 2.5 Flash's 2,048-token minimum for implicit caching, so no summary call is ever
    # discounted; and long enough that reaching the minimum would pay (cached input costs a
    # tenth, so it pays from 205 tokens). `summarise` puts the policy in front and reaches it.
    response = client.models.generate_content(
        model=MODEL,
        contents=transcript(conversation),
        config={"system_instruction": DEVICE_GUIDE + SUMMARY_TASK},
    )
    return response.text or ""


def summarise(conversation: Conversation) -> str:
    # Fine: with the policy and the device guide in front, the model can tell what "still open"
    # means, and the static prefix (about 2,600 tokens) is long enough to be cached.
    response = client.models.generate_content(
        model=MODEL,
        contents=transcript(conversation),
        config={"system_instruction": SUPPORT_POLICY + DEVICE_GUIDE + SUMMARY_TASK},
    )
    return response.text or ""

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
    # CL201 (reported): about 40 static tokens, far below Gemini 2.5 Flash's 2,048-token minimum
    # for implicit caching; no summary call is ever discounted.
    response = client.models.generate_content(
        model=MODEL,
        contents=transcript(conversation),
        config={"system_instruction": SUMMARY_TASK},
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

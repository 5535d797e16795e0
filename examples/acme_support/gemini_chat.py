"""Device help on Gemini, for the Android app's on-device assistant fallback.

Gemini caches implicitly (no parameter needed) on Gemini 2.5 and later, from a per-model
minimum: 2,048 tokens on Gemini 2.5 Flash. Token counts for Gemini are estimates.
"""

from __future__ import annotations

from google import genai
from google.genai import types

from acme_support.models import Customer
from acme_support.prompts import DEVICE_GUIDE, SUPPORT_POLICY

client = genai.Client()
MODEL = "gemini-2.5-flash"


def device_help_customer_first(customer: Customer, device: str, question: str) -> str:
    # CL101 (reported): the customer's name and device open the system instruction, ahead of
    # about 2,600 tokens of guide and policy that every customer could share.
    intro = f"You are helping {customer.name} with their {device}.\n\n"
    response = client.models.generate_content(
        model=MODEL,
        contents=question,
        config=types.GenerateContentConfig(system_instruction=intro + DEVICE_GUIDE + SUPPORT_POLICY, temperature=0.2),
    )
    return response.text or ""


def device_help(customer: Customer, device: str, question: str) -> str:
    # Fine: the guide and the policy are the whole system instruction; who and which device
    # go with the question.
    response = client.models.generate_content(
        model=MODEL,
        contents=f"Customer {customer.name}, device {device}.\n\n{question}",
        config=types.GenerateContentConfig(system_instruction=DEVICE_GUIDE + SUPPORT_POLICY, temperature=0.2),
    )
    return response.text or ""

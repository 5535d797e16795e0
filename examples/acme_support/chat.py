"""Web-chat answers through the OpenAI Responses API.

Each pair below builds the same request two ways: the first breaks prompt caching, the
second is the fix. SUPPORT_POLICY is imported from prompts.py; cachelint follows the import
and counts its 1,535 tokens.
"""

from __future__ import annotations

from datetime import date, datetime

from openai import OpenAI

from acme_support.models import Customer, Tenant
from acme_support.prompts import CHAT_STYLE, SUPPORT_POLICY

client = OpenAI()


def answer_for_tenant_name_first(tenant: Tenant, question: str) -> str:
    # CL101 (reported): the tenant's name comes first, so the 1,535-token policy behind it
    # differs per tenant and is never read from the cache.
    response = client.responses.create(
        model="gpt-4.1",
        instructions=f"You are answering on behalf of {tenant.display_name}.\n\n" + SUPPORT_POLICY,
        input=question,
    )
    return response.output_text


def answer_for_tenant(tenant: Tenant, question: str) -> str:
    # Fine: the policy is the whole of `instructions`, identical for every tenant; the
    # tenant's name travels with the question, after all static text.
    response = client.responses.create(
        model="gpt-4.1",
        instructions=SUPPORT_POLICY,
        input=f"You are answering on behalf of {tenant.display_name}.\n\n{question}",
    )
    return response.output_text


def answer_with_clock(customer: Customer, question: str) -> str:
    # CL102 (reported): the time to the minute makes the first line of the instructions
    # unique for every minute, so nothing after it is ever cached, not even within one
    # conversation.
    instructions = f"Current time: {datetime.now():%Y-%m-%d %H:%M}\n\n{SUPPORT_POLICY}\n{CHAT_STYLE}"
    response = client.responses.create(model="gpt-4.1", instructions=instructions, input=question)
    return response.output_text


def answer_with_date(customer: Customer, question: str) -> str:
    # Fine: the date changes once a day, which costs one cache miss a day (cachelint reports
    # it only with `flag-daily-values = true`). The customer's name goes in the input.
    instructions = f"Today is {date.today():%A, %d %B %Y}.\n\n{SUPPORT_POLICY}\n{CHAT_STYLE}"
    response = client.responses.create(
        model="gpt-4.1",
        instructions=instructions,
        input=f"Customer: {customer.name}\n\n{question}",
    )
    return response.output_text

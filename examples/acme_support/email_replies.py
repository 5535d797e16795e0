"""Draft email replies for agents to review, from a `string.Template` prompt file.

The template is loaded with `importlib.resources`, which cachelint follows to
`acme_support/prompts/email_reply.txt`.
"""

from __future__ import annotations

from importlib.resources import files
from string import Template

from openai import OpenAI

from acme_support.models import Customer, Tenant
from acme_support.prompts import SUPPORT_POLICY

client = OpenAI()
EMAIL_TEMPLATE = Template(files("acme_support").joinpath("prompts/email_reply.txt").read_text(encoding="utf-8"))
EMAIL_MODEL = "gpt-4.1"
ADDRESSED = "Reply to {name} <{email}>.\n\n{rules}"


def draft_reply(tenant: Tenant, customer: Customer, thread: str) -> str:
    # Fine: `$brand` is the only per-call placeholder and it sits on the template's last line,
    # after the instructions and the policy.
    system = EMAIL_TEMPLATE.substitute(policy=SUPPORT_POLICY, brand=tenant.display_name)
    user = f"Customer: {customer.name} <{customer.email}>, plan: {customer.plan or 'none'}\n\n{thread}"
    completion = client.chat.completions.create(
        model=EMAIL_MODEL,
        messages=[{"role": "system", "content": system}, {"role": "user", "content": user}],
    )
    return completion.choices[0].message.content or ""


def draft_reply_addressed_first(tenant: Tenant, customer: Customer, thread: str) -> str:
    # CL101 (reported): `.format` puts the customer's name and address at the top of the
    # system message, ahead of the email rules and the policy.
    rules = EMAIL_TEMPLATE.substitute(policy=SUPPORT_POLICY, brand=tenant.display_name)
    system = ADDRESSED.format(name=customer.name, email=customer.email, rules=rules)
    completion = client.chat.completions.create(
        model=EMAIL_MODEL,
        messages=[{"role": "system", "content": system}, {"role": "user", "content": thread}],
    )
    return completion.choices[0].message.content or ""

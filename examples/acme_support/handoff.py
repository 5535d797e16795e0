"""Hand-over notes for human agents, rendered from a Jinja template in prompts/.

cachelint renders `prompts/handoff.md.j2` statically: the template text is static, and each
placeholder takes the stability of the value passed for it (`policy` is a constant,
`conversation_id` and `queue` change per call).
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader
from openai import OpenAI

from acme_support.models import Conversation
from acme_support.prompts import SUPPORT_POLICY

client = OpenAI()
templates = Environment(loader=FileSystemLoader(Path(__file__).parent / "prompts"), autoescape=False)


def transcript(conversation: Conversation) -> str:
    return "\n".join(f"{turn.role}: {turn.text}" for turn in conversation.turns)


def handoff_note(conversation: Conversation, queue: str, flags: list[str]) -> str:
    # Fine: the conversation id, queue and flags are rendered at the very end of the
    # template, after about 1,800 static tokens that every hand-over shares.
    instructions = templates.get_template("handoff.md.j2").render(
        policy=SUPPORT_POLICY,
        conversation_id=conversation.id,
        queue=queue,
        flags=flags,
    )
    response = client.responses.create(model="gpt-4.1", instructions=instructions, input=transcript(conversation))
    return response.output_text


def handoff_note_ticket_first(conversation: Conversation, queue: str, flags: list[str]) -> str:
    # CL101 (reported): the same template, but with the ticket reference put in front of it,
    # so none of the template's static text is ever read from the cache.
    header = f"Ticket {conversation.id} for {conversation.customer.email}\n\n"
    instructions = header + templates.get_template("handoff.md.j2").render(
        policy=SUPPORT_POLICY, conversation_id=conversation.id, queue=queue, flags=flags
    )
    response = client.responses.create(model="gpt-4.1", instructions=instructions, input=transcript(conversation))
    return response.output_text

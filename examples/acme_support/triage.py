"""Route incoming messages to a help-desk queue with a small, cheap model."""

from __future__ import annotations

from openai import OpenAI

from acme_support.prompts import SUPPORT_POLICY, TRIAGE_INSTRUCTIONS

client = OpenAI()
TRIAGE_MODEL = "gpt-4.1-mini"


def classify_short(message: str) -> str:
    # Not reported: the only static text is about 30 tokens of instructions, below the
    # 1,024-token minimum OpenAI caches, but padding it to the minimum would cost more than it
    # saves (cached input on gpt-4.1-mini costs a quarter: it pays from 256 tokens).
    response = client.responses.create(model=TRIAGE_MODEL, instructions=TRIAGE_INSTRUCTIONS, input=message)
    return response.output_text.strip()


def classify(message: str) -> str:
    # Fine: with the support policy in front, the classifier knows what each queue covers and
    # the static prefix (about 1,570 tokens) is cached after the first call, at a discount on
    # every later one.
    response = client.responses.create(
        model=TRIAGE_MODEL,
        instructions=SUPPORT_POLICY + "\n" + TRIAGE_INSTRUCTIONS,
        input=message,
    )
    return response.output_text.strip()


LANGUAGE_RULES = """\
Answer with the ISO 639-1 code of the language the text is written in, and nothing else.
Rules:
- Judge by the words the customer wrote, not by names, addresses, product names, order numbers
  or error messages they pasted from a device screen or an email.
- When a message mixes languages, answer with the language of most of its sentences; when
  the sentences are balanced, answer with the language of the first full sentence.
- Treat British, American, Australian and other varieties of English as "en", European and
  Brazilian Portuguese as "pt", and Latin American and European Spanish as "es".
- Chinese written in simplified or traditional characters is "zh"; Serbian in Latin or
  Cyrillic script is "sr"; Norwegian Bokmal and Nynorsk are both "no".
- Transliterated text (Hindi, Arabic or Russian written in Latin letters) counts as the
  language it transliterates, not as English.
- A message of emoji, numbers, links or punctuation only, or shorter than three words, is
  "und" (undetermined); so is text in a language without a two-letter code.
- Never translate, summarise or answer the message itself, and never add an explanation,
  a confidence score or quotation marks around the code.
"""


def detect_language(message: str) -> str:
    # CL201 applies here too: about 270 static tokens, below the 1,024-token minimum and just
    # past the 256 from which padding would pay on gpt-4.1-mini. This call is rare and the
    # saving small (a few percent), so the finding is suppressed on the reported line, by name.
    response = client.responses.create(  # cachelint: ignore[prefix-below-minimum]
        model=TRIAGE_MODEL,
        instructions=LANGUAGE_RULES,
        input=message,
    )
    return response.output_text.strip()

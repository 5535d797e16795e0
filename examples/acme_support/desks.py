"""The help desks: each answers through personas.answer_as under its own fixed name."""

from __future__ import annotations

from acme_support.personas import answer_as


def billing(question: str) -> str:
    return answer_as("billing desk", question)


def returns_desk(questions: list[str]) -> list[str]:
    # A batch: the desk's name is the same for every question of it.
    return [answer_as("returns desk", q) for q in questions]

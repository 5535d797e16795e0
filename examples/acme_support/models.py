"""Request-side data the services receive from the help-desk backend."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class Tenant:
    """A retailer that runs Acme's assistant under its own brand."""

    slug: str
    display_name: str
    region: str
    enabled_tools: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Customer:
    id: str
    name: str
    email: str
    signed_in: bool
    plan: str | None = None


@dataclass
class Turn:
    role: Literal["user", "assistant"]
    text: str


@dataclass
class Conversation:
    id: str
    customer: Customer
    tenant: Tenant
    turns: list[Turn] = field(default_factory=list)

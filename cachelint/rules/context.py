"""What a rule sees besides the prompt: settings, token counting, model facts."""

from __future__ import annotations

from dataclasses import dataclass

from cachelint.settings import Settings


@dataclass
class RuleContext:
    settings: Settings

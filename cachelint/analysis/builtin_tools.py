"""Provider-defined tools that bring text of their own into the prompt (rules.md section 1,
"Built-in tools"): the request shows only `{"type": "bash_20250124", "name": "bash"}`, the
provider renders its own definition in the cached prefix.

Anthropic documents how many input tokens each of its built-in tools adds; those count as
static text of the preamble. OpenAI does not document the length of the instructions its
built-in tools add: they are stable text of unknown length, which keeps the size rules from
claiming a prefix is short.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class BuiltinTool:
    name: str  # as messages say it
    tokens: int | None  # documented input tokens added per request; None when not documented
    source: str  # where the number is documented


# Anthropic: one row per tool family; versions differ in date suffix only (bash_20241022,
# bash_20250124, text_editor_20250728, computer_20251124, ...). The counts are the documented
# per-definition numbers (computer use also adds a system prompt of 466-499 tokens, not counted:
# the lower bound is what the prefix certainly holds).
_ANTHROPIC = (
    (re.compile(r"^bash_\d{8}$"), BuiltinTool(
        "bash", 245, "https://platform.claude.com/docs/en/agents-and-tools/tool-use/bash-tool (checked 2026-12-07)")),
    (re.compile(r"^text_editor_\d{8}$"), BuiltinTool(
        "text editor", 700,
        "https://platform.claude.com/docs/en/agents-and-tools/tool-use/text-editor-tool (checked 2026-12-07)")),
    (re.compile(r"^computer_\d{8}$"), BuiltinTool(
        "computer use", 735,
        "https://platform.claude.com/docs/en/agents-and-tools/tool-use/computer-use-tool (checked 2026-12-07)")),
)

# OpenAI Responses built-in tools (and their preview names): hidden instructions of no
# documented length.
_OPENAI = re.compile(r"^(web_search(_preview)?(_\d{4}_\d{2}_\d{2})?|file_search|code_interpreter|"
                     r"computer_use_preview|computer_use|image_generation|local_shell|shell|apply_patch|mcp)$")
_OPENAI_SOURCE = "https://platform.openai.com/docs/guides/tools (no token count documented)"


def builtin_tool(provider: str, type_name: str) -> BuiltinTool | None:
    """The built-in tool a tool definition's `type` names, for the call's provider."""
    if provider == "anthropic":
        for pattern, tool in _ANTHROPIC:
            if pattern.match(type_name):
                return tool
        return None
    if provider == "openai" and _OPENAI.match(type_name):
        return BuiltinTool(type_name, None, _OPENAI_SOURCE)
    return None

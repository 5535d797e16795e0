"""`--show-settings PATH`: the configuration a file is linted with, written as the TOML that
would give it, with its project root and the file it came from as comments."""

from __future__ import annotations

import json
from collections.abc import Iterable

from cachelint.config import Resolved
from cachelint.discovery import display_path


def _string(value: str) -> str:
    # A JSON string is a TOML basic string (both escape the same characters).
    return json.dumps(value, ensure_ascii=False)


def _strings(values: Iterable[str]) -> str:
    return "[" + ", ".join(_string(v) for v in values) + "]"


def render_settings(path: str, resolved: Resolved) -> str:
    """The resolved settings of `path`, one key a line."""
    s = resolved.settings
    source = display_path(resolved.config_path) if resolved.config_path else "none (the defaults)"
    lines = [
        f"# Settings for {display_path(path)}",
        f"# project root: {display_path(s.root)}",
        f"# configuration file: {source}",
        "[tool.cachelint]",
        f"select = {_strings(r.code for r in resolved.rules)}",
        f"per-file-ignores = {{{', '.join(f'{_string(p)} = {_strings(c)}' for p, c in s.per_file_ignores)}}}",
        f"exclude = {_strings(s.exclude)}",
        f"extend-exclude = {_strings(s.extend_exclude)}",
        (f"default-model = {_string(s.default_model)}" if s.default_model is not None
         else "# default-model: not set (a call that names no model gets no size finding)"),
        f"min-lost-tokens = {s.min_lost_tokens}",
        f"flag-daily-values = {'true' if s.flag_daily_values else 'false'}",
        f"respect-gitignore = {'true' if s.respect_gitignore else 'false'}",
        f"output-format = {_string(resolved.output_format)}",
        f"fail-on = {_string(resolved.fail_on.value)}",
        "",
        "[tool.cachelint.severity]",
        *(f"{code} = {_string(level.value)}" for code, level in resolved.severity),
    ]
    for name, roles in s.wrappers:
        lines += ["", f"[tool.cachelint.wrappers.{_string(name)}]"]
        lines += [f"{role} = {_string(param)}" for role, param in roles]
    return "\n".join(lines) + "\n"

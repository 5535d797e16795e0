"""The resolved settings one run uses (loaded from [tool.cachelint] by config.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

# The model whose tokenizer counts a call that names no model when none is configured. Only
# for counting: its minimum and price are not claimed for such a call (the size rules stay
# silent), since the call may run on any model.
DEFAULT_MODEL = "gpt-4.1"
DEFAULT_MIN_LOST_TOKENS = 128


@dataclass(frozen=True)
class Settings:
    # Rule selection: codes, names or code prefixes ("CL1"); empty select = the defaults.
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (glob, codes)
    exclude: tuple[str, ...] = ()
    extend_exclude: tuple[str, ...] = ()
    # The model a call that names none runs on, as the user configured it (`default-model`,
    # `--default-model`); None: not configured, so such a call's model is not known.
    default_model: str | None = None
    min_lost_tokens: int = DEFAULT_MIN_LOST_TOKENS
    flag_daily_values: bool = False
    respect_gitignore: bool = True
    # Project root: where prompt files may be read from and module names start.
    root: str = "."
    # User-declared wrappers: qualified function name -> parameter roles.
    wrappers: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = field(default=())

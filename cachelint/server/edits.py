"""Code actions as plain text edits: a suppression comment for one finding."""

from __future__ import annotations

import ast
import io
import tokenize
import warnings
from dataclasses import dataclass

from cachelint.diagnostics import Diagnostic
from cachelint.suppress import filter_suppressed


@dataclass(frozen=True)
class Insertion:
    """Text inserted at a 1-based line and 0-based character column of a module."""

    line: int
    column: int
    text: str


def _comment_line(text: str, line: int) -> int | None:
    """The line where a comment covers `line`: the line itself, or the last line of a
    multi-line string (or bracketed expression's string) that goes on past it, where the
    suppression reader looks. None when no comment can be written there (a backslash
    continues the line, or the text does not tokenize)."""
    target = line
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return None
    for token in tokens:
        if token.type in (tokenize.NL, tokenize.NEWLINE):
            continue
        if token.start[0] <= target < token.end[0]:
            target = token.end[0]  # a multi-line string token: no comment can go inside it
    return target


def suppression(text: str, diagnostic: Diagnostic) -> Insertion | None:
    """A `# cachelint: ignore[CODE]` comment that silences `diagnostic` in `text`, or None
    when none can be added safely. The edit is tried first: it must leave the module
    parsing, and the finding suppressed, as `cachelint` reads suppression comments."""
    lines = text.splitlines(keepends=True)
    target = _comment_line(text, diagnostic.span.line)
    if target is None or not 1 <= target <= len(lines):
        return None
    body = lines[target - 1].rstrip("\r\n")
    if body.rstrip().endswith("\\"):
        return None  # a comment after a line continuation is a syntax error
    stripped = body.rstrip()
    insertion = Insertion(target, len(stripped), f"  # cachelint: ignore[{diagnostic.code}]")
    edited = stripped + insertion.text + lines[target - 1][len(stripped):]
    new_text = "".join([*lines[: target - 1], edited, *lines[target:]])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences in the user's code
            ast.parse(new_text)
    except (SyntaxError, ValueError):
        return None
    if filter_suppressed([diagnostic], new_text):
        return None
    return insertion

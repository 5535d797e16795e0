"""The lines of a string as written: an f-string's or a template literal's parts cut at its line
breaks (escaped `\\n` or real ones), so a fix can move one line and keep every other character
as it was written."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Token:
    kind: str  # "text", "nl" (a line break, escaped or real) or "expr" (a placeholder)
    raw: str  # as written
    start: int  # offset in the string's text as written
    end: int


@dataclass(frozen=True)
class Written:
    """A string literal as written: its opening (prefix and quote), its parts, its closing."""

    start: str
    tokens: tuple[Token, ...]
    end: str
    is_fstring: bool


@dataclass(frozen=True)
class Line:
    """One line of a string, cut out: its parts, the line breaks that separated it from the
    rest, and the rest with that cut made."""

    text: str  # the line as written, without its breaks
    breaks: str  # the breaks that went with it ("" when the string has only this line)
    rest: str  # the string's parts without the line and those breaks
    first: int  # index of the line's first token
    last: int  # ... and of its last


def written(snippet: str) -> Written | None:
    """`snippet` (one f-string or plain string literal, no implicit concatenation, not raw, not
    bytes) cut into parts; None for anything else."""
    import libcst as cst  # why: optional (the `fix` extra) and slow to import: loaded only when a fix is written

    try:
        node = cst.parse_expression(snippet)
    except cst.ParserSyntaxError:
        return None
    if isinstance(node, cst.SimpleString):
        prefix = node.prefix.lower()
        if "r" in prefix or "b" in prefix:
            return None
        quote = node.quote
        start = node.value[:len(node.prefix) + len(quote)]
        inner = node.value[len(start):len(node.value) - len(quote)]
        return Written(start, tuple(_text_tokens(inner, len(start))), quote, False)
    if not isinstance(node, cst.FormattedString) or "r" in node.prefix.lower():
        return None  # implicit concatenation, or a raw string (where `\n` is no line break)
    module = cst.Module(body=[])
    tokens: list[Token] = []
    at = len(node.start)
    for part in node.parts:
        raw = module.code_for_node(part)
        if isinstance(part, cst.FormattedStringExpression):
            tokens.append(Token("expr", raw, at, at + len(raw)))
        else:
            tokens.extend(_text_tokens(raw, at))
        at += len(raw)
    return Written(node.start, tuple(tokens), node.end, True)


def _text_tokens(raw: str, at: int) -> list[Token]:
    out: list[Token] = []
    i, last = 0, 0
    while i < len(raw):
        width = 2 if raw[i] == "\\" else 1
        if raw[i:i + 2] == "\\n" or raw[i] == "\n":
            if last < i:
                out.append(Token("text", raw[last:i], at + last, at + i))
            out.append(Token("nl", raw[i:i + width], at + i, at + i + width))
            last = i + width
        i += width
    if last < len(raw):
        out.append(Token("text", raw[last:], at + last, at + len(raw)))
    return out


def lines_of(tokens: Sequence[Token]) -> list[list[int]]:
    """Token indices of each line, line breaks left out."""
    lines: list[list[int]] = [[]]
    for i, t in enumerate(tokens):
        if t.kind == "nl":
            lines.append([])
        else:
            lines[-1].append(i)
    return lines


def cut_line(tokens: Sequence[Token], hit: int) -> Line | None:
    """Line number `hit` (0-based, as lines_of counts) cut out with the breaks that follow it
    (or, for the last line, the breaks before it); None for an empty line."""
    lines = lines_of(tokens)
    line = lines[hit]
    if not line:
        return None
    first, last = line[0], line[-1]
    after = last + 1
    while after < len(tokens) and tokens[after].kind == "nl":
        after += 1
    breaks = "".join(t.raw for t in tokens[last + 1:after])
    if breaks:
        cut = (first, after)
    else:
        # The last line: the breaks before it go with it.
        before = first
        while before > 0 and tokens[before - 1].kind == "nl":
            before -= 1
        breaks = "".join(t.raw for t in tokens[before:first])
        cut = (before, last + 1)
    text = "".join(tokens[i].raw for i in range(first, last + 1))
    rest = "".join(t.raw for i, t in enumerate(tokens) if not cut[0] <= i < cut[1])
    return Line(text, breaks, rest, first, last)


def trailing_breaks(tokens: Sequence[Token]) -> tuple[str, str]:
    """(the string's parts without the line breaks it ends with, those breaks)."""
    n = len(tokens)
    while n > 0 and tokens[n - 1].kind == "nl":
        n -= 1
    return "".join(t.raw for t in tokens[:n]), "".join(t.raw for t in tokens[n:])

"""Tell a syntax error of newer Python apart from a real one: `needs Python 3.12+ (running 3.11)`.

cachelint parses with the `ast` of the Python that runs it, so a module written for a later
Python (a 3.12 f-string that nests its own quotes, a `type` statement, a 3.14 t-string) does
not parse under an older one. Rather than a bare "invalid syntax", the error names the
version the file needs. A construct is named only when the error is on a line that holds it
(precision over recall: any other syntax error keeps Python's own words).

A leaf module: it imports nothing from cachelint.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass

Version = tuple[int, int]


@dataclass(frozen=True)
class NewerSyntax:
    """A construct a later Python accepts: from which version, and how a message names it."""

    version: Version
    what: str


_TYPE_STATEMENT = re.compile(r"^\s*type\s+[A-Za-z_]\w*\s*(?:\[[^\]]*\]\s*)?=")
_GENERIC_DEF = re.compile(r"^\s*(?:async\s+)?def\s+[A-Za-z_]\w*\s*\[|^\s*class\s+[A-Za-z_]\w*\s*\[")
_EXCEPT_STAR = re.compile(r"^\s*except\s*\*")
# `except A, B:` (3.14, PEP 758): a comma in the exception list, not inside parentheses.
_EXCEPT_BARE_TUPLE = re.compile(r"^\s*except\s*\*?\s*[A-Za-z_][\w.]*\s*,\s*[A-Za-z_][\w.]*[\w.\s,]*:")
# A t-string's prefix (3.14, PEP 750): t or T, alone or with r/R, right before a quote.
_T_STRING = re.compile(r"""(?<![\w'"])(?:[tT][rR]?|[rR][tT])(?:'|")""")

_PREFIX = re.compile(r"[A-Za-z]{1,2}$")


def _line_checks() -> list[tuple[NewerSyntax, re.Pattern[str]]]:
    return [
        (NewerSyntax((3, 11), "an `except*` clause (PEP 654)"), _EXCEPT_STAR),
        (NewerSyntax((3, 12), "a `type` statement (PEP 695)"), _TYPE_STATEMENT),
        (NewerSyntax((3, 12), "type parameters in brackets (PEP 695)"), _GENERIC_DEF),
        (NewerSyntax((3, 14), "`except` with several exceptions and no parentheses (PEP 758)"),
         _EXCEPT_BARE_TUPLE),
        (NewerSyntax((3, 14), "a t-string (PEP 750)"), _T_STRING),
    ]


_FSTRING = NewerSyntax((3, 12), "an f-string with a quote, backslash or comment inside its braces (PEP 701)")


def newer_syntax(text: str, error_line: int | None,
                 running: Version | None = None) -> NewerSyntax | None:
    """The newer construct a syntax error at `error_line` of `text` comes from, or None.

    `running` is the Python that parsed it (default: this one); only constructs of later
    versions are considered."""
    if error_line is None or error_line < 1:
        return None
    now = running if running is not None else (sys.version_info[0], sys.version_info[1])
    lines = text.splitlines()
    if error_line > len(lines):
        return None
    line = lines[error_line - 1]
    for found, pattern in _line_checks():
        if found.version > now and pattern.search(line):
            return found
    if _FSTRING.version > now:
        for first, last in pep701_fstrings(text):
            if first <= error_line <= last:
                return _FSTRING
    return None


def needs_message(found: NewerSyntax, running: Version | None = None) -> str:
    """`needs Python 3.12+ (running 3.11): a `type` statement (PEP 695)`."""
    now = running if running is not None else (sys.version_info[0], sys.version_info[1])
    return f"needs Python {found.version[0]}.{found.version[1]}+ (running {now[0]}.{now[1]}): {found.what}"


# ---- PEP 701 f-strings


def pep701_fstrings(text: str) -> list[tuple[int, int]]:
    """(first line, last line) of each f-string in `text` that only Python 3.12+ reads: one
    whose replacement fields hold its own quote, a backslash or a comment. Scanned by hand
    with 3.12's rules, since an older tokenizer cannot read them."""
    scanner = _Scanner(text)
    scanner.run()
    return scanner.found


class _Scanner:
    """A minimal tokenizer: comments, strings (any prefix, triple quotes) and f-strings with
    nested replacement fields, enough to find the f-strings of PEP 701."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.found: list[tuple[int, int]] = []

    def line_at(self, pos: int) -> int:
        return self.text.count("\n", 0, pos) + 1

    def run(self) -> None:
        while self.pos < len(self.text):
            self.code_token(stop=None)

    def code_token(self, stop: Callable[[str], bool] | None) -> bool:
        """Consume one token of code; True if `stop` matched the character (not consumed)."""
        text = self.text
        ch = text[self.pos]
        if stop is not None and stop(ch):
            return True
        if ch == "#":
            end = text.find("\n", self.pos)
            self.pos = len(text) if end < 0 else end
            return False
        if ch in "'\"":
            prefix_match = _PREFIX.search(text, max(0, self.pos - 2), self.pos)
            prefix = ""
            if prefix_match is not None:
                start = prefix_match.start()
                before = text[start - 1] if start > 0 else ""
                if not (before.isalnum() or before == "_"):
                    prefix = prefix_match.group(0).lower()
            self.string(prefix, self.pos - len(prefix))
            return False
        self.pos += 1
        return False

    def string(self, prefix: str, start: int) -> None:
        """Consume a string literal whose opening quote is at self.pos."""
        text = self.text
        quote = text[self.pos] * 3 if text.startswith(text[self.pos] * 3, self.pos) else text[self.pos]
        self.pos += len(quote)
        raw = "r" in prefix
        if "f" not in prefix and "t" not in prefix:
            self.plain_body(quote, raw)
            return
        newer = self.fstring_body(quote, raw)
        if newer:
            self.found.append((self.line_at(start), self.line_at(self.pos)))

    def plain_body(self, quote: str, raw: bool) -> None:
        text = self.text
        while self.pos < len(text):
            ch = text[self.pos]
            if ch == "\\":
                self.pos += 2
                continue
            if text.startswith(quote, self.pos):
                self.pos += len(quote)
                return
            if ch == "\n" and len(quote) == 1:
                return  # unterminated: let the parser say so
            self.pos += 1

    def fstring_body(self, quote: str, raw: bool) -> bool:
        """Consume an f-string's text and fields; True if a field uses 3.12-only syntax."""
        text = self.text
        newer = False
        while self.pos < len(text):
            ch = text[self.pos]
            if ch == "\\" and not raw:
                self.pos += 2
                continue
            if text.startswith(quote, self.pos):
                self.pos += len(quote)
                return newer
            if ch == "\n" and len(quote) == 1:
                return newer
            if ch == "{":
                if text.startswith("{{", self.pos):
                    self.pos += 2
                    continue
                self.pos += 1
                newer = self.field(quote) or newer
                continue
            self.pos += 1
        return newer

    def field(self, quote: str) -> bool:
        """Consume a replacement field up to its closing brace; True if it holds the outer
        quote, a backslash, a comment or (in a one-line string) a line break."""
        text = self.text
        newer = False
        depth = 0
        while self.pos < len(text):
            ch = text[self.pos]
            if ch in "([{":
                depth += 1
            elif ch in ")]" or (ch == "}" and depth > 0):
                depth -= 1
            elif ch == "}":
                self.pos += 1
                return newer
            elif ch == ":" and depth == 0 and not text.startswith(":=", self.pos):
                self.pos += 1
                return self.format_spec(quote) or newer
            if ch == "\\" or ch == "#" or (ch == "\n" and len(quote) == 1):
                newer = True
            if ch in "'\"":
                if text.startswith(quote, self.pos):
                    newer = True  # the f-string's own quote: ends it before 3.12
                begin = self.pos
                self.code_token(stop=None)  # a nested string (any prefix)
                if "\\" in text[begin:self.pos]:
                    newer = True  # before 3.12 no backslash anywhere in a field
                continue
            if ch == "#":
                self.code_token(stop=None)
                continue
            self.pos += 1
        return newer

    def format_spec(self, quote: str) -> bool:
        """Consume a format spec (text with nested fields) up to the field's closing brace."""
        text = self.text
        newer = False
        while self.pos < len(text):
            ch = text[self.pos]
            if ch == "}":
                self.pos += 1
                return newer
            if ch == "{":
                self.pos += 1
                newer = self.field(quote) or newer
                continue
            if text.startswith(quote, self.pos) or (ch == "\n" and len(quote) == 1):
                return newer
            self.pos += 1
        return newer

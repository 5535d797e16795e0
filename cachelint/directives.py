"""Suppression comments as written: `# cachelint: ignore[CL101, name]`, `# noqa: CL101`, where
each is and which lines it covers. What they suppress is decided in cachelint.suppress.

A leaf module (it knows no rule), so rules may use its types.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass

# Both are searched inside one comment token, which may hold several directives (a mypy
# ignore followed by a noqa, say). `cachelint: ignore` alone covers every rule;
# `cachelint: ignore[CL101, dynamic-before-static]` lists codes or names.
_CACHELINT = re.compile(
    r"#\s*cachelint\s*:\s*ignore(?![\w-])(?:\s*\[(?P<codes>[^\]]*)\])?",
    re.IGNORECASE,
)
# flake8's spelling: `noqa` alone, or `noqa:` then codes separated by commas or spaces,
# in any case. Codes other tools own (E501) match no rule and suppress nothing here.
_NOQA = re.compile(
    r"#\s*noqa(?![\w-])(?::\s?(?P<codes>[A-Za-z][\w-]*(?:[,\s]+[A-Za-z][\w-]*)*))?",
    re.IGNORECASE,
)

# A rule code of cachelint's own namespace, as written in a noqa comment.
_OUR_CODE = re.compile(r"CL\d+", re.IGNORECASE)


@dataclass(frozen=True)
class Directive:
    """One suppression written in a comment: `# cachelint: ignore[...]` or `# noqa: ...`.

    `selectors` are the codes or names as written (None: a bare directive, every rule);
    `lines` the lines it covers (its own, and the earlier lines of a multi-line string
    that ends on it); `column`/`end_column` where it is written on `line` (1-based)."""

    line: int
    column: int
    end_column: int
    ours: bool  # `cachelint: ignore` (True) or `noqa` (False)
    selectors: tuple[str, ...] | None
    lines: tuple[int, ...] = ()

    @property
    def text(self) -> str:
        """The directive as cachelint shows it: `# cachelint: ignore[CL101]`, `# noqa: CL101`."""
        if self.ours:
            return "# cachelint: ignore" + ("" if self.selectors is None else f"[{', '.join(self.selectors)}]")
        return "# noqa" + ("" if self.selectors is None else f": {', '.join(self.selectors)}")

    def owned(self, selector: str) -> bool:
        """Is `selector` cachelint's to judge? Everything in `cachelint: ignore[...]`; in a
        noqa comment only codes of the CL namespace (`E501` belongs to another tool)."""
        return self.ours or _OUR_CODE.fullmatch(selector) is not None


# A noqa comment naming a code of cachelint's namespace: only such a comment (or the word
# cachelint) makes a file worth tokenizing for its directives.
_NOQA_OURS = re.compile(r"noqa\s*:[^\n]*\bCL\d", re.IGNORECASE)


def has_directives(text: str) -> bool:
    """Can `text` hold a directive cachelint judges (warns about or may call unused)? The
    word `cachelint`, or a noqa comment with a CL code: cheap enough for every file of a run."""
    return "cachelint" in text or ("noqa" in text and _NOQA_OURS.search(text) is not None)


def _selectors(text: str) -> list[str]:
    return [s for s in re.split(r"[,\s]+", text) if s]


def parse_directives(source_text: str) -> list[Directive]:
    """Every suppression directive of the module, in order.

    Comments are found with `tokenize`, so `#` inside a string is not a comment. A comment
    after the end of a multi-line string also covers the string's earlier lines (as in
    ruff: no comment can be written inside the string).
    """
    found: list[Directive] = []
    string_lines: dict[int, int] = {}  # last line -> first line of multi-line strings
    fstring_starts: list[int] = []  # Python 3.12+ splits f-strings into several tokens
    fstring_start = getattr(tokenize, "FSTRING_START", None)
    fstring_end = getattr(tokenize, "FSTRING_END", None)
    try:
        for token in tokenize.generate_tokens(io.StringIO(source_text).readline):
            if token.type == tokenize.STRING:
                _note_string(string_lines, token.start[0], token.end[0])
            elif fstring_start is not None and token.type == fstring_start:
                fstring_starts.append(token.start[0])
            elif fstring_end is not None and token.type == fstring_end and fstring_starts:
                _note_string(string_lines, fstring_starts.pop(), token.end[0])
            elif token.type == tokenize.COMMENT:
                found.extend(_comment_directives(token.string, token.start[0], token.start[1]))
    except (tokenize.TokenError, SyntaxError):
        pass  # keep what was read before the error; the parser reports the problem
    out = []
    for d in found:
        first = string_lines.get(d.line, d.line)
        out.append(Directive(d.line, d.column, d.end_column, d.ours, d.selectors, tuple(range(first, d.line + 1))))
    return out


def _note_string(table: dict[int, int], first: int, last: int) -> None:
    if last > first:
        table[last] = min(first, table.get(last, first))


def _comment_directives(comment: str, line: int, offset: int) -> list[Directive]:
    out = []
    for regex, ours in ((_CACHELINT, True), (_NOQA, False)):
        for m in regex.finditer(comment):
            codes = m.group("codes")
            selectors = None if codes is None else tuple(_selectors(codes))
            out.append(Directive(line, offset + m.start() + 1, offset + m.end() + 1, ours, selectors))
    return out

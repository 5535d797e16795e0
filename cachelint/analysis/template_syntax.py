"""Template syntax: Jinja-subset text lexed and parsed into a tree, with no evaluator or values involved."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

MAX_TAG = 2_000  # characters inside one `{{ }}` or `{% %}`

# Private-use characters stand in for the non-text parts of a template's source while it
# is parsed; they are neither whitespace nor identifier characters.
SENTINEL = 0xF0000


@dataclass(frozen=True)
class JinjaOptions:
    """How an environment shapes its templates' text (whitespace handling, escaping, custom syntax)."""

    trim_blocks: bool = False
    lstrip_blocks: bool = False
    keep_trailing_newline: bool = False
    autoescape: bool | None = False  # None: decided at run time
    parseable: bool = True  # False when the environment changes the syntax


class Unparseable(Exception):
    """The template uses syntax the subset parser does not follow."""


# ---------------------------------------------------------------- Jinja: lexing and parsing


@dataclass
class Tok:
    kind: str  # "text" | "var" | "block" | "comment"
    start: int
    end: int
    inner: str = ""
    inner_at: int = 0  # offset of `inner` in the source
    strip_before: bool = False  # `{%-`: strip whitespace before the tag
    strip_after: bool = False  # `-%}`: strip whitespace after the tag
    plus: bool = False  # `{%+`: no lstrip_blocks for this tag


@dataclass
class TextN:
    start: int
    end: int


@dataclass
class Out:
    expr: str
    at: int


@dataclass
class If:
    branches: list[tuple[str, list[Node]]]
    orelse: list[Node] | None
    at: int
    source: str


@dataclass
class For:
    targets: list[str]
    iter: str
    body: list[Node]
    orelse: list[Node]
    at: int
    source: str
    simple: bool  # no `if` filter, no `recursive`


@dataclass
class Bind:
    names: list[str]  # names given a value the renderer does not follow (`set`, `import`, `macro`)


@dataclass
class Unknown:
    what: str
    at: int
    source: str


@dataclass
class Group:
    body: list[Node]  # rendered in place (`autoescape`)


@dataclass
class Block:
    name: str
    body: list[Node]  # rendered in place, unless a template that extends this one overrides it


@dataclass
class Include:
    names: list[str] | None  # literal names, tried in order; None when not literal
    ignore_missing: bool
    context: bool  # False: `without context`
    at: int
    source: str


@dataclass
class Extends:
    names: list[str] | None  # literal names, tried in order; None when not literal
    at: int
    source: str


Node = TextN | Out | If | For | Bind | Unknown | Group | Block | Include | Extends

_OPEN = re.compile(r"\{([{%#])([-+]?)")
_ENDRAW = re.compile(r"\{%([-+]?)\s*endraw\s*(-?)%\}")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def lex(src: str, opts: JinjaOptions) -> list[Tok]:
    """The tags and text runs of `src`, text runs already narrowed by whitespace control."""
    toks: list[Tok] = []
    pos = 0
    n = len(src)
    while pos < n:
        m = _OPEN.search(src, pos)
        if m is None:
            toks.append(Tok("text", pos, n))
            break
        if m.start() > pos:
            toks.append(Tok("text", pos, m.start()))
        kind = {"{": "var", "%": "block", "#": "comment"}[m.group(1)]
        close = {"var": "}}", "block": "%}", "comment": "#}"}[kind]
        end = src.find(close, m.end())
        if end < 0:
            raise Unparseable(f"unclosed `{m.group(0)}`")
        strip_after = end > m.end() and src[end - 1] == "-"
        inner_end = end - 1 if strip_after else end
        inner = src[m.end():inner_end]
        if kind != "comment" and len(inner) > MAX_TAG:
            raise Unparseable("a tag too long to follow")
        tok = Tok(kind, m.start(), end + 2, inner.strip(), m.end() + (len(inner) - len(inner.lstrip())),
                   m.group(2) == "-", strip_after, m.group(2) == "+")
        pos = end + 2
        if kind == "block" and tok.inner == "raw":
            toks.append(tok)
            em = _ENDRAW.search(src, pos)
            if em is None:
                raise Unparseable("unclosed `{% raw %}`")
            toks.append(Tok("text", pos, em.start()))
            toks.append(Tok("block", em.start(), em.end(), "endraw", em.start(), em.group(1) == "-",
                             em.group(2) == "-"))
            pos = em.end()
            continue
        toks.append(tok)
    # Whitespace control: `-` strips, trim_blocks drops the newline after a block tag,
    # lstrip_blocks strips blanks before a block tag at the start of a line.
    for i, t in enumerate(toks):
        if t.kind != "text":
            continue
        a, b = t.start, t.end
        prev = toks[i - 1] if i > 0 else None
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if prev is not None and prev.strip_after:
            while a < b and src[a].isspace():
                a += 1
        elif prev is not None and prev.kind in ("block", "comment") and opts.trim_blocks:
            if src.startswith("\r\n", a):
                a += 2
            elif a < b and src[a] in "\r\n":
                a += 1
        if nxt is not None and nxt.strip_before:
            while b > a and src[b - 1].isspace():
                b -= 1
        elif nxt is not None and nxt.kind in ("block", "comment") and opts.lstrip_blocks and not nxt.plus:
            k = b
            while k > a and src[k - 1] in " \t":
                k -= 1
            if (k > a and src[k - 1] in "\r\n") or (k == a and (a == 0 or src[a - 1] in "\r\n")):
                b = k
        t.start, t.end = a, b
    return toks


def parse(text: str, opts: JinjaOptions) -> list[Node]:
    """The nodes of one template's source text (holes in it already replaced by SENTINEL characters)."""
    if not opts.parseable:
        raise Unparseable("the environment changes the template syntax")
    end = len(text)
    if not opts.keep_trailing_newline:
        # Jinja drops a single newline at the end of the source.
        if text.endswith("\r\n"):
            end -= 2
        elif text.endswith(("\n", "\r")):
            end -= 1
    return Parser(text[:end], lex(text[:end], opts)).parse()


def blocks_in(nodes: list[Node]) -> list[Block]:
    """Every `{% block %}` of a template, nested ones too (Jinja defines them all, wherever they are)."""
    out: list[Block] = []
    for n in nodes:
        if isinstance(n, Block):
            out.append(n)
            out.extend(blocks_in(n.body))
        elif isinstance(n, Group):
            out.extend(blocks_in(n.body))
        elif isinstance(n, If):
            for _, body in n.branches:
                out.extend(blocks_in(body))
            out.extend(blocks_in(n.orelse or []))
        elif isinstance(n, For):
            out.extend(blocks_in(n.body))
            out.extend(blocks_in(n.orelse))
    return out


def has_include(nodes: list[Node]) -> bool:
    """Whether `{% include %}` appears anywhere in `nodes`, nested ones too."""
    for n in nodes:
        if isinstance(n, Include):
            return True
        if isinstance(n, Group | Block) and has_include(n.body):
            return True
        if isinstance(n, If) and any(has_include(b) for b in [*(b for _, b in n.branches), n.orelse or []]):
            return True
        if isinstance(n, For) and (has_include(n.body) or has_include(n.orelse)):
            return True
    return False


class Parser:
    """Nests the tokens of one template into nodes, tag by tag."""

    def __init__(self, src: str, toks: list[Tok]) -> None:
        self.src = src
        self.toks = toks
        self.i = 0

    def parse(self) -> list[Node]:
        body, stop = self.body(set())
        if stop is not None:
            raise Unparseable(f"unexpected `{{% {stop} %}}`")
        return body

    def body(self, stops: set[str]) -> tuple[list[Node], str | None]:
        out: list[Node] = []
        while self.i < len(self.toks):
            t = self.toks[self.i]
            self.i += 1
            if t.kind == "text":
                out.append(TextN(t.start, t.end))
            elif t.kind == "var":
                out.append(Out(t.inner, t.start))
            elif t.kind == "block":
                word = t.inner.split(None, 1)[0] if t.inner else ""
                if word in stops:
                    self.i -= 1
                    return out, word
                out.append(self.tag(t, word))
        return out, None

    def expect(self, stops: set[str]) -> tuple[list[Node], Tok]:
        body, stop = self.body(stops)
        if stop is None:
            raise Unparseable(f"missing `{{% {sorted(stops)[0]} %}}`")
        t = self.toks[self.i]
        self.i += 1
        return body, t

    def tag(self, t: Tok, word: str) -> Node:
        rest = t.inner[len(word):].strip()
        source = self.src[t.start:t.end]
        if word == "if":
            branches: list[tuple[str, list[Node]]] = []
            cond = rest
            orelse: list[Node] | None = None
            while True:
                body, end = self.expect({"elif", "else", "endif"})
                branches.append((cond, body))
                ew = end.inner.split(None, 1)[0]
                if ew == "elif":
                    cond = end.inner[4:].strip()
                    continue
                if ew == "else":
                    orelse, end = self.expect({"endif"})
                break
            return If(branches, orelse, t.start, source)
        if word == "for":
            m = re.fullmatch(r"(.+?)\s+in\s+(.+?)(\s+if\s+.+?)?(\s+recursive)?", rest, re.S)
            if m is None:
                raise Unparseable("`{% for %}` not understood")
            targets = [x.strip() for x in m.group(1).strip("() ").split(",")]
            if not all(_IDENT.fullmatch(x) for x in targets):
                raise Unparseable("`{% for %}` target not understood")
            body, end = self.expect({"else", "endfor"})
            orelse: list[Node] = []  # type: ignore[no-redef]
            if end.inner.split(None, 1)[0] == "else":
                orelse, end = self.expect({"endfor"})
            return For(targets, m.group(2).strip(), body, orelse or [], t.start, source,
                        m.group(3) is None and m.group(4) is None)
        if word == "set":
            lhs = rest.split("=", 1)[0]
            names = [x.strip() for x in lhs.split("|", 1)[0].split(",")]
            if "=" not in rest:
                self.expect({"endset"})  # `{% set x %}...{% endset %}`
            return Bind([n for n in names if _IDENT.fullmatch(n)])
        if word == "macro":
            name = rest.split("(", 1)[0].strip()
            self.expect({"endmacro"})
            return Bind([name])
        if word in ("import", "from"):
            names = [x.split()[-1] for x in re.split(r",|\bimport\b", rest)[1:] if x.strip()]
            if word == "import":
                m2 = re.search(r"\bas\s+(\w+)", rest)
                names = [m2.group(1)] if m2 else []
            return Bind(names)
        if word == "include":
            m = re.fullmatch(r"(.+?)(\s+ignore\s+missing)?(?:\s+(with|without)\s+context)?", rest, re.S)
            if m is None:
                raise Unparseable("`{% include %}` not understood")
            return Include(literal_names(m.group(1)), m.group(2) is not None, m.group(3) != "without", t.start,
                            source)
        if word == "extends":
            return Extends(literal_names(rest), t.start, source)
        if word in ("call", "filter", "with"):
            self.expect({"end" + word})
            return Unknown(f"`{{% {word} %}}` is not followed", t.start, source)
        if word == "block":
            name = rest.split(None, 1)[0] if rest else ""
            if not _IDENT.fullmatch(name):
                raise Unparseable("`{% block %}` without a name")
            body, _ = self.expect({"endblock"})
            return Block(name, body)
        if word == "autoescape":
            body, _ = self.expect({"endautoescape"})
            return Group(body)
        if word == "raw":
            return Bind([])
        if word == "endraw":
            return Bind([])
        if word in ("break", "continue"):
            return Unknown(f"`{{% {word} %}}`", t.start, source)
        raise Unparseable(f"`{{% {word} %}}` is not followed")




# ---------------------------------------------------------------- Jinja: expressions

_EXPR_TOKEN = re.compile(
    r"\s+|(?P<str>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")|(?P<num>\d[\d_]*(?:\.\d+)?)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>\*\*|//|==|!=|<=|>=|[-+*/%~<>=|.,:()\[\]{}!])"
)
KEYWORDS = {"and", "or", "not", "in", "is", "if", "else", "true", "false", "none", "True", "False", "None"}


def expr_tokens(expr: str) -> list[tuple[str, str]]:
    """The (kind, text) tokens of a Jinja expression, whitespace dropped; kind is str, num, name or op."""
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(expr):
        m = _EXPR_TOKEN.match(expr, pos)
        if m is None:
            raise Unparseable(f"expression `{expr}` not understood")
        pos = m.end()
        kind = m.lastgroup
        if kind is not None:
            out.append((kind, m.group(0)))
    return out


def root_names(toks: list[tuple[str, str]]) -> list[str]:
    """Names an expression reads from the context (not attributes, filters, tests or keywords)."""
    names: list[str] = []
    for i, (kind, text) in enumerate(toks):
        if kind != "name" or text in KEYWORDS:
            continue
        prev = toks[i - 1][1] if i else ""
        nxt = toks[i + 1][1] if i + 1 < len(toks) else ""
        if prev in (".", "|", "is") or (nxt == "=" and i + 2 < len(toks) and toks[i + 2][1] != "="):
            continue
        if text not in names:
            names.append(text)
    return names


def literal_names(expr: str) -> list[str] | None:
    """The names in `"a.j2"` or `["a.j2", "b.j2"]` (tried in order); None when the name is computed."""
    if any(ord(c) >= SENTINEL for c in expr):
        return None
    try:
        toks = expr_tokens(expr.strip())
    except Unparseable:
        return None
    if len(toks) == 1 and toks[0][0] == "str":
        strs = toks
    elif len(toks) >= 3 and (toks[0][1], toks[-1][1]) in (("[", "]"), ("(", ")")):
        inner = toks[1:-1]
        if inner[-1][1] == ",":
            inner = inner[:-1]
        strs, seps = inner[0::2], inner[1::2]
        if not strs or any(k != "str" for k, _ in strs) or any(x != "," for _, x in seps):
            return None
    else:
        return None
    names: list[str] = []
    for _, lit in strs:
        try:
            v = ast.literal_eval(lit)
        except (ValueError, SyntaxError):
            return None
        if not isinstance(v, str):
            return None
        names.append(v)
    return names


def body_names(nodes: list[Node]) -> list[str]:
    """Names the expressions of `nodes` read from the context (a loop's own targets excepted)."""
    names: list[str] = []
    for n in nodes:
        exprs: list[str] = []
        if isinstance(n, Out):
            exprs = [n.expr]
        elif isinstance(n, If):
            exprs = [c for c, _ in n.branches]
            for _, b in n.branches:
                names.extend(body_names(b))
            names.extend(body_names(n.orelse or []))
        elif isinstance(n, For):
            exprs = [n.iter]
            names.extend(x for x in body_names(n.body) if x not in n.targets)
        elif isinstance(n, Group | Block):
            names.extend(body_names(n.body))
        for e in exprs:
            try:
                names.extend(root_names(expr_tokens(e)))
            except Unparseable:
                continue
    return names


__all__ = ["KEYWORDS", "MAX_TAG", "SENTINEL", "Bind", "Block", "Extends", "For", "Group", "If", "Include",
           "JinjaOptions", "Node", "Out", "Parser", "TextN", "Tok", "Unknown", "Unparseable", "blocks_in",
           "body_names", "expr_tokens", "has_include", "lex", "literal_names", "parse", "root_names"]

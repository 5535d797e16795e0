"""Property-based tests: generated prompt-building code, rebuilt statically, checked against Python.

Hypothesis writes small modules from the constructs the analysis follows: string literals,
module constants, f-strings (conversions and format specs), `+`, `*`, `%`, `.format`,
`str.join`, str methods, `str(int)`, helper functions with parameters and defaults, and
conditional expressions. Each module ends with an SDK call whose system message is the
generated expression. For every module:

- the analysis raises nothing, and rebuilding it twice from scratch gives the same result;
- the rebuilt static text agrees with the value Python computes when the test itself
  executes the generated definitions (only test-generated code is ever executed): the
  segments, read in order, each match its static text, one of its alternatives, or
  anything at all when it is not static, and together they spell the value exactly.
  For the constructs above nothing is left unknown, so every segment must be static.
"""

from __future__ import annotations

import ast
import functools
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from cachelint.analysis.module import ModuleInfo
from cachelint.analysis.project import Project
from cachelint.prompt import AssembledPrompt, Segment, Stability
from cachelint.rules import ALL_RULES
from cachelint.run.check import assemble_module
from cachelint.run.lint import lint_source
from cachelint.settings import Settings

# Bounded so the file takes seconds: more examples find more, but CI time is shared. Shrinking
# is off: on these programs it can take minutes; to shrink a failure, add Phase.shrink here.
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                phases=[Phase.explicit, Phase.reuse, Phase.generate])

CALL = """
import openai

client = openai.OpenAI()


def ask(user):
    return client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "system", "content": X}, {"role": "user", "content": user}],
    )
"""

# Characters that stress quoting and the template syntaxes: braces, percent, quotes,
# backslash, newline, tab, non-ASCII.
ALPHABET = st.sampled_from(list("ab Z.-:{}%'\"\\\n\té€"))
TEXT = st.text(ALPHABET, max_size=8)


def lit(s: str) -> str:
    return repr(s)


def fbody(s: str) -> str:
    """`s` as the literal part of a single-quoted f-string or `.format` template."""
    for a, b in (("\\", "\\\\"), ("'", "\\'"), ("\n", "\\n"), ("\t", "\\t"), ("{", "{{"), ("}", "}}")):
        s = s.replace(a, b)
    return s


@dataclass
class Module:
    """Generated definitions (constants, helpers) and the expression sent as the system prompt."""

    lines: list[str]
    expr: str

    def definitions(self) -> str:
        return "\n".join([*self.lines, f"X = {self.expr}"]) + "\n"

    def source(self) -> str:
        return "import textwrap\n\n" + self.definitions() + CALL


# Helpers defined in every module; generated code may call them. Their bodies use the
# constructs under test, and one branches on its parameter (two alternatives).
HELPERS = [
    "def wrap(a, b='|'):\n    return b + a + b",
    "def tag(name, body):\n    return f'<{name}>{body}</{name}>'",
    "def pair(a, b):\n    return '%s=%s' % (a, b)",
    "def listing(a, b, sep=', '):\n    return sep.join([a, b])",
    "def choose(a, b, first):\n    if first:\n        return a\n    return b",
    "def twice(a):\n    return wrap(a, '') + wrap(a, b='')",
]

SPECS = st.sampled_from(["", ">6", "<5", "^7", "*^9", ".2", "-<4"])
CONVERSIONS = st.sampled_from(["", "!r", "!s", "!a"])
PERCENT = st.sampled_from(["%s", "%r", "%a", "%5s", "%-6s", "%.2s", "%3.1r"])


@functools.cache  # one strategy per set of names: building them is most of the generation time
def expressions(names: tuple[str, ...]) -> st.SearchStrategy[str]:
    """Python expressions of type str, built from the constructs the analysis follows."""
    leaves: list[st.SearchStrategy[str]] = [TEXT.map(lit), st.integers(0, 99).map(lambda n: f"str({n})")]
    if names:
        leaves.append(st.sampled_from(list(names)))
    leaf = st.one_of(*leaves)
    # f-string fields stay simple names or ints: 3.11 forbids backslashes and the outer quote there.
    field_expr = st.one_of(st.sampled_from(list(names)), st.integers(0, 999).map(str)) if names else (
        st.integers(0, 999).map(str))

    def fstring(parts: list[tuple[str, str, str, str]]) -> str:
        fields = []
        for text, f, conv, spec in parts:
            if f.isdigit() and "." in spec and not conv:
                conv = "!s"  # an int takes no precision: Python raises
            fields.append(fbody(text) + "{" + f + conv + (":" + spec if spec else "") + "}")
        return "f'" + "".join(fields) + "'"

    fstrings = st.lists(st.tuples(TEXT, field_expr, CONVERSIONS, SPECS), min_size=1, max_size=3).map(fstring)

    def join(args: tuple[str, list[str], bool]) -> str:
        sep, items, as_tuple = args
        listed = ", ".join(items)
        return f"{lit(sep)}.join(({listed},))" if as_tuple and items else f"{lit(sep)}.join([{listed}])"

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        @st.composite
        def percent_format(draw: st.DrawFn) -> str:
            n = draw(st.integers(1, 3))
            specs = [draw(PERCENT) for _ in range(n)]
            texts = [draw(TEXT) for _ in range(n + 1)]
            values = [draw(inner) for _ in range(n)]
            template = "".join(t.replace("%", "%%") + s for t, s in zip(texts, specs, strict=False))
            template += texts[-1].replace("%", "%%")
            return f"({lit(template)} % ({', '.join(values)},))"

        @st.composite
        def str_format(draw: st.DrawFn) -> str:
            n = draw(st.integers(1, 3))
            texts = [draw(TEXT) for _ in range(n + 1)]
            values = [draw(inner) for _ in range(n)]
            numbering = draw(st.sampled_from(["auto", "index", "name"]))  # Python forbids mixing auto and index
            fields = []
            for i in range(n):
                spec = draw(SPECS)
                conv = draw(CONVERSIONS)
                name = {"auto": "", "index": str(draw(st.integers(0, n - 1))), "name": f"k{i}"}[numbering]
                fields.append("{" + name + conv + (":" + spec if spec else "") + "}")
            template = "".join(fbody(t) + f for t, f in zip(texts, fields, strict=False)) + fbody(texts[-1])
            named = numbering == "name"
            args = ", ".join(f"k{i}={v}" for i, v in enumerate(values)) if named else ", ".join(values)
            return f"'{template}'.format({args})"

        return st.one_of(
            st.tuples(inner, inner).map(lambda t: f"({t[0]} + {t[1]})"),
            st.tuples(inner, st.integers(0, 3)).map(lambda t: f"({t[0]} * {t[1]})"),
            percent_format(),
            str_format(),
            st.tuples(TEXT, st.lists(inner, min_size=0, max_size=3), st.booleans()).map(join),
            st.tuples(inner, st.sampled_from(["upper", "lower", "strip", "title", "casefold"])).map(
                lambda t: f"{t[0]}.{t[1]}()"
            ),
            st.tuples(inner, inner, st.sampled_from(["FLAG", "not FLAG"])).map(
                lambda t: f"({t[0]} if {t[2]} else {t[1]})"
            ),
            st.tuples(inner, st.sampled_from(["", "'|'", "b='-'"])).map(
                lambda t: f"wrap({t[0]}{', ' + t[1] if t[1] else ''})"
            ),
            st.tuples(TEXT.filter(lambda s: s.isidentifier()), inner).map(lambda t: f"tag({lit(t[0])}, {t[1]})"),
            st.tuples(inner, inner).map(lambda t: f"pair({t[0]}, {t[1]})"),
            st.tuples(inner, inner).map(lambda t: f"listing({t[0]}, {t[1]})"),
            st.tuples(inner, inner, st.booleans()).map(lambda t: f"choose({t[0]}, {t[1]}, {t[2]})"),
            inner.map(lambda e: f"twice({e})"),
            inner.map(lambda e: f"textwrap.dedent({e})"),
        )

    return st.recursive(st.one_of(leaf, fstrings), extend, max_leaves=6)


@st.composite
def modules(draw: st.DrawFn) -> Module:
    lines = [f"FLAG = {draw(st.booleans())}", *HELPERS]
    names: list[str] = []
    for i in range(draw(st.integers(0, 3))):
        lines.append(f"C{i} = {draw(expressions(tuple(names)))}")
        names.append(f"C{i}")
    return Module(lines, draw(expressions(tuple(names))))


# ---------------------------------------------------------------- the analysis side


def rebuild(source: str, root: str | None = None) -> list[AssembledPrompt]:
    """The module's prompts, rebuilt by a fresh project (nothing shared between runs)."""
    if root is None:
        with tempfile.TemporaryDirectory() as tmp:
            return rebuild(source, tmp)
    path = os.path.join(root, "gen.py")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(source)
    project = Project(root)
    mod = project.add(ModuleInfo(path, source, ast.parse(source)))
    return assemble_module(mod, project)


def system_segments(found: list[AssembledPrompt]) -> list[Segment]:
    assert len(found) == 1, found
    return [s for s in found[0].segments if s.slot.startswith("messages[0]")]


def fingerprint(found: list[AssembledPrompt]) -> list[tuple[object, ...]]:
    return [
        (s.slot, s.stability, s.text, s.alternatives, s.source, s.span, s.cause, s.hops, s.truncated)
        for p in found
        for s in p.segments
    ]


def choices(seg: Segment) -> tuple[str, ...] | None:
    """The texts a segment may stand for; None when it may be anything."""
    if seg.stability != Stability.STATIC or seg.truncated:
        return None
    if seg.text is not None:
        return (seg.text,)
    return seg.alternatives or None


def spells(segments: Sequence[Segment], value: str) -> bool:
    """Can the segments, in order, produce exactly `value`? (The positions each can end at.)"""
    ends = {0}
    for seg in segments:
        opts = choices(seg)
        if opts is None:
            ends = set(range(min(ends), len(value) + 1))
        else:
            ends = {end + len(text) for end in ends for text in opts if value.startswith(text, end)}
        if not ends:
            return False
    return len(value) in ends


def python_value(module: Module) -> str:
    """What Python builds: the generated definitions, executed here (test-generated code only)."""
    namespace: dict[str, object] = {}
    exec(compile("import textwrap\n" + module.definitions(), "<generated>", "exec"), namespace)
    value = namespace["X"]
    assert isinstance(value, str)
    return value


def described(module: Module, segments: Sequence[Segment]) -> str:
    rows = "\n".join(f"  {s.stability.value:8} {s.text!r} {s.alternatives!r} ({s.cause})" for s in segments)
    return f"{module.definitions()}\nsegments:\n{rows}"


# ---------------------------------------------------------------- properties


# Where the analysis stops on purpose: a string holding several alternatives (`choose(...)`,
# `A if FLAG else B`) is transformed or formatted whole for at most MAX_ALT_TEXTS combinations;
# past that the part is `stable`, text unknown. Nothing else may be left unresolved.
ALTERNATIVE_LIMITS = {"one of several texts, transformed", "formatted text"}


def check_agreement(module: Module) -> None:
    value = python_value(module)
    segments = system_segments(rebuild(module.source()))
    assert segments or value == "", described(module, segments)
    uses_alternatives = "choose(" in module.definitions() or " if " in module.definitions()
    for s in segments:
        if s.stability != Stability.STATIC:
            limit = any(s.cause.startswith(cause) for cause in ALTERNATIVE_LIMITS)
            assert uses_alternatives and s.stability == Stability.STABLE and limit, described(module, segments)
    assert spells(segments, value), f"Python builds {value!r}\n" + described(module, segments)


@FAST
@given(modules())
def test_rebuilt_text_is_what_python_builds(module: Module) -> None:
    check_agreement(module)


# Found by the property above, kept as plain examples (each was wrong or unknown before).
REGRESSIONS = [
    "(('ab' if FLAG else 'cd') + 'x y').upper()",  # the method skipped the alternatives
    "(('ab' if FLAG else 'cd') + ' x ' + ('ab' if FLAG else 'cd')).title()",
    "('a' if FLAG else 'bb') + ('c' if FLAG else 'd')",  # alternatives on both sides of +
    "('a' if FLAG else 'b') * 5",
    "'<%r|%5s|%-4s|%.1r>' % ('' if FLAG else 'b', 'a' if FLAG else 'bb', choose('a', 'bb', FLAG), 'xy')",
    "f'{5!s:.2}|{\"é\"!a}|{7!a:>4}|{choose(\"ab\", \"c\", FLAG) + \"x\":>6}'",
    "f'{twice(choose(\"é\", \"ab\", FLAG))!r:^9}'",
]


@pytest.mark.parametrize("flag", [True, False])
@pytest.mark.parametrize("expr", REGRESSIONS)
def test_regressions(expr: str, flag: bool) -> None:
    module = Module([f"FLAG = {flag}", *HELPERS], expr)
    check_agreement(module)
    assert all(s.stability == Stability.STATIC for s in system_segments(rebuild(module.source())))


@FAST
@given(modules())
def test_rebuilding_twice_gives_the_same_prompt(module: Module) -> None:
    source = module.source()
    with tempfile.TemporaryDirectory() as root:  # the same path: spans name it
        first = fingerprint(rebuild(source, root))
        assert first and first == fingerprint(rebuild(source, root))


@FAST
@given(modules(), st.sampled_from(["gpt-4o", "claude-sonnet-4-5", "gemini-2.5-flash"]))
def test_linting_raises_nothing_and_repeats_exactly(module: Module, model: str) -> None:
    source = module.source().replace('model="gpt-4o"', f"model={model!r}")
    with tempfile.TemporaryDirectory() as root:
        settings_ = Settings(root=root)
        path = os.path.join(root, "gen.py")
        runs = [lint_source(source.encode(), path, settings_, list(ALL_RULES)) for _ in range(2)]
    first, second = runs
    assert first.errors == [], first.errors
    assert [(d.code, d.span, d.message) for d in first.diagnostics] == [
        (d.code, d.span, d.message) for d in second.diagnostics
    ]


# ---------------------------------------------------------------- the checker itself


def _seg(text: str | None, stability: Stability = Stability.STATIC, alternatives: tuple[str, ...] = ()) -> Segment:
    from cachelint.diagnostics import Span

    return Segment("messages[0].content", stability, text, "x", Span("p.py", 1, 1, 1, 2), alternatives=alternatives)


@pytest.mark.parametrize("segments, value, expected", [
    ([_seg("ab"), _seg("c")], "abc", True),
    ([_seg("ab"), _seg("c")], "abd", False),
    ([_seg("ab")], "abc", False),
    ([_seg(None, alternatives=("x", "yy")), _seg("z")], "yyz", True),
    ([_seg(None, alternatives=("x", "yy")), _seg("z")], "xyz", False),
    ([_seg("a"), _seg(None, Stability.UNKNOWN), _seg("c")], "a-anything-c", True),
    ([_seg("a"), _seg(None, Stability.UNKNOWN), _seg("c")], "a-anything-d", False),
])
def test_spells_is_an_exact_match(segments: list[Segment], value: str, expected: bool) -> None:
    assert spells(segments, value) is expected


def test_generated_modules_are_valid_python() -> None:
    """The generator's own output compiles and runs (a broken generator would test nothing)."""
    seen: list[str] = []

    @settings(max_examples=30, deadline=None)
    @given(modules())
    def check(module: Module) -> None:
        assert isinstance(python_value(module), str)
        seen.append(module.expr)

    check()
    assert len(set(seen)) > 5



@given(st.lists(st.sampled_from(["a", "bb", " ", "\n", "\t", "x" * 70, "é"]), max_size=80).map("".join),
       st.integers(min_value=2, max_value=80))
def test_short_display_normalises_only_what_it_shows(text: str, limit: int) -> None:
    """`_short` reads only a prefix of long prompts: it must show what normalising the whole does."""
    from cachelint.analysis.assemble import _short

    whole = " ".join(text.split())
    assert _short(text, limit) == repr(whole if len(whole) <= limit else whole[: limit - 1] + "…")

"""Every output format on one shared list of hand-built diagnostics, compared whole."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from cachelint.diagnostics import Applicability, Diagnostic, Fix, Related, Severity, Span
from cachelint.report import canonical_format, render, render_chunks, render_statistics_for, summary_line

SOURCES = {
    "app.py": [
        "import openai",
        "",
        'SYSTEM = f"Hello {user_name}. " + RULES',
        "",
        "\tmessages = [  # tab-indented",
        '    {"role": "system", "content": "日本語 {now}"},',
    ],
    "pkg/tools.py": [f"line {n}" for n in range(1, 12)],
}


def source_lines(path: str) -> Sequence[str] | None:
    return SOURCES.get(path)


DIAGNOSTICS = [
    Diagnostic(
        code="CL101",
        name="dynamic-before-static",
        severity=Severity.ERROR,
        message="`{user_name}` precedes 1,842 static tokens of the system prompt",
        span=Span("app.py", 3, 18, 3, 29),
        fix=Fix("Move `{user_name}` after the static instructions", Applicability.UNSAFE),
        related=(Related(Span("prompts.py", 1, 1, 1, 6), "RULES defined here (1,842 tokens, o200k_base)"),),
        fingerprint="abc123",
    ),
    Diagnostic(
        code="CL103",
        name="unordered-in-prefix",
        severity=Severity.WARNING,
        message="`set(tools)` is iterated in hash order",
        span=Span("app.py", 5, 2, 7, 3),  # multi-line: underlined to the end of line 5
    ),
    Diagnostic(
        code="CL102",
        name="volatile-in-prefix",
        severity=Severity.ERROR,
        message="`{now}` changes every request",
        span=Span("app.py", 6, 40, 6, 45),  # after wide characters
    ),
    Diagnostic(
        code="CL201",
        name="prefix-below-minimum",
        severity=Severity.INFO,
        message="the static prefix has 312 tokens; the minimum is 1,024",
        span=Span("pkg/tools.py", 10, 1, 10, 5),  # two-digit line number
        fix=Fix("Add static text or do not rely on caching", Applicability.DISPLAY_ONLY),
    ),
    Diagnostic(
        code="CL201",
        name="prefix-below-minimum",
        severity=Severity.WARNING,
        message="no source available",
        span=Span("gone.py", 4, 1, 4, 2),
    ),
]


def test_full() -> None:
    expected = textwrap.dedent(
        """\
        CL101 [error] `{user_name}` precedes 1,842 static tokens of the system prompt
         --> app.py:3:18
          |
        3 | SYSTEM = f"Hello {user_name}. " + RULES
          |                  ^^^^^^^^^^^
          |
         ::: prompts.py:1:1 RULES defined here (1,842 tokens, o200k_base)
        help: Move `{user_name}` after the static instructions

        CL103 [warning] `set(tools)` is iterated in hash order
         --> app.py:5:2
          |
        5 |     messages = [  # tab-indented
          |     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^
          |

        CL102 [error] `{now}` changes every request
         --> app.py:6:40
          |
        6 |     {"role": "system", "content": "日本語 {now}"},
          |                                           ^^^^^
          |

        CL201 [info] the static prefix has 312 tokens; the minimum is 1,024
          --> pkg/tools.py:10:1
           |
        10 | line 10
           | ^^^^
           |
        help: Add static text or do not rely on caching

        CL201 [warning] no source available
         --> gone.py:4:1

        """
    )
    assert render("full", DIAGNOSTICS, source_lines=source_lines) == expected
    assert render("text", DIAGNOSTICS, source_lines=source_lines) == expected


def test_full_without_sources_has_no_frames() -> None:
    out = render("full", DIAGNOSTICS[:1])
    assert out == textwrap.dedent(
        """\
        CL101 [error] `{user_name}` precedes 1,842 static tokens of the system prompt
         --> app.py:3:18
         ::: prompts.py:1:1 RULES defined here (1,842 tokens, o200k_base)
        help: Move `{user_name}` after the static instructions

        """
    )


def test_full_clamps_spans_past_the_line() -> None:
    d = Diagnostic("CL101", "x", Severity.ERROR, "m", Span("f.py", 1, 10, 1, 40))
    out = render("full", [d], source_lines=lambda _: ["abc"])
    assert out.splitlines()[3:5] == ["1 | abc", "  |    ^"]


def test_concise() -> None:
    assert render("concise", DIAGNOSTICS) == textwrap.dedent(
        """\
        app.py:3:18: CL101 `{user_name}` precedes 1,842 static tokens of the system prompt
        app.py:5:2: CL103 `set(tools)` is iterated in hash order
        app.py:6:40: CL102 `{now}` changes every request
        pkg/tools.py:10:1: CL201 the static prefix has 312 tokens; the minimum is 1,024
        gone.py:4:1: CL201 no source available
        """
    )


def test_json() -> None:
    out = render("json", DIAGNOSTICS)
    data = json.loads(out)
    assert data[0] == {
        "code": "CL101",
        "name": "dynamic-before-static",
        "severity": "error",
        "message": "`{user_name}` precedes 1,842 static tokens of the system prompt",
        "path": "app.py",
        "line": 3,
        "column": 18,
        "end_line": 3,
        "end_column": 29,
        "cell": None,
        "fix": {"title": "Move `{user_name}` after the static instructions", "applicability": "unsafe", "edits": []},
        "related": [
            {
                "path": "prompts.py",
                "line": 1,
                "column": 1,
                "end_line": 1,
                "end_column": 6,
                "cell": None,
                "message": "RULES defined here (1,842 tokens, o200k_base)",
            }
        ],
        "fingerprint": "abc123",
    }
    assert data[1]["fix"] is None and data[1]["related"] == []
    keys = [
        "code",
        "name",
        "severity",
        "message",
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "cell",
        "fix",
        "related",
        "fingerprint",
    ]
    assert all(list(item) == keys for item in data)
    accented = Diagnostic("CL101", "x", Severity.ERROR, "café", Span("a.py", 1, 1, 1, 2))
    assert '"message": "café"' in render("json", [accented])  # UTF-8, not \\u escapes
    assert out.endswith("]\n")
    assert render("json", []) == "[]\n"


@pytest.mark.parametrize("count", [0, 1, 2, 5])
def test_json_written_a_finding_at_a_time_is_the_whole_array_dumped(count: int) -> None:
    from cachelint.report.json import diagnostic_to_dict, dump

    tricky = Diagnostic("CL101", "x", Severity.ERROR, 'line\nbreak "quoted" 日本語 \\ tab\t', Span("a.py", 1, 1, 1, 2),
                        related=(Related(Span("b.py", 2, 1, 2, 3), "two\nlines"),))
    findings = [*DIAGNOSTICS, tricky][:count]
    chunks = list(render_chunks("json", findings))
    assert len(chunks) == count + 1  # one per finding, then the closing bracket
    assert "".join(chunks) == dump([diagnostic_to_dict(d) for d in findings])


@pytest.mark.parametrize("fmt", ["full", "concise", "github", "sarif"])
def test_every_format_in_chunks_joins_to_the_whole(fmt: str) -> None:
    chunks = list(render_chunks(fmt, DIAGNOSTICS, source_lines=source_lines))
    assert "".join(chunks) == render(fmt, DIAGNOSTICS, source_lines=source_lines)
    assert len(chunks) == (1 if fmt == "sarif" else len(DIAGNOSTICS))


def test_json_paths_relative_to_cwd_with_forward_slashes(project: Path) -> None:
    d = Diagnostic(
        "CL101",
        "x",
        Severity.ERROR,
        "m",
        Span(str(project / "src" / "a.py"), 1, 1, 1, 2),
        related=(Related(Span("/elsewhere/b.py", 1, 1, 1, 2), "n"),),
    )
    data = json.loads(render("json", [d]))
    assert data[0]["path"] == "src/a.py"
    assert data[0]["related"][0]["path"] == "/elsewhere/b.py"


def test_colour() -> None:
    plain = render("full", DIAGNOSTICS, source_lines=source_lines)
    coloured = render("full", DIAGNOSTICS, source_lines=source_lines, color=True)
    assert "\x1b[" not in plain
    assert "\x1b[31m" in coloured and "\x1b[33m" in coloured and "\x1b[1m" in coloured
    assert "\x1b[" in render("concise", DIAGNOSTICS, color=True)
    assert "\x1b[" not in render("json", DIAGNOSTICS, color=True)


@pytest.mark.parametrize(
    ("count", "failed", "expected"),
    [
        (0, 0, "All checks passed!"),
        (0, 2, "No findings, but 2 paths could not be checked."),
        (1, 0, "Found 1 finding (1 error) in 1 file."),
        (5, 0, "Found 5 findings (2 errors, 2 warnings, 1 info) in 3 files."),
        (2, 1, "Found 2 findings (1 error, 1 warning) in 1 file; 1 path could not be checked."),
    ],
)
def test_summary_line(count: int, failed: int, expected: str) -> None:
    assert summary_line(DIAGNOSTICS[:count], failed) == expected


def test_statistics() -> None:
    assert render_statistics_for("full", DIAGNOSTICS) == (
        "2  CL201  info     prefix-below-minimum\n"
        "1  CL101  error    dynamic-before-static\n"
        "1  CL102  error    volatile-in-prefix\n"
        "1  CL103  warning  unordered-in-prefix\n"
    )
    assert render_statistics_for("concise", []) == ""
    assert json.loads(render_statistics_for("json", DIAGNOSTICS))[0] == {
        "code": "CL201",
        "name": "prefix-below-minimum",
        "severity": "info",
        "count": 2,
    }


def test_formats() -> None:
    assert canonical_format("text") == "full"
    with pytest.raises(ValueError):
        canonical_format("xml")


_JSON_LEAVES = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
_JSON_VALUES = st.recursive(
    _JSON_LEAVES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    | st.dictionaries(st.integers(), inner, max_size=2),
    max_leaves=20,
)


@given(_JSON_VALUES)
@hsettings(max_examples=300, deadline=None)
def test_indented_json_is_what_json_dumps_writes(value: object) -> None:
    """The fast writer of JSON findings gives json.dumps(indent=2, ensure_ascii=False) exactly."""
    from cachelint.report.json import indented

    expected = json.dumps(value, indent=2, ensure_ascii=False)
    assert indented(value) == expected
    assert indented(value, "\n  ") == expected.replace("\n", "\n  ")


_SPANS = st.builds(Span, st.text(max_size=8), st.integers(1, 10**6), st.integers(1, 999), st.integers(1, 10**6),
                   st.integers(1, 999))
_FINDINGS = st.builds(
    Diagnostic,
    st.text(max_size=6), st.text(max_size=12), st.sampled_from(list(Severity)), st.text(max_size=40), _SPANS,
    st.none() | st.builds(Fix, st.text(max_size=20), st.sampled_from(list(Applicability))),
    st.lists(st.builds(Related, _SPANS, st.text(max_size=20)), max_size=3).map(tuple),
    st.text(max_size=16),
)


@given(st.lists(_FINDINGS, max_size=4), st.booleans())
@hsettings(max_examples=300, deadline=None)
def test_json_findings_written_directly_are_their_dicts_dumped(findings: list[Diagnostic], cells: bool) -> None:
    """The JSON writer's text for a finding (written without building its dict) is json.dumps
    of diagnostic_to_dict, notebook cells included."""
    from cachelint.report.json import diagnostic_to_dict, dump, iter_json
    from cachelint.report.locate import CellPosition, Location, plain_location

    def in_cells(span: Span) -> Location:
        cell = CellPosition(span.line % 7 + 1, 2, span.column, 3, span.end_column)
        return Location(span.path, span.line, span.column, span.end_line, span.end_column, cell, 2)

    locate = in_cells if cells else plain_location
    expected = dump([diagnostic_to_dict(d, "/", locate) for d in findings])
    assert "".join(iter_json(findings, cwd="/", locate=locate)) == expected

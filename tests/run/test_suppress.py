"""Suppression comments and per-file-ignores, on hand-built diagnostics."""

from __future__ import annotations

import textwrap
from pathlib import Path

from cachelint.diagnostics import Diagnostic, Severity, Span
from cachelint.settings import Settings
from cachelint.suppress import apply_per_file_ignores, filter_suppressed, parse_suppressions

NAMES = {"CL101": "dynamic-before-static", "CL102": "volatile-in-prefix", "CL103": "unordered-in-prefix"}


def diag(line: int, code: str = "CL101", path: str = "app.py") -> Diagnostic:
    return Diagnostic(
        code=code,
        name=NAMES.get(code, "some-rule"),
        severity=Severity.ERROR,
        message="m",
        span=Span(path, line, 1, line, 2),
    )


def kept(source: str, *diagnostics: Diagnostic) -> list[tuple[int, str]]:
    result = filter_suppressed(list(diagnostics), textwrap.dedent(source))
    return [(d.span.line, d.code) for d in result]


def test_cachelint_ignore_forms() -> None:
    source = """\
    a = 1  # cachelint: ignore[CL101]
    b = 1  # cachelint: ignore[dynamic-before-static, CL102]
    c = 1  # cachelint: ignore
    d = 1  #cachelint:ignore[cl101]
    e = 1  # CACHELINT: IGNORE[CL1]
    """
    diagnostics = [diag(n, code) for n in range(1, 6) for code in ("CL101", "CL102", "CL103")]
    assert kept(source, *diagnostics) == [
        (1, "CL102"),
        (1, "CL103"),
        (2, "CL103"),
        (4, "CL102"),
        (4, "CL103"),
    ]


def test_noqa_forms() -> None:
    source = """\
    a = 1  # noqa: CL101
    b = 1  # noqa:CL101,CL102
    c = 1  # noqa
    d = 1  # NOQA: CL102 CL103
    e = 1  # noqa: E501
    f = 1  # type: ignore[attr-defined]  # noqa: CL101
    """
    diagnostics = [diag(n, code) for n in range(1, 7) for code in ("CL101", "CL102")]
    assert kept(source, *diagnostics) == [
        (1, "CL102"),
        (4, "CL101"),
        (5, "CL101"),
        (5, "CL102"),
        (6, "CL102"),
    ]


def test_only_the_primary_line_counts() -> None:
    source = """\
    # cachelint: ignore
    x = 1
    y = 1  # cachelint: ignore
    """
    assert kept(source, diag(1), diag(2), diag(4)) == [(2, "CL101"), (4, "CL101")]


def test_hash_inside_a_string_is_not_a_comment() -> None:
    source = """\
    a = "# cachelint: ignore"
    b = '''
    # noqa
    '''
    c = f"{x} # noqa"
    """
    assert kept(source, diag(1), diag(3), diag(5)) == [(1, "CL101"), (3, "CL101"), (5, "CL101")]


def test_comment_after_a_multiline_string_covers_it() -> None:
    source = '''\
    PROMPT = f"""
    Hello {user}
    """  # cachelint: ignore[CL101]
    other = 1
    '''
    assert kept(source, diag(1), diag(2), diag(3), diag(4)) == [(4, "CL101")]


def test_unknown_codes_suppress_nothing() -> None:
    source = "a = 1  # cachelint: ignore[CL999, nonsense]\nb = 1  # cachelint: ignore[]\n"
    assert kept(source, diag(1), diag(2)) == [(1, "CL101"), (2, "CL101")]


def test_other_directives_do_not_count() -> None:
    source = "a = 1  # cachelint: ignore-next-line\nb = 1  # noqa-ish\nc = 1  # snoqa\n"
    assert kept(source, diag(1), diag(2), diag(3)) == [(1, "CL101"), (2, "CL101"), (3, "CL101")]


def test_broken_source_keeps_what_was_read() -> None:
    source = "a = 1  # noqa\nb = (\n"
    assert kept(source, diag(1), diag(2)) == [(2, "CL101")]


def test_parse_suppressions() -> None:
    table = parse_suppressions("a = 1  # noqa\nb = 2  # noqa: CL101\nc = 3\n")
    assert table[1] is None
    assert table[2] is not None and {"CL101", "dynamic-before-static"} <= table[2]
    assert 3 not in table


def test_applying_twice_is_harmless() -> None:
    source = "a = 1  # noqa: CL102\n"
    once = filter_suppressed([diag(1), diag(1, "CL102")], source)
    assert filter_suppressed(once, source) == once == [diag(1)]


def test_per_file_ignores(tmp_path: Path) -> None:
    root = tmp_path
    s = Settings(
        root=str(root),
        per_file_ignores=(
            ("tests/*", ("CL101",)),
            ("conftest.py", ("unordered-in-prefix",)),
            ("legacy/**", ("CL1",)),
        ),
    )
    diagnostics = [
        diag(1, "CL101", str(root / "tests" / "t.py")),
        diag(1, "CL103", str(root / "tests" / "t.py")),
        diag(1, "CL101", str(root / "src" / "tests" / "t.py")),  # anchored: not matched
        diag(1, "CL103", str(root / "src" / "conftest.py")),  # bare name: any folder
        diag(1, "CL102", str(root / "legacy" / "deep" / "x.py")),
        diag(1, "CL201", str(root / "legacy" / "x.py")),
    ]
    result = apply_per_file_ignores(diagnostics, s)
    assert [(d.code, Path(d.span.path).relative_to(root).as_posix()) for d in result] == [
        ("CL103", "tests/t.py"),
        ("CL101", "src/tests/t.py"),
        ("CL201", "legacy/x.py"),
    ]


def test_per_file_ignores_with_relative_paths(project: Path) -> None:
    s = Settings(root=str(project), per_file_ignores=(("tests/*", ("CL101",)),))
    assert apply_per_file_ignores([diag(1, "CL101", "tests/t.py")], s) == []
    assert apply_per_file_ignores([diag(1, "CL101", "t.py")], s) == [diag(1, "CL101", "t.py")]

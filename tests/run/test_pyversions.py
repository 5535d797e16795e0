"""Syntax of a newer Python is named as such; every other syntax error keeps Python's words."""

from __future__ import annotations

import ast

import pytest

from cachelint.pyversions import needs_message, newer_syntax, pep701_fstrings

PY311 = (3, 11)
PY312 = (3, 12)
PY314 = (3, 14)

NEWER = [
    ('x = {"a": 1}\ny = f"{x["a"]}"\n', 2, PY312, "f-string"),
    ('y = f"{"\\n".join(["a"])}"\n', 1, PY312, "f-string"),
    ('y = f"""{1 + # why\n 2}"""\n', 2, PY312, "f-string"),
    ("type Point = tuple[int, int]\n", 1, PY312, "`type` statement"),
    ("def first[T](xs: list[T]) -> T:\n    return xs[0]\n", 1, PY312, "type parameters"),
    ("class Box[T]:\n    pass\n", 1, PY312, "type parameters"),
    ('name = "x"\ny = t"hi {name}"\n', 2, PY314, "t-string"),
    ("try:\n    pass\nexcept ValueError, TypeError:\n    pass\n", 3, PY314, "PEP 758"),
]


@pytest.mark.parametrize(("source", "line", "version", "what"), NEWER)
def test_newer_constructs_are_named(source: str, line: int, version: tuple[int, int], what: str) -> None:
    found = newer_syntax(source, line, running=PY311)
    assert found is not None and found.version == version and what in found.what


@pytest.mark.parametrize(("source", "line", "version", "what"), NEWER)
def test_not_named_when_the_running_python_reads_them(source: str, line: int, version: tuple[int, int],
                                                      what: str) -> None:
    assert newer_syntax(source, line, running=version) is None


REAL_ERRORS = [
    'y = f"{x[\'a\']}"\nprint "hi"\n',  # a 3.11 f-string, then Python 2
    'y = f"{}"\n',  # an empty field is an error in every version
    'x = "don\'t"\nprint "x"\n',
    "def f(:\n    pass\n",
    'y = f"""{x["a"]}"""\nz = (\n',  # a nested quote inside triple quotes was always fine
]


@pytest.mark.parametrize("source", REAL_ERRORS)
def test_real_syntax_errors_are_not_blamed_on_a_version(source: str) -> None:
    with pytest.raises(SyntaxError) as caught:
        ast.parse(source)
    assert newer_syntax(source, caught.value.lineno, running=PY311) is None


def test_only_the_error_line_counts() -> None:
    # A 3.12 f-string on line 1, the error on line 3: the f-string is not the cause.
    source = 'a = f"{x["k"]}"\nb = 1\nc = (\n'
    assert newer_syntax(source, 3, running=PY311) is None
    assert newer_syntax(source, 1, running=PY311) is not None


def test_pep701_spans() -> None:
    source = 'ok = f"{a}"\nold = f"{d[\'k\']}"\nnew = f"{d["k"]}"\nmulti = f"""{\nd["k"]}"""\n'
    assert pep701_fstrings(source) == [(3, 3)]  # a newline inside triple quotes is fine, quotes differ


def test_message_wording() -> None:
    found = newer_syntax("type X = int\n", 1, running=PY311)
    assert found is not None
    assert needs_message(found, running=PY311) == "needs Python 3.12+ (running 3.11): a `type` statement (PEP 695)"

"""Hostile and odd input: every case ends quickly, in bounded memory, with a clear result.

Risky cases run in a subprocess with a timeout, so a hang fails the test instead of
freezing the suite; the subprocess reports its CPU time and how much its peak RSS grew
while linting (after the tokenizer tables are loaded), and those are checked too.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from cachelint.analysis.module import ModuleInfo
from cachelint.analysis.project import Project
from cachelint.prompt import AssembledPrompt, Stability
from cachelint.rules import ALL_RULES
from cachelint.run.check import assemble_module
from cachelint.run.lint import lint_source
from cachelint.settings import Settings

# The heaviest cases (tens of seconds each on a busy machine) run in CI, or with CACHELINT_SLOW_TESTS=1.
slow = pytest.mark.skipif(
    not (os.environ.get("CI") or os.environ.get("CACHELINT_SLOW_TESTS")),
    reason="slow: runs in CI, or locally with CACHELINT_SLOW_TESTS=1",
)

CPU_LIMIT = 20.0  # seconds of CPU per case, linting only
RSS_LIMIT = 300  # MB of peak RSS growth per case
WALL_TIMEOUT = 180  # a subprocess still running after this is a hang

RUNNER = r"""
import json, resource, sys, time
from cachelint.run.lint import RunOptions, lint_files
from cachelint.rules import ALL_RULES
from cachelint.settings import Settings
from cachelint.tokens import count_for_encoding

for enc in ("o200k_base", "cl100k_base"):
    count_for_encoding("load the tokenizer tables before measuring", enc)

def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

root, files = sys.argv[1], sys.argv[2:]
before = peak_mb()
cpu = time.process_time()
result = lint_files(files, Settings(root=root), list(ALL_RULES), options=RunOptions(jobs=1))
print(json.dumps({
    "errors": [[e.path, e.message] for e in result.errors],
    "codes": [d.code for d in result.diagnostics],
    "messages": [d.message for d in result.diagnostics],
    "cpu": time.process_time() - cpu,
    "rss_growth_mb": peak_mb() - before,
}))
"""

PRE = "import openai\n\nclient = openai.OpenAI()\n"
CALL = """
def ask(user):
    return client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "system", "content": X}, {"role": "user", "content": user}],
    )
"""


def lint_isolated(root: Path, files: Sequence[Path], cpu: float = CPU_LIMIT, rss: float = RSS_LIMIT) -> dict[str, Any]:
    """lint_files in a fresh interpreter; fails on a hang, on CPU past `cpu` or RSS growth past `rss` MB."""
    try:
        proc = subprocess.run([sys.executable, "-c", RUNNER, str(root), *map(str, files)],
                              capture_output=True, text=True, timeout=WALL_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"linting {[f.name for f in files]} did not end within {WALL_TIMEOUT}s")
    assert proc.returncode == 0, proc.stderr[-3000:]
    got: dict[str, Any] = json.loads(proc.stdout)
    assert got["cpu"] < cpu, f"{got['cpu']:.1f}s of CPU"
    assert got["rss_growth_mb"] < rss, f"peak RSS grew by {got['rss_growth_mb']:.0f} MB"
    for _path, message in got["errors"]:
        assert "internal error" not in message
        assert "\n" not in message
    return got


def one(tmp_path: Path, source: str | bytes, name: str = "app.py", **limits: float) -> dict[str, Any]:
    path = tmp_path / name
    if isinstance(source, bytes):
        path.write_bytes(source)
    else:
        path.write_text(source, encoding="utf-8")
    return lint_isolated(tmp_path, [path], **limits)


def prompt_module(x: str) -> str:
    return PRE + x + "\n" + CALL


def only_error(got: dict[str, Any]) -> str:
    assert len(got["errors"]) == 1, got["errors"]
    message: str = got["errors"][0][1]
    return message


def prompts(root: Path, name: str, source: str) -> list[AssembledPrompt]:
    """The rebuilt prompts of one module, in-process (for inputs that are odd, not dangerous)."""
    path = root / name
    path.write_text(source, encoding="utf-8", newline="")
    project = Project(str(root))
    mod = project.add(ModuleInfo(str(path), source, ast.parse(source)))
    return assemble_module(mod, project)


# ---------------------------------------------------------------- nesting


@pytest.mark.parametrize("opening, closing", [("(", ")"), ("[", "]"), ("{", "}")])
def test_thousands_of_nested_brackets_are_a_syntax_error(tmp_path: Path, opening: str, closing: str) -> None:
    got = one(tmp_path, prompt_module("X = " + opening * 5000 + "'a'" + closing * 5000))
    assert only_error(got).startswith("syntax error at line 4: too many nested parentheses")


TOO_DEEP = {
    "plus-50000-literals": " + ".join(["'ab'"] * 50_000),  # a + a + ... : 50,000 terms
    "plus-50000-names": " + ".join(["SEP"] * 50_000),
    "not-50000": "not " * 50_000 + "'a'",
    "subscript-50000": "'abc'" + "[0]" * 50_000,
    "method-chain-20000": "SEP" + ".upper()" * 20_000,
    "ifexp-10000": " ".join(["'a' if SEP else"] * 10_000) + " 'b'",
    "lambda-10000": "lambda: " * 10_000 + "'a'",
}


@slow
@pytest.mark.parametrize("case", sorted(TOO_DEEP))
def test_expressions_too_deep_for_the_parser_fail_in_one_line(tmp_path: Path, case: str) -> None:
    got = one(tmp_path, prompt_module("SEP = '-'\nX = " + TOO_DEEP[case]))
    message = only_error(got)
    assert message.startswith(("cannot parse: RecursionError", "cannot parse: MemoryError", "syntax error")), message


@pytest.mark.parametrize("n", [100, 900, 2000])
def test_long_chains_that_parse_are_followed_or_given_up_cleanly(tmp_path: Path, n: int) -> None:
    """Deep enough for the evaluator's recursion, shallow enough for the parser."""
    chain = "X = " + " + ".join(["'rule. '"] * n)
    got = one(tmp_path, prompt_module(chain))
    if got["errors"]:  # the parser's own limit depends on the build
        assert only_error(got).startswith("cannot parse")


def test_nested_fstrings_and_format_specs(tmp_path: Path) -> None:
    # Python 3.11 allows nesting only as deep as there are kinds of quotes.
    src = prompt_module(
        "A = 'x'\nW = 5\n"
        "X = f'''{f\"\"\"{f'{f\"{A:>{W}}\"}'}\"\"\"}''' + f'{A!r:^{W}}' * 3"
    )
    got = one(tmp_path, src)
    assert got["errors"] == []
    segs = [s for s in prompts(tmp_path, "p.py", src)[0].segments if s.slot.startswith("messages[0]")]
    assert segs and all(s.stability == Stability.STATIC for s in segs)
    # What Python itself builds: `'x'` centred in 5 columns is " 'x' ".
    assert "".join(s.text or "" for s in segs) == "    x" + " 'x' " * 3


@slow
def test_fifty_thousand_fstrings_in_one_implicit_concatenation(tmp_path: Path) -> None:
    parts = " ".join(f"f'{{A}}{i} '" for i in range(50_000))
    got = one(tmp_path, prompt_module(f"A = 'x'\nX = ({parts})"), cpu=60)
    assert got["errors"] == []


def test_nested_calls_and_lists_at_the_parser_limit(tmp_path: Path) -> None:
    src = prompt_module(
        "def f(x):\n    return x\n"
        "X = " + "f(" * 150 + "'a'" + ")" * 150 + " + str(" + "[" * 150 + "1" + "]" * 150 + ")"
    )
    got = one(tmp_path, src)
    assert got["errors"] == []


# ---------------------------------------------------------------- size


@pytest.mark.parametrize("expr", [
    "'...' * 10**12",
    "'...' * 10**10**9",          # the exponent is never computed
    "'abc' * 1000000 * 1000000",
    "''.join(['ab'] * 10**12)",
    "' ' * 10**12",               # one run of spaces: tiktoken's regex overflowed its stack on a million
    "'a' * 10**7",
    "'{:>1000000000}'.format('a')",
    "f\"{'a':>1000000000}\"",
    "f\"{1.5:.1000000000f}\"",
    "format('a', '>1000000000')",
    "'%1000000000s' % 'a'",
    "'a'.center(10**10)",
    "'a'.ljust(10**9) + 'b'.rjust(10**9)",
    "'a'.zfill(10**9)",
    "'\\t'.expandtabs(10**9)",
    "('a' * 900000).replace('a', 'bbbbbbbbbb')",
    "('a' * 900000).join(['b'] * 1000)",
    "('a' * 500000) + ('b' * 500000) + ('c' * 500000)",
])
def test_huge_strings_are_cut_not_built(tmp_path: Path, expr: str) -> None:
    got = one(tmp_path, prompt_module(f"X = {expr}"))
    assert got["errors"] == []


@slow
def test_doubling_forty_times(tmp_path: Path) -> None:
    """B = A + A forty times over: pieces are shared, so without a cap the string held 2**40 parts."""
    lines = ["A0 = 'abcdefghij' * 100000"] + [f"A{i + 1} = A{i} + A{i}" for i in range(40)] + ["X = A40"]
    got = one(tmp_path, prompt_module("\n".join(lines)), cpu=60)
    assert got["errors"] == []
    doubling = [f"    A{i + 1} = A{i} + A{i}" for i in range(40)]
    lines = ["def build(u):", "    A0 = u + ' '", *doubling, "    return A40"]
    got = one(tmp_path, prompt_module("\n".join(lines) + "\nX = build('x')"), cpu=60)
    assert got["errors"] == []


def test_a_chain_of_conditional_appends_is_linear(tmp_path: Path) -> None:
    """`if flag: s += ...` 200 times: each used to double the paths to walk (22 took 45 s)."""
    body = "".join(f"    if sys.argv[{i}]:\n        s += 'rule {i}. '\n" for i in range(200))
    src = PRE + "import sys\n\ndef build(u):\n    s = 'You are helpful. ' * 50\n" + body + \
        "    return s\n\nX = build(1)\n" + CALL
    got = one(tmp_path, src)
    assert got["errors"] == []


def test_a_join_of_paths_with_choices_does_not_multiply(tmp_path: Path) -> None:
    src = prompt_module("import os, sys\nA = 'p' if sys.argv else 'q'\n"
                        "X = open(os.path.join(" + ", ".join(["A"] * 40) + ")).read()")
    got = one(tmp_path, src)
    assert got["errors"] == []


@slow
def test_fifty_megabytes_of_code(tmp_path: Path) -> None:
    line = "value_{0} = 'some generated constant number {0}' + ' and more'\n"
    body = "".join(line.format(i) for i in range(20_000)).encode()
    reps = 50 * 1024 * 1024 // len(body) + 1
    naming = tmp_path / "naming.py"  # names the SDK: read, pre-filtered, refused as too large to analyse
    with naming.open("wb") as fh:
        fh.write(PRE.encode())
        for _ in range(reps):
            fh.write(body)
    silent = tmp_path / "silent.py"  # names no SDK: read and skipped
    with silent.open("wb") as fh:
        for _ in range(reps):
            fh.write(body)
    assert naming.stat().st_size > 50 * 1024 * 1024
    got = lint_isolated(tmp_path, [naming, silent], rss=450)
    assert got["errors"] == [[str(naming), got["errors"][0][1]]]
    assert got["errors"][0][1].startswith("too large to analyse:")


def test_larger_than_the_read_limit_is_not_read(tmp_path: Path) -> None:
    big = tmp_path / "big.py"
    with big.open("wb") as fh:
        fh.truncate(65 * 1024 * 1024)  # sparse: 65 MiB of NULs on disk for free
    got = lint_isolated(tmp_path, [big], rss=50)
    assert only_error(got) == "larger than 64 MiB: not read"


def test_five_megabyte_string_literal(tmp_path: Path) -> None:
    got = one(tmp_path, prompt_module("X = '" + "lorem ipsum " * (5 * 1024 * 1024 // 12) + "'"))
    assert only_error(got).startswith("too large to analyse:")


def test_a_megabyte_string_literal_is_analysed(tmp_path: Path) -> None:
    got = one(tmp_path, prompt_module("X = '" + "lorem ipsum " * (1_500_000 // 12) + "' + 'tail'"))
    assert got["errors"] == []


# ---------------------------------------------------------------- recursion and cycles


def test_self_and_mutually_recursive_helpers(tmp_path: Path) -> None:
    src = prompt_module(
        "def f(n):\n    return f(n) + 'a'\n"
        "def g(n):\n    return h(n) + 'b'\n"
        "def h(n):\n    return g(n - 1) if n else 'end'\n"
        "def fact(n):\n    return 'x' if n == 0 else fact(n - 1) * n\n"
        "X = f(1) + g(3) + fact(5)"
    )
    got = one(tmp_path, src)
    assert got["errors"] == []


def test_import_cycle_across_three_modules(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("from b import B\nA = 'a' + B\n")
    (tmp_path / "b.py").write_text("from c import C\nB = 'b' + C\n")
    (tmp_path / "c.py").write_text("from a import A\nC = 'c' + A\n")
    (tmp_path / "app.py").write_text(prompt_module("from a import A\nX = A"))
    got = lint_isolated(tmp_path, [tmp_path / n for n in ("app.py", "a.py", "b.py", "c.py")])
    assert got["errors"] == []


def test_star_import_cycle(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("from b import *\nA = 'a'\n")
    (tmp_path / "b.py").write_text("from a import *\nB = A + 'b'\n")
    (tmp_path / "app.py").write_text(prompt_module("from a import *\nX = B"))
    got = lint_isolated(tmp_path, [tmp_path / n for n in ("app.py", "a.py", "b.py")])
    assert got["errors"] == []


def test_a_module_that_imports_itself(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(prompt_module("import app\nfrom app import X as Y\nX = Y + app.X"))
    got = lint_isolated(tmp_path, [tmp_path / "app.py"])
    assert got["errors"] == []


# ---------------------------------------------------------------- the filesystem


def cli(*args: str, cwd: Path, timeout: float = WALL_TIMEOUT) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run([sys.executable, "-m", "cachelint", "--no-cache", *args], cwd=cwd,
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"cachelint {' '.join(args)} did not end within {timeout}s")


def test_symlink_loops_in_the_tree(tmp_path: Path) -> None:
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    (tmp_path / "pkg" / "app.py").write_text(prompt_module("X = 'hi ' * 600"))
    (tmp_path / "pkg" / "sub" / "up").symlink_to("../..", target_is_directory=True)
    (tmp_path / "pkg" / "self").symlink_to(".", target_is_directory=True)
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")  # a dangling loop of links
    (tmp_path / "pkg" / "loop.py").symlink_to("loop.py")  # a link to itself
    proc = cli("--format", "concise", ".", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr  # the link to itself cannot be read
    assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [
        "cachelint: error: pkg/loop.py: cannot access: Too many levels of symbolic links"
    ]
    finding, summary = proc.stdout.splitlines()
    assert finding.startswith("pkg/app.py:7:12: CL201 ")  # reached once, not through each loop
    assert summary.startswith("Found 1 finding ")


def test_special_files_named_like_modules_are_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo.py")
    (tmp_path / "zero.py").symlink_to("/dev/zero")
    (tmp_path / "random.py").symlink_to("/dev/urandom")
    (tmp_path / "app.py").write_text(prompt_module("X = 'hi ' * 600"))
    files = [tmp_path / n for n in ("fifo.py", "zero.py", "random.py", "app.py")]
    got = lint_isolated(tmp_path, files, rss=50)
    assert sorted(got["errors"]) == sorted([[str(f), "not a regular file"] for f in files[:3]])
    assert got["codes"] == ["CL201"]
    proc = cli(*[f.name for f in files], cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.count("not a regular file") == 3 and "Traceback" not in proc.stderr


@pytest.mark.parametrize("special", ["fifo", "/dev/zero", "/dev/urandom"])
def test_special_files_where_an_imported_module_is_expected(tmp_path: Path, special: str) -> None:
    target = tmp_path / "prompts.py"
    if special == "fifo":
        os.mkfifo(target)
    else:
        target.symlink_to(special)
    got = one(tmp_path, prompt_module("from prompts import SYSTEM\nX = SYSTEM"), rss=50)
    assert got["errors"] == []


@pytest.mark.parametrize("special", ["fifo", "/dev/zero", "/dev/urandom", "dir"])
def test_special_files_where_a_prompt_file_is_expected(tmp_path: Path, special: str) -> None:
    target = tmp_path / "prompt.txt"
    if special == "fifo":
        os.mkfifo(target)
    elif special == "dir":
        target.mkdir()
    else:
        target.symlink_to(special)
    src = prompt_module("from pathlib import Path\nX = (Path(__file__).parent / 'prompt.txt').read_text()")
    got = one(tmp_path, src, rss=50)
    assert got["errors"] == []
    (seg,) = [s for s in prompts(tmp_path, "p.py", src)[0].segments if s.slot.startswith("messages[0]")]
    assert seg.text is None and seg.stability != Stability.STATIC
    if special.startswith("/dev/"):  # the link leads out of the project: refused before its type matters
        assert "outside the project root" in seg.cause, seg.cause
    else:
        assert "not a regular file" in seg.cause or "is a directory" in seg.cause, seg.cause


@pytest.mark.parametrize("path_expr", [
    "'/etc/passwd'",
    "'../../../../../../etc/passwd'",
    "os.path.join(os.path.dirname(__file__), '..', '..', '..', 'etc', 'passwd')",
    "'/proc/self/environ'",
    "'prompt_link.txt'",  # inside the project, but a symlink to /etc/passwd
])
def test_paths_outside_the_project_are_not_read(tmp_path: Path, path_expr: str) -> None:
    (tmp_path / "prompt_link.txt").symlink_to("/etc/passwd")
    src = prompt_module(f"import os\nX = open({path_expr}).read()")
    got = one(tmp_path, src)
    assert got["errors"] == []
    (seg,) = [s for s in prompts(tmp_path, "p.py", src)[0].segments if s.slot.startswith("messages[0]")]
    assert seg.text is None
    assert "outside the project root" in seg.cause, seg.cause


# ---------------------------------------------------------------- bytes and encodings


def test_nul_bytes(tmp_path: Path) -> None:
    got = one(tmp_path, prompt_module("X = 'a'").encode() + b"\x00\n")
    message = only_error(got)  # a SyntaxError without a line on 3.11, a ValueError before, a line number after
    assert message.startswith(("syntax error at", "cannot parse: ValueError:")), message
    assert message.endswith("source code string cannot contain null bytes"), message
    got = one(tmp_path, prompt_module("X = 'a\\x00b'"), name="in_string.py")  # a NUL escaped in a literal is fine
    assert got["errors"] == []
    got = one(tmp_path, prompt_module("X = open('p\\x00.txt').read()"), name="in_path.py")
    assert got["errors"] == []
    (text,) = [s for s in prompts(tmp_path, "p.py", prompt_module("X = 'a\\x00b'"))[0].segments
               if s.slot.startswith("messages[0]")]
    assert text.stability == Stability.STATIC and text.text == "a\x00b"
    (path,) = [s for s in prompts(tmp_path, "p.py", prompt_module("X = open('p\\x00.txt').read()"))[0].segments
               if s.slot.startswith("messages[0]")]
    assert path.text is None and "NUL" in path.cause, path.cause


def test_empty_and_nearly_empty_files(tmp_path: Path) -> None:
    names = {"empty.py": "", "blank.py": "\n\n   \n", "comment.py": "# openai\n", "bare.py": "import openai\n",
             "bom_only.py": "\ufeff", "crlf_only.py": "\r\n\r\n"}
    for name, text in names.items():
        (tmp_path / name).write_text(text, encoding="utf-8", newline="")
    got = lint_isolated(tmp_path, [tmp_path / n for n in names], rss=50)
    assert got == {**got, "errors": [], "codes": []}


def test_python2_syntax(tmp_path: Path) -> None:
    got = one(tmp_path, 'import openai\nprint "hello"\nexec "x = 1"\n')
    assert only_error(got).startswith("syntax error at line 2: Missing parentheses in call to 'print'")
    got = one(tmp_path, "import openai\nx = 0777\nraise ValueError, 'no'\n", name="octal.py")
    assert only_error(got).startswith("syntax error at line 2")


def _segments(found: list[AssembledPrompt]) -> list[tuple[str, str, str | None, int, int]]:
    return [(s.slot, s.stability.value, s.text, s.span.line, s.span.column) for p in found for s in p.segments]


def test_bom_crlf_and_lone_cr_give_the_same_prompt_and_positions(tmp_path: Path) -> None:
    src = prompt_module("X = 'You are helpful.' + f' Today is {__name__}.'")
    base = _segments(prompts(tmp_path, "lf.py", src))
    assert base
    assert _segments(prompts(tmp_path, "crlf.py", src.replace("\n", "\r\n"))) == base
    assert _segments(prompts(tmp_path, "cr.py", src.replace("\n", "\r"))) == base
    settings = Settings(root=str(tmp_path))
    rules = list(ALL_RULES)
    plain = lint_source(src.encode(), str(tmp_path / "x.py"), settings, rules)
    for data in (b"\xef\xbb\xbf" + src.encode(), src.replace("\n", "\r\n").encode(),
                 b"\xef\xbb\xbf" + src.replace("\n", "\r\n").encode()):
        again = lint_source(data, str(tmp_path / "x.py"), settings, rules)
        assert again.errors == plain.errors
        assert [(d.code, d.span) for d in again.diagnostics] == [(d.code, d.span) for d in plain.diagnostics]


def test_pep263_latin1_cookie(tmp_path: Path) -> None:
    text = "# -*- coding: latin-1 -*-\n" + prompt_module('X = "Répondez en français, s\'il vous plaît : " * 2')
    data = text.encode("latin-1")
    assert b"\xe9" in data  # é as one latin-1 byte: not valid utf-8
    path = tmp_path / "latin.py"
    path.write_bytes(data)
    got = lint_isolated(tmp_path, [path])
    assert got["errors"] == []
    from cachelint.sources import decode_source

    decoded = decode_source(data)
    (seg,) = [s for s in prompts(tmp_path, "p.py", decoded)[0].segments if s.slot.startswith("messages[0]")]
    assert seg.text == "Répondez en français, s'il vous plaît : " * 2


@pytest.mark.parametrize("data, start", [
    (b"# -*- coding: nonexistent -*-\nimport openai\n", "cannot decode: unknown encoding: nonexistent"),
    (b"import openai\nX = '\xff\xfe'\n", "cannot decode as utf-8"),
    (b"# coding: ascii\nimport openai\nX = '\xc3\xa9'\n", "cannot decode as ascii"),
    (b"\xef\xbb\xbf# coding: latin-1\nimport openai\n", "cannot decode: encoding problem"),
])
def test_undecodable_sources_are_one_line(tmp_path: Path, data: bytes, start: str) -> None:
    got = one(tmp_path, data)
    assert only_error(got).startswith(start), only_error(got)


def _decode_by_cookie(data: bytes) -> str:
    """decode_source as PEP 263 words it: tokenize.detect_encoding, then the codec."""
    import io
    import tokenize

    from cachelint.sources import SourceError

    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        raise SourceError("cookie") from None
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        raise SourceError("codec") from None
    return text[1:] if text.startswith("\ufeff") else text


_SOURCE_BYTES = st.lists(st.sampled_from([
    b"\n", b"\r\n", b"\r", b"# -*- coding: latin-1 -*-\n", b"# coding=ascii\n", b"# vim: set fileencoding=utf-8 :\n",
    b"#!/usr/bin/env python\n", b"\xef\xbb\xbf", b"coding", b"x = 1\n", b"'\xc3\xa9'", b"\xe9", b"\xff\xfe", b"# \n",
    b"   \n", "é".encode("utf-16"), b"# coding: nonexistent\n",
]), max_size=6).map(b"".join)


@given(_SOURCE_BYTES | st.binary(max_size=40))
@hsettings(max_examples=400, deadline=None)
def test_sources_decode_as_their_cookie_says(data: bytes) -> None:
    """The shortcut for files with no BOM and no cookie decodes (or refuses) what the long
    way does."""
    from cachelint.sources import SourceError, decode_source

    try:
        expected: str | None = _decode_by_cookie(data)
    except SourceError:
        expected = None
    try:
        got: str | None = decode_source(data)
    except SourceError:
        got = None
    assert got == expected


@given(st.integers(0, 140_000), st.integers(0, 200_000), st.integers(-3, 3))
@hsettings(max_examples=60, deadline=None)
def test_a_file_is_read_as_the_buffered_reader_reads_it(length: int, limit: int, drift: int) -> None:
    """read_fd gives what `open(path, "rb").read(limit + 1)` gives, also when the size it was
    told is stale (the file changed between its fstat and the read)."""
    import tempfile

    from cachelint.sources import read_fd

    data = bytes(range(256)) * (length // 256) + b"x" * (length % 256)
    with tempfile.NamedTemporaryFile() as fh:
        fh.write(data)
        fh.flush()
        fd = os.open(fh.name, os.O_RDONLY)
        try:
            got = read_fd(fd, max(0, length + drift), limit)
        finally:
            os.close(fd)
    assert got == data[: limit + 1]


def test_a_form_feed_does_not_shift_columns(tmp_path: Path) -> None:
    """str.splitlines() also splits on \\f and \\x1c; the parser does not (a column came out wrong)."""
    src = prompt_module("# page\x0c break \x1c\nX = 'é' + f'{__name__}'")
    (p,) = prompts(tmp_path, "ff.py", src)
    (dyn,) = [s for s in p.segments if s.stability != Stability.STATIC and s.slot.startswith("messages[0]")]
    line = src.split("\n")[dyn.span.line - 1]
    assert line[dyn.span.column - 1:].startswith("f'{__name__}'") or line[dyn.span.column - 1:].startswith(
        "__name__"), (line, dyn.span)


def test_a_chain_of_choices_between_methods_is_not_exponential(tmp_path: Path) -> None:
    """`if c: s = s.upper() if d else s.lower()` 24 times: each method call on one of several
    values was applied to every path through the earlier choices (sympy's domain.py made 836,000
    attribute lookups and ran past a minute in the deep sweep). Each distinct value is visited once."""
    body = "".join(f"    if sys.argv[{i}]:\n        s = s.upper() if sys.argv[{i}] else s.lower()\n" for i in range(24))
    src = PRE + "import sys\n\ndef build(u):\n    s = 'You are helpful. ' * 50\n" + body + \
        "    return s.strip()\n\nX = build(1)\n" + CALL
    got = one(tmp_path, src)
    assert got["errors"] == []


def test_a_hop_on_a_value_with_shared_parts_copies_each_part_once() -> None:
    """A value whose alternatives share the one before, 60 deep (2**60 paths): recording where it
    came from used to copy every path (scipy's _lebedev.py: a minute of CPU in the deep sweep)."""
    from cachelint.analysis.values import AltV, Hop, Loc, StrV, Text, Value, add_hop
    from cachelint.diagnostics import Span

    loc = Loc.of("/p/a.py", ast.parse("x").body[0])
    v: Value = StrV((Text("x", loc),))
    for _ in range(60):
        v = AltV((v, v), loc, "v")
    hop = Hop(Span("/p/a.py", 1, 1, 1, 2), "returned by f()")
    assert isinstance(add_hop(v, hop), AltV)


"""Prompt files: paths from `__file__`, pathlib, os.path and importlib.resources, read only inside the project."""

from __future__ import annotations

import ast
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cachelint.analysis import scopes
from cachelint.analysis.assemble import assemble
from cachelint.analysis.calls import find_calls
from cachelint.analysis.evaluate import Evaluator
from cachelint.analysis.files import MAX_FILE_BYTES, FileV, PathV, PromptFiles
from cachelint.analysis.module import ModuleInfo
from cachelint.analysis.values import Loc
from cachelint.diagnostics import Diagnostic, Span
from cachelint.prompt import AssembledPrompt, Segment, Stability
from cachelint.rules import ALL_RULES
from cachelint.rules.context import RuleContext
from cachelint.settings import Settings

SYSTEM = "You are a careful assistant.\nAnswer briefly.\n"
# Long enough to reach gpt-4.1's 1,024-token minimum on its own.
LONG = "".join(f"Rule {i}: answer politely, cite the handbook section, never guess.\n" for i in range(150))


# The project's evaluator, without the project model (library models included).
Ev = Evaluator


def _span_of(mod: ModuleInfo) -> object:
    def span_of(loc: Loc) -> Span:
        if loc.path == mod.path:
            return mod.span(loc.node)
        line, col, end_line, end_col = loc.pos
        return Span(loc.path, max(line, 1), col + 1, max(end_line, 1), end_col + 1)

    return span_of


def analyse(root: Path, code: str, *, name: str = "app.py", ev: Ev | None = None,
            set_root: bool = True) -> list[AssembledPrompt]:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(code)
    mod = ModuleInfo(str(path), code, ast.parse(code))
    ev = ev or Ev()
    if set_root:
        ev.root = str(root)
    span_of = _span_of(mod)
    return [assemble(found, ev, span_of) for found in find_calls(mod, ev)]  # type: ignore[arg-type]


def instructions(prompt: AssembledPrompt) -> list[Segment]:
    return [s for s in prompt.segments if s.slot == "instructions"]


def only(root: Path, code: str, **kw: object) -> Segment:
    """The single instructions segment of the single call in `code`."""
    (prompt,) = analyse(root, code, **kw)  # type: ignore[arg-type]
    (seg,) = instructions(prompt)
    return seg


def findings(root: Path, prompt: AssembledPrompt, path: str) -> list[Diagnostic]:
    ctx = RuleContext(Settings(root=str(root)), path)
    out: list[Diagnostic] = []
    for rule in ALL_RULES:
        out.extend(rule().check(prompt, ctx))
    return out


HEAD = "import os\nfrom pathlib import Path\nimport openai\nclient = openai.OpenAI()\n"


def call(expr: str, pre: str = "") -> str:
    return HEAD + pre + f"client.responses.create(model='gpt-4.1', instructions={expr}, input='hi')\n"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    r = tmp_path / "proj"
    (r / "prompts").mkdir(parents=True)
    (r / "prompts" / "system.md").write_text(SYSTEM)
    return r


@pytest.fixture
def no_hang() -> Iterator[None]:
    """Fail instead of hanging if reading ever blocks (a FIFO opened for reading)."""

    def boom(signum: int, frame: object) -> None:
        raise TimeoutError("reading a prompt file blocked")

    old = signal.signal(signal.SIGALRM, boom)
    signal.alarm(10)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


# ---------------------------------------------------------------- paths that resolve


@pytest.mark.parametrize(
    "expr",
    [
        '(Path(__file__).parent / "prompts" / "system.md").read_text()',
        'Path(__file__).parent.joinpath("prompts", "system.md").read_text(encoding="utf-8")',
        'Path(__file__).with_name("prompts").joinpath("system").with_suffix(".md").read_text()',
        '(Path(__file__).resolve().parents[0] / "prompts/system.md").read_text()',
        'Path(Path(__file__).parent, "prompts", "system.md").read_bytes().decode()',
        'Path(__file__).parent.joinpath("prompts/system.md").read_bytes().decode("utf-8")',
        'open(os.path.join(os.path.dirname(__file__), "prompts", "system.md")).read()',
        'open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "prompts", "system.md"),'
        ' encoding="utf-8").read()',
        'open(os.path.join(os.path.dirname(os.path.realpath(__file__)), "prompts/system.md"), "r").read()',
        'open(os.path.dirname(__file__) + "/prompts/system.md").read()',
        'open(f"{Path(__file__).parent}/prompts/system.md").read()',
        'open("prompts/system.md").read()',
        'Path("prompts/system.md").read_text()',
        '"".join(open("prompts/system.md").readlines())',
        '(Path(__file__).parent / "prompts" / "system.md").open().read()',
    ],
)
def test_prompt_file_read_as_static_text(root: Path, expr: str) -> None:
    (prompt,) = analyse(root, call(expr))
    segs = instructions(prompt)
    assert {s.stability for s in segs} == {Stability.STATIC}
    assert "".join(s.text or "" for s in segs) == SYSTEM
    assert {s.span.path for s in segs} == {os.path.realpath(root / "prompts" / "system.md")}
    assert segs[0].span.line == 1


def test_read_records_where_the_text_came_from(root: Path) -> None:
    seg = only(root, call("SYSTEM", 'SYSTEM = (Path(__file__).parent / "prompts" / "system.md").read_text()\n'))
    notes = [h.note for h in seg.hops]
    assert "read from prompts/system.md" in notes
    read_hop = next(h for h in seg.hops if h.note == "read from prompts/system.md")
    assert read_hop.span.path == str(root / "app.py")
    assert read_hop.span.line == 5


def test_paths_kept_in_module_constants_and_helpers(root: Path) -> None:
    code = HEAD + (
        "HERE = os.path.dirname(os.path.abspath(__file__))\n"
        "PROMPTS = Path(HERE) / 'prompts'\n"
        "def load(name):\n"
        "    return (PROMPTS / name).read_text()\n"
        "def ask(q):\n"
        "    return client.responses.create(model='gpt-4.1', instructions=load('system.md'), input=q)\n"
    )
    (prompt,) = analyse(root, code)
    (seg,) = instructions(prompt)
    assert (seg.stability, seg.text) == (Stability.STATIC, SYSTEM)


def test_with_open_as_f_then_read(root: Path) -> None:
    code = HEAD + (
        "def ask(q):\n"
        "    with open(os.path.join(os.path.dirname(__file__), 'prompts', 'system.md'), encoding='utf-8') as f:\n"
        "        text = f.read()\n"
        "    return client.responses.create(model='gpt-4.1', instructions=text.strip(), input=q)\n"
    )
    (seg,) = instructions(analyse(root, code)[0])
    assert (seg.stability, seg.text) == (Stability.STATIC, SYSTEM.strip())


def test_with_path_open_at_module_level(root: Path) -> None:
    code = HEAD + (
        "with (Path(__file__).parent / 'prompts' / 'system.md').open() as fh:\n"
        "    SYSTEM = fh.read()\n"
        "client.responses.create(model='gpt-4.1', instructions=SYSTEM, input='x')\n"
    )
    (seg,) = instructions(analyse(root, code)[0])
    assert seg.text == SYSTEM


def test_with_target_rebound_inside_the_block_is_not_the_file(root: Path) -> None:
    code = HEAD + (
        "def ask(q, other):\n"
        "    with open('prompts/system.md') as f:\n"
        "        f = other\n"
        "        text = f.read()\n"
        "    return client.responses.create(model='gpt-4.1', instructions=text, input=q)\n"
    )
    (seg,) = instructions(analyse(root, code)[0])
    assert seg.stability == Stability.TURN


def test_alternative_paths_give_alternative_texts(root: Path) -> None:
    (root / "prompts" / "other.md").write_text("Other prompt.")
    code = HEAD + (
        "def ask(q, formal):\n"
        "    name = 'system.md' if formal else 'other.md'\n"
        "    text = (Path(__file__).parent / 'prompts' / name).read_text()\n"
        "    return client.responses.create(model='gpt-4.1', instructions=text, input=q)\n"
    )
    (seg,) = instructions(analyse(root, code)[0])
    assert seg.stability == Stability.STATIC
    assert set(seg.alternatives) == {SYSTEM, "Other prompt."}


def test_universal_newlines_for_text_reads_only(root: Path) -> None:
    (root / "prompts" / "crlf.md").write_bytes(b"a\r\nb\r\n")
    seg = only(root, call("open('prompts/crlf.md').read()"))
    assert seg.text == "a\nb\n"
    seg = only(root, call("Path('prompts/crlf.md').read_bytes().decode()"))
    assert seg.text == "a\r\nb\r\n"


def test_readlines_keeps_each_line_where_it_is(root: Path) -> None:
    (root / "prompts" / "lines.md").write_text("one\ntwo\nthree\n")
    (prompt,) = analyse(root, call("''.join(open('prompts/lines.md').readlines()[:2])"))
    segs = instructions(prompt)
    assert [(s.stability, s.text, s.span.line) for s in segs] == [
        (Stability.STATIC, "one\n", 1), (Stability.STATIC, "two\n", 2)]


def test_importlib_resources(root: Path) -> None:
    pkg = root / "src" / "mypkg" / "prompts"
    pkg.mkdir(parents=True)
    (pkg / "system.md").write_text("From the package.")
    (root / "src" / "mypkg" / "__init__.py").write_text("")
    pre = "import importlib.resources\nfrom importlib import resources\nfrom importlib.resources import files\n"
    for expr in (
        'importlib.resources.files("mypkg").joinpath("prompts/system.md").read_text()',
        'files("mypkg.prompts").joinpath("system.md").read_text(encoding="utf-8")',
        '(files("mypkg") / "prompts" / "system.md").read_text()',
        'resources.read_text("mypkg.prompts", "system.md")',
        'importlib.resources.read_binary("mypkg.prompts", "system.md").decode()',
        'resources.open_text("mypkg.prompts", "system.md").read()',
    ):
        seg = only(root, call(expr, pre))
        assert (seg.stability, seg.text) == (Stability.STATIC, "From the package."), expr


def test_importlib_resources_of_this_package(root: Path) -> None:
    pkg = root / "app"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "system.md").write_text("Next to the module.")
    seg = only(root, call('files(__package__).joinpath("system.md").read_text()',
                          "from importlib.resources import files\n"), name="app/main.py")
    assert seg.text == "Next to the module."


def test_package_not_in_project(root: Path) -> None:
    seg = only(root, call('importlib.resources.files("nowhere").joinpath("x.md").read_text()',
                          "import importlib.resources\n"))
    assert seg.stability == Stability.STABLE
    assert seg.text is None
    assert "package `nowhere` not found" in seg.cause


def test_symlink_inside_the_root_is_followed(root: Path) -> None:
    (root / "prompts" / "link.md").symlink_to(root / "prompts" / "system.md")
    seg = only(root, call("open('prompts/link.md').read()"))
    assert seg.text == SYSTEM


def test_each_file_is_read_once_per_run(root: Path) -> None:
    ev = Ev()
    code = call("A + B + (Path(__file__).parent / 'prompts' / 'system.md').read_text()",
                "A = open('prompts/system.md').read()\nB = Path('prompts/system.md').read_text()\n")
    (prompt,) = analyse(root, code, ev=ev)
    assert [s.text for s in instructions(prompt)] == [SYSTEM] * 3
    analyse(root, code, name="other.py", ev=ev)
    pf = ev.prompt_files
    assert pf is not None and pf.opened == 1


# ---------------------------------------------------------------- what is not read


def test_path_outside_the_root(root: Path) -> None:
    for expr in ('open("../../../etc/passwd").read()', 'Path("/etc/passwd").read_text()',
                 '(Path(__file__).parent / ".." / ".." / ".." / "etc" / "passwd").read_text()',
                 'open(os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "etc", "passwd")).read()'):
        seg = only(root, call(expr))
        assert seg.stability == Stability.STABLE, expr
        assert seg.text is None
        assert "outside the project root" in seg.cause


def test_symlink_escaping_the_root(root: Path) -> None:
    (root / "prompts" / "evil.md").symlink_to("/etc/passwd")
    seg = only(root, call("(Path(__file__).parent / 'prompts' / 'evil.md').read_text()"))
    assert (seg.stability, seg.text) == (Stability.STABLE, None)
    assert "outside the project root" in seg.cause


def test_fifo_is_never_opened(root: Path, no_hang: None) -> None:
    os.mkfifo(root / "prompts" / "pipe.md")
    start = time.monotonic()
    seg = only(root, call("open('prompts/pipe.md').read()"))
    assert time.monotonic() - start < 5
    assert (seg.stability, seg.text) == (Stability.STABLE, None)
    assert "not a regular file" in seg.cause
    seg = only(root, call("(Path(__file__).parent / 'prompts' / 'pipe.md').read_text()"))
    assert (seg.stability, seg.text) == (Stability.STABLE, None)


def test_fifo_swapped_in_after_the_check_does_not_block(root: Path, no_hang: None,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    fifo = root / "prompts" / "race.md"
    os.mkfifo(fifo)
    real_stat = os.stat

    def stat_says_regular(path: str, *a: object, **kw: object) -> os.stat_result:
        if str(path) == str(fifo):
            return real_stat(root / "prompts" / "system.md")
        return real_stat(path, *a, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr("cachelint.analysis.files.os.stat", stat_says_regular)
    got = PromptFiles(str(root)).read("prompts/race.md")
    assert got.data is None and "not a regular file" in got.cause


def test_too_big_directory_missing_and_bad_utf8(root: Path) -> None:
    (root / "prompts" / "big.md").write_bytes(b"x" * (2 * MAX_FILE_BYTES))
    (root / "prompts" / "dir.md").mkdir()
    (root / "prompts" / "latin.md").write_bytes("caf\xe9".encode("latin-1"))
    cases = {
        "big.md": (Stability.STABLE, "larger than 1 MiB"),
        "dir.md": (Stability.STABLE, "is a directory"),
        "missing.md": (Stability.STABLE, "does not exist"),
        "latin.md": (Stability.UNKNOWN, "not valid utf-8 text"),
    }
    for name, (stab, why) in cases.items():
        seg = only(root, call(f"open('prompts/{name}').read()"))
        assert (seg.stability, seg.text) == (stab, None), name
        assert why in seg.cause, (name, seg.cause)
    seg = only(root, call("open('prompts/latin.md', encoding='latin-1').read()"))
    assert seg.text == "café"


def test_file_exactly_at_the_limit_is_read(root: Path) -> None:
    (root / "prompts" / "limit.md").write_bytes(b"y" * MAX_FILE_BYTES)
    seg = only(root, call("open('prompts/limit.md').read()"))
    assert seg.stability == Stability.STATIC
    assert seg.text is not None and set(seg.text) == {"y"}


def test_without_a_root_nothing_is_read(root: Path) -> None:
    seg = only(root, call("open('prompts/system.md').read()"), set_root=False)
    assert (seg.stability, seg.text) == (Stability.STABLE, None)
    assert "no project root" in seg.cause


def test_filesystem_root_is_not_a_project_root() -> None:
    assert PromptFiles("/").read("etc/passwd").data is None


def test_path_not_known_statically(root: Path) -> None:
    seg = only(root, call("Path(os.environ['PROMPT']).read_text()"))
    assert (seg.stability, seg.text) == (Stability.STABLE, None)
    # A path that is a parameter differs per call, and so does what is read from it.
    code = HEAD + (
        "def ask(q, prompt_file):\n"
        "    return client.responses.create(model='gpt-4.1', instructions=open(prompt_file).read(), input=q)\n"
    )
    (seg,) = instructions(analyse(root, code)[0])
    assert seg.stability == Stability.TURN


def test_writing_modes_and_partial_reads_are_not_prompt_files(root: Path) -> None:
    seg = only(root, call("open('prompts/system.md', 'w').read()"))
    assert seg.text is None
    seg = only(root, call("open('prompts/system.md').read(10)"))
    assert seg.text is None


def test_values_are_paths_and_files(root: Path) -> None:
    ev = Ev()
    ev.root = str(root)
    code = HEAD + "P = Path(__file__).parent / 'prompts'\nF = open(P / 'system.md')\n"
    path = root / "vals.py"
    path.write_text(code)
    mod = ModuleInfo(str(path), code, ast.parse(code))
    p = scopes.module_value(ev, "P", mod, None)
    f = scopes.module_value(ev, "F", mod, None)
    assert isinstance(p, PathV) and p.path == str(root / "prompts")
    assert isinstance(f, FileV) and f.path == str(root / "prompts" / "system.md") and f.handle


# ---------------------------------------------------------------- findings


def test_cl101_per_call_value_before_a_prompt_file(root: Path) -> None:
    (root / "prompts" / "long.md").write_text(LONG)
    code = HEAD + (
        "RULES = (Path(__file__).parent / 'prompts' / 'long.md').read_text()\n"
        "def ask(user, q):\n"
        "    return client.responses.create(model='gpt-4.1', instructions=f'User: {user}\\n' + RULES, input=q)\n"
    )
    (prompt,) = analyse(root, code)
    found = findings(root, prompt, str(root / "app.py"))
    assert [(d.code, d.span.line) for d in found] == [("CL101", 7)]
    assert found[0].span.path == str(root / "app.py")


def test_cl102_clock_before_a_prompt_file(root: Path) -> None:
    (root / "prompts" / "long.md").write_text(LONG)
    code = HEAD + (
        "import datetime\n"
        "def ask(q):\n"
        "    rules = open(os.path.join(os.path.dirname(__file__), 'prompts', 'long.md')).read()\n"
        "    return client.responses.create(model='gpt-4.1',\n"
        "        instructions=f'Now: {datetime.datetime.now()}\\n' + rules, input=q)\n"
    )
    (prompt,) = analyse(root, code)
    assert [(d.code, d.span.line) for d in findings(root, prompt, str(root / "app.py"))] == [("CL102", 9)]


def test_no_finding_when_the_file_cannot_be_read(root: Path) -> None:
    code = HEAD + (
        "def ask(user, q):\n"
        "    rules = open('../outside.md').read()\n"
        "    return client.responses.create(model='gpt-4.1', instructions=f'User: {user}\\n' + rules, input=q)\n"
    )
    (root.parent / "outside.md").write_text(LONG)
    (prompt,) = analyse(root, code)
    assert findings(root, prompt, str(root / "app.py")) == []


def test_end_to_end_through_lint_files(tmp_path: Path) -> None:
    from cachelint.run.lint import lint_files

    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'example'\n")
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "long.md").write_text(LONG)
    (tmp_path / "prompts" / "pipe.md").parent.mkdir(exist_ok=True)
    os.mkfifo(tmp_path / "prompts" / "pipe.md")
    (tmp_path / "texts.py").write_text(
        "from pathlib import Path\n"
        "RULES = (Path(__file__).parent / 'prompts' / 'long.md').read_text()\n"
        "PIPE = (Path(__file__).parent / 'prompts' / 'pipe.md').read_text()\n"
    )
    (tmp_path / "example.py").write_text(
        "import datetime\n"
        "import openai\n"
        "from texts import PIPE, RULES\n"
        "client = openai.OpenAI()\n"
        "def ask(user, q):\n"
        "    return client.responses.create(model='gpt-4.1', instructions=f'User: {user}\\n' + RULES, input=q)\n"
        "def when(q):\n"
        "    return client.responses.create(model='gpt-4.1',\n"
        "        instructions=f'{datetime.datetime.now()}' + PIPE + RULES, input=q)\n"
    )
    result = lint_files([str(tmp_path / "example.py")], Settings(root=str(tmp_path)), list(ALL_RULES))
    assert result.errors == []
    assert [(d.code, d.span.line) for d in result.diagnostics] == [("CL101", 6), ("CL102", 9)]


# ---------------------------------------------------------------- files at paths that change


def per_request(pre: str, instructions: str, imports: str = "import datetime, time, uuid\n") -> str:
    """A request made in a handler (module-level values are read once, at import: stable)."""
    body = "".join(f"    {line}\n" for line in pre.splitlines())
    return (HEAD + imports + "LONG = " + repr(LONG) + "\n" + "def handle(q):\n" + body +
            f"    return client.responses.create(model='gpt-4.1', instructions={instructions}, input=q)\n")


@pytest.mark.parametrize(
    ("pre", "expr"),
    [
        # a run folder named by the clock (AI-Scientist's results/<timestamp>_<idea>/)
        ("run = f'runs/{datetime.datetime.now():%Y%m%d_%H%M%S}'", "open(os.path.join(run, 'draft.tex')).read()"),
        ("", "Path(f'runs/{time.time()}/draft.tex').read_text()"),
        ("", "open(f'/tmp/{uuid.uuid4()}.txt').read()"),
        ("", "open(f'notes/{datetime.date.today()}.md').read()"),
    ],
)
def test_a_file_at_a_changing_path_holds_data_not_a_clock(root: Path, pre: str, expr: str) -> None:
    """Its text is what the file holds, the same each time it is read: `turn`, never
    `volatile` or `daily` (no CL102), however often the path itself changes."""
    seg = only(root, per_request(pre, expr))
    assert seg.stability == Stability.TURN
    assert seg.text is None


def test_the_clock_itself_stays_volatile(root: Path) -> None:
    """The twin: the changing value sent as it is, not a file named by it."""
    (prompt,) = analyse(root, per_request("", "f'runs/{datetime.datetime.now():%Y%m%d_%H%M%S}'"))
    assert [s.stability for s in instructions(prompt)] == [Stability.STATIC, Stability.VOLATILE]


def test_a_file_at_a_changing_path_ahead_of_instructions_is_no_cl102(root: Path) -> None:
    pre = "run = f'runs/{datetime.datetime.now():%H%M%S}'"
    (prompt,) = analyse(root, per_request(pre, "open(os.path.join(run, 'd.txt')).read() + LONG"))
    codes = {d.code for d in findings(root, prompt, str(root / "app.py"))}
    assert "CL102" not in codes
    assert "CL101" in codes  # per-call text ahead of 1,500 static tokens: none of them is read back
    (prompt,) = analyse(root, per_request(pre, "run + LONG"))
    assert "CL102" in {d.code for d in findings(root, prompt, str(root / "app.py"))}

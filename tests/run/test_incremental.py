"""The wrapper scan across runs (issue 20): what it learnt of each module is cached by content,
so a warm run looks again only at the modules that changed and those whose checks read them,
and reports exactly what a run without the cache reports."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cachelint.run import cutoff, scan
from cachelint.run.check import LintResult

CLIENT = "from openai import OpenAI\n\nclient = OpenAI()\n"
Write = Callable[[Path, dict[str, str]], list[str]]

LONG = 'POLICY = "Always cite the relevant section of the support policy and never guess. " * 90\n'

# app/core.py holds a wrapper of the SDK; app/llm.py's `chat` calls `backend.send`, where
# `backend` comes from app/route.py: core (a wrapper, so `chat` is one too) or app/plain.py
# (a plain function). route.py names no SDK and no wrapper: no scan pass ever reads it as a
# candidate, only the check of `chat` does.
CORE = CLIENT + "\n\ndef send(text, question):\n" \
    "    return client.responses.create(model='gpt-4.1', instructions=text, input=question)\n"
PLAIN = "def send(text, question):\n    return text + question\n"
ROUTE_CORE = "from app import core as backend\n"
ROUTE_PLAIN = "from app import plain as backend\n"
LLM = "from app.route import backend\n\n\ndef chat(system, question):\n    return backend.send(system, question)\n"
SERVICE = (
    "from app.llm import chat\nfrom app.prompts import POLICY\n\n\n"
    "def answer(name, q):\n    return chat(f'Hi {name}\\n' + POLICY, q)\n"
)
TREE = {
    "app/__init__.py": "",
    "app/prompts.py": LONG,
    "app/core.py": CORE,
    "app/plain.py": PLAIN,
    "app/route.py": ROUTE_CORE,
    "app/llm.py": LLM,
    "app/service.py": SERVICE,
}


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The modules the scan looks at in a worker (or here), by file name, in the last runs."""
    seen: list[str] = []
    real = scan.scan_module

    def counting(task: scan.ModuleTask, *args: object) -> scan.ModuleScan:
        seen.append(Path(task.path).name)
        return real(task, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(scan, "scan_module", counting)
    return seen


def _cli(run: Callable[..., Any], *args: str) -> tuple[int, str]:
    got = run("--format", "concise", "-j", "1", *args, ".")
    assert got.stderr == ""
    return got.exit_code, got.stdout


def test_cold_warm_and_edited_runs_agree(
    project: Path, run: Callable[..., Any], checked: list[str], write: Write
) -> None:
    write(project, TREE)
    cold = _cli(run, "--no-cache")
    assert cold[0] == 1 and "service.py:6" in cold[1] and "CL101" in cold[1]
    assert _cli(run) == cold  # the first run with a cache
    checked.clear()
    assert _cli(run) == cold  # warm
    assert checked == []  # nothing changed: no module looked at again
    (project / "app" / "prompts.py").write_text(LONG + "# reviewed\n")
    assert _cli(run) == cold == _cli(run, "--no-cache")
    (project / "app" / "core.py").write_text(CORE + "\n\ndef unused():\n    return 1\n")
    checked.clear()
    assert _cli(run) == cold
    # core.py changed: it is looked at again (a function was added), but not llm.py and
    # service.py, whose checks followed chat and answer into it: nothing they read names `unused`
    assert sorted(set(checked)) == ["core.py"]
    (project / "app" / "core.py").write_text(CORE.replace("'gpt-4.1'", "'gpt-4.1-mini'") + "\n\ndef unused():\n"
                                             "    return 1\n")
    checked.clear()
    assert _cli(run) == cold
    # `send` itself changed: so are llm.py and service.py looked at again; not plain.py,
    # which names `send` too
    assert sorted(set(checked)) == ["core.py", "llm.py", "service.py"]
    assert _cli(run, "--no-cache") == cold


def test_a_module_the_scan_never_reads_changes_another_files_findings(
    project: Path, run: Callable[..., Any], checked: list[str], write: Write
) -> None:
    write(project, TREE)
    before = _cli(run)
    assert "service.py:6" in before[1]
    (project / "app" / "route.py").write_text(ROUTE_PLAIN)  # chat no longer reaches the SDK
    checked.clear()
    after = _cli(run)
    assert after == _cli(run, "--no-cache")
    assert after[0] == 0 and "service.py" not in after[1]
    assert "llm.py" in checked  # found through what chat's check read, not by a scan pass
    (project / "app" / "route.py").write_text(ROUTE_CORE)
    assert _cli(run) == before


def test_a_warm_run_on_one_file_scans_only_what_changed(
    tmp_path: Path, lint: Callable[..., LintResult], checked: list[str], write: Write
) -> None:
    root = tmp_path / "proj"
    files = {**TREE, **{f"app/extra{i}.py": CLIENT + f"\n\ndef ask{i}(q):\n"
                        f"    return client.responses.create(model='gpt-4.1', input=q)\n" for i in range(6)}}
    paths = write(root, files)
    everything = lint(paths)
    assert len(set(checked)) == 10  # all but __init__.py, prompts.py and route.py, which no pass reads
    # Still a wrapper: the wrapper names are unchanged, and so is every other module's answer.
    (root / "app" / "extra3.py").write_text(CLIENT + "\n\ndef ask3(q):\n"
                                           "    return client.responses.create(model='gpt-4.1-mini', input=q)\n")
    checked.clear()
    one = lint([str(root / "app" / "service.py")])
    assert set(checked) == {"extra3.py"}  # in each pass it is a candidate of
    assert one.diagnostics == [d for d in everything.diagnostics if d.span.path.endswith("service.py")]
    assert lint(paths) == lint(paths, cached=False)


def _verbose(run: Callable[..., Any], *args: str) -> tuple[int, str, list[str]]:
    """A warm run on `args` with --verbose: exit code, stdout, and the scan's statistics line."""
    got = run("--format", "concise", "-j", "1", "--verbose", *args)
    scan_lines = [line.split("] ", 1)[1] for line in got.stderr.splitlines() if "wrapper scan:" in line]
    return got.exit_code, got.stdout, scan_lines


def test_an_edit_nothing_reads_looks_at_no_other_module(project: Path, run: Callable[..., Any], write: Write) -> None:
    """A constant appended to route.py, which the checks of llm.py's `chat` and service.py's
    `answer` read: the early cutoff keeps their verdicts (nothing the checks read names the new
    constant), so linting a file with a warm cache looks at no module again; the findings are
    those of a run without the cache."""
    write(project, TREE)
    _cli(run)  # fills the cache
    (project / "app" / "route.py").write_text(ROUTE_CORE + "REVIEWED_BY = 'ops'\n")
    code, out, stats = _verbose(run, "app/service.py")
    assert stats == ["wrapper scan: modules looked at 0, functions checked 0, "
                     "modules whose verdicts the early cutoff kept 2"]
    cold = run("--format", "concise", "--no-cache", "app/service.py")
    assert (code, out) == (cold.exit_code, cold.stdout) and "service.py:6" in out
    assert _cli(run) == _cli(run, "--no-cache")


def test_an_edit_that_a_check_reads_looks_at_it_again(project: Path, run: Callable[..., Any], write: Write) -> None:
    """The negative twin: the appended statement names `backend`, which the checks read, so the
    early cutoff keeps nothing and `chat` and `answer` are checked again."""
    write(project, TREE)
    _cli(run)
    (project / "app" / "route.py").write_text(ROUTE_CORE + "assert backend\n")
    code, out, stats = _verbose(run, "app/service.py")
    assert stats == ["wrapper scan: modules looked at 2, functions checked 2, "
                     "modules whose verdicts the early cutoff kept 0"]
    cold = run("--format", "concise", "--no-cache", "app/service.py")
    assert (code, out) == (cold.exit_code, cold.stdout)


def test_an_added_statement_that_rebinds_what_a_wrapper_reads_changes_findings(
    project: Path, run: Callable[..., Any], checked: list[str], write: Write
) -> None:
    """An edit that only adds a statement, but one that rebinds a name the check of `chat`
    read (route.py's `backend`, now the plain module): `chat` is no wrapper any more, and
    service.py's finding, made through it, goes, as in a run without the cache."""
    write(project, TREE)
    before = _cli(run)
    assert "service.py:6" in before[1]
    (project / "app" / "route.py").write_text(ROUTE_CORE + ROUTE_PLAIN)
    checked.clear()
    after = _cli(run)
    assert after == _cli(run, "--no-cache")
    assert after[0] == 0 and "service.py" not in after[1]
    assert "llm.py" in checked


@pytest.mark.parametrize("added", [
    "import openai\n",  # names an SDK: calls are found by their shape
    "__all__ = ['REVIEWED']\n",  # a dunder name is read without being written
    "from app.plain import *\n",  # binds names written nowhere here
    "EXTRA = 'stream'\n",  # an API method's name
    "REVIEWED = 1; backend = None\n",  # shares a line with a name read
])
def test_the_early_cutoff_refuses_what_is_not_read_by_name(
    project: Path, run: Callable[..., Any], write: Write, added: str
) -> None:
    write(project, TREE)
    _cli(run)
    (project / "app" / "route.py").write_text(ROUTE_CORE + added)
    _, _, stats = _verbose(run, "app/service.py")
    assert stats[0].endswith(", modules whose verdicts the early cutoff kept 0")
    assert _cli(run) == _cli(run, "--no-cache")


def test_a_computed_getattr_in_what_a_check_read_refuses_the_cutoff(
    project: Path, run: Callable[..., Any], write: Write
) -> None:
    """`getattr(route, name)` with a name built at run time may reach the added constant."""
    tree = dict(TREE)
    tree["app/llm.py"] = LLM + "\n\ndef pick(kind):\n    from app import route\n" \
        "    return getattr(route, kind.upper() + '_NOTE')\n"
    write(project, tree)
    _cli(run)
    (project / "app" / "route.py").write_text(ROUTE_CORE + "LATE_NOTE = 'x'\n")
    _, _, stats = _verbose(run, "app/service.py")
    assert stats[0].endswith(", modules whose verdicts the early cutoff kept 0")


def test_a_constant_added_to_a_wrappers_module_looks_at_nothing_again(
    project: Path, run: Callable[..., Any], checked: list[str], write: Write
) -> None:
    """core.py (the wrapper `send`) gains a constant nothing reads: no module is looked at
    again, its own included; one that names the client `send` reads looks at core.py again."""
    write(project, TREE)
    cold = _cli(run)
    (project / "app" / "core.py").write_text(CORE + "\nTIMEOUT_SECONDS = 30\n")
    checked.clear()
    assert _cli(run) == cold
    assert checked == []
    (project / "app" / "core.py").write_text(CORE + "\nTIMEOUT_SECONDS = 30\nclient.timeout = TIMEOUT_SECONDS\n")
    checked.clear()
    assert _cli(run) == cold
    assert "core.py" in checked
    assert _cli(run, "--no-cache") == cold


def test_a_computed_getattr_that_cannot_be_given_the_edited_module_keeps_the_cutoff(
    project: Path, run: Callable[..., Any], write: Write
) -> None:
    """The positive twin: llm.py builds a getattr name, but no file read binds route.py as a
    module object (llm.py imports a name from it), so the added constant cannot be reached."""
    tree = dict(TREE)
    tree["app/llm.py"] = LLM + "\n\n# notes of other modules\ndef pick(obj, kind):\n" \
        "    return getattr(obj, kind.upper() + '_NOTE')\n"
    write(project, tree)
    cold = _cli(run)
    (project / "app" / "route.py").write_text(ROUTE_CORE + "LATE_NOTE = 'x'\n")
    code, out, stats = _verbose(run, ".")
    assert stats[0].endswith(", modules whose verdicts the early cutoff kept 2")
    assert (code, out) == cold == _cli(run, "--no-cache")


GETATTR_PICK = "\n\ndef pick(obj, kind):\n    return getattr(obj, kind.upper() + '_NOTE')\n"


@pytest.mark.parametrize(("getter", "kept"), [
    # `package=`: the evaluator never follows such a call (gptme's plugin loaders)
    ("def load(name):\n    return importlib.import_module(name, package=__package__)\n", 2),
    ("def load():\n    return importlib.import_module('httpx')\n", 2),  # another module, by a literal
    ("# importlib.import_module caches by name; sys.modules too\n", 2),  # a comment is not code
    # built at run time, but `route` is spelled in no string a check read (a docstring is no value)
    ("def load(name):\n    '''Load app.route lazily.'''\n    return importlib.import_module(name)\n", 2),
    ("def load():\n    return importlib.import_module('app.route')\n", 0),  # names the edited module
    ("KIND = 'route'\n\n\ndef load():\n    return importlib.import_module('app.' + KIND)\n", 0),  # spelled
    ("def load():\n    return __import__('app.route')\n", 0),
    ("import sys\n\n\ndef load():\n    return sys.modules['app.' + 'ro' + 'ute']\n", 0),
    ("load = importlib.import_module\n", 0),  # passed on: its calls cannot be judged here
])
def test_the_early_cutoff_judges_how_a_file_read_gets_modules(
    project: Path, run: Callable[..., Any], write: Write, getter: str, kept: int
) -> None:
    """With a computed getattr in a file a check read, the cutoff stands only if no file read can
    get hold of the edited module as an object: import_module and __import__ calls are judged as
    the evaluator would follow them (gptme's `import_module(name, package=...)` loaders no longer
    refuse every edit), and what cannot be judged refuses."""
    tree = dict(TREE)
    tree["app/llm.py"] = "import importlib\n\n" + LLM + GETATTR_PICK + "\n\n" + getter
    write(project, tree)
    cold = _cli(run)
    (project / "app" / "route.py").write_text(ROUTE_CORE + "LATE_NOTE = 'x'\n")
    code, out, stats = _verbose(run, ".")
    assert stats[0].endswith(f", modules whose verdicts the early cutoff kept {kept}")
    assert (code, out) == cold == _cli(run, "--no-cache")


@pytest.mark.parametrize(("getter", "kept"), [
    ("def load(name):\n    return importlib.import_module(name, package=__package__)\n", 2),
    # the twin: the edited module's name spelled in a string, from the kept words as when parsed
    ("KIND = 'route'\n\n\ndef load():\n    return importlib.import_module('app.' + KIND)\n", 0),
])
def test_the_early_cutoff_parses_a_file_it_judged_once(
    project: Path, run: Callable[..., Any], write: Write, monkeypatch: pytest.MonkeyPatch, getter: str, kept: int
) -> None:
    """What the cutoff asks of a file's tree (how it gets hold of modules, the words of its
    strings) is kept in the result cache by the file's content: a second edit parses no file
    the checks read, and the cutoff decides as it did (issue 20: parsing them was a third of a
    pre-commit run on gptme)."""
    parsed: list[object] = []
    real = cutoff._FileFacts.of
    monkeypatch.setattr(cutoff._FileFacts, "of", staticmethod(lambda tree: parsed.append(tree) or real(tree)))
    tree = dict(TREE)
    tree["app/llm.py"] = "import importlib\n\n" + LLM + GETATTR_PICK + "\n\n" + getter
    write(project, tree)
    cold = _cli(run)
    for n, constant in enumerate(["LATE_NOTE = 'x'\n", "LATER_NOTE = 'y'\n"]):
        (project / "app" / "route.py").write_text(ROUTE_CORE + "LATE_NOTE = 'x'\n" + constant * n)
        parsed.clear()
        code, out, stats = _verbose(run, ".")
        assert stats[0].endswith(f", modules whose verdicts the early cutoff kept {kept}")
        assert (code, out) == cold
        assert (len(parsed) > 0) == (n == 0), parsed
    assert _cli(run) == _cli(run, "--no-cache") == cold

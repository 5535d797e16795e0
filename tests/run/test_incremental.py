"""The wrapper scan across runs (issue 20): what it learnt of each module is cached by content,
so a warm run looks again only at the modules that changed and those whose checks read them,
and reports exactly what a run without the cache reports."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cachelint.run import scan
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
    # core.py changed: it is looked at again, and so are llm.py and service.py, whose checks
    # followed chat and answer into it; not plain.py, which names `send` too
    assert sorted(set(checked)) == ["core.py", "llm.py", "service.py"]


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

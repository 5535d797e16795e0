"""Results shared between the projects of a process (cachelint.analysis.shared): reused only
as if computed again, with the same dependencies, steps and values."""

from __future__ import annotations

import ast
import gc
import os
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cachelint.analysis import evaluate, scopes
from cachelint.analysis.evaluate import Evaluator
from cachelint.analysis.module import ModuleInfo
from cachelint.analysis.project import Project
from cachelint.rules import ALL_RULES
from cachelint.run import tracked
from cachelint.run.check import LintResult
from cachelint.run.lint import RunOptions, lint_files
from cachelint.settings import Settings

CLIENT = "from openai import OpenAI\n\nclient = OpenAI()\n"
LONG = "Always cite the relevant section of the support policy and never guess. "
SHORT = "Answer briefly."


def importer(name: str) -> str:
    return (
        CLIENT + "from app.prompts import POLICY\n\n\n"
        f"def {name}(user, q):\n"
        "    return client.responses.create(model='gpt-4.1', instructions=f'Hi {user}\\n' + POLICY, input=q)\n"
    )


# app/prompts.py builds POLICY from app/base.py; app/a.py and app/b.py both read it.
CHAIN = {
    "app/__init__.py": "",
    "app/base.py": f"BASE = {LONG!r} * 90\n",
    "app/prompts.py": "from app.base import BASE\n\nPOLICY = BASE + '\\nBe kind.'\n",
    "app/a.py": importer("ask_a"),
    "app/b.py": importer("ask_b"),
}


Computed = list[tuple[str, str]]


@pytest.fixture
def computed(monkeypatch: pytest.MonkeyPatch) -> Iterator[Computed]:
    """The module-level names actually worked out as read after import (not taken from a
    memo or a shared result)."""
    names: Computed = []
    real = scopes._module_value

    def counting(ev: Evaluator, name: str, mod: ModuleInfo, use: object) -> object:
        if use is None:
            names.append((Path(mod.path).name, name))
        return real(ev, name, mod, use)  # type: ignore[arg-type]

    monkeypatch.setattr(scopes, "_module_value", counting)
    yield names


Lint = Callable[..., LintResult]
Write = Callable[[Path, dict[str, str]], list[str]]


def cl101_files(result: LintResult) -> list[str]:
    return sorted(Path(d.span.path).name for d in result.diagnostics if d.code == "CL101")


def test_the_second_importer_reuses_the_value(tmp_path: Path, lint: Lint, computed: Computed, write: Write) -> None:
    paths = write(tmp_path / "proj", CHAIN)
    result = lint(paths, cached=False)
    assert cl101_files(result) == ["a.py", "b.py"]
    # Worked out once in the run, though each file is linted in a project of its own.
    assert computed.count(("prompts.py", "POLICY")) == 1
    assert computed.count(("base.py", "BASE")) == 1


def test_a_reused_value_brings_its_dependencies(tmp_path: Path, lint: Lint, computed: Computed, write: Write) -> None:
    """b.py's result took POLICY from a.py's project: it still depends on base.py, which
    only the computation of POLICY read."""
    root = tmp_path / "proj"
    paths = write(root, CHAIN)
    assert cl101_files(lint(paths)) == ["a.py", "b.py"]
    assert computed.count(("prompts.py", "POLICY")) == 1
    (root / "app/base.py").write_text(f"BASE = {SHORT!r}\n")
    after = lint(paths)
    assert sorted(lint.linted) == ["a.py", "b.py"]  # type: ignore[attr-defined]
    assert cl101_files(after) == []
    assert after == lint(paths, cached=False)


def test_a_reused_value_brings_the_modules_it_looked_for(tmp_path: Path, lint: Lint, write: Write) -> None:
    """POLICY is unknown while app/extra.py is missing: a module that appears later
    changes both importers, not only the one that computed it."""
    root = tmp_path / "proj"
    files = dict(CHAIN)
    files["app/prompts.py"] = (
        "from app.extra import BASE\n\nPOLICY = BASE + '\\nBe kind.'\n"
    )
    del files["app/base.py"]
    paths = write(root, files)
    assert cl101_files(lint(paths)) == []
    (root / "app/extra.py").write_text(f"BASE = {LONG!r} * 90\n")
    after = lint(paths)
    assert sorted(lint.linted) == ["a.py", "b.py"]  # type: ignore[attr-defined]
    assert after == lint(paths, cached=False)
    assert cl101_files(after) == ["a.py", "b.py"]


def test_a_reused_value_brings_the_prompt_files_it_read(
    tmp_path: Path, lint: Lint, computed: Computed, write: Write
) -> None:
    root = tmp_path / "proj"
    files = dict(CHAIN)
    files["app/prompts.py"] = (
        "from pathlib import Path\n\nPOLICY = (Path(__file__).parent / 'policy.txt').read_text()\n"
    )
    files["app/policy.txt"] = SHORT
    paths = write(root, files)
    assert cl101_files(lint(paths)) == []
    assert computed.count(("prompts.py", "POLICY")) == 1
    (root / "app/policy.txt").write_text(LONG * 90)
    after = lint(paths)
    assert sorted(lint.linted) == ["a.py", "b.py"]  # type: ignore[attr-defined]
    assert cl101_files(after) == ["a.py", "b.py"]
    assert after == lint(paths, cached=False)


def project(root: Path, modules: tracked.ModuleCache) -> tracked.TrackedProject:
    return tracked.TrackedProject(str(root), (), modules)


Chain = tuple[Path, tracked.ModuleCache, tracked.TrackedProject, ModuleInfo]


def chain_prompts(tmp_path: Path, write: Write) -> Chain:
    """CHAIN written under tmp_path/proj, a module cache, a first project, and app.prompts in it."""
    root = tmp_path / "proj"
    root.mkdir()
    write(root, CHAIN)
    modules = tracked.ModuleCache()
    first = project(root, modules)
    prompts = first.module_by_name("app.prompts")
    assert prompts is not None
    return root, modules, first, prompts


def test_reuse_charges_the_steps_and_replays_the_loads(tmp_path: Path, write: Write) -> None:
    root, modules, first, prompts = chain_prompts(tmp_path, write)
    first.evaluator.reset_budget()
    value = scopes.module_value(first.evaluator, "POLICY", prompts, None)
    steps = first.evaluator.steps
    second = project(root, modules)
    same = second.module_by_name("app.prompts")
    assert same is prompts  # the module cache's copy: its shared results come with it
    assert second.dependencies().files == (str((root / "app/prompts.py").resolve()),)
    second.evaluator.reset_budget()
    assert scopes.module_value(second.evaluator, "POLICY", same, None) is value
    assert second.evaluator.steps == steps
    assert second.dependencies() == first.dependencies()


def test_a_result_is_not_shared_when_the_budget_ran_out(tmp_path: Path, write: Write) -> None:
    root, modules, first, prompts = chain_prompts(tmp_path, write)
    first.evaluator.reset_budget(allowance=3)
    with pytest.raises(evaluate.Budget):
        scopes.module_value(first.evaluator, "POLICY", prompts, None)
    assert "POLICY" not in prompts.shared
    # With the steps it needs, it is shared; a project left fewer steps than it took runs out.
    first.evaluator.reset_budget()
    scopes.module_value(first.evaluator, "POLICY", prompts, None)
    assert "POLICY" in prompts.shared
    second = project(root, modules)
    second.evaluator.reset_budget(allowance=3)
    with pytest.raises(evaluate.Budget):
        scopes.module_value(second.evaluator, "POLICY", prompts, None)


def test_a_result_that_read_the_linted_file_is_not_reused_there(tmp_path: Path, write: Write) -> None:
    """In the project of a linted file, that file is a module object of its own (named by
    the path the user gave): a result that read it elsewhere would point into another copy."""
    root = tmp_path / "proj"
    root.mkdir()
    files = {"app/__init__.py": "", "app/names.py": "NAME = 'Ada'\n",
             "app/prompts.py": "from app.names import NAME\n\nPOLICY = 'Hello ' + NAME\n"}
    write(root, files)
    modules = tracked.ModuleCache()
    first = project(root, modules)
    prompts = first.module_by_name("app.prompts")
    assert prompts is not None
    first.evaluator.reset_budget()
    shared = scopes.module_value(first.evaluator, "POLICY", prompts, None)
    assert "POLICY" in prompts.shared
    linted = project(root, modules)
    text = (root / "app/names.py").read_text()
    typed = os.path.relpath(root / "app/names.py")  # as a user names it, relative to the cwd
    own = linted.add(ModuleInfo(typed, text, ast.parse(text)))
    linted.evaluator.reset_budget()
    again = scopes.module_value(linted.evaluator, "POLICY", linted.module_by_name("app.prompts"), None)  # type: ignore[arg-type]
    assert again is not shared  # worked out again, in this project
    assert [p.loc.path for p in shared.pieces] == [str(root / "app/prompts.py"), str(root / "app/names.py")]
    assert [p.loc.path for p in again.pieces] == [str(root / "app/prompts.py"), own.path]


def test_the_linted_file_is_the_copy_the_scan_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, write: Write
) -> None:
    """The linted file is analysed as the module object the wrapper scan parsed (its shared
    results come with it), yet its findings name it by the path it was linted as."""
    root = tmp_path / "proj"
    root.mkdir()
    write(root, CHAIN)
    monkeypatch.chdir(root)
    typed = ["app/a.py", "app/b.py"]
    reused: list[str] = []
    real = tracked.TrackedProject.linted_module

    def spying(self: tracked.TrackedProject, path: str, text: str, tree: ast.Module) -> ModuleInfo:
        got = real(self, path, text, tree)
        if got.path != path:
            reused.append(path)
        return got

    def run() -> LintResult:
        return lint_files(typed, Settings(root=str(root)), list(ALL_RULES), options=RunOptions(jobs=1))

    monkeypatch.setattr(tracked.TrackedProject, "linted_module", spying)
    shared = run()
    assert reused == typed
    monkeypatch.setattr(tracked.TrackedProject, "linted_module", Project.linted_module)
    fresh = run()
    assert shared == fresh
    assert shared.diagnostics
    places = {span.path for d in shared.diagnostics for span in (d.span, *(r.span for r in d.related))}
    assert places >= {"app/a.py", "app/b.py"}
    assert not any(p.startswith(str(root)) and p.endswith(("a.py", "b.py")) for p in places)


def test_an_evicted_module_is_freed_with_its_shared_results(tmp_path: Path, write: Write) -> None:
    """A module's shared results point back at it (a found call's environment names its
    module): eviction drops them, so the module is freed by reference counting. The gc
    policy makes full collections rare; a 10,000-file run held 635 MB instead of 293 MB."""
    root = tmp_path / "proj"
    root.mkdir()
    write(root, CHAIN)
    modules = tracked.ModuleCache(max_count=1)
    first = project(root, modules)
    mod = first.load(str(root / "app/a.py"))
    assert mod is not None and first.calls_in(mod)
    assert "calls" in mod.shared
    gone = weakref.ref(mod)
    first.close()
    del mod, first
    gc.disable()
    try:
        second = project(root, modules)
        second.load(str(root / "app/b.py"))  # evicts a.py
        assert gone() is None
    finally:
        gc.enable()

"""The garbage-collection policy of a run: cycles a unit of work leaves are freed at its
checkpoint, long-lived objects are frozen, and cycles among frozen objects that die later are
freed by a full collection once the frozen objects have grown enough."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from cachelint import gcpolicy
from cachelint.rules import ALL_RULES
from cachelint.run.lint import RunOptions, lint_files
from cachelint.settings import Settings


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def cycle() -> tuple[Node, weakref.ref[Node]]:
    a, b = Node(), Node()
    a.other, b.other = b, a
    return a, weakref.ref(a)


@pytest.fixture(autouse=True)
def thawed() -> Iterator[None]:
    gcpolicy.release()
    gcpolicy.start()  # as a run does; test_nothing_happens_outside_a_run checks the contrary
    yield
    gcpolicy.release()


def test_checkpoint_frees_the_cycles_a_unit_left() -> None:
    gcpolicy.checkpoint()
    a, ref = cycle()
    del a
    gc.disable()  # only the checkpoint may collect
    try:
        assert ref() is not None
        gcpolicy.checkpoint()
        assert ref() is None
    finally:
        gc.enable()


def test_checkpoint_freezes_what_survives_and_release_thaws_it() -> None:
    before = gc.get_threshold()
    kept = [Node() for _ in range(10)]
    gcpolicy.checkpoint()
    assert gc.get_freeze_count() > len(kept)
    assert gc.get_threshold()[0] == gcpolicy.YOUNG_THRESHOLD
    gcpolicy.release()
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before


def test_frozen_cycles_that_die_later_are_freed_once_enough_was_frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gcpolicy, "MIN_GROWTH", 1000)
    monkeypatch.setattr(gcpolicy, "GROWTH", 1.0)  # any growth past MIN_GROWTH
    gcpolicy.checkpoint()
    a, ref = cycle()
    gcpolicy.checkpoint()  # frozen while alive
    del a
    gc.disable()
    try:
        gcpolicy.checkpoint()
        assert ref() is not None  # frozen: not collected by a checkpoint ...
        keep = [[] for _ in range(2000)]  # ... until the frozen objects have grown enough
        gcpolicy.checkpoint()
        gcpolicy.checkpoint()
        assert ref() is None
        del keep
    finally:
        gc.enable()


def test_a_run_leaves_nothing_frozen_and_reports_the_same(tmp_path: Path) -> None:
    gcpolicy.release()  # as a program starts: no run on
    src = tmp_path / "app.py"
    src.write_text(
        "from openai import OpenAI\n"
        "client = OpenAI()\n"
        "def ask(user, q):\n"
        "    return client.responses.create(model='gpt-4o', instructions=f'Hi {user}. ' + 'Be brief. '*400, input=q)\n"
    )
    settings = Settings(root=str(tmp_path))
    got = lint_files([str(src)], settings, ALL_RULES, options=RunOptions(jobs=1, cache_dir=None))
    assert gc.get_freeze_count() == 0
    again = lint_files([str(src)], settings, ALL_RULES, options=RunOptions(jobs=1, cache_dir=None))
    assert [d.code for d in got.diagnostics] == [d.code for d in again.diagnostics]
    assert got.diagnostics  # the per-user value ahead of the static text


def test_nothing_happens_outside_a_run() -> None:
    gcpolicy.release()
    threshold = gc.get_threshold()
    gcpolicy.checkpoint()
    gcpolicy.parsed()
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == threshold
    with gcpolicy.run():
        gcpolicy.checkpoint()
        assert gc.get_freeze_count() > 0
        with gcpolicy.run():  # inside a run: the outer run's
            pass
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == threshold


def test_a_single_source_leaves_nothing_frozen(tmp_path: Path) -> None:
    from cachelint.run.lint import lint_source

    gcpolicy.release()
    (tmp_path / "app.py").write_text("from openai import OpenAI\n")
    lint_source("x = 1\n", str(tmp_path / "b.py"), Settings(root=str(tmp_path)), ALL_RULES)
    assert gc.get_freeze_count() == 0


def test_a_parsed_tree_is_frozen_only_while_a_run_is_on() -> None:
    gcpolicy.parsed()
    assert gc.get_freeze_count() == 0  # no run: nothing frozen behind a library caller's back
    gcpolicy.checkpoint()
    before = gc.get_freeze_count()
    import ast

    tree = ast.parse("x = [1, 2, 3]\n" * 50)
    gcpolicy.parsed()
    assert gc.get_freeze_count() > before + 50
    del tree


def test_a_closed_project_is_freed_without_the_cyclic_collector(tmp_path: Path) -> None:
    from cachelint.run.tracked import ModuleCache, TrackedProject

    (tmp_path / "m.py").write_text("X = 1\n")
    project = TrackedProject(str(tmp_path), (), ModuleCache())
    assert project.load(str(tmp_path / "m.py")) is not None
    evaluator = weakref.ref(project.evaluator)
    gc.disable()
    try:
        project.close()
        assert evaluator() is None
    finally:
        gc.enable()

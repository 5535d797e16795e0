"""A helper's result is worked out once per project for the same argument values, not again
under every call of a wrapper (issue 22: gptme's `get_model` was evaluated 132 times for the 78
wrapper sites of one test file). Values are compared by content, locations included: a result
is never handed to a site whose arguments are written elsewhere. Evaluations are counted, not
timed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run
from expect_cases import expected, lint

from cachelint.analysis import interproc
from cachelint.analysis.project import Project
from cachelint.run.check import assemble_module

LLM = (
    "from openai import OpenAI\n"
    "\n"
    "client = OpenAI()\n"
    'RULES = "Always cite the relevant section of the support policy and never guess an answer. " * 90\n'
    "DEFAULT = 'support-desk'\n"
    "\n"
    "\n"
    "def describe(tag):\n"
    "    return 'Tag: ' + tag.strip().replace('-', ' ') + '. '\n"
    "\n"
    "\n"
    "def ask(q, tag={tag}):\n"
    "    system = describe({arg}) + RULES\n"
    "    return client.chat.completions.create(\n"
    "        model='gpt-4.1', messages=[{{'role': 'system', 'content': system}}, {{'role': 'user', 'content': q}}])\n"
)


def _callers(n: int, arg: Callable[[int], str]) -> str:
    return "import time\n\nfrom app.llm import ask\n" + "".join(
        f"\n\ndef caller{i}(q):\n    return ask(q{arg(i)})\n" for i in range(n))


def _evaluations(root: Path, llm: str, use: str, monkeypatch: pytest.MonkeyPatch) -> int:
    """How often `describe`'s body is evaluated while linting `app/use.py`."""
    (root / "app").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "llm.py").write_text(llm)
    (root / "app" / "use.py").write_text(use)
    project = Project(str(root))
    mod = project.load(str(root / "app" / "use.py"))
    assert mod is not None
    count = [0]
    real = interproc.helper_returns

    def counting(ev, fnode, fmod, inner):  # type: ignore[no-untyped-def]
        count[0] += getattr(fnode, "name", "") == "describe"
        return real(ev, fnode, fmod, inner)

    monkeypatch.setattr(interproc, "helper_returns", counting)
    prompts = assemble_module(mod, project)
    monkeypatch.setattr(interproc, "helper_returns", real)
    assert len(prompts) == use.count("ask(q")
    return count[0]


def test_the_same_argument_values_are_worked_out_once_per_project(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # Every site passes the wrapper's default (one value, written once): one evaluation for all.
    llm = LLM.format(tag="DEFAULT", arg="tag")
    counts = {n: _evaluations(tmp_path / f"n{n}", llm, _callers(n, lambda i: ""), monkeypatch) for n in (2, 8)}
    assert counts == {2: 1, 8: 1}


def test_argument_values_written_in_each_caller_are_worked_out_for_each(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # The twin: each site passes a text of its own (the same words, written at its own place),
    # so each result holds its own caller's locations and none is handed to another site.
    llm = LLM.format(tag="DEFAULT", arg="tag")
    counts = {n: _evaluations(tmp_path / f"n{n}", llm, _callers(n, lambda i: ", 'support-desk'"), monkeypatch)
              for n in (2, 8)}
    assert counts == {2: 2, 8: 8}


SAME_TEXT_TWICE = {
    "app/__init__.py": "",
    "app/llm.py": LLM.format(tag="DEFAULT", arg="tag"),
    "app/use.py": (
        "import time\n\nfrom app.llm import ask\n\n\n"
        "def one(q):\n    return ask(q, str(time.time()))  # expect: CL102\n\n\n"
        "def two(q):\n    return ask(q, str(time.time()))  # expect: CL102\n\n\n"
        "def three(q):\n    return ask(q, 'support-desk')\n"
    ),
}


def test_each_caller_is_reported_at_its_own_argument(project: Path, run: Callable[..., Run]) -> None:
    # The same text (`str(time.time())`) passed from two places: each site's finding is where
    # its own caller wrote it, not where the first site's was.
    found, _ = lint(project, run, SAME_TEXT_TWICE)
    assert found == expected(SAME_TEXT_TWICE) | {("app/llm.py", 9, "CL101")}  # the wrapper's parameter


def test_static_arguments_from_every_caller_stay_silent(project: Path, run: Callable[..., Run]) -> None:
    files = {**SAME_TEXT_TWICE, "app/use.py": _callers(3, lambda i: f", 'desk-{i}'")}
    found, _ = lint(project, run, files)
    assert found == set()

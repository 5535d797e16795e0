"""A file's result is a function of the files it read, not of what the process analysed before.

Each file is linted in a project of its own, but the projects of a run share parsed modules and
results worked out for them (cachelint.analysis.shared), and one project analyses its calls one
after the other. None of that may show: linted after any other files, in any order, with a module
cache that keeps every module or none, or in one project with other files (as
scripts/realworld.py measures), a file gets the prompts and findings it gets alone.
"""

from __future__ import annotations

import functools
import itertools
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from conftest import Run

from cachelint.analysis.module import ModuleInfo
from cachelint.analysis.project import Project
from cachelint.rules import ALL_RULES
from cachelint.rules.context import RuleContext
from cachelint.run import lint as lint_module
from cachelint.run.check import assemble_module, module_findings, parse_in, suppress
from cachelint.run.lint import RunOptions, lint_files, project_factory
from cachelint.run.tracked import ModuleCache
from cachelint.settings import Settings
from cachelint.showprompt import render_prompt
from cachelint.sources import parse_source

RULES = 'RULES = "Always cite the relevant section of the support policy and never guess an answer. " * 90\n'

AI = (
    "from openai import OpenAI\n\n\n"
    "class AI:\n"
    "    def __init__(self):\n"
    "        self.client = OpenAI()\n\n"
    "    def start(self, system, user):\n"
    "        messages = [{'role': 'system', 'content': system}, {'role': 'user', 'content': user}]\n"
    "        return self.next(messages)\n\n"
    "    def next(self, messages):\n"
    "        return self.client.chat.completions.create(model='gpt-4.1', messages=messages)\n"
)
# run() enters gen() with a concrete AI, which looks at gen's `ai.start(...)` with `ai` bound
# (no dispatch there); gen's own call (line 10) then runs AI.start dispatched on `ai: AI`.
STEPS = (
    "from app.ai import AI\n"
    "from app.prompts import RULES\n\n\n"
    "def run(q):\n"
    "    return gen(AI(), q)\n\n\n"
    "def gen(ai: AI, q):\n"
    "    return ai.start(system=f'Today is {q}. ' + RULES, user=q)\n"
)
# the same, but gen's `ai` is not typed: its own call goes nowhere that can be followed
UNTYPED = STEPS.replace("def gen(ai: AI, q)", "def gen(ai, q)")
# another module entering gen() with a concrete AI (gpt-engineer's cli_agent.py)
AGENT = (
    "from app.ai import AI\n"
    "from app.steps import gen\n\n\n"
    "class Agent:\n"
    "    def __init__(self):\n"
    "        self.ai = AI()\n\n"
    "    def init(self, q):\n"
    "        return gen(self.ai, q)\n"
)
DISPATCH = {"app/__init__.py": "", "app/prompts.py": RULES, "app/ai.py": AI, "app/steps.py": STEPS,
            "app/agent.py": AGENT}

# Module values shared between the files that import them, through a chain of modules.
SHARED = {
    "app/__init__.py": "",
    "app/base.py": "BASE = 'Always cite the relevant section of the policy. ' * 90\n",
    "app/prompts.py": "from app.base import BASE\n\nPOLICY = BASE + '\\nBe kind.'\n",
    "app/a.py": "from openai import OpenAI\nfrom app.prompts import POLICY\nclient = OpenAI()\n\n\n"
                "def ask_a(user, q):\n"
                "    return client.responses.create(model='gpt-4.1', instructions=f'Hi {user}\\n' + POLICY, input=q)\n",
    "app/b.py": "from app.a import ask_a\nfrom app.prompts import POLICY\n\n\n"
                "def ask_b(q):\n    return ask_a('Bob', POLICY + q)\n",
}

# Wrappers that call each other (a recursion the evaluator cuts), reached from two modules.
RECURSIVE = {
    "app/__init__.py": "",
    "app/prompts.py": RULES,
    "app/chat.py": "import anthropic\nfrom app.prompts import RULES\nclient = anthropic.Anthropic()\n\n\n"
                   "def ask(system, q, depth=0):\n"
                   "    if depth > 2:\n"
                   "        return retry(system, q, depth)\n"
                   "    return client.messages.create(model='claude-sonnet-4-5', max_tokens=512,\n"
                   "                                  system=system, messages=[{'role': 'user', 'content': q}])\n\n\n"
                   "def retry(system, q, depth):\n"
                   "    return ask(system + '', q, depth - 1)\n",
    "app/one.py": "from app.chat import ask\nfrom app.prompts import RULES\n\n\n"
                  "def first(user, q):\n    return ask(f'User {user}. ' + RULES, q)\n",
    "app/two.py": "from app.chat import ask, retry\nfrom app.prompts import RULES\n\n\n"
                  "def second(q):\n    return retry(RULES, q, 3)\n",
}

PROJECTS = {"dispatch": DISPATCH, "shared values": SHARED, "recursive wrappers": RECURSIVE}


def write_project(root: Path, files: dict[str, str]) -> list[str]:
    """`files` written under `root`; the paths of the modules to lint (all but `__init__.py`)."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return sorted(str(root / rel) for rel in files if rel.endswith(".py") and not rel.endswith("__init__.py"))


def per_file_prompts(root: Path, files: Sequence[str], cache_bytes: int | None = None) -> dict[str, str]:
    """Each file linted in order, in a project of its own sharing the run's caches (as the
    command line's serial loop): its calls' prompts as --show-prompt prints them, with the
    findings. `cache_bytes`: the module cache's budget (None: the default)."""
    settings = Settings(root=str(root))
    rules = list(ALL_RULES)
    make = project_factory(settings)
    out = {}
    for path in files:
        project = make()
        text = Path(path).read_text()
        mod = project.add(project.linted_module(path, text, parse_in(project, path, text)))
        found = module_findings(mod, path, project, settings, rules)
        ctx = RuleContext(settings, mod.path)
        out[path] = "\n\n".join(render_prompt(p, ctx, suppress(ds, text, settings), str(root)) for p, ds in found)
        project.keep(path)
    return out


def one_project_prompts(root: Path, files: Sequence[str]) -> dict[str, str]:
    """Every file analysed in order in one project (as scripts/realworld.py measures): each
    call's place, route and segments."""
    project = Project(str(root), ())
    out = {}
    for path in files:
        text = Path(path).read_text()
        mod = project.add(ModuleInfo(path, text, parse_source(text, path)))
        out[path] = "\n".join(f"{p.call.span.line} {p.call.via} {p.call.api} "
                              + " | ".join(f"{s.slot} {s.stability.value} {s.text!r}" for s in p.segments)
                              for p in assemble_module(mod, project))
    return out


def test_a_chain_through_a_dispatched_call_leaves_the_call_its_prompt(project: Path, run: Callable[..., Run]) -> None:
    """gen()'s own `ai.start(...)` (dispatched on `ai: AI`) is shown after run() entered gen()
    with a concrete AI: in a notebook, whose module is its project's own, the order of the two
    calls in the file used to lose it."""
    write_project(project, {k: v for k, v in DISPATCH.items() if k != "app/agent.py"})
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": STEPS}
    (project / "steps.ipynb").write_text(json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4,
                                                     "nbformat_minor": 5}))
    shown = run("--show-prompt", "steps.ipynb")
    assert shown.exit_code == 0
    heads = [line.split(": openai ")[0] for line in shown.stdout.splitlines() if ": openai " in line]
    assert heads == ["steps.ipynb:cell 1:line 6:col 12", "steps.ipynb:cell 1:line 10:col 12"]
    assert "ai.start() -> AI.start() -> chat.completions.create" in shown.stdout


def test_an_untyped_receiver_still_goes_nowhere(project: Path, run: Callable[..., Run]) -> None:
    """The twin: gen's `ai` has no type, so its own call is not followed, whatever came before."""
    write_project(project, {k: v for k, v in DISPATCH.items() if k != "app/agent.py"})
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": UNTYPED}
    (project / "steps.ipynb").write_text(json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4,
                                                     "nbformat_minor": 5}))
    shown = run("--show-prompt", "steps.ipynb:10")
    assert shown.stdout.startswith("steps.ipynb:10: no recognised LLM call")


def test_one_project_gives_a_file_the_prompts_it_gets_alone(tmp_path: Path) -> None:
    """gpt-engineer's case: analysing the agent (which enters gen() with a concrete AI) before
    steps.py in one project lost gen()'s own call."""
    write_project(tmp_path, DISPATCH)
    steps, agent = str(tmp_path / "app/steps.py"), str(tmp_path / "app/agent.py")
    alone = one_project_prompts(tmp_path, [steps])[steps]
    assert [line.split(" ")[0] for line in alone.splitlines()] == ["6", "10"]
    assert one_project_prompts(tmp_path, [agent, steps])[steps] == alone


def test_the_untyped_twin_is_silent_in_one_project(tmp_path: Path) -> None:
    """With `ai` untyped no call of gen() reaches the SDK, in either order."""
    write_project(tmp_path, {**DISPATCH, "app/steps.py": UNTYPED})
    steps, agent = str(tmp_path / "app/steps.py"), str(tmp_path / "app/agent.py")
    for order in ([steps], [agent, steps], [steps, agent]):
        assert one_project_prompts(tmp_path, order)[steps] == ""


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_every_order_gives_each_file_what_it_gets_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         name: str) -> None:
    """For every order of the project's files: per-file prompts and findings in one run (with
    the default module cache, and one that keeps nothing), and in one project, equal what each
    file gets linted alone. A module cache that keeps nothing makes every linted file a module
    of its project's own, whose results are worked out there, not taken from the run's."""
    root = tmp_path / "proj"
    files = write_project(root, PROJECTS[name])
    monkeypatch.chdir(root)
    alone = {f: per_file_prompts(root, [f])[f] for f in files}
    assert any(alone.values())
    alone_one = {f: one_project_prompts(root, [f])[f] for f in files}
    for order in itertools.permutations(files):
        assert per_file_prompts(root, order) == alone, order
        assert one_project_prompts(root, order) == alone_one, order
    with monkeypatch.context() as m:
        m.setattr(lint_module, "ModuleCache", functools.partial(ModuleCache, 1))
        for order in itertools.permutations(files):
            assert per_file_prompts(root, order) == alone, order


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_every_order_gives_the_json_of_each_file_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        name: str) -> None:
    """The run's report (per file, as JSON), whatever order the files are linted in."""
    root = tmp_path / "proj"
    files = write_project(root, PROJECTS[name])
    monkeypatch.chdir(root)
    settings = Settings(root=str(root))

    def report(paths: Sequence[str]) -> dict[str, list[str]]:
        got = lint_files(list(paths), settings, list(ALL_RULES), options=RunOptions(jobs=1))
        out: dict[str, list[str]] = {os.path.relpath(p, root): [] for p in paths}
        for d in got.diagnostics:
            out[os.path.relpath(d.span.path, root)].append(json.dumps([d.code, d.span.line, d.span.column, d.message]))
        return out

    alone: dict[str, list[str]] = {}
    for f in files:
        alone.update(report([f]))
    for order in itertools.permutations(files):
        assert report(order) == alone, order

"""Reach on real code (issue 18, measured on auto-code-rover): a model object kept in another
module's global that is declared by its annotation only (`SELECTED_MODEL: Model`) and set at
run time through `global` in a setter; the agents call `common.SELECTED_MODEL.call(...)`. The
call may run the method of any project class of the declared type (class-hierarchy dispatch).

Each case is a small project linted with the CLI: the findings must be exactly the lines marked
`# expect: CODE`. Every case has a twin that looks the same and must stay silent."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run
from expect_cases import expected, lint

RULES = 'RULES = "Always cite the relevant section of the support policy and never guess an answer. " * 90\n'

COMMON = (
    "from abc import ABC, abstractmethod\n"
    "from typing import Any\n"
    "class Model(ABC):\n"
    "    @abstractmethod\n"
    "    def call(self, system, q):\n"
    "        raise NotImplementedError\n"
    "{declared}\n"
    "def set_model(model):\n"
    "    global SELECTED_MODEL\n"
    "    SELECTED_MODEL = model\n"
)
CLAUDE = "from anthropic import Anthropic\nfrom app.common import Model\n" + (
    "class Claude(Model):\n"
    "    def call(self, system, q):\n"
    "        return Anthropic().messages.create(model='claude-sonnet-4-5', max_tokens=100, system=system,\n"
    "                                           messages=[{'role': 'user', 'content': q}])\n"
)
AGENT = "from app import common\nfrom app.prompts import RULES\n" + (
    "def run(user, q):\n"
    "    return common.SELECTED_MODEL.call(f'User {user}. ' + RULES, q)  {mark}\n"
)


def _project(declared: str, mark: str) -> dict[str, str]:
    return {"app/__init__.py": "", "app/prompts.py": RULES, "app/common.py": COMMON.format(declared=declared),
            "app/claude.py": CLAUDE, "app/agent.py": AGENT.replace("{mark}", mark)}


CASES: dict[str, dict[str, str]] = {
    "another module's global declared by its annotation only, set through `global`":
        _project("SELECTED_MODEL: Model", "# expect: CL101, CL401"),
    "the same global declared with a type that is no project class (silent)":
        _project("SELECTED_MODEL: Any", ""),
    "the same global given a value of its own at import, never set again (silent)": {
        **_project("SELECTED_MODEL: Model = object()", ""),
        "app/common.py": COMMON.format(declared="SELECTED_MODEL: Model = object()").split("def set_model")[0]},
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_reach_globals_case(project: Path, run: Callable[..., Run], name: str) -> None:
    found, _ = lint(project, run, CASES[name])
    assert found == expected(CASES[name])


def test_show_prompt_shows_the_route_through_the_declared_global(project: Path, run: Callable[..., Run]) -> None:
    lint(project, run, CASES["another module's global declared by its annotation only, set through `global`"])
    shown = run("--show-prompt", "app/agent.py:4")
    assert shown.exit_code == 0
    assert "anthropic common.SELECTED_MODEL.call() -> Model.call() -> Claude.call() -> messages.create" in shown.stdout

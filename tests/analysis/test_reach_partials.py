"""Reach on real code (issue 18, measured on AlphaCodium): a `functools.partial` of a bound
method, held in a name, handed to a project helper that calls it with an argument of its own
(`send_inference(f)`, whose body does `await f(model)`), built in module functions whose first
parameter is a plain one named `self` (`run_self_reflect(self, problem)`, called from a method
with the method's own `self`).

Each case is a small project linted with the CLI: the findings must be exactly the lines marked
`# expect: CODE`. Every case has a twin that looks the same and must stay silent."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run
from expect_cases import expected, lint

RULES = 'RULES = "Always cite the relevant section of the support policy and never guess an answer. " * 90\n'

INVOKER = (
    "MODELS = ['gpt-4.1', 'gpt-4.1-mini']\n"
    "async def send_inference(f):\n"
    "    for model in MODELS:\n"
    "        {rebind}\n"
    "        try:\n"
    "            return await f(model)\n"
    "        except Exception:\n"
    "            pass\n"
)
COMPETITOR = "from openai import AsyncOpenAI\nfrom app.stage import run_stage\n" + (
    "class Competitor:\n"
    "    def __init__(self):\n"
    "        self.client = AsyncOpenAI()\n"
    "    async def _run(self, model, problem, prompt):\n"
    "        return await self.client.chat.completions.create(model=model, messages=[\n"
    "            {'role': 'system', 'content': prompt}, {'role': 'user', 'content': problem['text']}])\n"
    "    async def run(self, problem):\n"
    "        return await run_stage(self, problem)\n"
)
# A second caller that hands the stage another object.
OTHER = "from app.stage import run_stage\n" + (
    "class Other:\n"
    "    async def _run(self, model, problem, prompt):\n"
    "        return prompt\n"
    "    async def run(self, problem):\n"
    "        return await run_stage(self, problem)\n"
)
STAGE = "import functools\nfrom app.invoker import send_inference\nfrom app.prompts import RULES\n" + (
    "async def run_stage(self, problem):\n"
    "    f = functools.partial(self._run, problem=problem, prompt=f\"User {problem['user']}. \" + RULES)  {mark}\n"
    "    return await send_inference(f)\n"
)
# The same on a method's own `self`, the partial written in place.
METHOD = "import functools\nfrom openai import AsyncOpenAI\nfrom app.invoker import send_inference\n" + (
    "from app.prompts import RULES\n"
    "class Simple:\n"
    "    def __init__(self):\n"
    "        self.client = AsyncOpenAI()\n"
    "    async def _run(self, model, user_prompt, system):\n"
    "        return await self.client.chat.completions.create(model=model, messages=[\n"
    "            {'role': 'system', 'content': system}, {'role': 'user', 'content': user_prompt}])\n"
    "    async def run(self, user, q):\n"
    "        return await {runner}(functools.partial(self._run, user_prompt=q,\n"
    "                                                   system=f'User {user}. ' + RULES))  {mark}\n"
)

SENT = ("        return await {runner}(functools.partial(self._run, user_prompt=q,\n"
        "                                                   system=f'User {user}. ' + RULES))  {mark}\n")
HELD = ("        f = functools.partial(self._run, user_prompt=q, system=f'User {{user}}. ' + RULES)  {mark}\n"
        "{other}        return await f('gpt-4.1')\n")
ELSE = "        if not q:\n            f = print\n"


def _stage(mark: str, rebind: str = "pass", other: bool = False) -> dict[str, str]:
    files = {"app/__init__.py": "", "app/prompts.py": RULES, "app/invoker.py": INVOKER.replace("{rebind}", rebind),
             "app/comp.py": COMPETITOR, "app/stage.py": STAGE.replace("{mark}", mark)}
    if other:
        files["app/other.py"] = OTHER
    return files


CASES: dict[str, dict[str, str]] = {
    "a partial of `self._run` on a module function's plain `self`, handed to a helper that calls it":
        _stage("# expect: CL101"),
    "the same helper rebinding what it is handed before calling it (silent)":
        _stage("", rebind="f = functools.lru_cache(f)"),
    "the same stage called with two different objects (silent)":
        _stage("", other=True),
    "a partial written in place on a method's own `self`, handed to the helper": {
        "app/__init__.py": "", "app/prompts.py": RULES, "app/invoker.py": INVOKER.replace("{rebind}", "pass"),
        "app/simple.py": METHOD.replace("{runner}", "send_inference").replace("{mark}", "# expect: CL101")},
    "a partial held in a name and called where it is": {
        "app/__init__.py": "", "app/prompts.py": RULES,
        "app/simple.py": METHOD.replace(SENT, HELD.format(mark="# expect: CL101", other=""))},
    "a name that holds a partial or another callable, called (silent)": {
        "app/__init__.py": "", "app/prompts.py": RULES,
        "app/simple.py": METHOD.replace(SENT, HELD.format(mark="", other=ELSE))},
    "the same partial handed to a library's runner (silent)": {
        "app/__init__.py": "", "app/prompts.py": RULES,
        "app/simple.py": METHOD.replace("{runner}", "tenacity.retry").replace("{mark}", "")
        .replace("import functools\n", "import functools\nimport tenacity\n")},
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_reach_partials_case(project: Path, run: Callable[..., Run], name: str) -> None:
    found, _ = lint(project, run, CASES[name])
    assert found == expected(CASES[name])


def test_show_prompt_shows_the_helper_the_partial_and_the_method(project: Path, run: Callable[..., Run]) -> None:
    lint(project, run, CASES["a partial of `self._run` on a module function's plain `self`, handed to a helper that "
                             "calls it"])
    shown = run("--show-prompt", "app/stage.py:6")
    assert shown.exit_code == 0
    assert "openai send_inference() -> partial self._run() -> chat.completions.create" in shown.stdout
    assert "`RULES` defined here @app/prompts.py:1:1" in shown.stdout

"""Reach on real code (issue 18, measured on textgrad): a branch whose test a known value
decides takes its side. textgrad's engines do `sys_prompt_arg = system_prompt if system_prompt
else self.system_prompt`, and the backward pass passes a constant; its optimizer formats the
system prompt, a constructor parameter whose default is a constant, with tags set under `if
new_variable_tags is None:`, and no construction in the project passes either (one of them
builds it through a module-level alias, `TGD = TextualGradientDescent`, a test names it in an
`assert`, and a subclass nothing builds passes its own parameters to `super().__init__`).

Each case is a small project linted with the CLI: the findings must be exactly the lines marked
`# expect: CODE`. Every case has a twin that looks the same and must stay silent."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run
from expect_cases import expected, lint

RULES = 'RULES = "Always cite the relevant section of the support policy and never guess an answer. " * 90\n'

# The engine's own system prompt is unknown (read at run time); the caller's is a constant.
ENGINE = "import os\nfrom anthropic import Anthropic\n" + (
    "class Engine:\n"
    "    def __init__(self, system_prompt):\n"
    "        self.system_prompt = system_prompt\n"
    "        self.client = Anthropic()\n"
    "    def generate(self, prompt, system_prompt=None):\n"
    "        sys_prompt_arg = {choice}\n"
    "        return self.client.messages.create(model='claude-sonnet-4-5', max_tokens=100,  {mark}\n"
    "            system=sys_prompt_arg, messages=[{{'role': 'user', 'content': prompt}}])\n"
    "ENGINE = Engine(os.environ['SYSTEM'])\n"
)
BACKWARD = "from app.engine import ENGINE\nfrom app.prompts import RULES\n" + (
    "def backward(q, given=None):\n"
    "    return ENGINE.generate(q, system_prompt={passed})  {mark}\n"
)

# The optimizer: its system prompt is a constructor default formatted with tags the
# constructor sets when none is given.
OPTIMIZER = "from anthropic import Anthropic\n" + RULES + (
    "SP = 'Tags {a} and {b}. ' + RULES\n"
    "class Optimizer:\n"
    "    def __init__(self, tags=None, sp=SP):\n"
    "        if tags is None:\n"
    "            tags = ['<A>', '</A>']\n"
    "        self.sp = sp.format(a=tags[0], b=tags[1])\n"
    "        self.client = Anthropic()\n"
    "    def step(self, q):\n"
    "        return self.client.messages.create(model='claude-sonnet-4-5', max_tokens=100,  {mark}\n"
    "            system=self.sp, messages=[{'role': 'user', 'content': q}])\n"
)

GUIDED = (
    "class Guided(Optimizer):\n"
    "    def __init__(self, tags=None, sp=None):\n"
    "        super().__init__(tags=tags, sp=sp)\n"
)

CASES: dict[str, dict[str, str]] = {
    "`x if x else self.default` given a non-empty constant takes the constant": {
        "app/__init__.py": "", "app/prompts.py": RULES,
        "app/engine.py": ENGINE.format(choice="system_prompt if system_prompt else self.system_prompt", mark=""),
        "app/backward.py": BACKWARD.format(passed="RULES", mark="# expect: CL401")},
    "`x if x else self.default` given a parameter stays two alternatives (silent)": {
        "app/__init__.py": "", "app/prompts.py": RULES,
        "app/engine.py": ENGINE.format(choice="system_prompt if system_prompt else self.system_prompt", mark=""),
        "app/backward.py": BACKWARD.format(passed="given", mark="")},
    "`x if x else self.default` given an empty constant takes the default (silent)": {
        "app/__init__.py": "", "app/prompts.py": RULES,
        "app/engine.py": ENGINE.format(choice="system_prompt if system_prompt else self.system_prompt", mark=""),
        "app/backward.py": BACKWARD.format(passed="''", mark="")},
    "`x if x is not None else self.default` given a constant takes the constant": {
        "app/__init__.py": "", "app/prompts.py": RULES,
        "app/engine.py": ENGINE.format(choice="system_prompt if system_prompt is not None else self.system_prompt",
                                       mark=""),
        "app/backward.py": BACKWARD.format(passed="RULES", mark="# expect: CL401")},
    "`x if x else self.default` given a list that may be empty stays two alternatives (silent)": {
        "app/__init__.py": "", "app/prompts.py": RULES,
        "app/engine.py": ENGINE.format(choice="[RULES] if system_prompt else self.system_prompt", mark="")
        .replace("import os\n", "import os\nfrom app.prompts import RULES\n"),
        "app/backward.py": BACKWARD.format(passed="[given] if given else []", mark="")},
    "a constructor default, and tags set under `if tags is None:`, when no construction passes them": {
        "app/__init__.py": "", "app/opt.py": OPTIMIZER.replace("{mark}", "# expect: CL401"),
        "app/run.py": "from app.opt import Optimizer\nOPT = Optimizer()\n"},
    "the same class built through a module-level alias that passes neither": {
        "app/__init__.py": "from app.opt import Optimizer\nTGD = Optimizer\n",
        "app/opt.py": OPTIMIZER.replace("{mark}", "# expect: CL401"),
        "app/run.py": "import app\nOPT = app.TGD()\nOTHER = app.Optimizer()\n"},
    "the same class built through a module-level alias with another prompt (silent)": {
        "app/__init__.py": "from app.opt import Optimizer\nTGD = Optimizer\n",
        "app/opt.py": OPTIMIZER.replace("{mark}", ""),
        "app/run.py": "import os\nimport app\nOPT = app.TGD(sp=os.environ['SP'])\nOTHER = app.Optimizer()\n"},
    "the same class also named by a test's `assert`": {
        "app/__init__.py": "", "app/opt.py": OPTIMIZER.replace("{mark}", "# expect: CL401"),
        "app/run.py": "from app.opt import Optimizer\nOPT = Optimizer()\n",
        "tests/test_opt.py": "from app.opt import Optimizer\ndef test_import():\n    assert Optimizer\n"},
    "the same class handed on as a value (silent)": {
        "app/__init__.py": "", "app/opt.py": OPTIMIZER.replace("{mark}", ""),
        "app/run.py": "from app.opt import Optimizer\nOPT = Optimizer()\nFACTORIES = [Optimizer]\n"},
    "a subclass the project never builds passes its own parameters to super().__init__": {
        "app/__init__.py": "", "app/opt.py": OPTIMIZER.replace("{mark}", "# expect: CL401"),
        "app/run.py": "from app.opt import Optimizer\nOPT = Optimizer()\n" + GUIDED},
    "the same subclass built with another prompt (silent)": {
        "app/__init__.py": "", "app/opt.py": OPTIMIZER.replace("{mark}", ""),
        "app/run.py": "import os\nfrom app.opt import Optimizer\nOPT = Optimizer()\n" + GUIDED
        + "GUIDED = Guided(sp=os.environ['SP'])\n"},
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_reach_truth_case(project: Path, run: Callable[..., Run], name: str) -> None:
    found, _ = lint(project, run, CASES[name])
    assert found == expected(CASES[name])


def test_show_prompt_shows_the_constant_a_decided_branch_takes(project: Path, run: Callable[..., Run]) -> None:
    files = CASES["`x if x else self.default` given a non-empty constant takes the constant"]
    lint(project, run, files)
    shown = run("--show-prompt", "app/backward.py:4")
    assert shown.exit_code == 0
    assert "anthropic ENGINE.generate() -> messages.create" in shown.stdout
    assert "`RULES` defined here @app/prompts.py:1:1" in shown.stdout
    assert "one of 2 texts" not in shown.stdout and "unknown" not in shown.stdout


def test_show_prompt_shows_the_default_and_the_decided_tags(project: Path, run: Callable[..., Run]) -> None:
    files = CASES["a constructor default, and tags set under `if tags is None:`, when no construction passes them"]
    lint(project, run, files)
    shown = run("--show-prompt", "app/opt.py:11")
    assert shown.exit_code == 0
    assert "`self.sp` set in __init__() @app/opt.py:8:9" in shown.stdout
    assert "'<A>'" in shown.stdout and "one of 2 texts" not in shown.stdout

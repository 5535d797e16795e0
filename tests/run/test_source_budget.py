"""A project loads a bounded amount of source (issue 22: a worker of 1 GB on a tree of installed
packages, where one file's imports pulled several packages' modules into its project). Past
the bound no module is loaded: what it would have given is unknown, so nothing is reported on
it, and the call is listed as not fully analysed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cachelint.analysis import project as project_module

POLICY = 'POLICY = "Always cite the relevant section of the support policy and never guess. " * 90\n'
PROMPTS = POLICY + "\n\ndef make_system(name):\n    return f'Hi {name}\\n' + POLICY\n"
SERVICE = (
    "from openai import OpenAI\n"
    "from app.big import PAD\n"
    "from app.prompts import make_system\n\n"
    "client = OpenAI()\n\n\n"
    "def answer(name, q):\n"
    "    return client.responses.create(model='gpt-4.1', instructions=PAD[:0] + make_system(name), input=q)\n"
)


def _tree(pad_bytes: int) -> dict[str, str]:
    return {
        "app/__init__.py": "",
        # loaded first (the left operand), so it alone can spend the project's share
        "app/big.py": "PAD = 'x'\n" + "# padding\n" * (pad_bytes // 10),
        "app/prompts.py": PROMPTS,
        "app/service.py": SERVICE,
    }


@pytest.mark.parametrize(("pad", "reported"), [(100, True), (4000, False)])
def test_a_project_loads_no_module_past_its_share_of_source(
    project: Path, run: Callable[..., Any], write: Callable[[Path, dict[str, str]], list[str]],
    monkeypatch: pytest.MonkeyPatch, pad: int, reported: bool
) -> None:
    """With a share of 3,000 bytes: when big.py is small, prompts.py is loaded and the per-user
    name ahead of the policy is reported (CL101); when big.py alone spends the share, prompts.py
    is never loaded, the call says nothing, and --verbose lists it as not fully analysed."""
    monkeypatch.setattr(project_module, "MAX_PROJECT_SOURCE_BYTES", 3000)
    write(project, _tree(pad))
    got = run("--format", "concise", "--no-cache", "-j", "1", "--verbose", "app/service.py")
    assert ("app/service.py:9" in got.stdout and "CL101" in got.stdout) is reported
    assert (got.exit_code == 1) is reported
    assert ("app/service.py:9: call not fully analysed" in got.stderr) is not reported


def test_without_the_bound_the_same_project_is_reported(
    project: Path, run: Callable[..., Any], write: Callable[[Path, dict[str, str]], list[str]]
) -> None:
    """The default share is far above what this project loads: the finding stands."""
    write(project, _tree(4000))
    got = run("--format", "concise", "--no-cache", "-j", "1", "app/service.py")
    assert got.exit_code == 1 and "CL101" in got.stdout

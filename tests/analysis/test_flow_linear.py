"""Following a name through a chain of changes costs evaluation steps in proportion to the
chain: each change is worked out once, not again for every later use of the name (issue 22).
Steps are counted, not timed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from cachelint.analysis.evaluate import Evaluator
from cachelint.analysis.project import Project
from cachelint.run.check import assemble_module

CALL = ("    return client.chat.completions.create(model='gpt-4.1', messages=[{{'role': 'system', 'content': {v}}},"
        " {{'role': 'user', 'content': q}}])\n")

# Chains in which each step reads the name it changes.
CHAINS: dict[str, Callable[[int], str]] = {
    "append": lambda n: "    msgs = []\n" + "".join(
        f"    msgs.append({{'role': 'user', 'content': 'step {i} ' + str(len(msgs))}})\n" for i in range(n))
        + "    msgs.append({'role': 'user', 'content': q})\n"
        "    return client.chat.completions.create(model='gpt-4.1', messages=msgs)\n",
    "augassign": lambda n: "    s = 'start'\n" + "".join(f"    s += s[-1:] + 'x{i}'\n" for i in range(n))
        + CALL.format(v="s"),
    "update": lambda n: "    d = {}\n" + "".join(f"    d.update(k{i}=len(d))\n" for i in range(n))
        + CALL.format(v="str(d)"),
    "methods": lambda n: "    b = q.strip()\n" + "".join(f"    b = b.with_x({i}).with_y(b)\n" for i in range(n))
        + CALL.format(v="b"),
}


def _steps(tmp_path: Path, body: str, monkeypatch: pytest.MonkeyPatch) -> int:
    (tmp_path / "app.py").write_text("from openai import OpenAI\n\nclient = OpenAI()\n\n\ndef ask(q):\n" + body)
    project = Project(str(tmp_path))
    mod = project.load(str(tmp_path / "app.py"))
    assert mod is not None
    assemble_module(mod, project)  # the wrapper scan, once: what follows is the prompt's evaluation
    count = [0]
    real = Evaluator.eval

    def counting(self: Evaluator, node: object, env: object) -> object:
        count[0] += 1
        return real(self, node, env)  # type: ignore[arg-type]

    monkeypatch.setattr(Evaluator, "eval", counting)
    (prompt,) = assemble_module(mod, project)
    assert prompt.segments
    monkeypatch.setattr(Evaluator, "eval", real)
    return count[0]


@pytest.mark.parametrize("shape", sorted(CHAINS))
def test_steps_grow_linearly_with_the_chain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shape: str) -> None:
    steps = {}
    for n in (10, 20, 40):
        root = tmp_path / f"{shape}{n}"
        root.mkdir()
        steps[n] = _steps(root, CHAINS[shape](n), monkeypatch)
    # Twice the chain, at most about twice the steps (quadratic growth gives about four times).
    assert steps[40] <= 2.5 * steps[20], steps
    assert steps[20] <= 2.5 * steps[10], steps

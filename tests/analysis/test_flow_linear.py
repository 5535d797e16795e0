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
    project.evaluator.site_memo.clear()  # the helpers' results of that first run: worked out again
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


def _record_chain(fields: int, recursive: bool) -> str:
    """A model lookup that builds a record from the `fields` fields of an entry of a listing, the
    listing reaching the lookup again when `recursive` (gptme's get_model and
    _get_models_for_provider): each field read goes back to the listing through the loop."""
    names = [f"f{i}" for i in range(fields)]
    steps = "".join(f"    p = p.replace('x{i}', 'y{i}')\n" for i in range(30))
    back = "        return [lookup(provider + '/' + n) for n in ('a', 'b')]\n" if recursive else ""
    return (
        "from dataclasses import dataclass\n\nfrom openai import OpenAI\n\nclient = OpenAI()\n\n\n"
        "@dataclass\nclass Meta:\n    name: str\n" + "".join(f"    {n}: str = ''\n" for n in names) + "\n\n"
        "def listing(provider):\n    p = provider.strip()\n" + steps
        + "    if provider == 'all':\n" + back + "        return []\n"
        "    return [Meta(name=p" + "".join(f", {n}=p + '{n}'" for n in names) + ")]\n\n\n"
        "def lookup(name):\n    if '/' not in name:\n        return lookup('p/' + name)\n"
        "    models = listing(name)\n    for m in models:\n        if m.name == name:\n"
        "            return Meta(name=name" + "".join(f", {n}=m.{n}" for n in names) + ")\n"
        "    return Meta(name=name)\n\n\n"
        "def ask(q):\n    meta = lookup('gpt-4.1')\n"
        "    return client.chat.completions.create(model='gpt-4.1', messages=[{'role': 'system', 'content': "
        + " + ".join(f"meta.{n}" for n in names) + "}, {'role': 'user', 'content': q}])\n"
    )


def _module_steps(tmp_path: Path, source: str, monkeypatch: pytest.MonkeyPatch) -> int:
    (tmp_path / "app.py").write_text(source)
    project = Project(str(tmp_path))
    mod = project.load(str(tmp_path / "app.py"))
    assert mod is not None
    assemble_module(mod, project)
    project.evaluator.site_memo.clear()
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


@pytest.mark.parametrize("recursive", [True, False])
def test_a_value_cut_by_recursion_is_worked_out_once_per_call(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             recursive: bool) -> None:
    # Reading the record's fields reads the listing once per field; the listing is cut short where
    # it reaches the lookup again (the recursion), and such a value used to be worked out again
    # for every read: six times the fields took about five times the steps.
    steps = {}
    for fields in (2, 12):
        root = tmp_path / f"f{fields}"
        root.mkdir()
        steps[fields] = _module_steps(root, _record_chain(fields, recursive), monkeypatch)
    assert steps[12] <= 2 * steps[2], steps

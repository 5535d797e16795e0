"""A finding is reported once, where it is made, not again at every caller up a chain of
wrappers (issue 19: "no finding left that a maintainer would call noise"). sweep's reranker
sends a module-constant system prompt from inside `rerank_list_for_query()`, and cachelint
reported the same CL401 there, at both its callers, at their caller and at another module's
caller: one missing marker, five findings. A caller's finding is now left to the call its
first wrapper makes when that call, analysed where it is written (without the caller's
values), gets the same finding word for word (notes in parentheses aside: where the model
came from); a caller whose values change the request (its own text, another model) keeps its
own.

Each case is a small project linted with the CLI: the findings must be exactly the lines marked
`# expect: CODE`. Every case has a twin that looks the same and must report at the callers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run, write_tree
from expect_cases import expected, lint

BIG = 'BIG = "You are a careful code reviewer. Cite the line you mean and never guess. " * 200\n'
OTHER = 'OTHER = "You translate legal text from French to English, clause by clause. " * 200\n'
HEAD = "import anthropic\nclient = anthropic.Anthropic()\n" + BIG + OTHER

CASES: dict[str, dict[str, str]] = {
    "the wrapper's own constant: once, at the SDK call": {
        "app.py": HEAD + (
            "def ask(question):\n"
            "    r = client.messages.create(model='claude-sonnet-4-5', max_tokens=100, system=BIG,  # expect: CL401\n"
            "                               messages=[{'role': 'user', 'content': question}])\n"
            "    return r.content[0].text\n"
            "def review(diff):\n"
            "    return ask('Review: ' + diff)\n"
            "def main(d):\n"
            "    print(review(d))\n"
        ),
    },
    "each caller's own constant: at each caller": {
        "app.py": HEAD + (
            "def ask(system, question):\n"
            "    r = client.messages.create(model='claude-sonnet-4-5', max_tokens=100, system=system,\n"
            "                               messages=[{'role': 'user', 'content': question}])\n"
            "    return r.content[0].text\n"
            "def review(diff):\n"
            "    return ask(BIG, 'Review: ' + diff)  # expect: CL401\n"
            "def translate(text):\n"
            "    return ask(OTHER, text)  # expect: CL401\n"
            "def main(d):\n"
            "    print(review(d), translate(d))\n"
        ),
    },
    "the wrapper's constant, called from other modules: once, in the wrapper's module": {
        "llm.py": HEAD + (
            "class Reviewer:\n"
            "    def rank(self, question):\n"
            "        r = client.messages.create(model='claude-sonnet-4-5', max_tokens=100,  # expect: CL401\n"
            "                                   system=BIG, messages=[{'role': 'user', 'content': question}])\n"
            "        return r.content[0].text\n"
            "def rank_all(questions):\n"
            "    return [Reviewer().rank(q) for q in questions]\n"
        ),
        "a.py": "from llm import rank_all\ndef run(qs):\n    return rank_all(qs)\n",
        "b.py": "from llm import Reviewer\ndef run(q):\n    return Reviewer().rank(q)\n",
    },
    "a caller's constant, passed down two levels: where it is chosen, not above": {
        "app.py": HEAD + (
            "def ask(system, question):\n"
            "    r = client.messages.create(model='claude-sonnet-4-5', max_tokens=100, system=system,\n"
            "                               messages=[{'role': 'user', 'content': question}])\n"
            "    return r.content[0].text\n"
            "def review(diff, system=None):\n"
            "    return ask(BIG, 'Review: ' + diff)  # expect: CL401\n"
            "def main(d):\n"
            "    print(review(d))\n"
            "def other(d):\n"
            "    print(review(d, 'x'))\n"
        ),
    },
    "a caller that names another model keeps its own finding": {
        "app.py": HEAD + (
            "def ask(question, model='claude-sonnet-4-5'):\n"
            "    r = client.messages.create(model=model, max_tokens=100, system=BIG,  # expect: CL401\n"
            "                               messages=[{'role': 'user', 'content': question}])\n"
            "    return r.content[0].text\n"
            "def review(diff):\n"
            "    return ask('Review: ' + diff)\n"
            "def deep(diff):\n"
            "    return ask('Review: ' + diff, model='claude-haiku-4-5')  # expect: CL201\n"
        ),
    },
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_caller_repeat_case(project: Path, run: Callable[..., Run], name: str) -> None:
    found, _ = lint(project, run, CASES[name])
    assert found == expected(CASES[name])


def test_each_file_alone_reports_only_what_is_made_in_it(project: Path, run: Callable[..., Run]) -> None:
    """Linting a caller's module alone (a pre-commit run on one staged file) does not bring
    the wrapper's finding back to it: it belongs to the wrapper's module."""
    write_tree(project, CASES["the wrapper's constant, called from other modules: once, in the wrapper's module"])
    for name in ("a.py", "b.py"):
        alone = run("--no-cache", name)
        assert alone.exit_code == 0, alone.stdout + alone.stderr
        assert "All checks passed!" in alone.stdout
    wrapper = run("--no-cache", "--format", "concise", "llm.py")
    assert wrapper.exit_code == 1
    assert wrapper.stdout.count("CL401") == 1


def test_show_prompt_says_where_a_repeated_finding_is_reported(project: Path, run: Callable[..., Run]) -> None:
    write_tree(project, CASES["the wrapper's own constant: once, at the SDK call"])
    shown = run("--show-prompt", "app.py:12")
    assert shown.exit_code == 0, shown.stderr
    assert "findings: none" in shown.stdout
    assert "not reported here: CL401 no `cache_control` in this call" in shown.stdout
    assert "the call at app.py:10:12, inside the wrapper, makes it the same" in shown.stdout
    # the caller whose own constant is sent has its finding shown, and no such line
    write_tree(project, CASES["each caller's own constant: at each caller"])
    own = run("--show-prompt", "app.py:10")
    assert own.exit_code == 0, own.stderr
    assert "finding: app.py:10:12 CL401" in own.stdout
    assert "not reported here" not in own.stdout

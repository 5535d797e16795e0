"""A call whose prompt takes more evaluation steps than its budget (issue 22): listed under
--verbose and counted in the summary, alike cold, warm (from the result cache) and in worker
processes; a call within budget is neither listed nor counted."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cachelint.analysis.env import MAX_STEPS
from cachelint.run import lint as run_lint

RunCli = Callable[..., Any]
WORDS = 1_000  # constants in the literal each topic joins: one evaluation step each


def app(topics: int) -> str:
    """A module whose system prompt joins, for each of `topics` topics, a list of WORDS words."""
    words = ", ".join('"w"' for _ in range(WORDS))
    names = ", ".join(f'"t{i}"' for i in range(topics))
    return textwrap.dedent(f'''\
        import openai

        client = openai.OpenAI()
        TOPICS = [{names}]


        def ask(user):
            rows = [topic + " ".join([{words}]) for topic in TOPICS]
            return client.chat.completions.create(
                model="gpt-4o",
                messages=[{{"role": "system", "content": "".join(rows)}}, {{"role": "user", "content": user}}],
            )
        ''')


EXPENSIVE = app(250)  # 250 topics x 1,000 words: more steps than one call's budget
CHEAP = app(8)
CALL_LINE = 9  # the `client.chat.completions.create(` line
SPENT = "call not fully analysed: evaluation budget exhausted"


def verbose_notes(stderr: str) -> list[str]:
    return [line.split("] ", 1)[1] for line in stderr.splitlines() if SPENT in line]


def test_the_expensive_prompt_needs_more_steps_than_the_budget() -> None:
    assert 8 * WORDS < MAX_STEPS < 250 * WORDS


def test_a_call_out_of_budget_is_listed_and_counted_cold_warm_and_in_workers(
    project: Path, run: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "pyproject.toml").write_text("[tool.cachelint]\n", encoding="utf-8")
    (project / "expensive.py").write_text(EXPENSIVE, encoding="utf-8")
    (project / "cheap.py").write_text(CHEAP, encoding="utf-8")
    summary = "All checks passed! 1 call not fully analysed (--verbose lists them).\n"

    cold = run("-v", "-j", "1")
    assert (cold.exit_code, cold.stdout) == (0, summary)
    assert verbose_notes(cold.stderr) == [f"expensive.py:{CALL_LINE}: {SPENT}"]
    assert all(line.startswith("cachelint: [") for line in cold.stderr.splitlines())

    # Warm: nothing is linted again (a lint would fail), the cache says the same.
    def no_linting(*args: object) -> object:
        raise AssertionError("linted again on a warm run")

    with monkeypatch.context() as patched:
        patched.setattr(run_lint, "_lint_task", no_linting)
        warm = run("-v", "-j", "1")
    assert (warm.exit_code, warm.stdout, verbose_notes(warm.stderr)) \
        == (cold.exit_code, cold.stdout, verbose_notes(cold.stderr))

    workers = run("-v", "-j", "2", "--no-cache")
    assert (workers.exit_code, workers.stdout, verbose_notes(workers.stderr)) \
        == (cold.exit_code, cold.stdout, verbose_notes(cold.stderr))

    # Without --verbose: counted, not listed, and the run does not fail for it; JSON unchanged.
    quiet = run()
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, summary, "")
    as_json = run("--format", "json")
    assert (as_json.exit_code, as_json.stdout.strip(), as_json.stderr) == (0, "[]", "")


def test_calls_within_budget_are_neither_listed_nor_counted(project: Path, run: RunCli) -> None:
    (project / "pyproject.toml").write_text("[tool.cachelint]\n", encoding="utf-8")
    (project / "cheap.py").write_text(CHEAP, encoding="utf-8")
    for args in (("-v", "-j", "1"), ("-v", "-j", "1"), ("-v", "-j", "2", "--no-cache")):  # cold, warm, workers
        result = run(*args)
        assert (result.exit_code, result.stdout) == (0, "All checks passed!\n")
        assert verbose_notes(result.stderr) == []
        assert "not fully analysed" not in result.stderr


"""Built-in tools bring definitions of their own into the cached prefix (rules.md section 1):
Anthropic's documented token counts count as static text; OpenAI's undocumented ones keep the
size rules from calling the prefix short."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.conftest import Run

ANTHROPIC = '''import anthropic
ant = anthropic.Anthropic()
SYSTEM = "You are a coding agent working in the user's repository. Keep changes small. " * 12
'''


def test_anthropic_built_in_tools_count_their_documented_tokens(project: Path, run: Callable[..., Run]) -> None:
    (project / "app.py").write_text(ANTHROPIC + '''
def step(messages):
    return ant.messages.create(model="claude-sonnet-4-5", max_tokens=1024, system=SYSTEM,
                               tools=[{"type": "bash_20250124", "name": "bash"},
                                      {"type": "text_editor_20250728", "name": "str_replace_based_edit_tool"}],
                               messages=messages)
''')
    r = run("app.py")
    assert r.exit_code == 1 and "CL401" in r.stdout and "CL201" not in r.stdout, r.all
    shown = run("--show-prompt", "app.py:6").stdout
    assert "~18+245" in shown and "the bash tool adds 245 tokens of its own" in shown


def test_the_same_call_without_the_tools_is_short(project: Path, run: Callable[..., Run]) -> None:
    (project / "app.py").write_text(ANTHROPIC + '''
def step(q):
    return ant.messages.create(model="claude-sonnet-4-5", max_tokens=1024, system=SYSTEM,
                               messages=[{"role": "user", "content": q}])
''')
    r = run("app.py")
    assert "CL401" not in r.stdout and "CL201" in r.stdout, r.all


def test_a_custom_tool_named_bash_adds_nothing(project: Path, run: Callable[..., Run]) -> None:
    (project / "app.py").write_text(ANTHROPIC + '''
def step(messages):
    return ant.messages.create(model="claude-sonnet-4-5", max_tokens=1024, system=SYSTEM,
                               tools=[{"name": "bash", "description": "Run a command",
                                       "input_schema": {"type": "object"}}],
                               messages=messages)
''')
    assert "CL401" not in run("app.py").stdout


OPENAI = '''from openai import OpenAI
client = OpenAI()
'''


def test_an_openai_built_in_tool_keeps_cl201_silent(project: Path, run: Callable[..., Run]) -> None:
    (project / "app.py").write_text(OPENAI + '''
def search(q):
    return client.responses.create(model="gpt-4.1", instructions="Answer with sources. " * 80,
                                   tools=[{"type": "web_search"}], input=q)
''')
    r = run("app.py")
    assert r.exit_code == 0 and "CL201" not in r.stdout, r.all
    assert "instructions OpenAI adds for its built-in `web_search` tool, of unknown length" in \
        run("--show-prompt", "app.py:5").stdout


def test_an_openai_function_tool_is_counted_as_written(project: Path, run: Callable[..., Run]) -> None:
    (project / "app.py").write_text(OPENAI + '''
def search(q):
    return client.responses.create(model="gpt-4.1", instructions="Answer with sources. " * 80,
                                   tools=[{"type": "function", "name": "lookup", "parameters": {}}], input=q)
''')
    r = run("app.py")
    assert r.exit_code == 1 and "CL201" in r.stdout, r.all

"""Issue 18, construct 4: prompt text kept on instances or returned from branches. A template
stored on `self` and formatted later, an f-string inside `dedent(...)` returned from if/elif
branches, a prompt file whose name an if/elif chooses, and a relative prompt-file path that
names a file beside the script rather than under the project root. Each is a small project
linted through the CLI, with a twin that looks the same and must stay silent."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

RULES = " ".join(["Follow the support policy carefully and answer precisely."] * 200)
ASK = ('    return client.chat.completions.create(model="gpt-4.1", messages=[\n'
       '        {"role": "system", "content": system}, {"role": "user", "content": q}])\n')


def lint(project: Path, run: Callable[..., Any], files: dict[str, str]) -> tuple[int, str]:
    (project / "pyproject.toml").write_text("")
    for rel, text in files.items():
        path = project / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).replace("RULES_TEXT", RULES).replace("ASK\n", ASK))
    result = run("--no-cache", "--format", "concise", "-j", "1", "--select", "CL101", ".")
    return result.exit_code, result.stdout


def template_on_self(first: bool) -> dict[str, str]:
    template = "User {name}. RULES_TEXT" if first else "RULES_TEXT User {name}."
    return {"app.py": f'''
        from openai import OpenAI

        class Agent:
            def __init__(self):
                self.client = OpenAI()
                self.template = "{template}"

            def ask(self, name, q):
                system = self.template.format(name=name)
                return self.client.chat.completions.create(model="gpt-4.1", messages=[
                    {{"role": "system", "content": system}}, {{"role": "user", "content": q}}])
        '''}


def dedent_branches(first: bool) -> dict[str, str]:
    line_a = "User {user}.\n                RULES_TEXT" if first else "RULES_TEXT\n                User {user}."
    line_b = "Person {user}.\n                RULES_TEXT" if first else "RULES_TEXT\n                Person {user}."
    return {"app.py": f'''
        from textwrap import dedent
        from openai import OpenAI
        client = OpenAI()

        def build(kind, user):
            if kind == "a":
                return dedent(f"""
                {line_a}
                """)
            elif kind == "b":
                return dedent(f"""
                {line_b}
                """)
            return "RULES_TEXT"

        def ask(kind, user, q):
            system = build(kind, user)
        ASK
        '''}


def file_by_branch(first: bool) -> dict[str, str]:
    a = "{user} RULES_TEXT" if first else "RULES_TEXT {user}"
    b = "Reader {user}. RULES_TEXT" if first else "RULES_TEXT Reader {user}."
    return {"prompts/a.txt": a, "prompts/b.txt": b, "app.py": '''
        from pathlib import Path
        from openai import OpenAI
        client = OpenAI()

        def load(kind):
            if kind == "a":
                name = "a.txt"
            elif kind == "b":
                name = "b.txt"
            else:
                name = "a.txt"
            return (Path("prompts") / name).read_text()

        def ask(kind, user, q):
            system = load(kind).format(user=user)
        ASK
        '''}


def file_beside_script(first: bool) -> dict[str, str]:
    text = "{user} RULES_TEXT" if first else "RULES_TEXT {user}"
    return {"tools/prompts/system.txt": text, "tools/app.py": '''
        from openai import OpenAI
        client = OpenAI()

        def ask(user, q):
            with open("prompts/system.txt") as f:
                system = f.read().format(user=user)
        ASK
        '''}


CASES = {"template-on-self": template_on_self, "dedent-branches": dedent_branches,
         "file-chosen-by-branch": file_by_branch, "file-beside-the-script": file_beside_script}


@pytest.mark.parametrize("build", CASES.values(), ids=CASES.keys())
def test_a_name_ahead_of_the_static_prompt_is_found(project: Path, run: Callable[..., Any],
                                                    build: Callable[[bool], dict[str, str]]) -> None:
    code, out = lint(project, run, build(True))
    assert code == 1, out
    assert "precedes 1,80" in out and "static tokens of the system message" in out


@pytest.mark.parametrize("build", CASES.values(), ids=CASES.keys())
def test_the_same_prompt_with_the_name_last_is_silent(project: Path, run: Callable[..., Any],
                                                      build: Callable[[bool], dict[str, str]]) -> None:
    assert lint(project, run, build(False)) == (0, "All checks passed!\n")


def test_a_branch_with_little_text_after_the_name_is_silent(project: Path, run: Callable[..., Any]) -> None:
    """Only the branch holding the name counts: its own short text, not the other branch's."""
    files = {"app.py": '''
        from openai import OpenAI
        client = OpenAI()

        def build(kind, user):
            if kind == "a":
                return f"User {user}. Be brief."
            return "RULES_TEXT"

        def ask(kind, user, q):
            system = build(kind, user)
        ASK
        '''}
    assert lint(project, run, files) == (0, "All checks passed!\n")


def test_a_relative_file_in_neither_folder_is_not_read(project: Path, run: Callable[..., Any]) -> None:
    files = {"tools/other/system.txt": "{user} RULES_TEXT", "tools/app.py": '''
        from openai import OpenAI
        client = OpenAI()

        def ask(user, q):
            with open("prompts/system.txt") as f:
                system = f.read().format(user=user)
        ASK
        '''}
    assert lint(project, run, files) == (0, "All checks passed!\n")


def test_the_branch_is_shown_in_show_prompt(project: Path, run: Callable[..., Any]) -> None:
    lint(project, run, dedent_branches(True))
    out = run("--no-cache", "--show-prompt", "app.py").stdout
    assert "(in one branch)" in out
    assert "another branch's text" in out


@pytest.mark.parametrize("beside_first", [True, False])
def test_a_path_built_from_dunder_file_reads_the_file_beside_the_script(
        project: Path, run: Callable[..., Any], beside_first: bool) -> None:
    """`Path(__file__).parent / "prompts"` names the script's own folder even when the project
    root has a prompts folder with a file of the same name: only the file beside the script
    decides (already so on integ)."""
    first, last = "{user} RULES_TEXT", "RULES_TEXT {user}"
    beside, root = (first, last) if beside_first else (last, first)
    files = {"svc/prompts/system.txt": beside, "prompts/system.txt": root, "svc/app.py": '''
        from pathlib import Path
        from openai import OpenAI
        client = OpenAI()
        PROMPTS = Path(__file__).parent / "prompts"

        def ask(user, q):
            system = (PROMPTS / "system.txt").read_text().format(user=user)
        ASK
        '''}
    code, out = lint(project, run, files)
    if beside_first:
        assert code == 1 and "svc/app.py" in out and "precedes 1,80" in out, out
    else:
        assert (code, out) == (0, "All checks passed!\n")

"""`--unsafe-fixes` moving a changing value out of the shared prefix (CL101, CL102) when the text
is written in another module than the call: the edit lands where the text is written, the rest
of every file stays as it was, the finding is gone on the next run, and fixing again changes
nothing. Each fix has a twin the fix must leave alone."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

RunCli = Callable[..., Any]

POLICY = "Always cite the relevant section of the support policy. " * 120

PROMPTS = f'''\
POLICY = "{POLICY}"
# the customer line first: each customer caches the policy anew
TEMPLATE = "Customer {{name}}.\\n\\n{{policy}}"  # kept
'''

APP = '''\
from openai import OpenAI

from prompts import POLICY, TEMPLATE

client = OpenAI()


def reply(name, text):
    system = TEMPLATE.format(name=name, policy=POLICY)
    return client.chat.completions.create(model="gpt-4.1", messages=[
        {"role": "system", "content": system}, {"role": "user", "content": text}])
'''

HELPERS = f'''\
POLICY = "{POLICY}"


def system_for(user):
    return f"User: {{user}}" + "\\n\\n" + POLICY  # the user first
'''

CALLER = '''\
from openai import OpenAI

from helpers import system_for

client = OpenAI()


def reply(user, text):
    return client.responses.create(model="gpt-4.1", instructions=system_for(user), input=text)
'''


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def codes(run: RunCli, *args: str) -> list[str]:
    return [f["code"] for f in json.loads(run("--no-cache", "--format", "json", *args).stdout)]


def test_a_template_in_a_prompt_module_is_reordered_where_it_is_written(project: Path, run: RunCli) -> None:
    prompts, app = write(project / "prompts.py", PROMPTS), write(project / "app.py", APP)
    found = json.loads(run("--no-cache", "--format", "json", "app.py").stdout)
    assert [f["code"] for f in found] == ["CL101"]
    assert found[0]["path"] == "app.py" and found[0]["fix"]["applicability"] == "unsafe"
    assert {e["path"] for e in found[0]["fix"]["edits"]} == {"prompts.py"}
    assert run("--no-cache", "--fix", "app.py").exit_code == 1  # unsafe: not without --unsafe-fixes
    assert prompts.read_text(encoding="utf-8") == PROMPTS
    result = run("--no-cache", "--fix", "--unsafe-fixes", "app.py")
    assert result.all == (0, "Fixed 1 finding.\nAll checks passed!\n", "")
    assert prompts.read_text(encoding="utf-8") == PROMPTS.replace(
        '"Customer {name}.\\n\\n{policy}"', '"{policy}\\n\\nCustomer {name}."')
    assert app.read_text(encoding="utf-8") == APP
    again = run("--no-cache", "--fix", "--unsafe-fixes", "app.py")
    assert again.all == (0, "All checks passed!\n", "")
    assert prompts.read_text(encoding="utf-8") == PROMPTS.replace(
        '"Customer {name}.\\n\\n{policy}"', '"{policy}\\n\\nCustomer {name}."')


def test_a_template_line_with_more_after_the_value_is_left_alone(project: Path, run: RunCli) -> None:
    # the policy follows the name on its line: moving the line would move the policy too
    text = PROMPTS.replace('"Customer {name}.\\n\\n{policy}"', '"Customer {name}: {policy}"')
    prompts, app = write(project / "prompts.py", text), write(project / "app.py", APP)
    found = json.loads(run("--no-cache", "--format", "json", "app.py").stdout)
    assert [f["code"] for f in found] == ["CL101"] and found[0]["fix"]["edits"] == []
    assert run("--no-cache", "--fix", "--unsafe-fixes", "app.py").exit_code == 1
    assert (prompts.read_text(encoding="utf-8"), app.read_text(encoding="utf-8")) == (text, APP)


def test_a_helper_that_returns_the_text_puts_the_value_last(project: Path, run: RunCli) -> None:
    helpers, caller = write(project / "helpers.py", HELPERS), write(project / "app.py", CALLER)
    assert codes(run, "app.py") == ["CL101"]
    result = run("--no-cache", "--fix", "--unsafe-fixes", "app.py")
    assert result.all == (0, "Fixed 1 finding.\nAll checks passed!\n", "")
    assert helpers.read_text(encoding="utf-8") == HELPERS.replace(
        'f"User: {user}" + "\\n\\n" + POLICY', 'POLICY + "\\n\\n" + f"User: {user}"')
    assert caller.read_text(encoding="utf-8") == CALLER


def test_a_helper_whose_text_the_caller_extends_is_left_alone(project: Path, run: RunCli) -> None:
    # the caller adds the policy again after the helper's text: the end of the helper's text
    # is not the end of the instructions, so no fix
    extended = CALLER.replace("instructions=system_for(user)", "instructions=system_for(user) + POLICY").replace(
        "from helpers import system_for", "from helpers import POLICY, system_for")
    helpers, caller = write(project / "helpers.py", HELPERS), write(project / "app.py", extended)
    found = json.loads(run("--no-cache", "--format", "json", "app.py").stdout)
    assert [f["code"] for f in found] == ["CL101"] and found[0]["fix"]["edits"] == []
    assert run("--no-cache", "--fix", "--unsafe-fixes", "app.py").exit_code == 1
    assert (helpers.read_text(encoding="utf-8"), caller.read_text(encoding="utf-8")) == (HELPERS, extended)


def test_a_template_in_a_text_file_is_not_edited(project: Path, run: RunCli) -> None:
    # other programs may read the prompt file: the finding keeps its advice, no edit
    prompt = "Customer {name}.\n\n" + POLICY + "\n"
    write(project / "prompt.txt", prompt)
    app = write(project / "app.py", APP.replace("from prompts import POLICY, TEMPLATE\n", "from pathlib import Path\n")
                .replace("client = OpenAI()\n", 'client = OpenAI()\nTEMPLATE = Path("prompt.txt").read_text()\n')
                .replace("TEMPLATE.format(name=name, policy=POLICY)", "TEMPLATE.format(name=name)"))
    found = json.loads(run("--no-cache", "--format", "json", "app.py").stdout)
    assert [f["code"] for f in found] == ["CL101"] and found[0]["fix"]["edits"] == []
    before = app.read_text(encoding="utf-8")
    assert run("--no-cache", "--fix", "--unsafe-fixes", "app.py").exit_code == 1
    assert (project / "prompt.txt").read_text(encoding="utf-8") == prompt
    assert app.read_text(encoding="utf-8") == before

"""CL104 and its fix as users meet them: off unless selected, `--fix` adds `sort_keys=True`
where `json.dumps` is written (in a helper module too), and JSON of a literal is left alone."""

from __future__ import annotations

import ast
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

RunCli = Callable[..., Any]

POLICY = "Always cite the relevant section of the support policy. " * 120

HELPER = '''\
import json


def profile_block(profile):
    return "User profile:\\n" + json.dumps(profile,
                                          indent=2)  # shown to the model
'''

APP = f'''\
from anthropic import Anthropic
from prompts import profile_block

client = Anthropic()
POLICY = "{POLICY}"


def reply(profile, text):
    return client.messages.create(
        model="claude-sonnet-4-5", max_tokens=512,
        system=POLICY + "\\n" + profile_block(profile),
        messages=[{{"role": "user", "content": text}}],
    )
'''


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_off_unless_selected(project: Path, run: RunCli) -> None:
    write(project / "prompts.py", HELPER)
    write(project / "app.py", APP)
    found = json.loads(run("--no-cache", "--format", "json", "app.py").stdout)
    assert "CL104" not in {f["code"] for f in found}


def test_fix_adds_sort_keys_in_the_helper(project: Path, run: RunCli) -> None:
    helper = write(project / "prompts.py", HELPER)
    app = write(project / "app.py", APP)
    found = json.loads(run("--no-cache", "--select", "CL104", "--format", "json", "app.py").stdout)
    assert [(f["code"], f["path"], f["fix"]["applicability"]) for f in found] == [("CL104", "app.py", "safe")]
    assert {e["path"] for e in found[0]["fix"]["edits"]} == {"prompts.py"}
    assert "sort_keys=True" in found[0]["message"] and "the system prompt" in found[0]["message"]
    result = run("--no-cache", "--select", "CL104", "--fix", "app.py")
    assert result.all == (0, "Fixed 1 finding.\nAll checks passed!\n", "")
    fixed = HELPER.replace("indent=2)", "indent=2, sort_keys=True)")
    assert helper.read_text(encoding="utf-8") == fixed  # the comment and line break kept
    ast.parse(fixed)
    assert app.read_text(encoding="utf-8") == APP
    # Fixing again changes nothing and finds nothing.
    assert run("--no-cache", "--select", "CL104", "--fix", "app.py").all == (0, "All checks passed!\n", "")
    assert helper.read_text(encoding="utf-8") == fixed


def test_literal_data_is_left_alone(project: Path, run: RunCli) -> None:
    helper = write(project / "prompts.py", HELPER.replace(
        "def profile_block(profile):", 'def profile_block(profile):\n    profile = {"plan": "pro", "name": "Ada"}'))
    write(project / "app.py", APP)
    assert run("--no-cache", "--select", "CL104", "--fix", "app.py").all == (0, "All checks passed!\n", "")
    assert "sort_keys" not in helper.read_text(encoding="utf-8")

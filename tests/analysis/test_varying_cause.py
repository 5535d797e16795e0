"""A finding names the value that changes, not a neighbour that is merely unknown (RD-Agent: a
template read from YAML that the analysis cannot find is given the time left; the finding
blamed `yaml.safe_load`). The cause is carried through `round()` and arithmetic too."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import Run, write_tree

APP = '''from datetime import datetime

import jinja2
import yaml
from openai import OpenAI

RULES = "Always cite the relevant section of the support policy and never guess an answer. " * 90


def load():
    with open("prompts.yaml") as f:
        return yaml.safe_load(f)["system"]


def ask(q, deadline):
    left = deadline - datetime.now()
    system = jinja2.Template(load()).render(hours=round(left.total_seconds() / 3600, 2), team="support")
    return OpenAI().chat.completions.create(model="gpt-4.1", messages=[
        {"role": "system", "content": system + RULES}, {"role": "user", "content": q}])


def ask_stable(q):
    system = jinja2.Template(load()).render(hours=8, team="support")
    return OpenAI().chat.completions.create(model="gpt-4.1", messages=[
        {"role": "system", "content": system + RULES}, {"role": "user", "content": q}])
'''


def test_the_value_given_to_a_template_not_followed_is_named(project: Path, run: Callable[..., Run]) -> None:
    """The YAML file is named by the environment: its template is not known."""
    app = APP.replace('open("prompts.yaml")', 'open(os.environ["PROMPTS"])')
    app = app.replace("import jinja2", "import os\nimport jinja2")
    write_tree(project, {"app.py": app, "prompts.yaml": 'system: "Hours left: {{ hours }}"\n'})
    got = run("--no-cache", ".")
    assert got.exit_code == 1, got.stderr
    assert got.stdout.count("CL102") == 1  # ask_stable's template is given fixed values: silent
    assert "app.py:20:39" in got.stdout
    assert ("(`hours` passed to a template not followed (file whose path is not known statically): datetime.now())"
            in got.stdout)
    assert "app.py:18:51 value `round(left.total_seconds() / 3600, 2)`" in got.stdout


def test_a_template_read_from_yaml_names_its_placeholder(project: Path, run: Callable[..., Run]) -> None:
    """The YAML file is read (cachelint.analysis.configfiles): the finding is the placeholder
    the changing value fills, at the value."""
    write_tree(project, {"app.py": APP, "prompts.yaml": 'system: "Hours left: {{ hours }}"\n'})
    got = run("--no-cache", ".")
    assert got.exit_code == 1, got.stderr
    assert got.stdout.count("CL102") == 1  # ask_stable's template is given fixed values: silent
    assert ("`{{ hours }} = round(left.total_seconds() / 3600, 2)` changes every request (datetime.now())"
            in got.stdout)
    assert "--> app.py:17:51" in got.stdout


def test_arithmetic_on_a_clock_names_the_clock(project: Path, run: Callable[..., Run]) -> None:
    write_tree(project, {"app.py": APP.replace(
        "jinja2.Template(load()).render(hours=round(left.total_seconds() / 3600, 2), team=\"support\")",
        "f\"Hours left: {round(left.total_seconds() / 3600, 2)}\"")})
    got = run("--no-cache", "--format", "concise", ".")
    assert got.exit_code == 1, got.stderr
    assert "CL102 `{round(left.total_seconds() / 3600, 2)}` changes every request (datetime.now())" in got.stdout

"""Reach (issue 18, prompt text kept in files; measured on AlphaCodium, pr-agent, qodo-cover,
RD-Agent and SWE-agent): prompts kept in TOML, YAML and JSON settings files, loaded with
tomllib, PyYAML or json, or merged by Dynaconf and rendered with Jinja.

Each case is a small project with real settings files, linted with the CLI: the findings must
be exactly the lines marked `# expect: CODE`. Every case has a twin that looks the same and
must stay silent."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run, write_tree
from expect_cases import expected, lint

RULES = "".join(f"Rule {i}: answer politely, cite the handbook section and never guess.\n" for i in range(120))


def toml_prompt(system: str, table: str = "review") -> str:
    return f'[{table}]\nsystem = """\n{system}"""\nuser = "Question: {{{{ question }}}}"\n'


def yaml_prompt(system: str) -> str:
    lines = "".join(f"    {line}\n" for line in system.splitlines())
    return f"agent:\n  system: |\n{lines}  model: gpt-4.1\n"


USER_FIRST = "You help {user}.\n" + RULES
USER_LAST = RULES + "You help {user}.\n"
JINJA_FIRST = "You help {{ user }}.\n" + RULES
JINJA_LAST = RULES + "You help {{ user }}.\n"

TOMLLIB = (
    "import tomllib\nfrom pathlib import Path\nfrom openai import OpenAI\nclient = OpenAI()\n"
    "HERE = Path(__file__).parent\n"
    "with open(HERE / 'prompts.toml', 'rb') as f:\n"
    "    PROMPTS = tomllib.load(f)\n"
    "def ask(user, q):\n"
    "    system = PROMPTS['review']['system'].format(user=user)  {mark}\n"
    "    return client.chat.completions.create(model='gpt-4.1', messages=[\n"
    "        {{'role': 'system', 'content': system}}, {{'role': 'user', 'content': q}}])\n"
)
TOMLLIB_LOADS = (
    "import tomllib\nfrom pathlib import Path\nfrom openai import OpenAI\nclient = OpenAI()\n"
    "PROMPTS = tomllib.loads((Path(__file__).parent / 'prompts.toml').read_text())\n"
    "def ask(user, q):\n"
    "    return client.chat.completions.create(model='gpt-4.1', messages=[\n"
    "        {{'role': 'system', 'content': f'User {{user}}. ' + PROMPTS['review']['system']}},  {mark}\n"
    "        {{'role': 'user', 'content': q}}])\n"
)
YAML = (
    "import yaml\nimport os\nfrom openai import OpenAI\nclient = OpenAI()\n"
    "CONFIG = yaml.safe_load(open(os.path.join(os.path.dirname(__file__), 'agent.yaml')))\n"
    "def ask(user, q):\n"
    "    return client.chat.completions.create(model=CONFIG['agent']['model'], messages=[\n"
    "        {{'role': 'system', 'content': CONFIG['agent']['system'].format(user=user)}},  {mark}\n"
    "        {{'role': 'user', 'content': q}}])\n"
)
JSON = (
    "import json\nfrom pathlib import Path\nfrom openai import OpenAI\nclient = OpenAI()\n"
    "with (Path(__file__).parent / 'prompts.json').open() as f:\n"
    "    PROMPTS = json.load(f)\n"
    "def ask(user, q):\n"
    "    return client.responses.create(model='gpt-4.1', input=q,\n"
    "        instructions=PROMPTS['system'].format(user=user))  {mark}\n"
)

LOADER = (
    "from os.path import abspath, dirname, join\nfrom dynaconf import Dynaconf\n"
    "current_dir = dirname(abspath(__file__))\n"
    "global_settings = Dynaconf(envvar_prefix=False, merge_enabled=True, settings_files=[\n"
    "    join(current_dir, f) for f in ['configuration.toml', 'review_prompts.toml', '.secrets.toml']])\n"
    "def get_settings():\n"
    "    return global_settings\n"
)
REVIEW = (
    "from jinja2 import Environment, StrictUndefined\nfrom litellm import completion\n"
    "from app.settings.config_loader import get_settings\n"
    "def review(user, question):\n"
    "    variables = {{'user': user, 'question': question}}\n"
    "    environment = Environment(undefined=StrictUndefined)\n"
    "    system = environment.from_string({system}).render(variables)  {mark}\n"
    "    prompt = environment.from_string(get_settings().review.user).render(variables)\n"
    "    return completion(model=get_settings().get('config.model'), messages=[\n"
    "        {{'role': 'system', 'content': system}}, {{'role': 'user', 'content': prompt}}])\n"
)
CONFIGURATION = '[config]\nmodel = "gpt-4.1"\n'


def dynaconf_case(system: str = "get_settings().review.system", mark: str = "# expect: CL101",
                  prompt: str = JINJA_FIRST, extra: dict[str, str] | None = None,
                  configuration: str = CONFIGURATION) -> dict[str, str]:
    return {
        "app/__init__.py": "", "app/settings/__init__.py": "",
        "app/settings/config_loader.py": LOADER,
        "app/settings/configuration.toml": configuration,
        "app/settings/review_prompts.toml": toml_prompt(prompt),
        "app/review.py": REVIEW.format(system=system, mark=mark),
        **(extra or {}),
    }


SETTER = (
    "from app.settings.config_loader import get_settings\n"
    "def customise(text):\n"
    "    get_settings().set({key!r}, text)\n"
)

CASES: dict[str, dict[str, str]] = {
    "tomllib.load of a file beside the module": {
        "app.py": TOMLLIB.format(mark="# expect: CL101"), "prompts.toml": toml_prompt(USER_FIRST)},
    "tomllib.load, the changing part last (silent)": {
        "app.py": TOMLLIB.format(mark=""), "prompts.toml": toml_prompt(USER_LAST)},
    "tomllib.loads of the file's text": {
        "app.py": TOMLLIB_LOADS.format(mark="# expect: CL101"), "prompts.toml": toml_prompt(RULES)},
    "tomllib.loads of a file that does not parse (silent)": {
        "app.py": TOMLLIB_LOADS.format(mark=""), "prompts.toml": toml_prompt(RULES) + "[review\n"},
    "yaml.safe_load of an open file": {
        "app.py": YAML.format(mark="# expect: CL101"), "agent.yaml": yaml_prompt(USER_FIRST)},
    "yaml.safe_load, the changing part last (silent)": {
        "app.py": YAML.format(mark=""), "agent.yaml": yaml_prompt(USER_LAST)},
    "yaml.safe_load of a file with Python tags (silent)": {
        "app.py": YAML.format(mark=""),
        "agent.yaml": yaml_prompt(USER_FIRST) + "loader: !!python/object/apply:os.getcwd []\n"},
    "json.load of an open file": {
        "app.py": JSON.format(mark="# expect: CL101"), "prompts.json": json.dumps({"system": USER_FIRST})},
    "json.load, the changing part last (silent)": {
        "app.py": JSON.format(mark=""), "prompts.json": json.dumps({"system": USER_LAST})},
    "Dynaconf settings rendered with Jinja": dynaconf_case(),
    "Dynaconf settings, the changing part last (silent)": dynaconf_case(mark="", prompt=JINJA_LAST),
    "Dynaconf keys in another case and a dotted get": dynaconf_case(system="get_settings().get('REVIEW.System')"),
    "Dynaconf: a later file replaces the key (silent)": dynaconf_case(
        mark="", configuration=CONFIGURATION,
        extra={"app/settings/.secrets.toml": toml_prompt(JINJA_LAST)}),
    "Dynaconf: a file missing from the list is skipped": dynaconf_case(
        extra={"app/settings/unused.toml": toml_prompt(JINJA_LAST)}),
    "Dynaconf: the key set at run time in another module (silent)": dynaconf_case(
        mark="", extra={"app/custom.py": SETTER.format(key="review.system")}),
    "Dynaconf: another key set at run time": dynaconf_case(
        extra={"app/custom.py": SETTER.format(key="config.temperature")}),
    "Dynaconf: the key set through a local name (silent)": dynaconf_case(
        mark="", extra={"app/custom.py": "from app.settings import config_loader\n"
                                         "def customise(text):\n    s = config_loader.get_settings()\n"
                                         "    s['REVIEW']['system'] = text\n"}),
    "Dynaconf: the table replaced through an assignment (silent)": dynaconf_case(
        mark="", extra={"app/custom.py": "from app.settings.config_loader import get_settings\n"
                                         "def customise(table):\n    get_settings().review = table\n"}),
    "Dynaconf: the key set through an environment variable (silent)": dynaconf_case(
        mark="", extra={"app/custom.py": "import os\n"
                                         "os.environ['REVIEW__SYSTEM'] = 'Be brief.'\n"}),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_settings_file_case(project: Path, run: Callable[..., Run], name: str) -> None:
    found, _ = lint(project, run, CASES[name])
    assert found == expected(CASES[name])


def test_show_prompt_names_the_file_and_key(project: Path, run: Callable[..., Run]) -> None:
    write_tree(project, CASES["Dynaconf settings rendered with Jinja"])
    shown = run("--show-prompt", "app/review.py:9", ".")
    assert shown.exit_code == 0, shown.stderr
    assert "app/settings/review_prompts.toml:2:1" in shown.stdout
    assert "from app/settings/review_prompts.toml [review] system" in shown.stdout
    assert "{{ user }} = variables" in shown.stdout


def test_a_broken_settings_file_is_not_reported(project: Path, run: Callable[..., Run]) -> None:
    """A TOML file that does not parse: no crash, no error line, nothing said about it."""
    files = {"app.py": TOMLLIB.format(mark=""), "prompts.toml": '[review]\nsystem = """never closed\n'}
    write_tree(project, files)
    got = run("--no-cache", ".")
    assert got.all == (0, "All checks passed!\n", "")

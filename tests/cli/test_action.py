"""The GitHub Action: action.yml's shell step (scripts/github-action.sh) run here, as a runner would.

The fast tests install cachelint from a copy of this checkout offline (`--no-deps
--no-build-isolation --target`, dependencies from this environment); the slow one
(CACHELINT_SLOW_TESTS) does what the action does on a runner: a fresh virtualenv, a full install.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "github-action.sh"
SCHEMA = REPO / "tests" / "data" / "sarif-schema-2.1.0.json"

APP = """\
from openai import OpenAI

client = OpenAI()
POLICY = "Cite the policy section for every claim. " * 300


def reply(name: str, question: str) -> str:
    response = client.chat.completions.create(
        model="gpt-4.1",
        messages=[
            {"role": "system", "content": f"Customer {name}. " + POLICY},
            {"role": "user", "content": question},
        ],
    )
    return response.choices[0].message.content or ""
"""

needs_bash = pytest.mark.skipif(shutil.which("bash") is None, reason="the action's step is a bash script")


def _build_tools() -> bool:
    """setuptools>=77 (pyproject's build requirement) and wheel are here to build offline."""
    try:
        major = int(metadata.version("setuptools").split(".")[0])
        metadata.version("wheel")
    except (metadata.PackageNotFoundError, ValueError):
        return False
    return major >= 77


needs_build_tools = pytest.mark.skipif(
    not _build_tools(), reason="needs setuptools>=77 and wheel (in the `test` extra) to build offline"
)


def source_copy(target: Path) -> Path:
    shutil.copytree(
        REPO,
        target,
        ignore=shutil.ignore_patterns(
            ".git", "*.egg-info", "__pycache__", ".*_cache", "build", "dist", ".venv", ".hypothesis", "tests"
        ),
    )
    return target


def tiny_project(root: Path) -> Path:
    (root / "app").mkdir(parents=True)
    (root / "app" / "chat.py").write_text(APP, encoding="utf-8")
    (root / "app" / "clean.py").write_text("print('no SDK call here')\n", encoding="utf-8")
    return root


def run_step(project: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT)], cwd=project, env=env, capture_output=True, text=True, timeout=900, check=False
    )


def offline_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    site = tmp_path / "site"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CACHELINT_", "GITHUB_"))}
    env.update(
        CACHELINT_SOURCE=str(source_copy(tmp_path / "action")),
        CACHELINT_PYTHON=sys.executable,
        CACHELINT_PIP_ARGS=f"--no-deps --no-build-isolation --target {site}",
        # The --target install comes first: cachelint is imported from what the step installed.
        PYTHONPATH=os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]),
        GITHUB_OUTPUT=str(tmp_path / "github_output"),
    )
    env.update(extra)
    return env


def check_sarif(path: Path) -> dict[str, Any]:
    log: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is in the `test` extra")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    errors = list(jsonschema.validators.validator_for(schema)(schema).iter_errors(log))
    assert errors == []
    return log


@needs_bash
@needs_build_tools
def test_step_writes_sarif_with_the_finding_and_exits_zero(tmp_path: Path) -> None:
    project = tiny_project(tmp_path / "repo")
    # A file that does not parse is in the report, and does not stop the upload (issue 20).
    (project / "app" / "broken.py").write_text("import openai\nprint 'x'\n", encoding="utf-8")
    env = offline_env(tmp_path, CACHELINT_PATHS="app", CACHELINT_ARGS="--no-cache")
    done = run_step(project, env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""  # the report goes to the file, not the log
    assert done.stderr.startswith("cachelint: error: app/broken.py: syntax error at line 2")
    log = check_sarif(project / "cachelint.sarif")
    (run,) = log["runs"]
    assert run["tool"]["driver"]["name"] == "cachelint"
    found = [(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]) for r in run["results"]]
    assert found == [("CL101", "app/chat.py")]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert [n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for n in notes] == ["app/broken.py"]
    assert (tmp_path / "github_output").read_text(encoding="utf-8") == "sarif-file=cachelint.sarif\n"
    assert (tmp_path / "site" / "cachelint" / "data" / "o200k_base.tiktoken.gz").is_file()


@needs_bash
@needs_build_tools
def test_step_honours_sarif_file_and_args(tmp_path: Path) -> None:
    project = tiny_project(tmp_path / "repo")
    env = offline_env(tmp_path, CACHELINT_SARIF="out/report.sarif", CACHELINT_ARGS="--no-cache --ignore CL101")
    (project / "out").mkdir()
    done = run_step(project, env)
    assert done.returncode == 0, done.stderr
    log = check_sarif(project / "out" / "report.sarif")
    assert log["runs"][0]["results"] == []
    assert not (project / "cachelint.sarif").exists()
    assert "sarif-file=out/report.sarif" in (tmp_path / "github_output").read_text(encoding="utf-8")


@needs_bash
@needs_build_tools
def test_step_fails_with_cachelints_status_on_a_bad_option(tmp_path: Path) -> None:
    project = tiny_project(tmp_path / "repo")
    done = run_step(project, offline_env(tmp_path, CACHELINT_ARGS="--select CL999"))
    assert done.returncode == 2
    assert done.stderr.strip().startswith("cachelint: error:") and "CL999" in done.stderr


@needs_bash
@needs_build_tools
def test_step_says_when_the_install_fails(tmp_path: Path) -> None:
    project = tiny_project(tmp_path / "repo")
    env = offline_env(tmp_path)
    env["CACHELINT_SOURCE"] = str(tmp_path / "no-such-checkout")
    done = run_step(project, env)
    assert done.returncode == 3
    assert "cachelint action: pip could not install cachelint from" in done.stderr
    assert not (project / "cachelint.sarif").exists()


def test_action_yml_runs_the_script_then_uploads_its_sarif() -> None:
    yaml = pytest.importorskip("yaml", reason="PyYAML comes with pre-commit, in the `test` extra")
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    lint, upload = action["runs"]["steps"]
    assert lint["shell"] == "bash"
    assert lint["run"] == 'bash "$GITHUB_ACTION_PATH/scripts/github-action.sh"'
    assert lint["env"]["CACHELINT_SOURCE"] == "${{ github.action_path }}"  # installs this checkout
    step_vars = {name for name in lint["env"] if name.startswith("CACHELINT_")}
    documented = {line.split()[1] for line in SCRIPT.read_text().splitlines() if line.startswith("#   CACHELINT_")}
    assert step_vars <= documented
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert upload["with"]["sarif_file"] == "${{ steps." + lint["id"] + ".outputs.sarif-file }}"
    for name, spec in action["inputs"].items():
        assert spec["description"], name


@pytest.mark.skipif(
    not os.environ.get("CACHELINT_SLOW_TESTS"), reason="set CACHELINT_SLOW_TESTS=1 (installs from the index)"
)
@needs_bash
def test_step_as_on_a_runner_fresh_virtualenv(tmp_path: Path) -> None:
    project = tiny_project(tmp_path / "repo")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CACHELINT_", "GITHUB_", "PYTHON"))}
    env.update(
        CACHELINT_SOURCE=str(source_copy(tmp_path / "action")),
        CACHELINT_PYTHON=sys.executable,
        CACHELINT_VENV=str(tmp_path / "venv"),
        CACHELINT_PATHS="app",
    )
    done = run_step(project, env)
    assert done.returncode == 0, done.stderr
    assert [r["ruleId"] for r in check_sarif(project / "cachelint.sarif")["runs"][0]["results"]] == ["CL101"]

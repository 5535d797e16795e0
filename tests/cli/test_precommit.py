"""The pre-commit hook, run for real with `pre-commit try-repo` against a temporary git repository.

pre-commit installs the hook from a git repository at a commit, so the test commits a copy
of this working tree (tracked and untracked files, minus ignored ones) and points
`try-repo` at it. Building the hook's environment installs cachelint and its dependencies
from PyPI into a fresh virtualenv (minutes, not seconds), so the test runs in CI (`CI` set,
as .ci/run has it) or when CACHELINT_SLOW_TESTS=1, and is skipped with that reason
otherwise.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

NETWORK_TROUBLE = (
    "No matching distribution found",
    "Could not find a version that satisfies",
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Network is unreachable",
    "Connection refused",
    "Read timed out",
)

slow = pytest.mark.skipif(
    not (os.environ.get("CI") or os.environ.get("CACHELINT_SLOW_TESTS")),
    reason="slow (pre-commit installs the hook environment from PyPI): runs in CI, "
    "or locally with CACHELINT_SLOW_TESTS=1",
)
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
needs_pre_commit = pytest.mark.skipif(
    importlib.util.find_spec("pre_commit") is None, reason="needs pre-commit (in the `test` extra)"
)


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=cachelint tests", "-c", "user.email=tests@cachelint.invalid",
         "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def snapshot_of_this_repository(target: Path) -> Path:
    """A one-commit git repository holding the working tree as it is now."""
    target.mkdir()
    try:
        listed = git(REPO, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
        for name in filter(None, listed.split("\0")):
            source = REPO / name
            if source.is_file():  # tracked files deleted in the working tree are left out
                (target / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target / name)
    except subprocess.CalledProcessError:  # not a git checkout (an unpacked sdist)
        shutil.rmtree(target)
        shutil.copytree(REPO, target, ignore=shutil.ignore_patterns(
            ".git", "*.egg-info", "__pycache__", ".*_cache", "build", "dist", ".venv"))
    git(target, "init", "-q")
    git(target, "add", "-A")
    git(target, "commit", "-q", "-m", "snapshot for the pre-commit test")
    return target


def try_repo(hook_repo: Path, project: Path, *files: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env["PRE_COMMIT_HOME"] = str(project.parent / f"pre-commit-home-{files[0].replace('/', '_')}")
    env["NO_COLOR"] = "1"
    return subprocess.Popen(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "cachelint", "--color", "never",
         "--files", *files],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    out, _ = process.communicate(timeout=1800)
    hook_ran = "- hook id: cachelint" in out or "cachelint...." in out
    if process.returncode != 0 and not hook_ran and any(sign in out for sign in NETWORK_TROUBLE):
        pytest.skip("pre-commit could not build the hook environment: PyPI is not reachable")
    return process.returncode, out


def test_manifest() -> None:
    yaml = pytest.importorskip("yaml", reason="PyYAML comes with pre-commit (in the `test` extra)")
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "cachelint"
    assert hook["language"] == "python"
    assert hook["entry"] == "cachelint --force-exclude"
    assert hook["types_or"] == ["python", "jupyter"]
    assert hook["require_serial"] is True


@slow
@needs_git
@needs_pre_commit
def test_hook_passes_clean_files_and_fails_bad_ones(tmp_path: Path, bad_app: str, clean_app: str) -> None:
    hook_repo = snapshot_of_this_repository(tmp_path / "hook")
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        textwrap.dedent(
            """\
            [project]
            name = "demo"

            [tool.cachelint]
            extend-exclude = ["generated"]
            """
        ),
        encoding="utf-8",
    )
    (project / "clean.py").write_text(clean_app, encoding="utf-8")
    (project / "bad.py").write_text(bad_app, encoding="utf-8")
    (project / "generated").mkdir()
    (project / "generated" / "bad.py").write_text(bad_app, encoding="utf-8")
    cell = {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": bad_app}
    notebook = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (project / "bad.ipynb").write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "demo")

    # Each try-repo builds its own environment: run both at once.
    clean_run = try_repo(hook_repo, project, "clean.py", "generated/bad.py")
    bad_run = try_repo(hook_repo, project, "bad.py", "bad.ipynb", "generated/bad.py")
    clean_code, clean_out = finish(clean_run)
    bad_code, bad_out = finish(bad_run)

    # generated/ is excluded in the configuration: --force-exclude honours that for
    # the files pre-commit passes by name.
    assert clean_code == 0, clean_out
    assert "cachelint" in clean_out and "Passed" in clean_out

    assert bad_code == 1, bad_out
    assert "Failed" in bad_out and "- hook id: cachelint" in bad_out
    assert "CL102" in bad_out
    assert "--> bad.py:13:" in bad_out
    assert "--> bad.ipynb:cell 1:line 13:" in bad_out
    assert "generated/bad.py" not in bad_out.split("- exit code: 1", 1)[1]
    assert "Found 2 findings (2 errors) in 2 files." in bad_out

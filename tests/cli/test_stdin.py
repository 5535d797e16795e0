"""`cachelint -` and `--stdin-filename`: what editors and other tools pipe in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

RunCli = Callable[..., Any]

REPO = Path(__file__).resolve().parents[2]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_real_finding_named_by_the_stdin_filename(project: Path, run: RunCli, bad_app: str) -> None:
    (found,) = json.loads(run("--format", "json", "--stdin-filename", "app/x.py", "-", input=bad_app).stdout)
    assert (found["code"], found["path"]) == ("CL102", "app/x.py")
    result = run("--format", "concise", "--stdin-filename", "app/x.py", "-", input=bad_app)
    assert result.all == (
        1,
        f"app/x.py:{found['line']}:{found['column']}: CL102 {found['message']}\n"
        "Found 1 finding (1 error) in 1 file.\n",
        "",
    )
    # The file need not exist, and nothing is written.
    assert not (project / "app").exists()


def test_clean_and_empty_input(project: Path, run: RunCli, clean_app: str) -> None:
    assert run("--stdin-filename", "x.py", "-", input=clean_app).all == (0, "All checks passed!\n", "")
    assert run("-", input="").all == (0, "All checks passed!\n", "")


def test_without_a_filename_the_path_is_a_dash(project: Path, run: RunCli, fake_engine: None) -> None:
    assert run("--format", "concise", "-", input="x = CL101_HERE\n").all == (
        1,
        "-:1:5: CL101 `CL101_HERE` marks a finding\nFound 1 finding (1 error) in 1 file.\n",
        "",
    )


def test_configuration_is_found_from_the_stdin_filename(project: Path, run: RunCli, fake_engine: None) -> None:
    write(
        project / "svc" / "pyproject.toml",
        """\
        [tool.cachelint]
        output-format = "concise"

        [tool.cachelint.per-file-ignores]
        "legacy/*" = ["CL101"]
        """,
    )
    source = "x = CL101_HERE\n"
    assert run("--stdin-filename", "svc/legacy/old.py", input=source).all == (0, "All checks passed!\n", "")
    assert run("--stdin-filename", "svc/new.py", input=source).all == (
        1,
        "svc/new.py:1:5: CL101 `CL101_HERE` marks a finding\nFound 1 finding (1 error) in 1 file.\n",
        "",
    )


def test_stdin_with_files_and_machine_formats(project: Path, run: RunCli, fake_engine: None) -> None:
    write(project / "a.py", "a = CL103_HERE\n")
    result = run("--format", "sarif", "--stdin-filename", "b.py", "a.py", "-", input="b = CL101_HERE\n")
    assert result.exit_code == 1
    uris = [
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in json.loads(result.stdout)["runs"][0]["results"]
    ]
    assert uris == ["a.py", "b.py"]


def test_stdin_with_a_baseline(project: Path, run: RunCli, fake_engine: None) -> None:
    source = "x = CL101_HERE\n"
    assert run("-q", "--stdin-filename", "x.py", "--write-baseline", "b.json", input=source).exit_code == 0
    assert run("--stdin-filename", "x.py", "--baseline", "b.json", input=source).all == (
        0,
        "All checks passed! 1 known finding from the baseline was not shown.\n",
        "",
    )


def test_undecodable_input(project: Path, run: RunCli) -> None:
    result = run("--stdin-filename", "x.py", input=b"import openai\nx = '\xff'\n")
    assert result.all == (
        2,
        "No findings, but 1 path could not be checked.\n",
        "cachelint: error: x.py: cannot decode as utf-8: invalid start byte\n",
    )


@pytest.mark.parametrize("fmt", ["concise", "github"])
def test_real_process_reading_a_pipe(project: Path, bad_app: str, fmt: str) -> None:
    """As an editor runs it: a separate process, source on a pipe."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "cachelint", "--format", fmt, "--stdin-filename", "app/x.py", "-"],
        input=bad_app,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert (done.returncode, done.stderr) == (1, "")
    assert "CL102" in done.stdout and "app/x.py" in done.stdout

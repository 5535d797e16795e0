"""`--format github`: one GitHub Actions workflow command per finding, escaped as the runner expects."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cachelint.diagnostics import Diagnostic, Fix, Severity, Span
from cachelint.report import render
from cachelint.report.github import escape_data, escape_property

RunCli = Callable[..., Any]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_escaping() -> None:
    assert escape_data("50% of\r\nthe: prefix, lost") == "50%25 of%0D%0Athe: prefix, lost"
    assert escape_property("a:b,c%d\ne") == "a%3Ab%2Cc%25d%0Ae"


def test_one_command_per_finding_by_severity(project: Path, run: RunCli, fake_engine: None) -> None:
    write(project / "pyproject.toml", "[tool.cachelint.severity]\nCL201 = 'info'\n")
    write(project / "src" / "app.py", "a = CL101_HERE\nb = CL103_HERE\nc = CL201_HERE\n")
    assert run("--format", "github", "--color").all == (
        1,
        "::error file=src/app.py,line=1,col=5,endLine=1,endColumn=15,title=cachelint (CL101)"
        "::`CL101_HERE` marks a finding%0Ahelp: Remove `CL101_HERE`\n"
        "::warning file=src/app.py,line=2,col=5,endLine=2,endColumn=15,title=cachelint (CL103)"
        "::`CL103_HERE` marks a finding%0Ahelp: Remove `CL103_HERE`\n"
        "::notice file=src/app.py,line=3,col=5,endLine=3,endColumn=15,title=cachelint (CL201)"
        "::`CL201_HERE` marks a finding%0Ahelp: Remove `CL201_HERE`\n",
        "",
    )


def test_clean_run_prints_nothing(project: Path, run: RunCli) -> None:
    write(project / "app.py", "x = 1\n")
    assert run("--format", "github").all == (0, "", "")


def test_paths_are_relative_to_the_repository_root(
    project: Path, run: RunCli, fake_engine: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / ".git").mkdir()
    write(project / "services" / "api" / "pyproject.toml", "[tool.cachelint]\n")
    write(project / "services" / "api" / "we,ird:name.py", "x = CL101_HERE\n")
    monkeypatch.chdir(project / "services" / "api")
    result = run("--format", "github")
    assert result.all == (
        1,
        "::error file=services/api/we%2Cird%3Aname.py,line=1,col=5,endLine=1,endColumn=15,"
        "title=cachelint (CL101)::`CL101_HERE` marks a finding%0Ahelp: Remove `CL101_HERE`\n",
        "",
    )


def test_message_escaping_end_to_end() -> None:
    d = Diagnostic(
        "CL102",
        "volatile-in-prefix",
        Severity.WARNING,
        "`{now:%H:%M}` changes, every request",
        Span("app.py", 3, 7, 4, 2),
        Fix("Move it\nafter the rules"),
    )
    assert render("github", [d], root=".") == (
        "::warning file=app.py,line=3,col=7,endLine=4,endColumn=2,title=cachelint (CL102)"
        "::`{now:%25H:%25M}` changes, every request%0Ahelp: Move it%0Aafter the rules\n"
    )


def test_real_finding(project: Path, run: RunCli, bad_app: str) -> None:
    write(project / "app.py", bad_app)
    (found,) = json.loads(run("--format", "json").stdout)
    result = run("--format", "github")
    assert result.all == (
        1,
        f"::error file=app.py,line={found['line']},col={found['column']},endLine={found['end_line']},"
        f"endColumn={found['end_column']},title=cachelint (CL102)"
        f"::{escape_data(found['message'] + chr(10) + 'help: ' + found['fix']['title'])}\n",
        "",
    )
    assert "datetime.now()" in bad_app.splitlines()[found["line"] - 1]


def test_fail_on_applies(project: Path, run: RunCli, fake_engine: None) -> None:
    write(project / "app.py", "b = CL103_HERE\n")
    result = run("--format", "github", "--fail-on", "error")
    assert result.exit_code == 0
    assert result.stdout.startswith("::warning file=app.py,line=1,")

"""The command line as users see it: exit code, stdout and stderr, compared whole."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import types
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from cachelint import __version__, lintrun
from cachelint import cli as cli_module
from cachelint.cli import parse_target, rule_doc
from cachelint.rules import ALL_RULES, lookup
from cachelint.rules._base import Rule
from cachelint.settings import Settings

RunCli = Callable[..., Any]

ONE_FINDING = "Found 1 finding (1 error) in 1 file.\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# --- clean runs and basic options ----------------------------------------------------


def test_no_args_on_a_clean_folder(project: Path, run: RunCli) -> None:
    write(project / "app.py", "import openai\nx = 1\n")
    assert run().all == (0, "All checks passed!\n", "")


def test_check_alias_and_explicit_paths(project: Path, run: RunCli) -> None:
    write(project / "src" / "app.py", "x = 1\n")
    assert run("check", "src").all == (0, "All checks passed!\n", "")
    assert run("src").all == (0, "All checks passed!\n", "")


def test_version(project: Path, run: RunCli) -> None:
    assert run("--version").all == (0, f"cachelint {__version__}\n", "")
    assert run("check", "--version").all == (0, f"cachelint {__version__}\n", "")


def test_json_is_an_empty_array_when_clean(project: Path, run: RunCli) -> None:
    write(project / "app.py", "x = 1\n")
    result = run("--format", "json")
    assert result.all == (0, "[]\n", "")
    assert json.loads(result.stdout) == []


def test_text_is_an_alias_of_full(project: Path, run: RunCli, fake_engine: None) -> None:
    write(project / "app.py", "x = CL101_HERE\n")
    assert run("--format", "text").all == run("--format", "full").all


def test_empty_folder_passes_with_a_warning(project: Path, run: RunCli) -> None:
    assert run().all == (0, "All checks passed!\n", "cachelint: warning: .: no Python files found\n")
    (project / "docs").mkdir()
    write(project / "src" / "app.py", "x = 1\n")
    assert run("docs", "src").all == (0, "All checks passed!\n", "cachelint: warning: docs: no Python files found\n")
    # A folder whose only file is excluded says so too; a folder with a file does not.
    write(project / "build" / "gen.py", "x = 1\n")
    assert run("src").all == (0, "All checks passed!\n", "")


def test_quiet_prints_no_summary(project: Path, run: RunCli) -> None:
    write(project / "app.py", "x = 1\n")
    assert run("-q").all == (0, "", "")


def test_help_shows_the_lint_usage(project: Path, run: RunCli) -> None:
    result = run("--help")
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: cachelint [OPTIONS] [PATHS]...\n")
    assert "cachelint rule CODE|NAME" in result.stdout


def test_help_names_every_other_command_and_the_server_extra_by_its_distribution(project: Path, run: RunCli) -> None:
    # The commands the help lists are the commands that exist; `cachelint[server]` would install
    # another project from the package index, so the server's help names `cachelint-llm[server]`.
    listed = run("--help").stdout.split("Other commands:")[1].split("Exit status:")[0]
    assert {line.split()[1] for line in listed.splitlines() if line.strip()} == {"rules", "rule", "models", "server"}
    server = run("server", "--help")
    assert server.exit_code == 0
    assert "pip install 'cachelint-llm[server]'" in " ".join(server.stdout.split())
    assert "cachelint[server]" not in server.stdout


def test_folder_named_like_a_command(project: Path, run: RunCli, fake_engine: None) -> None:
    write(project / "rule" / "app.py", "x = CL101_HERE\n")
    result = run("--format", "concise", "./rule")
    assert result.all == (
        1,
        "rule/app.py:1:5: CL101 `CL101_HERE` marks a finding\n" + ONE_FINDING,
        "",
    )


# --- errors: one line each on stderr, the rest still linted, exit 2 ------------------


def test_missing_path(project: Path, run: RunCli) -> None:
    assert run("nope.py").all == (
        2,
        "No findings, but 1 path could not be checked.\n",
        "cachelint: error: nope.py: no such file or directory\n",
    )


def test_missing_path_does_not_stop_the_others(project: Path, run: RunCli, fake_engine: None) -> None:
    write(project / "app.py", "x = CL101_HERE\n")
    result = run("--format", "concise", "nope", "app.py")
    assert result.all == (
        2,
        "app.py:1:5: CL101 `CL101_HERE` marks a finding\n"
        "Found 1 finding (1 error) in 1 file; 1 path could not be checked.\n",
        "cachelint: error: nope: no such file or directory\n",
    )


def test_unparsable_and_undecodable_files(project: Path, run: RunCli, fake_engine: None) -> None:
    write(project / "a_syntax.py", "import openai\nclient = openai.OpenAI(\n")
    write(project / "b_py2.py", 'import openai\nprint "x"\n')
    (project / "c_bytes.py").write_bytes(b"# -*- coding: utf-8 -*-\nimport openai\nx = '\xff'\n")
    write(project / "d_good.py", "import openai\nx = CL101_HERE\n")
    result = run("--format", "concise")
    assert result.exit_code == 2
    assert result.stderr == (
        "cachelint: error: a_syntax.py: syntax error at line 2: '(' was never closed\n"
        "cachelint: error: b_py2.py: syntax error at line 2: "
        "Missing parentheses in call to 'print'. Did you mean print(...)?\n"
        "cachelint: error: c_bytes.py: cannot decode as utf-8: invalid start byte\n"
    )
    assert result.stdout == (
        "d_good.py:2:5: CL101 `CL101_HERE` marks a finding\n"
        "Found 1 finding (1 error) in 1 file; 3 paths could not be checked.\n"
    )


def test_exit_zero_exits_0_with_parse_errors_but_still_says_so(project: Path, run: RunCli, fake_engine: None) -> None:
    write(project / "bad.py", 'import openai\nprint "x"\n')
    write(project / "good.py", "x = CL101_HERE\n")
    assert run("-q", "--format", "concise").exit_code == 2
    result = run("--exit-zero", "--format", "concise")
    assert result.exit_code == 0
    assert result.stderr == ("cachelint: error: bad.py: syntax error at line 2: Missing parentheses in call to "
                             "'print'. Did you mean print(...)?\n")
    assert result.stdout.endswith("Found 1 finding (1 error) in 1 file; 1 path could not be checked.\n")


def test_exit_zero_keeps_exit_2_for_a_path_that_does_not_exist(project: Path, run: RunCli) -> None:
    write(project / "good.py", "x = 1\n")
    assert run("--exit-zero", "good.py", "nope.py").all == (
        2, "No findings, but 1 path could not be checked.\n", "cachelint: error: nope.py: no such file or directory\n")
    assert run("--exit-zero", "--config", "nope.toml").exit_code == 2


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_special_files_are_reported_not_opened(project: Path, run: RunCli, fake_engine: None) -> None:
    # Running as root makes chmod 000 files readable, so use files that cannot be read
    # as source for other reasons. Opening a FIFO would block forever.
    os.mkfifo(project / "a_pipe.py")
    (project / "b_gone.py").symlink_to(project / "missing.py")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind("c_sock.py")  # relative: AF_UNIX paths are limited to ~100 bytes
    try:
        write(project / "d_good.py", "x = CL101_HERE\n")
        result = run("--format", "concise")
    finally:
        sock.close()
    assert result.all == (
        2,
        "d_good.py:1:5: CL101 `CL101_HERE` marks a finding\n"
        "Found 1 finding (1 error) in 1 file; 3 paths could not be checked.\n",
        "cachelint: error: a_pipe.py: not a regular file\n"
        "cachelint: error: b_gone.py: broken symbolic link\n"
        "cachelint: error: c_sock.py: not a regular file\n",
    )


def _read_fails(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            fh.read()
    except OSError:
        return True
    return False


@pytest.mark.skipif(not _read_fails("/proc/self/mem"), reason="needs a regular file whose read fails")
def test_file_that_cannot_be_read(project: Path, run: RunCli, fake_engine: None) -> None:
    # /proc/self/mem opens as a regular file but reading offset 0 fails with EIO, even
    # for root: the engine's read error path, end to end.
    (project / "a_mem.py").symlink_to("/proc/self/mem")
    write(project / "b_good.py", "x = CL101_HERE\n")
    assert run("--format", "concise").all == (
        2,
        "b_good.py:1:5: CL101 `CL101_HERE` marks a finding\n"
        "Found 1 finding (1 error) in 1 file; 1 path could not be checked.\n",
        "cachelint: error: a_mem.py: cannot read: Input/output error\n",
    )


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can read mode 000")
def test_permission_denied(project: Path, run: RunCli) -> None:
    bad = write(project / "bad.py", "x = 1\n")
    bad.chmod(0)
    try:
        assert run().all == (
            2,
            "No findings, but 1 path could not be checked.\n",
            "cachelint: error: bad.py: cannot read: Permission denied\n",
        )
    finally:
        bad.chmod(0o644)


def test_crash_in_one_file_is_one_line(
    project: Path, run: RunCli, fake_engine: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(project / "a.py", "x = CL101_HERE\n")
    write(project / "b.py", "y = 1\n")
    lint_files = lintrun.lint_files

    def crashing(files, settings, rules):  # type: ignore[no-untyped-def]
        if "b.py" in files:
            raise RuntimeError("boom")
        return lint_files(files, settings, rules)

    monkeypatch.setattr(lintrun, "lint_files", crashing)
    assert run("--format", "concise").all == (
        2,
        "a.py:1:5: CL101 `CL101_HERE` marks a finding\n"
        "Found 1 finding (1 error) in 1 file; 1 path could not be checked.\n",
        "cachelint: internal error: b.py: RuntimeError: boom\n",
    )


def test_unexpected_exception_is_one_line(project: Path, run: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("surprise")

    monkeypatch.setattr(cli_module, "discover", broken)
    assert run().all == (2, "", "cachelint: internal error: KeyError: 'surprise'\n")


def test_usage_errors_are_one_line(project: Path, run: RunCli) -> None:
    assert run("--bogus-flag").all == (
        2,
        "",
        "cachelint: error: No such option '--bogus-flag' (see 'cachelint --help')\n",
    )
    assert run("--min-lost-tokens", "-1").exit_code == 2
    assert run("--format", "xml").stderr.count("\n") == 1


# --- configuration errors ------------------------------------------------------------


@pytest.mark.parametrize(
    ("toml", "problem"),
    [
        ("selekt = []\n", "unknown key 'selekt' in [tool.cachelint]"),
        (
            "min-lost-tokens = 'many'\n",
            "'min-lost-tokens' in [tool.cachelint] must be an integer >= 0, not a string",
        ),
        (
            "select = ['CL999']\n",
            "'select' in [tool.cachelint] names an unknown rule: 'CL999'",
        ),
        (
            "select = CL101\n",
            "invalid TOML: Invalid value (at line 2, column 10)",
        ),
    ],
)
def test_bad_config(project: Path, run: RunCli, toml: str, problem: str) -> None:
    write(project / "app.py", "x = 1\n")
    (project / "pyproject.toml").write_text("[tool.cachelint]\n" + toml, encoding="utf-8")
    assert run().all == (2, "", f"cachelint: error: pyproject.toml: {problem}\n")


def test_bad_config_found_from_a_subfolder(project: Path, run: RunCli) -> None:
    write(project / "pyproject.toml", "[tool.cachelint]\nselekt = []\n")
    write(project / "src" / "app.py", "x = 1\n")
    (project / "src").joinpath("deep").mkdir()
    assert run("src/deep").all == (
        2,
        "",
        "cachelint: error: pyproject.toml: unknown key 'selekt' in [tool.cachelint]\n",
    )


def test_explicit_config_file(project: Path, run: RunCli) -> None:
    write(project / "app.py", "x = 1\n")
    write(project / "ci" / "cachelint.toml", "ignore = ['CL8']\n")
    assert run("--config", "ci/cachelint.toml").all == (
        2,
        "",
        "cachelint: error: ci/cachelint.toml: 'ignore' names an unknown rule: 'CL8'\n",
    )
    assert run("--config", "nope.toml").all == (
        2,
        "",
        "cachelint: error: nope.toml: no such file or directory\n",
    )


@pytest.mark.parametrize("option", ["--select", "--ignore", "--extend-select"])
def test_unknown_rule_on_the_command_line(project: Path, run: RunCli, option: str) -> None:
    assert run(option, "CL101,CL999").all == (
        2,
        "",
        f"cachelint: error: {option}: unknown rule code or name 'CL999'\n",
    )


# --- findings: formats, exit codes, selection, suppression ---------------------------


APP = """\
import openai

prompt = f"{CL101_HERE} then static text"
other = CL103_HERE  # cachelint: ignore[CL101]
"""


def test_full_output(project: Path, run: RunCli, fake_engine: None) -> None:
    write(project / "app.py", APP)
    assert run().all == (
        1,
        textwrap.dedent(
            """\
            CL101 [error] `CL101_HERE` marks a finding
             --> app.py:3:13
              |
            3 | prompt = f"{CL101_HERE} then static text"
              |             ^^^^^^^^^^
              |
             ::: app.py:1:1 file starts here
            help: Remove `CL101_HERE`

            CL103 [warning] `CL103_HERE` marks a finding
             --> app.py:4:9
              |
            4 | other = CL103_HERE  # cachelint: ignore[CL101]
              |         ^^^^^^^^^^
              |
             ::: app.py:1:1 file starts here
            help: Remove `CL103_HERE`

            Found 2 findings (1 error, 1 warning) in 1 file.
            """
        ),
        "",
    )


def test_concise_and_exit_zero(project: Path, run: RunCli, fake_engine: None) -> None:
    write(project / "app.py", APP)
    expected = (
        "app.py:3:13: CL101 `CL101_HERE` marks a finding\n"
        "app.py:4:9: CL103 `CL103_HERE` marks a finding\n"
        "Found 2 findings (1 error, 1 warning) in 1 file.\n"
    )
    assert run("--format", "concise").all == (1, expected, "")
    assert run("--format", "concise", "--exit-zero").all == (0, expected, "")


def test_json_output(project: Path, run: RunCli, fake_engine: None) -> None:
    write(project / "src" / "app.py", "x = CL103_HERE\n")
    result = run("--format", "json")
    assert result.exit_code == 1
    assert result.stderr == ""
    assert json.loads(result.stdout) == [
        {
            "code": "CL103",
            "name": "unordered-in-prefix",
            "severity": "warning",
            "message": "`CL103_HERE` marks a finding",
            "path": "src/app.py",
            "line": 1,
            "column": 5,
            "end_line": 1,
            "end_column": 15,
            "cell": None,
            "fix": {"title": "Remove `CL103_HERE`", "applicability": "display-only", "edits": []},
            "related": [
                {
                    "path": "src/app.py",
                    "line": 1,
                    "column": 1,
                    "end_line": 1,
                    "end_column": 2,
                    "cell": None,
                    "message": "file starts here",
                }
            ],
            "fingerprint": "",
        }
    ]


def test_statistics(project: Path, run: RunCli, fake_engine: None) -> None:
    write(project / "a.py", "x = CL101_HERE\ny = CL103_HERE\n")
    write(project / "b.py", "z = CL101_HERE\n")
    assert run("--statistics").all == (
        1,
        "2  CL101  error    dynamic-before-static\n"
        "1  CL103  warning  unordered-in-prefix\n"
        "Found 3 findings (2 errors, 1 warning) in 2 files.\n",
        "",
    )
    assert json.loads(run("--statistics", "--format", "json").stdout) == [
        {"code": "CL101", "name": "dynamic-before-static", "severity": "error", "count": 2},
        {"code": "CL103", "name": "unordered-in-prefix", "severity": "warning", "count": 1},
    ]


def test_suppression_comments(project: Path, run: RunCli, fake_engine: None) -> None:
    write(
        project / "app.py",
        """\
        a = CL101_HERE  # cachelint: ignore[CL101]
        b = CL101_HERE  # cachelint: ignore[dynamic-before-static, CL102]
        c = CL101_HERE  # cachelint: ignore
        d = CL101_HERE  # noqa: CL101
        e = CL101_HERE  # noqa
        f = CL101_HERE  # noqa: E501
        g = "# noqa", CL101_HERE
        """,
    )
    assert run("--format", "concise").all == (
        1,
        "app.py:6:5: CL101 `CL101_HERE` marks a finding\n"
        "app.py:7:15: CL101 `CL101_HERE` marks a finding\n"
        "Found 2 findings (2 errors) in 1 file.\n",
        "",
    )


def test_per_file_ignores(project: Path, run: RunCli, fake_engine: None) -> None:
    write(
        project / "pyproject.toml",
        """\
        [tool.cachelint.per-file-ignores]
        "tests/*" = ["CL101"]
        "legacy.py" = ["unordered-in-prefix"]
        """,
    )
    write(project / "tests" / "t.py", "x = CL101_HERE\ny = CL103_HERE\n")
    write(project / "pkg" / "legacy.py", "x = CL101_HERE\ny = CL103_HERE\n")
    assert run("--format", "concise").all == (
        1,
        "pkg/legacy.py:1:5: CL101 `CL101_HERE` marks a finding\n"
        "tests/t.py:2:5: CL103 `CL103_HERE` marks a finding\n"
        "Found 2 findings (1 error, 1 warning) in 2 files.\n",
        "",
    )


def test_selection_flags_override_the_config(project: Path, run: RunCli, fake_engine: None) -> None:
    write(project / "pyproject.toml", "[tool.cachelint]\nselect = ['CL103']\nignore = ['CL201']\n")
    write(project / "app.py", "a = CL101_HERE\nb = CL103_HERE\nc = CL201_HERE\n")

    def codes(*args: str) -> list[str]:
        out = run("--format", "json", *args).stdout
        return [d["code"] for d in json.loads(out)]

    assert codes() == ["CL103"]
    assert codes("--select", "CL101") == ["CL101"]
    assert codes("--extend-select", "CL101") == ["CL101", "CL103"]
    assert codes("--extend-select", "CL201") == ["CL103", "CL201"]
    assert codes("--ignore", "CL103") == []
    assert codes("--select", "CL1", "--ignore", "dynamic-before-static") == ["CL103"]


def test_output_format_from_config(project: Path, run: RunCli, fake_engine: None) -> None:
    write(project / "pyproject.toml", "[tool.cachelint]\noutput-format = 'concise'\n")
    write(project / "app.py", "a = CL101_HERE\n")
    assert run().stdout == "app.py:1:5: CL101 `CL101_HERE` marks a finding\n" + ONE_FINDING
    assert run("--format", "json").stdout.startswith("[")


def test_severity_override_and_fail_on(project: Path, run: RunCli, fake_engine: None) -> None:
    write(
        project / "pyproject.toml",
        """\
        [tool.cachelint.severity]
        CL101 = "info"
        unordered-in-prefix = "warning"
        """,
    )
    write(project / "app.py", "a = CL101_HERE\nb = CL103_HERE\n")
    findings = (
        "app.py:1:5: CL101 `CL101_HERE` marks a finding\n"
        "app.py:2:5: CL103 `CL103_HERE` marks a finding\n"
    )
    # Default --fail-on info: any finding fails.
    assert run("--format", "concise").all == (
        1,
        findings + "Found 2 findings (1 warning, 1 info) in 1 file.\n",
        "",
    )
    assert run("--format", "concise", "--fail-on", "warning").exit_code == 1
    assert run("--format", "concise", "--fail-on", "error").all == (
        0,
        findings + "Found 2 findings (1 warning, 1 info) in 1 file. None is at or above --fail-on error.\n",
        "",
    )
    assert json.loads(run("--format", "json").stdout)[0]["severity"] == "info"
    assert run().stdout.startswith("CL101 [info] `CL101_HERE` marks a finding\n")
    assert run("--statistics").stdout == (
        "1  CL101  info     dynamic-before-static\n"
        "1  CL103  warning  unordered-in-prefix\n"
        "Found 2 findings (1 warning, 1 info) in 1 file.\n"
    )


def test_fail_on_from_config_and_the_flag_wins(project: Path, run: RunCli, fake_engine: None) -> None:
    write(project / "pyproject.toml", "[tool.cachelint]\nfail-on = 'error'\n")
    write(project / "app.py", "b = CL103_HERE\n")
    assert run("-q").exit_code == 0
    assert run("-q", "--fail-on", "warning").exit_code == 1
    assert run("--fail-on", "fatal").all == (
        2,
        "",
        "cachelint: error: Invalid value for '--fail-on': 'fatal' is not one of 'error', 'warning', 'info' "
        "(see 'cachelint --help')\n",
    )


def test_machine_formats_have_no_summary_line(project: Path, run: RunCli, fake_engine: None) -> None:
    write(project / "app.py", "a = CL101_HERE\n")
    for fmt in ("json", "sarif", "github"):
        result = run("--format", fmt)
        assert result.exit_code == 1
        assert "Found 1 finding" not in result.stdout


def test_colour(project: Path, run: RunCli, fake_engine: None, monkeypatch: pytest.MonkeyPatch) -> None:
    write(project / "app.py", "a = CL101_HERE\n")
    assert "\x1b[" not in run().stdout  # not a terminal
    assert "\x1b[" not in run("--no-color").stdout
    coloured = run("--color", "--format", "concise").stdout
    assert "\x1b[1m\x1b[31m" in coloured or "\x1b[31m\x1b[1m" in coloured
    monkeypatch.setattr(sys, "stdout", types.SimpleNamespace(isatty=lambda: True))
    assert cli_module.use_color(None) is True
    monkeypatch.setenv("NO_COLOR", "1")
    assert cli_module.use_color(None) is False
    assert cli_module.use_color(True) is True


def test_stdin(project: Path, run: RunCli, fake_engine: None) -> None:
    source = "import openai\nx = CL101_HERE  # noqa: CL103\ny = CL103_HERE  # noqa: CL103\n"
    expected = "src/app.py:2:5: CL101 `CL101_HERE` marks a finding\n" + ONE_FINDING
    result = run("--format", "concise", "--stdin-filename", "src/app.py", "-", input=source)
    assert result.all == (1, expected, "")
    # --stdin-filename alone also reads stdin
    assert run("--format", "concise", "--stdin-filename", "src/app.py", input=source).all == (
        1,
        expected,
        "",
    )
    assert run("--format", "concise", "-", input="x = 1\n").all == (0, "All checks passed!\n", "")


def test_stdin_syntax_error(project: Path, run: RunCli) -> None:
    result = run("--stdin-filename", "a.py", input="import openai\nprint 'x'\n")
    assert result.exit_code == 2
    assert result.stderr.startswith("cachelint: error: a.py: syntax error at line 2")
    assert result.stderr.count("\n") == 1


def test_stdin_force_exclude(project: Path, run: RunCli, fake_engine: None) -> None:
    source = "x = CL101_HERE\n"
    assert run("--stdin-filename", "build/x.py", "--force-exclude", "-", input=source).all == (
        0,
        "All checks passed!\n",
        "",
    )
    assert run("--stdin-filename", "build/x.py", "-", "-q", input=source).exit_code == 1


def test_show_files(project: Path, run: RunCli) -> None:
    write(project / "b.py", "")
    write(project / "a" / "z.py", "")
    write(project / "a" / "__pycache__" / "c.py", "")
    write(project / "notes.txt", "")
    assert run("--show-files").all == (0, "a/z.py\nb.py\n", "")
    assert run("--show-files", "missing").all == (
        2,
        "",
        "cachelint: error: missing: no such file or directory\n",
    )


def test_force_exclude(project: Path, run: RunCli, fake_engine: None) -> None:
    write(project / "pyproject.toml", "[tool.cachelint]\nextend-exclude = ['generated']\n")
    write(project / "generated" / "x.py", "a = CL101_HERE\n")
    assert run().all == (0, "All checks passed!\n", "cachelint: warning: .: no Python files found\n")
    assert run("-q", "generated/x.py").exit_code == 1
    assert run("--force-exclude", "generated/x.py").all == (0, "All checks passed!\n", "")


def test_min_lost_tokens_and_default_model_reach_the_settings(
    project: Path, run: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(project / "pyproject.toml", "[tool.cachelint]\nmin-lost-tokens = 50\n")
    write(project / "app.py", "x = 1\n")
    seen: list[Settings] = []
    real = lintrun.lint_files

    def spy(files, settings, rules):  # type: ignore[no-untyped-def]
        seen.append(settings)
        return real(files, settings, rules)

    monkeypatch.setattr(lintrun, "lint_files", spy)
    run()
    run("--min-lost-tokens", "7", "--default-model", "claude-sonnet-4-5")
    assert [(s.min_lost_tokens, s.default_model) for s in seen] == [
        (50, None),
        (7, "claude-sonnet-4-5"),
    ]
    assert seen[0].root == str(project)


# --- --show-prompt -------------------------------------------------------------------


def test_parse_target() -> None:
    assert parse_target("app.py") == ("app.py", None)
    assert parse_target("app.py:12") == ("app.py", 12)
    assert parse_target("C:/x/app.py:3") == ("C:/x/app.py", 3)
    assert parse_target("weird:name.py") == ("weird:name.py", None)


def test_show_prompt(project: Path, run: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    write(project / "app.py", "x = 1\n")
    calls: list[tuple[str, int | None, Settings, Sequence[type[Rule]]]] = []

    def show_prompt(path: str, line: int | None, settings: Settings, rules: Sequence[type[Rule]]) -> str:
        calls.append((path, line, settings, rules))
        return "instructions  static  'You are…'\n"

    module = types.ModuleType("cachelint.showprompt")
    module.show_prompt = show_prompt  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "cachelint.showprompt", module)
    assert run("--show-prompt", "app.py:3").all == (0, "instructions  static  'You are…'\n", "")
    assert calls[0][:2] == ("app.py", 3)
    assert [r.code for r in calls[0][3]] == [r.code for r in ALL_RULES if r.default]  # the run's rules
    assert run("--show-prompt", "nope.py").all == (
        2,
        "",
        "cachelint: error: nope.py: no such file (--show-prompt takes PATH or PATH:LINE)\n",
    )


def test_show_prompt_without_the_module(project: Path, run: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    write(project / "app.py", "x = 1\n")
    monkeypatch.setitem(sys.modules, "cachelint.showprompt", None)  # import fails
    assert run("--show-prompt", "app.py").all == (
        2,
        "",
        "cachelint: error: --show-prompt: not available in this build (cachelint.showprompt is missing)\n",
    )


# --- rule ----------------------------------------------------------------------------


def test_rule_by_code_and_name(project: Path, run: RunCli) -> None:
    rule = lookup("CL101")[0]
    expected = (
        f"# dynamic-before-static (CL101)\n\nSeverity: {rule.severity.value}; enabled by default.\n\n{rule.summary}\n"
    )
    by_code = run("rule", "CL101")
    assert by_code.exit_code == 0
    assert by_code.stdout.startswith(expected)
    assert by_code.stdout == rule_doc(rule)
    if rule.__doc__:
        assert textwrap.dedent(rule.__doc__).strip().splitlines()[0] in by_code.stdout
    assert run("rule", "dynamic-before-static").all == by_code.all
    assert run("rule", "cl101").all == by_code.all


def test_rule_all(project: Path, run: RunCli) -> None:
    result = run("rule", "--all")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    positions = [lines.index(f"# {r.name} ({r.code})") for r in ALL_RULES]
    assert positions == sorted(positions)
    assert result.stdout == "\n".join(rule_doc(r) for r in ALL_RULES)


def test_rule_json(project: Path, run: RunCli) -> None:
    data = json.loads(run("rule", "CL103", "--format", "json").stdout)
    assert (data["code"], data["name"], data["severity"]) == (
        "CL103",
        "unordered-in-prefix",
        "warning",
    )


def test_rule_errors(project: Path, run: RunCli) -> None:
    assert run("rule", "CL999").all == (
        2,
        "",
        "cachelint: error: unknown rule code or name 'CL999' (see 'cachelint rule --all')\n",
    )
    assert run("rule").all == (
        2,
        "",
        "cachelint: error: give a rule code or name, or --all (e.g. 'cachelint rule CL101')\n",
    )


# --- the installed entry points ------------------------------------------------------


def test_python_dash_m(project: Path) -> None:
    repo = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(repo)}
    done = subprocess.run(
        [sys.executable, "-m", "cachelint", "--version"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, f"cachelint {__version__}\n", "")
    done = subprocess.run(
        [sys.executable, "-m", "cachelint", "missing.py"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert (done.returncode, done.stderr) == (
        2,
        "cachelint: error: missing.py: no such file or directory\n",
    )


def test_the_entry_point_exits_with_the_code_after_all_of_its_output(tmp_path: Path) -> None:
    # main() leaves with os._exit, skipping the interpreter's teardown: the output still
    # buffered for a pipe (block-buffered, larger than one buffer) must reach the reader.
    repo = Path(__file__).resolve().parents[2]
    app = tmp_path / "app.py"
    lines = ["from openai import OpenAI", "client = OpenAI()"]
    for i in range(60):
        lines += [
            f"def f{i}(user):",
            "    return client.responses.create(",
            "        model='gpt-4.1', instructions=f'Hi {user}. ' + 'Be brief. ' * 300, input='x')",
        ]
    app.write_text("\n".join(lines) + "\n")
    env = {**os.environ, "PYTHONPATH": str(repo)}
    done = subprocess.run(
        [sys.executable, "-m", "cachelint", "--no-cache", "--format", "json", "app.py"],
        capture_output=True, text=True, env=env, cwd=tmp_path, check=False,
    )
    assert (done.returncode, done.stderr) == (1, "")
    assert len(done.stdout) > 8192
    findings = json.loads(done.stdout)
    assert sorted({f["line"] for f in findings}) == [4 + 3 * i for i in range(60)]


class _Stream:
    def __init__(self, error: BaseException | None) -> None:
        self.error = error

    def flush(self) -> None:
        if self.error is not None:
            raise self.error


class _Left(Exception):
    pass


@pytest.mark.parametrize(
    ("error", "code", "stderr"),
    [
        (None, 1, b""),
        (BrokenPipeError(32, "Broken pipe"), 1, b""),  # `cachelint | head`: quiet, as before
        (OSError(28, "No space left on device"), 2,
         b"cachelint: error: cannot write the output: OSError: [Errno 28] No space left on device\n"),
    ],
)
def test_leave_reports_output_that_could_not_be_written(
    monkeypatch: pytest.MonkeyPatch, error: BaseException | None, code: int, stderr: bytes
) -> None:
    written: list[tuple[int, bytes]] = []
    codes: list[int] = []

    def fake_exit(n: int) -> None:
        codes.append(n)
        raise _Left

    monkeypatch.setattr(sys, "stdout", _Stream(error))
    monkeypatch.setattr(sys, "stderr", _Stream(None))
    monkeypatch.setattr(os, "write", lambda fd, data: written.append((fd, data)) or len(data))
    monkeypatch.setattr(os, "_exit", fake_exit)
    with pytest.raises(_Left):
        cli_module.leave(1)
    assert codes == [code]
    assert b"".join(d for fd, d in written if fd == 2) == stderr


def test_sources_are_kept_only_for_the_code_frames_of_the_full_format(tmp_path: Path) -> None:
    from cachelint.lintrun import Sources

    f = tmp_path / "a.py"
    f.write_text("x = 1\n")
    for keep in (True, False):
        sources = Sources(keep=keep)
        assert sources.text(str(f)) == "x = 1\n"
        assert (str(f) in sources.texts) is keep
        assert sources.lines(str(f)) == ["x = 1", ""]

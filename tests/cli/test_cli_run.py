"""Issue 20's command-line items as a user meets them (exit code, stdout, stderr): --exit-zero
with files that cannot be checked, those files in JSON and SARIF, suppression comments with
unknown codes and unused ones, --output-file, --extend-exclude, --verbose, progress,
`cachelint rules`, and syntax of a newer Python."""

from __future__ import annotations

import io
import json
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pytest

from cachelint import lintrun
from cachelint import progress as progress_module
from cachelint.progress import Progress
from cachelint.rules import ALL_RULES

RunCli = Callable[..., Any]
SCHEMA = Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json"
SYNTAX_ERROR = 'import openai\nprint "x"\n'
PRINT_ERROR = "syntax error at line 2: Missing parentheses in call to 'print'. Did you mean print(...)?"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def notebook(*sources: str) -> str:
    cells = [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": s}
             for s in sources]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1)


# --- files that cannot be checked: --exit-zero, JSON, SARIF ----------------------------


def test_json_lists_files_that_cannot_be_checked_after_the_findings(
    project: Path, run: RunCli, fake_engine: None
) -> None:
    write(project / "bad.py", SYNTAX_ERROR)
    write(project / "good.py", "x = CL101_HERE\n")
    write(project / "nb.ipynb", notebook("import openai\n", "y = (\n"))
    result = run("--format", "json")
    assert result.exit_code == 2
    items = json.loads(result.stdout)
    assert [(i["code"], i["path"]) for i in items] == [("CL101", "good.py"), (None, "bad.py"), (None, "nb.ipynb")]
    bad, book = items[1], items[2]
    assert bad == {
        "code": None, "name": "syntax-error", "severity": "error", "message": PRINT_ERROR, "path": "bad.py",
        "line": 2, "column": 1, "end_line": 2, "end_column": 1, "cell": None, "fix": None, "related": [],
        "fingerprint": None,
    }
    assert book["name"] == "syntax-error" and book["line"] is None
    assert book["cell"] == {"number": 2, "line": 1, "column": 1, "end_line": 1, "end_column": 1}
    assert list(bad) == list(items[0])  # the same keys, in the same order, as a finding
    # --exit-zero: the same output, exit 0.
    zero = run("--format", "json", "--exit-zero")
    assert (zero.exit_code, zero.stdout, zero.stderr) == (0, result.stdout, result.stderr)


def test_a_notebook_cell_that_does_not_parse_exits_0_with_exit_zero(project: Path, run: RunCli) -> None:
    write(project / "nb.ipynb", notebook("import openai\n", "y = (\n"))
    assert run("--exit-zero").all == (
        0,
        "No findings, but 1 path could not be checked.\n",
        "cachelint: error: nb.ipynb: syntax error in cell 2 at line 1: '(' was never closed\n",
    )


def test_json_is_unchanged_when_every_file_is_checked(project: Path, run: RunCli, fake_engine: None) -> None:
    write(project / "good.py", "x = CL101_HERE\n")
    assert all(i["code"] == "CL101" for i in json.loads(run("--format", "json").stdout))


def _validate(log: dict[str, Any]) -> None:
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is in the `test` extra")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    assert [e.message for e in validator.iter_errors(log)] == []


def test_sarif_tool_execution_notifications(project: Path, run: RunCli, fake_engine: None) -> None:
    write(project / "bad.py", SYNTAX_ERROR)
    write(project / "good.py", "x = CL101_HERE\n")
    write(project / "latin.py", "")
    (project / "latin.py").write_bytes(b"# -*- coding: utf-8 -*-\nimport openai\nx = '\xff'\n")
    result = run("--format", "sarif", "--exit-zero")
    assert result.exit_code == 0
    log = json.loads(result.stdout)
    _validate(log)
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is True
    notes = invocation["toolExecutionNotifications"]
    assert [(n["descriptor"]["id"], n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]) for n in notes] \
        == [("syntax-error", "bad.py"), ("unreadable-file", "latin.py")]
    assert notes[0]["message"]["text"] == PRINT_ERROR
    assert notes[0]["locations"][0]["physicalLocation"]["region"] == {"startLine": 2}
    assert "region" not in notes[1]["locations"][0]["physicalLocation"]
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["CL101"]


def test_sarif_of_a_clean_run_has_no_notifications(project: Path, run: RunCli) -> None:
    write(project / "good.py", "x = 1\n")
    log = json.loads(run("--format", "sarif").stdout)
    _validate(log)
    assert log["runs"][0]["invocations"] == [{"executionSuccessful": True, "toolExecutionNotifications": []}]


# --- suppression comments ---------------------------------------------------------------


def test_unknown_codes_in_suppression_comments_warn(project: Path, run: RunCli) -> None:
    write(project / "a.py", """\
        x = 1  # cachelint: ignore[CL999, CL101]
        y = 2  # noqa: E501, CL77
        z = 3  # noqa: E501
        w = 4  # cachelint: ignore[dynamic-before-statik]
        """)
    expected = (
        0,
        "All checks passed!\n",
        "cachelint: warning: a.py:1: unknown rule code or name 'CL999' in `# cachelint: ignore[CL999, CL101]`\n"
        "cachelint: warning: a.py:2: unknown rule code or name 'CL77' in `# noqa: E501, CL77`\n"
        "cachelint: warning: a.py:4: unknown rule code or name 'dynamic-before-statik' "
        "in `# cachelint: ignore[dynamic-before-statik]`\n",
    )
    assert run().all == expected
    assert run().all == expected  # from the result cache: the same warnings


def test_known_codes_and_other_tools_codes_do_not_warn(project: Path, run: RunCli) -> None:
    write(project / "a.py", "x = 1  # cachelint: ignore[CL101, volatile-in-prefix]\ny = 2  # noqa: E501\n")
    assert run().all == (0, "All checks passed!\n", "")


def test_unknown_code_in_a_notebook_names_the_cell(project: Path, run: RunCli) -> None:
    write(project / "nb.ipynb", notebook("x = 1\n", "y = 2  # cachelint: ignore[CL999]\n"))
    assert run().stderr == (
        "cachelint: warning: nb.ipynb:cell 2:line 1: unknown rule code or name 'CL999' "
        "in `# cachelint: ignore[CL999]`\n"
    )


def test_unused_suppressions_are_reported_when_cl901_is_enabled(project: Path, run: RunCli, bad_app: str) -> None:
    # bad_app: a CL102 on line 13; suppress it there, and write a suppression that silences nothing.
    lines = bad_app.splitlines()
    lines[12] += "  # cachelint: ignore[CL102, CL103]"
    write(project / "app.py", "\n".join(lines) + "\nx = 1  # cachelint: ignore\n")
    assert run("-q").all == (0, "", "")  # off by default
    result = run("--extend-select", "CL901", "--format", "concise")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[:2] == [
        "app.py:13:69: CL901 `CL103` in `# cachelint: ignore[CL102, CL103]` suppresses nothing on this line",
        "app.py:17:8: CL901 `# cachelint: ignore` suppresses nothing on this line",
    ]


# --- --output-file, --extend-exclude, --verbose -----------------------------------------


def test_output_file(project: Path, run: RunCli, fake_engine: None) -> None:
    write(project / "app.py", "x = CL101_HERE\n")
    printed = run("--format", "concise")
    assert run("--format", "concise", "--output-file", "out.txt").all == (1, "", "")
    assert (project / "out.txt").read_text(encoding="utf-8") == printed.stdout
    assert run("-o", "out.json", "--format", "json").exit_code == 1
    assert json.loads((project / "out.json").read_text(encoding="utf-8"))[0]["code"] == "CL101"
    assert run("-o", "missing/out.txt").all == (
        2, "", "cachelint: error: missing/out.txt: cannot write: No such file or directory\n")


def test_extend_exclude_on_the_command_line(project: Path, run: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("src/app.py", "src/gen/x.py", "legacy/y.py", "tests/t.py"):
        write(project / name, "x = 1\n")
    assert run("--show-files").stdout == "legacy/y.py\nsrc/app.py\nsrc/gen/x.py\ntests/t.py\n"
    assert run("--show-files", "--extend-exclude", "src/gen,legacy", "--extend-exclude", "t.py").stdout \
        == "src/app.py\n"
    # Relative to the current folder, as a shell user means it.
    monkeypatch.chdir(project / "src")
    assert run("--show-files", "--extend-exclude", "gen", ".").stdout == "app.py\n"
    assert run("--show-files", "--extend-exclude", "/app.py", ".").stdout == "gen/x.py\n"


def test_verbose(project: Path, run: RunCli, fake_engine: None) -> None:
    write(project / "pyproject.toml", "[tool.cachelint]\n")
    write(project / "app.py", "x = CL101_HERE\n")
    quiet = run()
    loud = run("-v")
    assert (loud.exit_code, loud.stdout) == (quiet.exit_code, quiet.stdout)
    said = [line.split("] ", 1)[1] for line in loud.stderr.splitlines()]
    assert said[:2] == ["1 file to lint under 1 path (0 notebooks)", "project .: pyproject.toml, 1 file"]
    assert said[2:4] == ["wrapper scan: modules looked at 0, functions checked 0, "
                         "modules whose verdicts the early cutoff kept 0",
                         "results: files linted 0, taken from the cache 0"]
    assert said[4].startswith("project .: 1 file linted in ") and said[5].startswith("output written in ")
    assert all(line.startswith("cachelint: [") for line in loud.stderr.splitlines())
    assert quiet.stderr == ""


# --- progress ------------------------------------------------------------------------------


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_shows_only_after_a_second_on_a_terminal() -> None:
    now = [0.0]
    screen = Terminal()
    bar = Progress(10, enabled=True, stream=screen, clock=lambda: now[0])
    bar.advance(3)
    assert screen.getvalue() == ""  # under a second: nothing
    now[0] = 1.5
    bar.advance(2)
    bar.advance(5)
    bar.close()
    assert "Linting" in screen.getvalue() and "10/10" in screen.getvalue()
    silent = Terminal()
    off = Progress(10, enabled=False, stream=silent, clock=lambda: now[0] + 5)
    off.advance(10)
    off.close()
    assert silent.getvalue() == ""


def test_progress_on_the_command_line(project: Path, run: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(3):
        write(project / f"m{n}.py", "import openai\nx = 1\n")
    assert run().stderr == ""  # stderr is not a terminal here
    monkeypatch.setattr(lintrun, "is_terminal", lambda stream: True)
    monkeypatch.setattr(progress_module, "DELAY", 0.0)
    monkeypatch.setattr(click._termui_impl, "isatty", lambda stream: True)  # CliRunner's stderr
    result = run("-j", "1", "--no-cache")
    assert result.exit_code == 0 and result.stdout == "All checks passed!\n"
    assert "Linting" in result.stderr and "3/3" in result.stderr


# --- cachelint rules -----------------------------------------------------------------------


def test_rules_lists_the_rules(project: Path, run: RunCli) -> None:
    result = run("rules")
    assert result.exit_code == 0 and result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["code", "name", "severity", "default", "summary"]
    assert len([line for line in lines if line.startswith("CL")]) == len(ALL_RULES)
    assert lines[1].split()[:4] == ["CL101", "dynamic-before-static", "error", "on"]
    assert next(line for line in lines if line.startswith("CL901")).split()[:4] == \
        ["CL901", "unused-suppression", "warning", "off"]
    listed = json.loads(run("rules", "--format", "json").stdout)
    assert [r["code"] for r in listed] == [r.code for r in ALL_RULES]
    # A folder named `rules` is linted when written as a path.
    write(project / "rules" / "x.py", "x = 1\n")
    assert run("./rules").all == (0, "All checks passed!\n", "")


# --- syntax of a newer Python ----------------------------------------------------------------


def _newer_source() -> tuple[str, str]:
    if sys.version_info < (3, 12):
        return ('import openai\nx = {"a": 1}\ny = f"{x["a"]}"\n',
                "needs Python 3.12+ (running 3.11): an f-string with a quote, backslash or comment inside its braces "
                "(PEP 701)")
    if sys.version_info < (3, 14):
        running = f"{sys.version_info[0]}.{sys.version_info[1]}"
        return ('import openai\nname = "x"\ny = t"hi {name}"\n',
                f"needs Python 3.14+ (running {running}): a t-string (PEP 750)")
    pytest.skip("no syntax newer than this Python is known")


def test_a_file_for_a_newer_python_says_which(project: Path, run: RunCli) -> None:
    source, words = _newer_source()
    write(project / "new.py", source)
    result = run("new.py")
    assert result.exit_code == 2
    assert result.stderr == f"cachelint: error: new.py: syntax error at line 3: {words}\n"
    write(project / "old.py", 'import openai\nprint "x"\n')
    assert run("old.py").stderr == f"cachelint: error: old.py: {PRINT_ERROR}\n"

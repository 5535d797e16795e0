"""`--write-baseline` / `--baseline`: adopt cachelint on existing code, fail only on new findings."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cachelint import __version__
from cachelint.baseline import Entry, filter_baseline, render_baseline
from cachelint.diagnostics import Diagnostic, Severity, Span

RunCli = Callable[..., Any]

NEW_CALL = '''

def summarise(text: str) -> str:
    response = client.responses.create(
        model="gpt-4.1",
        instructions=f"Now: {datetime.now():%H:%M:%S}\\n" + LONG_RULES,
        input=text,
    )
    return response.output_text
'''


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def concise(run: RunCli, *args: str) -> Any:
    return run("--format", "concise", *args)


def test_moving_code_does_not_resurface_findings(project: Path, run: RunCli, bad_app: str) -> None:
    write(project / "pyproject.toml", "[project]\nname = 'demo'\n")
    app = write(project / "app.py", bad_app)
    first = concise(run)
    assert first.exit_code == 1 and first.stdout.count(" CL102 ") == 1

    assert run("--write-baseline", "cachelint-baseline.json").all == (
        0,
        "Wrote 1 finding to cachelint-baseline.json.\n",
        "",
    )
    (found,) = json.loads(run("--format", "json").stdout)
    assert json.loads((project / "cachelint-baseline.json").read_text(encoding="utf-8")) == {
        "version": 1,
        "tool": "cachelint",
        "tool_version": __version__,
        "findings": [
            {"fingerprint": found["fingerprint"], "code": "CL102", "path": "app.py", "message": found["message"]}
        ],
    }
    assert found["fingerprint"]

    # Ten blank lines above the finding: it moves down, and stays known.
    app.write_text("\n" * 10 + bad_app, encoding="utf-8")
    assert concise(run, "--baseline", "cachelint-baseline.json").all == (
        0,
        "All checks passed! 1 known finding from the baseline was not shown.\n",
        "",
    )

    # A new bad call: only it is reported.
    app.write_text("\n" * 10 + bad_app + NEW_CALL, encoding="utf-8")
    result = concise(run, "--baseline", "cachelint-baseline.json")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("app.py:") and " CL102 " in lines[0] and "%H:%M:%S" in lines[0]
    new_line = int(lines[0].split(":")[1])
    assert "%H:%M:%S" in app.read_text(encoding="utf-8").splitlines()[new_line - 1]
    assert lines[1] == "Found 1 finding (1 error) in 1 file. 1 known finding from the baseline was not shown."

    # Without the baseline, both.
    assert concise(run).stdout.count(" CL102 ") == 2


def test_baseline_matches_when_the_path_is_spelled_differently(
    project: Path, run: RunCli, bad_app: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(project / "pyproject.toml", "[project]\nname = 'demo'\n")
    write(project / "src" / "app.py", bad_app)
    assert run("-q", "--write-baseline", "baseline.json").exit_code == 0
    monkeypatch.chdir(project / "src")
    assert concise(run, "--baseline", "../baseline.json", "app.py").all == (
        0,
        "All checks passed! 1 known finding from the baseline was not shown.\n",
        "",
    )


def test_identical_findings_are_counted(project: Path, run: RunCli, fake_engine: None) -> None:
    app = write(project / "app.py", "a = CL101_HERE\nb = CL101_HERE\n")
    assert run("-q", "--write-baseline", "b.json").all == (0, "", "")
    assert len(json.loads((project / "b.json").read_text(encoding="utf-8"))["findings"]) == 2
    app.write_text("a = CL101_HERE\nb = CL101_HERE\nc = CL101_HERE\n", encoding="utf-8")
    result = concise(run, "--baseline", "b.json")
    assert result.all == (
        1,
        # Equal findings are matched in order: the last one is the new one.
        "app.py:3:5: CL101 `CL101_HERE` marks a finding\n"
        "Found 1 finding (1 error) in 1 file. 2 known findings from the baseline were not shown.\n",
        "",
    )


def test_baseline_with_machine_formats(project: Path, run: RunCli, fake_engine: None) -> None:
    write(project / "app.py", "a = CL101_HERE\n")
    # Machine formats keep stdout for the format; the baseline is still written.
    assert run("--format", "json", "--write-baseline", "b.json").all == (0, "", "")
    write(project / "app.py", "a = CL101_HERE\nb = CL103_HERE\n")
    data = json.loads(run("--format", "json", "--baseline", "b.json").stdout)
    assert [d["code"] for d in data] == ["CL103"]


def test_write_baseline_refreshes_and_ignores_the_old_one(project: Path, run: RunCli, fake_engine: None) -> None:
    write(project / "app.py", "a = CL101_HERE\n")
    run("-q", "--write-baseline", "b.json")
    write(project / "app.py", "a = CL101_HERE\nb = CL103_HERE\n")
    assert run("--baseline", "b.json", "--write-baseline", "b.json").all == (
        0,
        "Wrote 2 findings to b.json.\n",
        "",
    )
    assert concise(run, "--baseline", "b.json").exit_code == 0


def test_write_baseline_still_reports_errors(project: Path, run: RunCli) -> None:
    write(project / "bad.py", "import openai\nprint 'x'\n")
    result = run("--write-baseline", "b.json")
    assert result.exit_code == 2
    assert result.stdout == "Wrote 0 findings to b.json.\n"
    assert result.stderr.startswith("cachelint: error: bad.py: syntax error at line 2")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "no such file (create it with --write-baseline)"),
        ("{", "invalid JSON: Expecting property name enclosed in double quotes (line 1, column 2)"),
        ("[]", "not a cachelint baseline (no 'findings' list)"),
        ('{"version": 9, "findings": []}', "unsupported baseline version 9 (this cachelint writes 1)"),
        ('{"version": 1, "findings": [{"code": "CL101"}]}', "finding 1 has no string 'fingerprint'"),
        ('{"version": 1, "findings": [3]}', "finding 1 is not an object"),
    ],
)
def test_bad_baseline_files(project: Path, run: RunCli, content: str | None, problem: str) -> None:
    write(project / "app.py", "x = 1\n")
    if content is not None:
        write(project / "ci" / "b.json", content)
    assert run("--baseline", "ci/b.json").all == (2, "", f"cachelint: error: ci/b.json: {problem}\n")


def test_unwritable_baseline(project: Path, run: RunCli) -> None:
    write(project / "app.py", "x = 1\n")
    (project / "b.json").mkdir()
    result = run("--write-baseline", "b.json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("cachelint: error: b.json: cannot write: ")
    assert result.stderr.count("\n") == 1


def _d(path: str, line: int, fingerprint: str, message: str = "m") -> Diagnostic:
    return Diagnostic("CL101", "dynamic-before-static", Severity.ERROR, message, Span(path, line, 1, line, 2),
                      fingerprint=fingerprint)


def test_fingerprint_matches_are_taken_before_message_matches(tmp_path: Path) -> None:
    root = str(tmp_path)
    path = str(tmp_path / "a.py")
    entries = [Entry("f1", "CL101", "a.py", "m"), Entry("f2", "CL101", "a.py", "m")]
    # The first finding has an unknown fingerprint but the same message; the second has
    # f1. f1 goes to the second, and the first takes f2 by its message.
    kept, hidden = filter_baseline([_d(path, 1, "zz"), _d(path, 2, "f1")], entries, root)
    assert (kept, hidden) == ([], 2)
    kept, hidden = filter_baseline([_d(path, 1, "zz", "other")], entries, root)
    assert (len(kept), hidden) == (1, 0)


def test_baseline_text_is_stable(tmp_path: Path) -> None:
    root = str(tmp_path)
    ds = [_d(str(tmp_path / "b.py"), 9, "f2"), _d(str(tmp_path / "a.py"), 1, "f1")]
    text = render_baseline(ds, root)
    assert text == render_baseline(list(reversed(ds)), root)
    assert [f["path"] for f in json.loads(text)["findings"]] == ["a.py", "b.py"]
    assert text.endswith("}\n")

"""`--fix`, `--diff`, `--show-fixes` as users meet them, and the fix-application API the
language server shares: exit codes, what lands in the files, what is left alone."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cachelint import cli as cli_module
from cachelint.diagnostics import Applicability, Diagnostic, Edit, Fix, Severity, Span
from cachelint.fixes.apply import apply_fixes

RunCli = Callable[..., Any]
REPO = Path(__file__).resolve().parents[2]

POLICY = "Always cite the relevant section of the support policy. " * 120

# A set joined into the instructions ahead of a long policy (CL103), with comments and
# formatting around it that a fix must keep.
UNSORTED = f'''\
from openai import OpenAI

client = OpenAI()
POLICY = "{POLICY}"
TAGS = {{"billing", "returns", "shipping"}}  # kept as a set


def reply(text):
    return client.responses.create(
        model="gpt-4.1",
        instructions="Tags: "  +  ", ".join( TAGS )  # odd spacing, kept
        + "\\n" + POLICY,
        input=text,
    )
'''
SORTED = UNSORTED.replace('", ".join( TAGS )', '", ".join( sorted(TAGS) )')

# The negative twin: a frozenset formatted whole. sorted() would print a list, not the same
# text, so the finding has no fix and --fix must leave the file alone.
UNFIXABLE = UNSORTED.replace('", ".join( TAGS )', 'f"{frozenset(TAGS)}"')


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_fix_writes_sorted_and_exits_0_when_nothing_is_left(project: Path, run: RunCli) -> None:
    app = write(project / "app.py", UNSORTED)
    result = run("--no-cache", "--fix", "app.py")
    assert result.all == (0, "Fixed 1 finding.\nAll checks passed!\n", "")
    assert app.read_text(encoding="utf-8") == SORTED  # nothing else changed, comments kept
    ast.parse(app.read_text(encoding="utf-8"))
    # Fixing again changes nothing and finds nothing.
    assert run("--no-cache", "--fix", "app.py").all == (0, "All checks passed!\n", "")
    assert app.read_text(encoding="utf-8") == SORTED


def test_finding_without_a_fix_is_left_and_exits_1(project: Path, run: RunCli) -> None:
    app = write(project / "app.py", UNFIXABLE)
    result = run("--no-cache", "--fix", "--format", "concise", "app.py")
    assert result.exit_code == 1
    assert "CL103" in result.stdout and "Fixed" not in result.stdout and "fixable" not in result.stdout
    assert app.read_text(encoding="utf-8") == UNFIXABLE


def test_show_fixes_lists_what_was_fixed(project: Path, run: RunCli) -> None:
    write(project / "app.py", UNSORTED)
    result = run("--no-cache", "--fix", "--show-fixes", "app.py")
    listed = "Fixed 1 finding:\n- app.py:\n    1 × CL103 (unordered-in-prefix)\n"
    assert result.all == (0, listed + "All checks passed!\n", "")


def test_diff_prints_and_writes_nothing(project: Path, run: RunCli) -> None:
    app = write(project / "app.py", UNSORTED)
    result = run("--no-cache", "--diff", "app.py")
    assert result.exit_code == 1
    assert result.stderr == "Would fix 1 finding.\n"
    assert result.stdout.startswith("--- a/app.py\n+++ b/app.py\n@@ ")
    assert "-        instructions=\"Tags: \"  +  \", \".join( TAGS )  # odd spacing, kept\n" in result.stdout
    assert "+        instructions=\"Tags: \"  +  \", \".join( sorted(TAGS) )  # odd spacing, kept\n" in result.stdout
    assert app.read_text(encoding="utf-8") == UNSORTED
    # Nothing to fix: no diff, exit 0 (the finding without a fix is not --diff's business).
    write(project / "app.py", UNFIXABLE)
    assert run("--no-cache", "--diff", "app.py").all == (0, "", "")


def test_plain_run_says_how_many_are_fixable(project: Path, run: RunCli) -> None:
    write(project / "app.py", UNSORTED)
    result = run("--no-cache", "--format", "concise", "app.py")
    assert result.exit_code == 1
    assert result.stdout.endswith("Found 1 finding (1 warning) in 1 file.\n1 fixable with `--fix`.\n")
    write(project / "app.py", UNFIXABLE)
    assert "fixable" not in run("--no-cache", "--format", "concise", "app.py").stdout


def test_fix_keeps_encoding_bom_and_line_endings(project: Path, run: RunCli) -> None:
    crlf = ("\ufeff# café\n" + UNSORTED).replace("\n", "\r\n")
    app = project / "app.py"
    app.write_bytes(crlf.encode("utf-8"))
    assert run("--no-cache", "--fix", "app.py").exit_code == 0
    expected = ("\ufeff# café\n" + SORTED).replace("\n", "\r\n").encode("utf-8")
    assert app.read_bytes() == expected


def test_fix_lands_in_the_helper_that_writes_the_text(project: Path, run: RunCli) -> None:
    write(project / "prompts.py", 'def listing(items):\n    return "\\n".join(f"- {i}" for i in items)  # helper\n')
    app = write(project / "app.py", UNSORTED.replace(
        'instructions="Tags: "  +  ", ".join( TAGS )  # odd spacing, kept\n        + "\\n" + POLICY,',
        'instructions=listing(TAGS) + "\\n" + POLICY,').replace(
        "from openai import OpenAI\n", "from openai import OpenAI\nfrom prompts import listing\n"))
    before = app.read_text(encoding="utf-8")
    found = json.loads(run("--no-cache", "--format", "json", "app.py").stdout)
    assert [f["code"] for f in found] == ["CL103"]
    assert found[0]["path"] == "app.py"
    assert found[0]["fix"]["applicability"] == "safe"
    assert {e["path"] for e in found[0]["fix"]["edits"]} == {"prompts.py"}
    assert run("--no-cache", "--fix", "app.py").all == (0, "Fixed 1 finding.\nAll checks passed!\n", "")
    assert (project / "prompts.py").read_text(encoding="utf-8") == (
        'def listing(items):\n    return "\\n".join(sorted(f"- {i}" for i in items))  # helper\n')
    assert app.read_text(encoding="utf-8") == before


def test_json_and_sarif_carry_the_edits(project: Path, run: RunCli) -> None:
    write(project / "app.py", UNSORTED)
    found = json.loads(run("--no-cache", "--format", "json", "app.py").stdout)
    assert found[0]["fix"] == {
        "title": "Wrap the iterated value in `sorted(...)`",
        "applicability": "safe",
        "edits": [
            {"path": "app.py", "line": 11, "column": 46, "end_line": 11, "end_column": 46, "content": "sorted("},
            {"path": "app.py", "line": 11, "column": 50, "end_line": 11, "end_column": 50, "content": ")"},
        ],
    }
    sarif = json.loads(run("--no-cache", "--format", "sarif", "app.py").stdout)
    (fix,) = sarif["runs"][0]["results"][0]["fixes"]
    assert fix["description"] == {"text": "Wrap the iterated value in `sorted(...)`"}
    (change,) = fix["artifactChanges"]
    assert change["artifactLocation"]["uri"] == "app.py"
    assert [r["insertedContent"]["text"] for r in change["replacements"]] == ["sorted(", ")"]
    assert change["replacements"][0]["deletedRegion"] == {"startLine": 11, "startColumn": 46, "endLine": 11,
                                                         "endColumn": 46}
    # No fix: the title stays as advice, with no edits and no SARIF fixes.
    write(project / "app.py", UNFIXABLE)
    found = json.loads(run("--no-cache", "--format", "json", "app.py").stdout)
    assert found[0]["fix"]["edits"] == [] and found[0]["fix"]["applicability"] == "display-only"
    sarif = json.loads(run("--no-cache", "--format", "sarif", "app.py").stdout)
    assert "fixes" not in sarif["runs"][0]["results"][0]


def test_without_libcst_fix_is_one_error_line(project: Path, run: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    write(project / "app.py", UNSORTED)
    monkeypatch.setattr(cli_module, "can_write_fixes", lambda: False)
    assert run("--fix", "app.py").all == (
        2, "", "cachelint: error: --fix needs libcst, which is not installed: pip install 'cachelint-llm[fix]'\n")
    assert run("--diff", "app.py").exit_code == 2
    assert (project / "app.py").read_text(encoding="utf-8") == UNSORTED


# --- apply_fixes, the function the language server calls ------------------------------


def _finding(line: int, column: int, end: int, content: str, applicability: Applicability, code: str = "CL103",
             edits: tuple[Edit, ...] | None = None) -> Diagnostic:
    if edits is None:
        edits = (Edit(line, column, line, end, content),)
    return Diagnostic(code, "x", Severity.WARNING, "m", Span("a.py", line, column, line, end),
                      Fix("t", applicability, edits))


def test_apply_fixes_safe_unless_unsafe_asked() -> None:
    source = "a = f(x)\nb = g(y)\n"
    safe = _finding(1, 7, 8, "sorted(x)", Applicability.SAFE)
    unsafe = _finding(2, 7, 8, "z", Applicability.UNSAFE, code="CL101")
    advice = _finding(2, 5, 6, "h", Applicability.DISPLAY_ONLY)
    assert apply_fixes(source, [safe, unsafe, advice], unsafe=False) == ("a = f(sorted(x))\nb = g(y)\n", [safe])
    assert apply_fixes(source, [safe, unsafe, advice], unsafe=True) == ("a = f(sorted(x))\nb = g(z)\n", [safe, unsafe])


def test_apply_fixes_skips_overlapping_and_foreign_fixes() -> None:
    source = "a = f(x)\n"
    first = _finding(1, 5, 9, "g(x)", Applicability.SAFE)
    second = _finding(1, 7, 8, "y", Applicability.SAFE)
    assert apply_fixes(source, [second, first], unsafe=False) == ("a = g(x)\n", [first])
    elsewhere = Diagnostic("CL103", "x", Severity.WARNING, "m", Span("a.py", 1, 1, 1, 2),
                           Fix("t", Applicability.SAFE, (Edit(1, 7, 1, 8, "y"),), path="helper.py"))
    assert apply_fixes(source, [elsewhere], unsafe=False, path="a.py") == (source, [])
    assert apply_fixes(source, [elsewhere], unsafe=False, path="helper.py") == ("a = f(y)\n", [elsewhere])
    outside = _finding(3, 1, 2, "z", Applicability.SAFE)
    assert apply_fixes(source, [outside], unsafe=False) == (source, [])


# --- the demo app ----------------------------------------------------------------------


def _lint_json(folder: Path, *args: str) -> list[dict[str, Any]]:
    done = subprocess.run([sys.executable, "-m", "cachelint", "--no-cache", "--format", "json", *args, "."],
                          cwd=folder, capture_output=True, text=True, check=False,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert done.returncode in (0, 1), done.stderr
    found: list[dict[str, Any]] = json.loads(done.stdout)
    return found


def _diff(folder: Path, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "cachelint", "--no-cache", "--diff", *args, "."],
                          cwd=folder, capture_output=True, text=True, check=False,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 1, done.stderr
    return done.stdout


def _key(f: dict[str, Any]) -> tuple[str, str, str]:
    return (f["path"], f["code"], f["message"])


def test_fix_on_a_copy_of_examples_removes_exactly_the_fixable(tmp_path: Path) -> None:
    demo = tmp_path / "examples"
    shutil.copytree(REPO / "examples", demo)
    before = _lint_json(demo)
    safe = {_key(f) for f in before if f["fix"] and f["fix"]["edits"] and f["fix"]["applicability"] == "safe"}
    unsafe = {_key(f) for f in before if f["fix"] and f["fix"]["edits"] and f["fix"]["applicability"] == "unsafe"}
    assert {code for _, code, _ in safe} == {"CL103", "CL401", "CL403", "CL405"}
    assert {code for _, code, _ in unsafe} == {"CL101", "CL102", "CL301"}
    shown = re.findall(r"```diff\n(.*?)```", (REPO / "README.md").read_text(encoding="utf-8"), re.S)
    assert shown and shown[0] == _diff(demo)  # the README shows what --diff prints
    after = {_key(f) for f in _lint_json(demo, "--fix")}
    assert shown[1] == _diff(demo, "--unsafe-fixes")
    assert after == {_key(f) for f in before} - safe
    after_unsafe = {_key(f) for f in _lint_json(demo, "--fix", "--unsafe-fixes")}
    assert after_unsafe == after - unsafe
    # every CL101 and CL102 of the demo app has a fix, and --unsafe-fixes leaves none
    assert {code for _, code, _ in unsafe} >= {"CL101", "CL102"}
    assert len([k for k in unsafe if k[1] in ("CL101", "CL102")]) == 9
    assert not [k for k in after_unsafe if k[1] in ("CL101", "CL102")]
    fixed = {p: p.read_bytes() for p in demo.rglob("*.py")}
    assert {_key(f) for f in _lint_json(demo, "--fix", "--unsafe-fixes")} == after_unsafe
    assert {p: p.read_bytes() for p in demo.rglob("*.py")} == fixed  # fixing again changes nothing
    for path in demo.rglob("*.py"):
        ast.parse(path.read_text(encoding="utf-8"))
    # Every change is small: a few lines per fix.
    diff = subprocess.run(["diff", "-ru", str(REPO / "examples"), str(demo)], capture_output=True, text=True,
                          check=False).stdout
    changed = [line for line in diff.splitlines()
               if line.startswith(("+", "-")) and not line.startswith(("+++", "---"))]
    assert 0 < len(changed) <= 4 * (len(safe) + len(unsafe)), textwrap.shorten(diff, 2000)


_WITHOUT_LIBCST = """
import sys, importlib.abc
class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "libcst":
            raise ImportError("no libcst here")
        return None
sys.meta_path.insert(0, Refuse())
from cachelint.cli import main
sys.argv = ["cachelint", *sys.argv[1:]]
main()
"""


def test_without_libcst_findings_carry_no_edits(tmp_path: Path) -> None:
    """libcst is the optional `fix` extra: without it the same findings are reported, as advice."""
    demo = tmp_path / "examples"
    shutil.copytree(REPO / "examples", demo)
    done = subprocess.run([sys.executable, "-c", _WITHOUT_LIBCST, "--no-cache", "--format", "json", "."],
                          cwd=demo, capture_output=True, text=True, check=False,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert (done.returncode, done.stderr) == (1, "")
    found = json.loads(done.stdout)
    assert {_key(f) for f in found} == {_key(f) for f in _lint_json(demo)}
    assert all(f["fix"] is None or f["fix"]["edits"] == [] for f in found)

"""`--format sarif`: SARIF 2.1.0 for code scanning, checked against the official schema."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cachelint import __version__
from cachelint.diagnostics import Diagnostic, Related, Severity, Span
from cachelint.report import render
from cachelint.report.sarif import FINGERPRINT_KEY, occurrence_fingerprints
from cachelint.ruledocs import docstring, help_uri, rule_markdown, section_text
from cachelint.rules import ALL_RULES, lookup

RunCli = Callable[..., Any]

# The OASIS schema, shipped as test data (tests/data/LICENSE-sarif-schema has its notice).
SCHEMA = Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def sarif(run: RunCli, *args: str, code: int = 1) -> dict[str, Any]:
    result = run("--format", "sarif", *args)
    assert (result.exit_code, result.stderr) == (code, "")
    data: dict[str, Any] = json.loads(result.stdout)
    check_structure(data)
    return data


def check_structure(log: dict[str, Any]) -> None:
    """What code scanning relies on, checked without the schema."""
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-2.1.0.json")
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("cachelint", __version__)
    assert driver["informationUri"].startswith("https://")
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].startswith("file:///")
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].endswith("/")
    ids = [r["id"] for r in driver["rules"]]
    assert ids == sorted(set(ids))
    for rule in driver["rules"]:
        assert set(rule) >= {"id", "name", "shortDescription", "fullDescription", "help", "defaultConfiguration"}
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["help"]["markdown"]
        assert rule["defaultConfiguration"]["level"] in {"error", "warning", "note"}
    for result in run["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in {"error", "warning", "note"}
        assert result["message"]["text"]
        assert result["partialFingerprints"][FINGERPRINT_KEY]
        for location in [*result["locations"], *result.get("relatedLocations", [])]:
            physical = location["physicalLocation"]
            uri = physical["artifactLocation"]["uri"]
            assert not uri.startswith("/") and "\\" not in uri
            region = physical["region"]
            assert region["startLine"] >= 1 and region["startColumn"] >= 1
            assert (region["endLine"], region["endColumn"]) >= (region["startLine"], region["startColumn"])


def validate_with_schema(log: dict[str, Any]) -> None:
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is in the `test` extra")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(log)]
    assert errors == []


# --- the official schema --------------------------------------------------------------


def test_validates_against_the_official_schema(
    project: Path, run: RunCli, bad_app: str, clean_app: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Real findings, a clean run, every rule's metadata and a notebook: all valid SARIF."""
    write(project / "pyproject.toml", "[tool.cachelint.severity]\nCL102 = 'info'\n")
    write(project / "bad.py", bad_app)
    write(project / "clean.py", clean_app)
    cells = [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": bad_app}]
    notebook = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    write(project / "nb.ipynb", json.dumps(notebook, indent=1))
    logs = [
        sarif(run),
        sarif(run, "--select", "ALL", "clean.py", code=0),
        sarif(run, "nb.ipynb", "--fail-on", "warning", code=0),
    ]
    assert [len(log["runs"][0]["results"]) for log in logs] == [2, 0, 1]
    assert {r["level"] for r in logs[0]["runs"][0]["results"]} == {"note"}
    for log in logs:
        validate_with_schema(log)
    # The validator is not a rubber stamp.
    logs[0]["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(AssertionError):
        validate_with_schema(logs[0])


# --- with the real analysis ----------------------------------------------------------


def test_real_finding_validates_against_the_schema(project: Path, run: RunCli, bad_app: str) -> None:
    write(project / "pyproject.toml", "[project]\nname = 'demo'\n")
    write(project / "src" / "app.py", bad_app)
    log = sarif(run)
    (result,) = log["runs"][0]["results"]
    assert result["ruleId"] == "CL102"
    assert result["level"] == "error"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "src/app.py", "uriBaseId": "%SRCROOT%"}
    line = bad_app.splitlines()[location["region"]["startLine"] - 1]
    assert "datetime.now()" in line
    assert log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == project.as_uri() + "/"
    # The related notes: where the static text is defined, and the call.
    notes = [r["message"]["text"] for r in result["relatedLocations"]]
    assert any("LONG_RULES" in note for note in notes)
    assert [r["id"] for r in result["relatedLocations"]] == list(range(1, len(notes) + 1))


def test_fingerprints_survive_unrelated_edits(project: Path, run: RunCli, bad_app: str) -> None:
    app = write(project / "app.py", bad_app)
    before = sarif(run)["runs"][0]["results"][0]
    # Ten lines above it, and an unrelated function below.
    app.write_text("\n" * 10 + bad_app + "\n\ndef other() -> int:\n    return 1\n", encoding="utf-8")
    after = sarif(run)["runs"][0]["results"][0]
    assert after["partialFingerprints"] == before["partialFingerprints"]
    start = before["locations"][0]["physicalLocation"]["region"]["startLine"]
    assert after["locations"][0]["physicalLocation"]["region"]["startLine"] == start + 10
    # A changed finding is a different finding.
    app.write_text(bad_app.replace("%H:%M", "%H:%M:%S"), encoding="utf-8")
    changed = sarif(run)["runs"][0]["results"][0]
    assert changed["partialFingerprints"] != before["partialFingerprints"]


def test_uris_are_relative_to_the_repository_root(
    project: Path, run: RunCli, bad_app: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / ".git").mkdir()
    write(project / "services" / "api" / "pyproject.toml", "[tool.cachelint]\n")
    write(project / "services" / "api" / "app.py", bad_app)
    monkeypatch.chdir(project / "services" / "api")
    log = sarif(run, "app.py")
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "services/api/app.py", "uriBaseId": "%SRCROOT%"}
    assert log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == project.as_uri() + "/"


def test_clean_run_is_valid_sarif_with_no_results(project: Path, run: RunCli, clean_app: str) -> None:
    write(project / "app.py", clean_app)
    log = sarif(run, code=0)
    assert log["runs"][0]["results"] == []
    # The rules that ran are described even when nothing was found.
    assert [r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]] == sorted(
        r.code for r in ALL_RULES if r.default
    )


# --- exact structure, with the marker engine and hand-built diagnostics --------------


def test_rule_metadata_comes_from_the_docstrings(project: Path, run: RunCli) -> None:
    write(project / "app.py", "x = 1\n")
    log = sarif(run, "--select", "ALL", code=0)
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(r.code for r in ALL_RULES)
    for descriptor in rules:
        rule = lookup(descriptor["id"])[0]
        assert descriptor == {
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": section_text(rule, "What it does")},
            "help": {"text": docstring(rule), "markdown": rule_markdown(rule)},
            "helpUri": help_uri(rule),
            "defaultConfiguration": {
                "level": {"error": "error", "warning": "warning", "info": "note"}[rule.severity.value],
                "enabled": rule.default,
            },
            "properties": {"tags": ["prompt-caching", "performance"]},
        }
        assert "## Why is this bad?" in descriptor["help"]["text"]
        assert "### Why is this bad?" in descriptor["help"]["markdown"]


def test_results_in_full(project: Path, run: RunCli, fake_engine: None) -> None:
    write(project / "pyproject.toml", "[tool.cachelint.severity]\nCL103 = 'info'\n")
    write(project / "src" / "app.py", "import openai\nx = CL101_HERE\ny = 'é', CL103_HERE\n")
    log = sarif(run, "--select", "CL101,CL103")
    results = log["runs"][0]["results"]
    fingerprints = [r["partialFingerprints"][FINGERPRINT_KEY] for r in results]
    assert all(f.endswith(":1") for f in fingerprints)
    assert results == [
        {
            "ruleId": "CL101",
            "level": "error",
            "message": {"text": "`CL101_HERE` marks a finding"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": "src/app.py", "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": 2, "startColumn": 5, "endLine": 2, "endColumn": 15},
                    }
                }
            ],
            "partialFingerprints": {FINGERPRINT_KEY: fingerprints[0]},
            "ruleIndex": 0,
            "relatedLocations": [
                {
                    "id": 1,
                    "physicalLocation": {
                        "artifactLocation": {"uri": "src/app.py", "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 2},
                    },
                    "message": {"text": "file starts here"},
                }
            ],
            "properties": {"fix": "Remove `CL101_HERE`", "fixApplicability": "display-only"},
        },
        {
            # Severity overridden to info in the configuration: SARIF's `note`.
            "ruleId": "CL103",
            "level": "note",
            "message": {"text": "`CL103_HERE` marks a finding"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": "src/app.py", "uriBaseId": "%SRCROOT%"},
                        # Columns count characters: `é` is one.
                        "region": {"startLine": 3, "startColumn": 10, "endLine": 3, "endColumn": 20},
                    }
                }
            ],
            "partialFingerprints": {FINGERPRINT_KEY: fingerprints[1]},
            "ruleIndex": 1,
            "relatedLocations": [
                {
                    "id": 1,
                    "physicalLocation": {
                        "artifactLocation": {"uri": "src/app.py", "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 2},
                    },
                    "message": {"text": "file starts here"},
                }
            ],
            "properties": {"fix": "Remove `CL103_HERE`", "fixApplicability": "display-only"},
        },
    ]


def test_output_format_from_config_and_no_colour(project: Path, run: RunCli, fake_engine: None) -> None:
    write(project / "pyproject.toml", "[tool.cachelint]\noutput-format = 'sarif'\n")
    write(project / "app.py", "x = CL101_HERE\n")
    result = run("--color")
    assert result.exit_code == 1 and result.stderr == ""
    assert "\x1b[" not in result.stdout
    check_structure(json.loads(result.stdout))


def test_statistics_cannot_be_sarif(project: Path, run: RunCli) -> None:
    assert run("--format", "sarif", "--statistics").all == (
        2,
        "",
        "cachelint: error: --statistics cannot be written as SARIF; use --format json or full\n",
    )


def _diag(path: str, line: int, fingerprint: str = "", message: str = "m") -> Diagnostic:
    return Diagnostic("CL101", "dynamic-before-static", Severity.ERROR, message, Span(path, line, 1, line, 2), None,
                      (), fingerprint)


def test_equal_fingerprints_are_numbered_in_order() -> None:
    ds = [_diag("a.py", 1, "f"), _diag("a.py", 5, "g"), _diag("a.py", 9, "f")]
    assert occurrence_fingerprints(ds) == ["f:1", "g:1", "f:2"]
    # Without an engine fingerprint: rule, path and message, never the line.
    a, b = occurrence_fingerprints([_diag("a.py", 1)]), occurrence_fingerprints([_diag("a.py", 7)])
    assert a == b and a[0].endswith(":1")


def test_paths_outside_the_root_are_absolute_file_uris(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "elsewhere" / "x y.py"
    d = Diagnostic("CL101", "dynamic-before-static", Severity.ERROR, "m", Span(str(root / "a b.py"), 1, 1, 1, 2),
                   related=(Related(Span(str(outside), 1, 1, 1, 2), "n"),))
    log = json.loads(render("sarif", [d], root=str(root)))
    result = log["runs"][0]["results"][0]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "a%20b.py",
        "uriBaseId": "%SRCROOT%",
    }
    assert result["relatedLocations"][0]["physicalLocation"]["artifactLocation"] == {"uri": outside.as_uri()}
    check_structure(log)

"""Configuration per file (issue 20): each file is linted with the nearest configuration above
it, so its findings never depend on which other paths are on the command line."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
UNRELATED = "bench/run.py"  # in the repository's own project: no [tool.cachelint]

RunCli = Callable[..., Any]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def findings(run: RunCli, *paths: str) -> dict[str, list[tuple[int, int, str, str]]]:
    """The JSON findings of one run, by file."""
    result = run("--format", "json", "--no-cache", "-j", "1", "--exit-zero", *paths)
    assert result.exit_code == 0, result.stderr
    by_file: dict[str, list[tuple[int, int, str, str]]] = {}
    for d in json.loads(result.stdout):
        if d["code"] is None:
            continue  # a file that could not be checked (README.md is not Python)
        by_file.setdefault(d["path"], []).append((d["line"], d["column"], d["code"], d["message"]))
    return by_file


def test_each_example_gives_the_same_findings_however_it_is_called(
    run: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    whole = findings(run, "examples")
    assert sum(map(len, whole.values())) >= 10  # the example app has findings to compare
    files = sorted(p.relative_to(REPO).as_posix() for p in EXAMPLES.rglob("*.py"))
    assert len(files) >= 15
    for path in files:
        alone = findings(run, path).get(path, [])
        beside = findings(run, path, UNRELATED).get(path, [])
        assert alone == whole.get(path, []), path
        assert beside == alone, path
    # The README's own case: the folder with a file of another project beside it.
    assert findings(run, "examples", "README.md") == whole
    assert findings(run, "examples/acme_support/quality_review.py", UNRELATED) == {
        "examples/acme_support/quality_review.py": whole["examples/acme_support/quality_review.py"]}


@pytest.fixture
def monorepo(project: Path) -> Path:
    """Two projects under one folder: `svc` declares a wrapper, `tools` has no configuration;
    the top folder's pyproject.toml ignores CL102."""
    long = "Answer politely and cite the handbook. " * 200
    write(project / "pyproject.toml", "[tool.cachelint]\nignore = ['CL102']\n")
    write(project / "svc" / "pyproject.toml", """\
        [tool.cachelint]
        [tool.cachelint.wrappers."svc.gateway.complete"]
        model = "model"
        messages = "messages"
        """)
    write(project / "svc" / "svc" / "__init__.py", "")
    write(project / "svc" / "svc" / "gateway.py", "def complete(model, messages):\n    return None\n")
    write(project / "svc" / "svc" / "app.py", f"""\
        import uuid
        from svc.gateway import complete

        def reply(text):
            return complete(model="gpt-4.1", messages=[
                {{"role": "system", "content": f"Request {{uuid.uuid4()}}. " + "{long}"}},
                {{"role": "user", "content": text}},
            ])
        """)
    write(project / "top.py", f"""\
        import uuid
        from openai import OpenAI

        client = OpenAI()

        def reply(text):
            return client.responses.create(model="gpt-4.1",
                instructions=f"Request {{uuid.uuid4()}}. " + "{long}", input=text)
        """)
    return project


def test_a_run_over_several_projects_lints_each_with_its_own_configuration(monorepo: Path, run: RunCli) -> None:
    # svc/ is its own project: its wrapper is declared there, and the top's ignore does not reach it.
    svc = findings(run, "svc")
    assert [f[2] for f in svc["svc/svc/app.py"]] == ["CL102"]
    assert findings(run, "svc/svc/app.py") == svc
    together = findings(run, ".")
    assert together == svc  # top.py's CL102 is ignored by the top configuration
    assert findings(run, "top.py", "svc/svc/app.py") == svc
    assert findings(run, "top.py") == {}


def test_show_settings(monorepo: Path, run: RunCli) -> None:
    result = run("--show-settings", "svc/svc/app.py")
    assert result.exit_code == 0 and result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[:4] == [
        "# Settings for svc/svc/app.py",
        "# project root: svc",
        "# configuration file: svc/pyproject.toml",
        "[tool.cachelint]",
    ]
    assert 'select = ["CL101", "CL102", "CL103"' in result.stdout
    assert '[tool.cachelint.wrappers."svc.gateway.complete"]' in lines
    top = run("--show-settings", "top.py", "--extend-select", "CL305").stdout
    assert "# project root: .\n# configuration file: pyproject.toml\n" in top
    assert '"CL102"' not in top and '"CL305"' in top
    assert run("--show-settings", "nope.py").all == (2, "", "cachelint: error: nope.py: no such file or directory\n")


def test_no_configuration_file_roots_at_the_nearest_project_marker(project: Path, run: RunCli) -> None:
    write(project / "lib" / "setup.cfg", "")
    write(project / "lib" / "pkg" / "mod.py", "x = 1\n")
    shown = run("--show-settings", "lib/pkg/mod.py").stdout
    assert "# project root: lib\n# configuration file: none (the defaults)\n" in shown


def test_each_project_excludes_its_own_files(project: Path, run: RunCli) -> None:
    write(project / "pyproject.toml", "[tool.cachelint]\n")
    write(project / "a" / "cachelint.toml", "extend-exclude = ['gen']\n")
    write(project / "a" / "gen" / "x.py", "x = 1\n")
    write(project / "b" / "gen" / "y.py", "y = 1\n")
    assert run("--show-files").stdout == "b/gen/y.py\n"


def test_a_pyproject_template_that_never_names_cachelint_is_not_a_configuration(project: Path,
                                                                                 run: RunCli) -> None:
    """crewAI ships Jinja templates of pyproject.toml (not TOML) among its sources: they cannot
    hold a [tool.cachelint] table, so they are no configuration and the run goes on."""
    write(project / "templates" / "crew" / "pyproject.toml", "[project]\nname = \"{{folder_name}}\"\n{% if x %}\n")
    write(project / "templates" / "crew" / "main.py", "x = 1\n")
    write(project / "app.py", "x = 1\n")
    result = run(".")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert "All checks passed!" in result.stdout
    assert run("--show-files").stdout == "app.py\ntemplates/crew/main.py\n"


def test_an_invalid_configuration_met_on_the_way_is_an_error(project: Path, run: RunCli) -> None:
    write(project / "sub" / "pyproject.toml", "[tool.cachelint\n")
    write(project / "sub" / "x.py", "x = 1\n")
    result = run(".")
    assert result.exit_code == 2
    assert result.stderr.startswith("cachelint: error: sub/pyproject.toml: invalid TOML")

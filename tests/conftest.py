"""Shared fixtures: a temporary project folder, a CLI runner, and a marker-driven fake engine."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cachelint import cli as cli_module
from cachelint import lintrun
from cachelint.analysis.project import Project
from cachelint.diagnostics import Diagnostic, Fix, Related, Span
from cachelint.rules import ALL_RULES, lookup
from cachelint.rules._base import Rule
from cachelint.run import lint as lint_module
from cachelint.run import tracked
from cachelint.run.check import LintResult, suppress
from cachelint.run.lint import RunOptions, lint_files
from cachelint.settings import Settings
from cachelint.sources import decode_source


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def all(self) -> tuple[int, str, str]:
        return self.exit_code, self.stdout, self.stderr


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project folder that is also the working directory; colour settings cleared."""
    root = tmp_path / "proj"
    root.mkdir()
    monkeypatch.chdir(root)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("CACHELINT_DEBUG", raising=False)
    return root


@pytest.fixture
def run() -> Callable[..., Run]:
    """Invoke the CLI in-process; returns exit code, stdout and stderr kept apart."""

    def invoke(*args: str, input: str | bytes | None = None) -> Run:
        result: Result = CliRunner().invoke(cli_module.cli, list(args), input=input)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Run(result.exit_code, result.stdout, result.stderr)

    return invoke


# A file line containing e.g. `CL101_HERE` yields a CL101 finding spanning the marker, as
# if the analysis had found something there. Until the analysis lands this lets the CLI,
# suppression and reporters be tested end to end.
_MARKER = re.compile(r"\b(CL\d{3})_HERE\b")


def marker_diagnostics(text: str, path: str, rules: Sequence[type[Rule]]) -> list[Diagnostic]:
    enabled = {r.code for r in rules}
    found = []
    for number, line in enumerate(re.split(r"\r\n|\r|\n", text), start=1):
        for m in _MARKER.finditer(line):
            if m.group(1) not in enabled:
                continue
            rule = lookup(m.group(1))[0]
            found.append(
                Diagnostic(
                    code=rule.code,
                    name=rule.name,
                    severity=rule.severity,
                    message=f"`{m.group(0)}` marks a finding",
                    span=Span(path, number, m.start() + 1, number, m.end() + 1),
                    fix=Fix(f"Remove `{m.group(0)}`"),
                    related=(Related(Span(path, 1, 1, 1, 2), "file starts here"),),
                )
            )
    return found


@pytest.fixture
def fake_engine(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Wrap the real engine so `CLxxx_HERE` markers in linted files become findings."""
    real_files = lint_module.lint_files
    real_source = lint_module.lint_source

    def lint_source(data: bytes | str, path: str, settings: Settings, rules: Sequence[type[Rule]],
                    project: Project | None = None) -> LintResult:
        result = real_source(data, path, settings, rules, project=project)
        if not result.errors:
            text = decode_source(data) if isinstance(data, bytes) else data
            result.diagnostics.extend(suppress(marker_diagnostics(text, path, rules), text, settings))
        return result

    def lint_files(files: Sequence[str], settings: Settings, rules: Sequence[type[Rule]],
                   sources: Mapping[str, str] | None = None) -> LintResult:
        given = sources or {}
        result = real_files(files, settings, rules, sources=given)
        failed = {e.path for e in result.errors}
        for path in files:
            if path not in failed:
                text = given[path] if path in given else decode_source(Path(path).read_bytes())
                result.diagnostics.extend(suppress(marker_diagnostics(text, path, rules), text, settings))
        result.diagnostics.sort(key=Diagnostic.sort_key)
        return result

    monkeypatch.setattr(lintrun, "lint_files", lint_files)
    monkeypatch.setattr(lintrun, "lint_source", lint_source)
    yield


# A module the real analysis reports once: the time of day ahead of ~1,400 static tokens
# of instructions (CL102) on line 13, inside a function so it runs on every call.
BAD_APP = '''\
from datetime import datetime

from openai import OpenAI

client = OpenAI()

LONG_RULES = "You are the support assistant for ACME. " + "Cite the manual, never invent part numbers. " * 150


def reply(text: str) -> str:
    response = client.responses.create(
        model="gpt-4.1",
        instructions=f"Time: {datetime.now():%H:%M}" + LONG_RULES,
        input=text,
    )
    return response.output_text
'''

# The same call with the time moved into the user input: nothing to report.
CLEAN_APP = BAD_APP.replace(
    'instructions=f"Time: {datetime.now():%H:%M}" + LONG_RULES,\n        input=text,',
    'instructions=LONG_RULES,\n        input=f"{text} (sent at {datetime.now():%H:%M})",',
)


@pytest.fixture
def bad_app() -> str:
    return BAD_APP


@pytest.fixture
def clean_app() -> str:
    return CLEAN_APP


# lint_files in this process with the result cache under tmp_path/cache (test_cache, test_shared).
Lint = Callable[..., LintResult]


@pytest.fixture
def lint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Lint:
    """lint_files with the cache under tmp_path/cache (the project root is tmp_path/proj);
    `lint.linted` holds the names of the files actually linted by the last call."""
    linted: list[str] = []
    real = lint_module.lint_one

    def counting(index: int, path: str, job: lint_module.LintJob,
                 modules: tracked.ModuleCache) -> lint_module.FileOutcome:
        linted.append(Path(path).name)
        return real(index, path, job, modules)

    monkeypatch.setattr(lint_module, "lint_one", counting)

    def run(paths: list[str], cached: bool = True, **settings: object) -> LintResult:
        linted.clear()
        options = RunOptions(jobs=1, cache_dir=str(tmp_path / "cache") if cached else None)
        return lint_files(paths, Settings(root=str(tmp_path / "proj"), **settings),  # type: ignore[arg-type]
                          list(ALL_RULES), options=options)

    run.linted = linted  # type: ignore[attr-defined]
    (tmp_path / "proj").mkdir()
    return run


def write_tree(root: Path, files: dict[str, str]) -> list[str]:
    """`files` (relative path: text) written under `root`, with a pyproject.toml; the paths
    of the Python files among them, sorted."""
    (root / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return sorted(str(root / n) for n in files if n.endswith(".py"))


@pytest.fixture
def write() -> Callable[[Path, dict[str, str]], list[str]]:
    """write_tree, for tests that build a project of several modules."""
    return write_tree

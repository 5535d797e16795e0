"""Linting the files of one command-line run: each project's files with its own
configuration (in worker processes and with the result cache as the run options say), its
notebooks, standard input; the texts and notebooks the output shows, kept as they are read."""

from __future__ import annotations

import dataclasses
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cachelint.cache import default_cache_dir
from cachelint.config import Resolved
from cachelint.diagnostics import Diagnostic, LintError, Severity, Span
from cachelint.discovery import display_path
from cachelint.notebook import Notebook, is_notebook, lint_notebook, notebook_result, read_notebook_file
from cachelint.progress import Progress, Verbose, is_terminal
from cachelint.report import Location, plain_location
from cachelint.rules._base import Rule
from cachelint.run.check import LintResult
from cachelint.run.lint import RunOptions, lint_files, lint_source, run_options
from cachelint.settings import Settings
from cachelint.sources import SourceError, decode_source, read_bytes

if TYPE_CHECKING:
    from cachelint.analysis.project import Project


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def describe(exc: BaseException) -> str:
    """`ValueError: bad thing`, or the bare type name of an exception without a message."""
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


@dataclass(frozen=True)
class Speed:
    """How the run goes, never what it finds: worker processes (None: one per CPU) and the
    result cache (`cache_dir`, default in each project root; none with `no_cache`)."""

    jobs: int | None = None
    no_cache: bool = False
    cache_dir: str | None = None


def _split_lines(text: str) -> list[str]:
    # Python's own line breaks only: str.splitlines() would also split on \f and \x1c.
    return re.split(r"\r\n|\r|\n", text)


@dataclass
class Sources:
    """Source text of linted files, read once, for suppression comments and code frames."""

    texts: dict[str, str | None] = field(default_factory=dict)
    # Notebooks: the joined code cells as written (the linted text has magics blanked).
    shown: dict[str, list[str]] = field(default_factory=dict)
    # Keep what is read for the code frames of the full format; other formats read each file
    # once, for its suppression comments (all 10,000 files of a large run, 23 MB, were kept).
    keep: bool = True

    def text(self, path: str) -> str | None:
        if path in self.texts:
            return self.texts[path]
        data = read_bytes(path)
        try:
            text = decode_source(data) if isinstance(data, bytes) else None
        except SourceError:
            text = None  # already reported by the run if it mattered
        if self.keep:
            self.texts[path] = text
        return text

    def lines(self, path: str) -> list[str] | None:
        if path in self.shown:
            return self.shown[path]
        text = self.text(path)
        return None if text is None else _split_lines(text)


def _run_options(speed: Speed, resolved: Resolved, progress: Progress, verbose: Verbose) -> RunOptions:
    """Cache, processes, progress: they change how fast findings come, never which."""
    cache_dir = None if speed.no_cache else speed.cache_dir or default_cache_dir(resolved.settings.root)
    return RunOptions(jobs=speed.jobs if speed.jobs is not None else 0, cache_dir=cache_dir,
                      progress=progress.advance, verbose=verbose if verbose.enabled else None)


def lint_isolated(files: Sequence[str], resolved: Resolved, internal: list[LintError],
                  given: dict[str, str] | None = None) -> LintResult:
    """lint_files, and if it crashes, lint file by file so one bad file spoils only itself.
    `given`: the code of the notebooks among `files` (see lint_files' `sources`)."""
    given = given or {}
    try:
        return _lint_files(files, resolved, given)
    except Exception:
        pass
    total = LintResult()
    for path in files:
        try:
            total.extend(_lint_files([path], resolved, {path: given[path]} if path in given else {}))
        except Exception as exc:
            internal.append(LintError(path, describe(exc)))
    return total


def _lint_files(files: Sequence[str], resolved: Resolved, given: dict[str, str]) -> LintResult:
    # Looked up at call time, so a replaced `lint_files` (tests, plugins) is used; called as
    # before notebooks were linted with the modules when there are none.
    if given:
        return lint_files(files, resolved.settings, resolved.rules, sources=given)
    return lint_files(files, resolved.settings, resolved.rules)


_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


def apply_severity(diagnostics: Sequence[Diagnostic], overrides: Iterable[tuple[str, Severity]]) -> list[Diagnostic]:
    """The diagnostics with the project's per-rule severities (`[tool.cachelint.severity]`)."""
    table = dict(overrides)
    if not table:
        return list(diagnostics)
    return [dataclasses.replace(d, severity=table[d.code]) if d.code in table else d for d in diagnostics]


def failing(diagnostics: Sequence[Diagnostic], fail_on: Severity) -> list[Diagnostic]:
    """The findings at or above the --fail-on severity."""
    return [d for d in diagnostics if fails(d, fail_on)]


def fails(diagnostic: Diagnostic, fail_on: Severity) -> bool:
    """Is the finding at or above the --fail-on severity?"""
    return _RANK[Severity(diagnostic.severity)] >= _RANK[fail_on]


@dataclass
class Notebooks:
    """Notebooks linted in this run, to show their findings by cell."""

    by_path: dict[str, Notebook] = field(default_factory=dict)

    def add(self, notebook: Notebook | None, sources: Sources) -> None:
        if notebook is None:
            return
        self.by_path[notebook.path] = notebook
        sources.texts[notebook.path] = notebook.source
        sources.shown[notebook.path] = notebook.original

    def writable(self, d: Diagnostic) -> bool:
        """Would `--fix` write `d`'s fix? Not into a notebook cell that is not linted as
        written (IPython magics, top-level await): fixes.notebooks leaves those alone, and the
        `N fixable` hint must count what --fix then does."""
        if d.fix is None:
            return False
        notebook = self.by_path.get(d.fix.target(d.span))
        return notebook is None or all(notebook.cell_edit(e) is not None for e in d.fix.edits)

    def locate(self, span: Span) -> Location:
        notebook = self.by_path.get(span.path)
        return notebook.locate(span) if notebook is not None else plain_location(span)


def read_notebooks(files: Sequence[str], notebooks: Notebooks, sources: Sources,
                   internal: list[LintError]) -> tuple[dict[str, str], dict[str, LintResult]]:
    """The code of each notebook to lint (linted with the project's modules, and cached as they
    are), and the whole result of each with nothing to lint (unreadable, invalid, no code)."""
    given: dict[str, str] = {}
    done: dict[str, LintResult] = {}
    for path in files:
        try:
            notebook, result = read_notebook_file(path)
        except Exception as exc:
            internal.append(LintError(path, describe(exc)))
            continue
        notebooks.add(notebook, sources)
        if result is not None:
            done[path] = result
        elif notebook is not None:
            given[path] = notebook.source
    return given, done


def lint_modules_and_notebooks(files: Sequence[str], resolved: Resolved, notebooks: Notebooks, sources: Sources,
                               internal: list[LintError]) -> tuple[LintResult, int]:
    """Lint a project's modules and notebooks in one lint_files (one wrapper scan, one cache);
    also the number of notebooks that had nothing to lint (for the progress shown)."""
    books = [f for f in files if is_notebook(f)]
    given, done = read_notebooks(books, notebooks, sources, internal)
    modules = [f for f in files if not is_notebook(f)]
    result = lint_isolated([*modules, *given], resolved, internal, given) if modules or given else LintResult()
    # Errors as before: the modules' first, then each notebook's in turn, worded by cell.
    errors = [e for e in result.errors if e.path not in given]
    for path in books:
        if path in done:
            errors.extend(done[path].errors)
            result.files_checked += done[path].files_checked
        elif path in given:
            mine = LintResult(errors=[e for e in result.errors if e.path == path])
            errors.extend(notebook_result(mine, notebooks.by_path[path]).errors)
    result.errors = errors
    return result, len(books) - len(given)


def _lint_source(text: str, path: str, settings: Settings, rules: Sequence[type[Rule]],
                 project: Project | None = None) -> LintResult:
    # Looked up at call time, so a replaced `lint_source` (tests, plugins) sees notebooks too.
    if project is None:
        return lint_source(text, path, settings, rules)
    return lint_source(text, path, settings, rules, project=project)


@dataclass
class RunResult:
    """What linting every project of a run gave."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    errors: list[LintError] = field(default_factory=list)
    internal: list[LintError] = field(default_factory=list)
    # The --fail-on level of each linted file's project (the run's for others).
    fail_on: dict[str, Severity] = field(default_factory=dict)
    rules: dict[str, type[Rule]] = field(default_factory=dict)


def lint_projects(
    speed: Speed, groups: Sequence[tuple[Resolved, list[str]]], sources: Sources,
    notebooks: Notebooks, verbose: Verbose,
) -> RunResult:
    """Each project's files linted with its configuration, as a project of its own."""
    run = RunResult()
    progress = Progress(sum(len(files) for _, files in groups), is_terminal(sys.stderr))
    try:
        for resolved, files in groups:
            took = verbose.timer()
            with run_options(_run_options(speed, resolved, progress, verbose)):
                result, unlinted = lint_modules_and_notebooks(files, resolved, notebooks, sources, run.internal)
            progress.advance(unlinted)
            run.diagnostics.extend(apply_severity(result.diagnostics, resolved.severity))
            run.errors.extend(result.errors)
            run.fail_on.update((f, resolved.fail_on) for f in files)
            run.rules.update((r.code, r) for r in resolved.rules)
            verbose(f"project {display_path(resolved.settings.root)}: {plural(len(files), 'file')} linted in {took()}")
    finally:
        progress.close()
    return run


def lint_stdin(stdin_name: str, resolved: Resolved, run: RunResult, sources: Sources, notebooks: Notebooks,
               excluded: Callable[[Settings], bool]) -> list[LintError]:
    """Lint standard input as `stdin_name`, with the configuration of that path, unless
    `excluded` says so for its settings (`--force-exclude`); its findings join `run`, its
    errors are returned."""
    data = sys.stdin.buffer.read()
    if excluded(resolved.settings):
        return []  # excluded, as the file would be if passed by name
    if is_notebook(stdin_name):
        result, notebook = lint_notebook(data, stdin_name, resolved.settings, resolved.rules, _lint_source)
        notebooks.add(notebook, sources)
    else:
        try:
            sources.texts[stdin_name] = decode_source(data)
        except SourceError:
            sources.texts[stdin_name] = None
        result = lint_source(data, stdin_name, resolved.settings, resolved.rules)
    run.diagnostics.extend(apply_severity(result.diagnostics, resolved.severity))
    run.fail_on[stdin_name] = resolved.fail_on
    run.rules.update((r.code, r) for r in resolved.rules)
    return list(result.errors)

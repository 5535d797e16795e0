"""The `cachelint` command: lint paths, explain rules, print one-line errors, set the exit code."""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import json
import os
import re
import sys
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn, cast

import click

from cachelint import __version__, modeltable
from cachelint.baseline import BaselineError, Entry, filter_baseline, read_baseline, write_baseline
from cachelint.cache import default_cache_dir
from cachelint.config import SEVERITIES, CliOptions, ConfigError, Resolved, resolve
from cachelint.diagnostics import Diagnostic, LintError, Severity, Span
from cachelint.discovery import discover, display_path, is_excluded
from cachelint.notebook import Notebook, is_notebook, lint_notebook, notebook_result, read_notebook_file
from cachelint.report import (
    FORMATS,
    Location,
    canonical_format,
    is_text_format,
    plain_location,
    render_chunks,
    render_statistics_for,
    summary_line,
)
from cachelint.report.sarif import find_repository_root
from cachelint.ruledocs import docstring, rule_text
from cachelint.rules import ALL_RULES, UnknownRuleError, lookup
from cachelint.rules._base import Rule
from cachelint.run.check import LintResult
from cachelint.run.lint import RunOptions, lint_files, lint_source, run_options
from cachelint.settings import Settings
from cachelint.sources import SourceError, decode_source, read_bytes
from cachelint.tokens import UNAVAILABLE, TokenizerUnavailable

if TYPE_CHECKING:
    from cachelint.analysis.project import Project

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130

PROG = "cachelint"
DEFAULT_COMMAND = "check"
DEBUG_ENV = "CACHELINT_DEBUG"  # set to print the traceback behind an internal error


def _error(problem: str) -> None:
    """One line on stderr: `cachelint: error: <problem>`."""
    click.echo(f"{PROG}: error: {_one_line(problem)}", err=True)


def _internal_error(problem: str) -> None:
    click.echo(f"{PROG}: internal error: {_one_line(problem)}", err=True)
    if os.environ.get(DEBUG_ENV):
        traceback.print_exc()


def _one_line(text: str) -> str:
    return " ".join(text.split("\n")).strip()


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


class DefaultGroup(click.Group):
    """A group whose unknown first argument runs the default `check` command.

    `cachelint src/` lints `src/`; `cachelint rule CL101` explains a rule. A folder named
    like a command is linted by writing it as a path: `cachelint ./rule`.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] != "--version"):
            # `cachelint --help` shows the lint options: linting is what people run.
            args = [DEFAULT_COMMAND, *args]
            ctx.meta["cachelint.implicit_check"] = True
        return super().parse_args(ctx, args)

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> int:
        """Run the command; every failure becomes one stderr line and an exit code."""
        try:
            rv = super().main(
                args=args,
                prog_name=prog_name or PROG,
                complete_var=complete_var,
                standalone_mode=False,
                **extra,
            )
            code = rv if isinstance(rv, int) else EXIT_CLEAN
        except click.exceptions.Abort:
            click.echo(f"{PROG}: interrupted", err=True)
            code = EXIT_INTERRUPTED
        except click.ClickException as exc:  # usage errors: bad option, bad choice
            hint = ""
            if isinstance(exc, click.UsageError):
                hint = f" (see '{PROG} --help')"
            _error(exc.format_message().rstrip(".") + hint)
            code = EXIT_ERROR
        except BrokenPipeError:
            # The reader went away (`cachelint | head`): stop quietly, and stop Python
            # from complaining when it flushes stdout at exit.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            code = EXIT_FINDINGS
        except TokenizerUnavailable as exc:  # --show-prompt counts here: a user's problem, not ours
            _error(f"{UNAVAILABLE}{exc}")
            code = EXIT_ERROR
        except Exception as exc:
            _internal_error(_describe(exc))
            code = EXIT_ERROR
        if standalone_mode:
            sys.exit(code)
        return code


class CheckCommand(click.Command):
    """`check`, whose usage line reads `cachelint [OPTIONS] [PATHS]...` when run implicitly."""

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        if ctx.meta.get("cachelint.implicit_check"):
            formatter.write_usage(PROG, " ".join(self.collect_usage_pieces(ctx)))
        else:
            super().format_usage(ctx, formatter)


@click.group(cls=DefaultGroup, name=PROG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name=PROG, message="%(prog)s %(version)s")
def cli() -> None:
    """Find prompt assembly that breaks LLM prompt caching."""


def _split(values: Iterable[str]) -> tuple[str, ...]:
    """`--select CL101,CL102 --select CL201` -> ("CL101", "CL102", "CL201")."""
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def use_color(flag: bool | None) -> bool:
    """Colour when asked with --color; by default only on a terminal and never with NO_COLOR."""
    if flag is not None:
        return flag
    if os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


@dataclass
class CheckOptions:
    paths: tuple[str, ...] = ()
    output_format: str | None = None
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    exit_zero: bool = False
    config_file: str | None = None
    color: bool | None = None
    statistics: bool = False
    show_files: bool = False
    force_exclude: bool = False
    default_model: str | None = None
    min_lost_tokens: int | None = None
    quiet: bool = False
    show_prompt: str | None = None
    stdin_filename: str | None = None
    fail_on: str | None = None
    baseline: str | None = None
    write_baseline: str | None = None
    no_cache: bool = False
    cache_dir: str | None = None
    jobs: int | None = None


_EPILOG = f"""\b
Other commands:
  {PROG} rule CODE|NAME   explain a rule
  {PROG} rule --all       explain every rule
  {PROG} models [MODEL]   the model table, or how MODEL is looked up

Exit status: 0 clean (or no finding at the --fail-on level), 1 findings,
2 errors (bad path, configuration, unreadable or unparsable file)."""


@cli.command(DEFAULT_COMMAND, cls=CheckCommand, epilog=_EPILOG)
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--format",
    "--output-format",
    "output_format",
    type=click.Choice(FORMATS),
    default=None,
    help="Output format: full (code frames), concise (one line each), json, sarif (code scanning) "
    "or github (workflow annotations); `text` is the same as `full`.  [default: full]",
)
@click.option("--select", multiple=True, metavar="CODES", help="Rules to enable instead of the defaults.")
@click.option("--ignore", multiple=True, metavar="CODES", help="Rules to disable.")
@click.option("--extend-select", multiple=True, metavar="CODES", help="Rules to enable as well.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    default=None,
    help="Exit 1 only for findings of this severity or worse.  [default: info, any finding]",
)
@click.option(
    "--baseline",
    metavar="FILE",
    help="Report only findings that are not in this baseline file.",
)
@click.option(
    "--write-baseline",
    metavar="FILE",
    help="Record the current findings in FILE (for --baseline) and exit 0.",
)
@click.option(
    "--config",
    "config_file",
    metavar="FILE",
    help="Use this pyproject.toml or cachelint.toml instead of searching for one.",
)
@click.option("--color/--no-color", default=None, help="Force colour on or off.")
@click.option("--statistics", is_flag=True, help="Count findings per rule instead of listing them.")
@click.option("--show-files", is_flag=True, help="List the files that would be linted, and stop.")
@click.option("--force-exclude", is_flag=True, help="Apply excludes to paths given on the command line too.")
@click.option("--default-model", metavar="MODEL", help="Model assumed when a call's model is unknown.")
@click.option(
    "--min-lost-tokens",
    type=click.IntRange(min=0),
    metavar="N",
    help="Smallest number of lost cacheable tokens worth reporting.",
)
@click.option("-q", "--quiet", is_flag=True, help="Print findings only, no summary line.")
@click.option(
    "--show-prompt",
    metavar="PATH[:LINE]",
    help="Print the reconstructed prompt of the calls in PATH (or the call at LINE).",
)
@click.option(
    "--stdin-filename",
    metavar="PATH",
    help="Lint standard input (path `-`) as if it were this file.",
)
@click.option("--no-cache", is_flag=True, help="Neither read nor write the result cache.")
@click.option(
    "--cache-dir",
    metavar="DIR",
    envvar="CACHELINT_CACHE_DIR",
    help="Where to keep the result cache.  [default: .cachelint_cache in the project root]",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=0),
    metavar="N",
    help="Worker processes; 1 lints in one process.  [default: one per CPU]",
)
@click.version_option(__version__, "--version", prog_name=PROG, message="%(prog)s %(version)s")
def check(
    paths: tuple[str, ...],
    output_format: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    extend_select: tuple[str, ...],
    exit_zero: bool,
    config_file: str | None,
    color: bool | None,
    statistics: bool,
    show_files: bool,
    force_exclude: bool,
    default_model: str | None,
    min_lost_tokens: int | None,
    quiet: bool,
    show_prompt: str | None,
    stdin_filename: str | None,
    fail_on: str | None,
    baseline: str | None,
    write_baseline: str | None,
    no_cache: bool,
    cache_dir: str | None,
    jobs: int | None,
) -> int:
    """Lint PATHS (files, folders or notebooks; default: the current folder, `-` for stdin)."""
    options = CheckOptions(
        paths=paths,
        output_format=output_format,
        select=_split(select) if select else None,
        ignore=_split(ignore),
        extend_select=_split(extend_select),
        exit_zero=exit_zero,
        config_file=config_file,
        color=color,
        statistics=statistics,
        show_files=show_files,
        force_exclude=force_exclude,
        default_model=default_model,
        min_lost_tokens=min_lost_tokens,
        quiet=quiet,
        show_prompt=show_prompt,
        stdin_filename=stdin_filename,
        fail_on=fail_on,
        baseline=baseline,
        write_baseline=write_baseline,
        no_cache=no_cache,
        cache_dir=cache_dir,
        jobs=jobs,
    )
    if show_prompt is not None:
        return run_show_prompt(options)
    return run_check(options)


# --- linting -------------------------------------------------------------------------


def _cli_options(options: CheckOptions) -> CliOptions:
    return CliOptions(
        select=options.select,
        ignore=options.ignore,
        extend_select=options.extend_select,
        default_model=options.default_model,
        min_lost_tokens=options.min_lost_tokens,
        output_format=options.output_format,
        fail_on=options.fail_on,
    )


def _resolve(options: CheckOptions, paths: Sequence[str]) -> Resolved | None:
    """Settings for the run, or None after printing the configuration error."""
    try:
        return resolve(paths, config_file=options.config_file, cli=_cli_options(options))
    except ConfigError as exc:
        where = exc.where if exc.where.startswith("--") else display_path(exc.where)
        _error(f"{where}: {exc.problem}")
        return None


def _split_lines(text: str) -> list[str]:
    # Python's own line breaks only: str.splitlines() would also split on \f and \x1c.
    return re.split(r"\r\n|\r|\n", text)


@dataclass
class _Sources:
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


def _run_options(options: CheckOptions, resolved: Resolved) -> RunOptions:
    """Cache and processes: they change how fast findings come, never which."""
    cache_dir = None if options.no_cache else options.cache_dir or default_cache_dir(resolved.settings.root)
    return RunOptions(jobs=options.jobs if options.jobs is not None else 0, cache_dir=cache_dir)


def _lint_isolated(files: Sequence[str], resolved: Resolved, internal: list[LintError],
                   given: dict[str, str]) -> LintResult:
    """lint_files, and if it crashes, lint file by file so one bad file spoils only itself.
    `given`: the code of the notebooks among `files` (see lint_files' `sources`)."""
    try:
        return _lint_files(files, resolved, given)
    except Exception:
        pass
    total = LintResult()
    for path in files:
        try:
            total.extend(_lint_files([path], resolved, {path: given[path]} if path in given else {}))
        except Exception as exc:
            internal.append(LintError(path, _describe(exc)))
    return total


def _lint_files(files: Sequence[str], resolved: Resolved, given: dict[str, str]) -> LintResult:
    # Looked up at call time, so a replaced `lint_files` (tests, plugins) is used; called as
    # before notebooks were linted with the modules when there are none.
    if given:
        return lint_files(files, resolved.settings, resolved.rules, sources=given)
    return lint_files(files, resolved.settings, resolved.rules)


def _print_errors(errors: Iterable[LintError], *, internal: bool = False) -> None:
    errors = list(errors)
    # A tokenizer that cannot be loaded fails every file alike: one line for the run.
    unavailable = Counter(e.message for e in errors if e.message.startswith(UNAVAILABLE))
    for message, files in unavailable.items():
        _error(f"{message} ({files} {'file' if files == 1 else 'files'} not checked)")
    for err in errors:
        if err.message in unavailable:
            continue
        problem = f"{display_path(err.path)}: {err.message}"
        if internal:
            click.echo(f"{PROG}: internal error: {_one_line(problem)}", err=True)
        else:
            _error(problem)


_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


def apply_severity(diagnostics: Sequence[Diagnostic], overrides: Iterable[tuple[str, Severity]]) -> list[Diagnostic]:
    """The diagnostics with the project's per-rule severities (`[tool.cachelint.severity]`)."""
    table = dict(overrides)
    if not table:
        return list(diagnostics)
    return [dataclasses.replace(d, severity=table[d.code]) if d.code in table else d for d in diagnostics]


def failing(diagnostics: Sequence[Diagnostic], fail_on: Severity) -> list[Diagnostic]:
    """The findings at or above the --fail-on severity."""
    return [d for d in diagnostics if _RANK[Severity(d.severity)] >= _RANK[fail_on]]


@dataclass
class _Notebooks:
    """Notebooks linted in this run, to show their findings by cell."""

    by_path: dict[str, Notebook] = field(default_factory=dict)

    def add(self, notebook: Notebook | None, sources: _Sources) -> None:
        if notebook is None:
            return
        self.by_path[notebook.path] = notebook
        sources.texts[notebook.path] = notebook.source
        sources.shown[notebook.path] = notebook.original

    def locate(self, span: Span) -> Location:
        notebook = self.by_path.get(span.path)
        return notebook.locate(span) if notebook is not None else plain_location(span)


def _read_notebooks(files: Sequence[str], notebooks: _Notebooks, sources: _Sources,
                    internal: list[LintError]) -> tuple[dict[str, str], dict[str, LintResult]]:
    """The code of each notebook to lint (linted with the run's modules, and cached as they
    are), and the whole result of each with nothing to lint (unreadable, invalid, no code)."""
    given: dict[str, str] = {}
    done: dict[str, LintResult] = {}
    for path in files:
        try:
            notebook, result = read_notebook_file(path)
        except Exception as exc:
            internal.append(LintError(path, _describe(exc)))
            continue
        notebooks.add(notebook, sources)
        if result is not None:
            done[path] = result
        elif notebook is not None:
            given[path] = notebook.source
    return given, done


def _lint_all(files: Sequence[str], resolved: Resolved, notebooks: _Notebooks, sources: _Sources,
              internal: list[LintError]) -> LintResult:
    """Lint the modules and notebooks of the run in one lint_files: one wrapper scan, one cache."""
    paths = [f for f in files if is_notebook(f)]
    given, done = _read_notebooks(paths, notebooks, sources, internal)
    modules = [f for f in files if not is_notebook(f)]
    result = _lint_isolated([*modules, *given], resolved, internal, given) if modules or given else LintResult()
    # Errors as before: the modules' first, then each notebook's in turn, worded by cell.
    errors = [e for e in result.errors if e.path not in given]
    for path in paths:
        if path in done:
            errors.extend(done[path].errors)
            result.files_checked += done[path].files_checked
        elif path in given:
            mine = LintResult(errors=[e for e in result.errors if e.path == path])
            errors.extend(notebook_result(mine, notebooks.by_path[path]).errors)
    result.errors = errors
    return result


def _lint_source(text: str, path: str, settings: Settings, rules: Sequence[type[Rule]],
                 project: Project | None = None) -> LintResult:
    # Looked up at call time, so a replaced `lint_source` (tests, plugins) sees notebooks too.
    if project is None:
        return lint_source(text, path, settings, rules)
    return lint_source(text, path, settings, rules, project=project)


def _read_baseline(file: str) -> list[Entry] | None:
    try:
        return read_baseline(file)
    except BaselineError as exc:
        _error(f"{display_path(file)}: {exc}")
        return None


# Rendered findings are written in batches of about this many characters: the whole output
# of a large run at once took as much memory as the findings themselves, twice over.
WRITE_BATCH = 1 << 16


def _write_chunks(chunks: Iterable[str], color: bool) -> None:
    batch: list[str] = []
    size = 0
    for chunk in chunks:
        batch.append(chunk)
        size += len(chunk)
        if size >= WRITE_BATCH:
            click.echo("".join(batch), nl=False, color=color)
            batch, size = [], 0
    if batch:
        click.echo("".join(batch), nl=False, color=color)


def _summary(
    diagnostics: Sequence[Diagnostic], failed: int, hidden: int, fail_on: Severity, baseline_used: bool
) -> str:
    line = summary_line(diagnostics, failed)
    if baseline_used and hidden:
        were = "was" if hidden == 1 else "were"
        line += f" {hidden} known finding{'s' if hidden != 1 else ''} from the baseline {were} not shown."
    if diagnostics and not failing(diagnostics, fail_on):
        line += f" None is at or above --fail-on {fail_on.value}."
    return line


def run_check(options: CheckOptions) -> int:
    """Lint, print, and return the exit code."""
    paths = options.paths
    if not paths and options.stdin_filename is not None:
        paths = ("-",)
    paths = paths or (".",)
    read_stdin = "-" in paths
    file_paths = [p for p in paths if p != "-"]
    stdin_name = options.stdin_filename or "-"
    config_paths = [*file_paths, *([options.stdin_filename] if options.stdin_filename else [])]
    resolved = _resolve(options, config_paths)
    if resolved is None:
        return EXIT_ERROR
    fmt = canonical_format(resolved.output_format)
    if options.statistics and fmt == "sarif":
        _error("--statistics cannot be written as SARIF; use --format json or full")
        return EXIT_ERROR
    color = use_color(options.color) and is_text_format(fmt)
    entries: list[Entry] | None = None
    if options.baseline is not None:
        entries = _read_baseline(options.baseline)
        if entries is None:
            return EXIT_ERROR

    files, errors = discover(file_paths, resolved.settings, force_exclude=options.force_exclude)
    if options.show_files:
        _print_errors(errors)
        for path in files:
            click.echo(display_path(path))
        return EXIT_ERROR if errors else EXIT_CLEAN

    internal: list[LintError] = []
    sources = _Sources(keep=fmt == "full")
    notebooks = _Notebooks()
    with run_options(_run_options(options, resolved)):
        result = _lint_all(files, resolved, notebooks, sources, internal)
    if read_stdin:
        data = sys.stdin.buffer.read()
        skip = (
            options.force_exclude
            and options.stdin_filename is not None
            and is_excluded(options.stdin_filename, resolved.settings)
        )
        if skip:
            pass  # excluded, as the file would be if passed by name
        elif is_notebook(stdin_name):
            stdin_result, notebook = lint_notebook(data, stdin_name, resolved.settings, resolved.rules, _lint_source)
            notebooks.add(notebook, sources)
            result.extend(stdin_result)
        else:
            try:
                sources.texts[stdin_name] = decode_source(data)
            except SourceError:
                sources.texts[stdin_name] = None
            result.extend(lint_source(data, stdin_name, resolved.settings, resolved.rules))
    # Suppression comments and per-file ignores were applied with each file's linting.
    diagnostics = sorted(result.diagnostics, key=Diagnostic.sort_key)
    diagnostics = apply_severity(diagnostics, resolved.severity)
    errors.extend(result.errors)

    _print_errors(errors)
    _print_errors(internal, internal=True)
    failed = len(errors) + len(internal)

    root = resolved.settings.root
    if options.write_baseline is not None:
        try:
            write_baseline(options.write_baseline, diagnostics, root)
        except BaselineError as exc:
            _error(f"{display_path(options.write_baseline)}: {exc}")
            return EXIT_ERROR
        if is_text_format(fmt) and not options.quiet:
            count = len(diagnostics)
            click.echo(f"Wrote {count} finding{'s' if count != 1 else ''} to {display_path(options.write_baseline)}.")
        return EXIT_ERROR if failed else EXIT_CLEAN
    hidden = 0
    if entries is not None:
        diagnostics, hidden = filter_baseline(diagnostics, entries, root)

    if options.statistics:
        click.echo(render_statistics_for(fmt, diagnostics, color=color), nl=False, color=color)
    else:
        chunks = render_chunks(
            fmt,
            diagnostics,
            color=color,
            source_lines=sources.lines,
            locate=notebooks.locate,
            rules=resolved.rules,
            root=find_repository_root(root),
        )
        _write_chunks(chunks, color)
    if is_text_format(fmt) and not options.quiet:
        click.echo(_summary(diagnostics, failed, hidden, resolved.fail_on, entries is not None))
    if failed:
        return EXIT_ERROR
    if failing(diagnostics, resolved.fail_on) and not options.exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN


# --- --show-prompt -------------------------------------------------------------------


def parse_target(target: str) -> tuple[str, int | None]:
    """`app.py:12` -> ("app.py", 12); `app.py` -> ("app.py", None)."""
    path, sep, line = target.rpartition(":")
    if sep and path and line.isdigit():
        return path, int(line)
    return target, None


def run_show_prompt(options: CheckOptions) -> int:
    assert options.show_prompt is not None
    path, line = parse_target(options.show_prompt)
    if not os.path.isfile(path):
        problem = ("is a directory" if os.path.isdir(path) else "not a regular file" if os.path.exists(path)
                   else "no such file")
        _error(f"{display_path(path)}: {problem} (--show-prompt takes PATH or PATH:LINE)")
        return EXIT_ERROR
    resolved = _resolve(options, [path])
    if resolved is None:
        return EXIT_ERROR
    try:
        # Imported late: another part of cachelint, and only this option needs it.
        module = importlib.import_module("cachelint.showprompt")
    except ModuleNotFoundError as exc:
        if exc.name != "cachelint.showprompt":
            raise
        _error("--show-prompt: not available in this build (cachelint.showprompt is missing)")
        return EXIT_ERROR
    show_prompt = cast(Callable[[str, int | None, Settings, Sequence[type[Rule]]], str], module.show_prompt)
    text = show_prompt(path, line, resolved.settings, resolved.rules)
    click.echo(text, nl=not text.endswith("\n"))
    return EXIT_CLEAN


# --- rule ----------------------------------------------------------------------------


def rule_doc(rule: type[Rule]) -> str:
    """A rule's documentation: title, metadata, summary, then its docstring."""
    return rule_text(rule)


def rule_json(rule: type[Rule]) -> dict[str, object]:
    return {
        "code": rule.code,
        "name": rule.name,
        "severity": rule.severity.value,
        "default": rule.default,
        "summary": rule.summary,
        "fix_title": rule.fix_title,
        "explanation": docstring(rule),
    }


@cli.command("rule")
@click.argument("selector", required=False, metavar="CODE|NAME")
@click.option("--all", "show_all", is_flag=True, help="Explain every rule.")
@click.option(
    "--format",
    "--output-format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    help="Markdown-like text or JSON.",
)
def rule(selector: str | None, show_all: bool, output_format: str) -> int:
    """Explain a rule, by code (CL101), name (dynamic-before-static) or code prefix (CL1)."""
    if show_all or (selector is not None and selector.strip().upper() == "ALL"):
        rules: list[type[Rule]] = list(ALL_RULES)
    elif selector is None:
        _error(f"give a rule code or name, or --all (e.g. '{PROG} rule CL101')")
        return EXIT_ERROR
    else:
        try:
            rules = lookup(selector)
        except UnknownRuleError:
            _error(f"unknown rule code or name {selector!r} (see '{PROG} rule --all')")
            return EXIT_ERROR
    if output_format == "json":
        payload: object = [rule_json(r) for r in rules]
        if not show_all and len(rules) == 1:
            payload = rule_json(rules[0])
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        click.echo("\n".join(rule_doc(r) for r in rules), nl=False)
    return EXIT_CLEAN


@cli.command("models")
@click.argument("model", required=False)
@click.option("--base-url", default=None, help="The OpenAI client's base_url, to see which provider serves MODEL.")
@click.option(
    "--format",
    "--output-format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    help="A table or JSON (with every source's address).",
)
def models_command(model: str | None, base_url: str | None, output_format: str) -> int:
    """Print the model table (minimum, cached-price ratio, source, date), or how MODEL is looked up."""
    if model is not None:
        click.echo(modeltable.explain(model, Settings().default_model, base_url), nl=False)
    elif output_format == "json":
        click.echo(modeltable.table_json(), nl=False)
    else:
        click.echo(modeltable.table_text(), nl=False)
    return EXIT_CLEAN


# The optional extra `cachelint[server]`: the language server's own dependencies.
SERVER_DEPENDENCIES = frozenset({"pygls", "lsprotocol", "cattrs", "attrs", "typing_extensions", "exceptiongroup"})


@cli.command("server")
def server() -> int:
    """Run the language server on stdin and stdout, for editors (needs cachelint[server])."""
    try:
        # Imported here: pygls and lsprotocol are an optional extra, and only this command needs them.
        module = importlib.import_module("cachelint.server.lsp")
    except ModuleNotFoundError as exc:
        missing = (exc.name or "").partition(".")[0]
        if missing not in SERVER_DEPENDENCIES:
            raise
        _error(f"'{PROG} server' needs {missing}, which is not installed: "
               "install cachelint[server] (pip install 'cachelint-llm[server]')")
        return EXIT_ERROR
    cast(Callable[[], None], module.serve)()
    return EXIT_CLEAN


def main() -> None:
    """Console entry point (`cachelint`, `python -m cachelint`)."""
    code = cli.main(prog_name=PROG, standalone_mode=False)
    leave(code)


def leave(code: int) -> NoReturn:
    """End the process with `code` once the output is flushed, skipping the interpreter's
    teardown: freeing every object one by one (the tokenizer tables, the parsed modules, the
    findings) took 0.33-0.48 s after a dense 1,000-file run had printed everything, and the
    run's children, files and caches are all closed and written by the time the command
    returns. Only for the console entry: a library caller's interpreter goes on."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BrokenPipeError:
            pass  # the reader went away (`cachelint | head`), as in DefaultGroup.main
        except (OSError, ValueError) as exc:  # a full disk or a closed stream: output was lost
            with contextlib.suppress(OSError, ValueError):
                os.write(2, f"{PROG}: error: cannot write the output: {_describe(exc)}\n".encode())
            code = EXIT_ERROR
    os._exit(code)

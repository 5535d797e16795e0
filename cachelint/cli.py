"""The `cachelint` command: lint paths, explain rules, print one-line errors, set the exit code."""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import json
import os
import sys
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, NoReturn, cast

import click

from cachelint import __version__, modeltable
from cachelint.baseline import BaselineError, Entry, filter_baseline, read_baseline, write_baseline
from cachelint.config import SEVERITIES, CliOptions, ConfigError, Resolved
from cachelint.diagnostics import Diagnostic, LintError, LintWarning, NotAnalysed, Severity, Span
from cachelint.discovery import discover, display_path, is_excluded
from cachelint.fixes.cst import INSTALL_HINT, can_write_fixes
from cachelint.fixes.files import FileFix, plan_fixes, unified_diff, write_fix
from cachelint.fixes.report import fixable_hint, fixed_summary
from cachelint.lintrun import (
    Notebooks,
    Sources,
    Speed,
    describe,
    fails,
    lint_projects,
    lint_stdin,
    plural,
)
from cachelint.notebook import is_notebook
from cachelint.progress import Verbose
from cachelint.projects import Projects
from cachelint.report import (
    FORMATS,
    canonical_format,
    is_text_format,
    problem,
    render_chunks,
    render_statistics_for,
    summary_line,
)
from cachelint.report.sarif import find_repository_root
from cachelint.ruledocs import docstring, rule_text
from cachelint.rules import ALL_RULES, UnknownRuleError, lookup
from cachelint.rules._base import Rule
from cachelint.settings import DEFAULT_MODEL, Settings
from cachelint.showsettings import render_settings
from cachelint.tokens import UNAVAILABLE, TokenizerUnavailable

if TYPE_CHECKING:
    pass

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130

PROG = "cachelint"
DEFAULT_COMMAND = "check"
DEBUG_ENV = "CACHELINT_DEBUG"  # set to print the traceback behind an internal error


def _warning(problem: str) -> None:
    """One line on stderr: `cachelint: warning: <problem>` (the exit status is not changed)."""
    click.echo(f"{PROG}: warning: {_one_line(problem)}", err=True)


def _error(problem: str) -> None:
    """One line on stderr: `cachelint: error: <problem>`."""
    click.echo(f"{PROG}: error: {_one_line(problem)}", err=True)


def _internal_error(problem: str) -> None:
    click.echo(f"{PROG}: internal error: {_one_line(problem)}", err=True)
    if os.environ.get(DEBUG_ENV):
        traceback.print_exc()


def _one_line(text: str) -> str:
    return " ".join(text.split("\n")).strip()


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
            _internal_error(describe(exc))
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
    show_settings: str | None = None
    output_file: str | None = None
    extend_exclude: tuple[str, ...] = ()
    verbose: bool = False
    fix: bool = False
    unsafe_fixes: bool = False
    diff: bool = False
    show_fixes: bool = False
    # Between the rounds of --fix (lint, fix, lint again): what earlier rounds fixed.
    fixed: tuple[Diagnostic, ...] = ()
    fix_round: int = 0


# Rounds of --fix before the rest is reported: a fix skipped because it overlaps another is
# taken in the next round (ruff does the same, up to 100); cachelint's fixes rarely meet.
MAX_FIX_ROUNDS = 10


_EPILOG = f"""\b
Other commands:
  {PROG} rules            list the rules
  {PROG} rule CODE|NAME   explain a rule
  {PROG} rule --all       explain every rule
  {PROG} models [MODEL]   the model table, or how MODEL is looked up
  {PROG} server           the language server, for editors (extra [server])

Exit status: 0 clean (or no finding at the --fail-on level; with --fix, none
left), 1 findings (with --diff: fixes to apply), 2 errors (bad path,
configuration, unreadable or unparsable file). With --exit-zero, 0 unless the
run itself failed (bad option or configuration, a path that does not exist)."""


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
@click.option(
    "--extend-exclude",
    multiple=True,
    metavar="PATTERNS",
    help="Gitignore-style patterns (relative to the current folder) to skip as well.",
)
@click.option(
    "--exit-zero",
    is_flag=True,
    help="Exit 0 even when there are findings or files that cannot be checked.",
)
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
    "-v",
    "--verbose",
    is_flag=True,
    help="Say on stderr what was found, which configuration each project uses, and timings.",
)
@click.option("-o", "--output-file", metavar="FILE", help="Write the findings to FILE instead of stdout.")
@click.option(
    "--show-settings",
    metavar="PATH",
    help="Print the settings PATH is linted with and its project root, and stop.",
)
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
@click.option("--fix", is_flag=True, help="Apply safe fixes to the files, then report what is left.")
@click.option("--unsafe-fixes", is_flag=True, help="With --fix or --diff: apply unsafe fixes too.")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff instead of writing them.")
@click.option("--show-fixes", is_flag=True, help="With --fix: list the findings that were fixed.")
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
    extend_exclude: tuple[str, ...],
    verbose: bool,
    output_file: str | None,
    show_settings: str | None,
    fix: bool,
    unsafe_fixes: bool,
    diff: bool,
    show_fixes: bool,
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
        show_settings=show_settings,
        output_file=output_file,
        extend_exclude=_split(extend_exclude),
        verbose=verbose,
        fix=fix,
        unsafe_fixes=unsafe_fixes,
        diff=diff,
        show_fixes=show_fixes,
    )
    if show_prompt is not None:
        return run_show_prompt(options)
    if show_settings is not None:
        return run_show_settings(options)
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


def _config_error(exc: ConfigError) -> None:
    where = exc.where if exc.where.startswith("--") else display_path(exc.where)
    _error(f"{where}: {exc.problem}")


def _projects(options: CheckOptions) -> Projects | None:
    """Each folder's configuration for the run, or None after printing the configuration error."""
    try:
        return Projects(_cli_options(options), options.config_file)
    except ConfigError as exc:
        _config_error(exc)
        return None


def _resolve(options: CheckOptions, path: str) -> Resolved | None:
    """The configuration `path` is linted with, or None after printing the configuration error."""
    projects = _projects(options)
    if projects is None:
        return None
    try:
        return projects.for_path(path)
    except ConfigError as exc:
        _config_error(exc)
        return None


def _print_warnings(warnings: Iterable[LintWarning], notebooks: Notebooks) -> None:
    """`cachelint: warning: app.py:3: <message>` (a notebook's by cell)."""
    for w in warnings:
        _warning(f"{_place(w, notebooks)}: {w.message}")


def _place(w: LintWarning, notebooks: Notebooks) -> str:
    """`app.py:3`, or a notebook's `demo.ipynb:cell 2:line 1`."""
    where = notebooks.locate(Span(w.path, w.line, 1, w.line, 1))
    if where.cell is not None:
        return f"{display_path(w.path)}:cell {where.cell.cell}:line {where.cell.line}"
    return f"{display_path(w.path)}:{w.line}"


def _warn_empty(paths: Sequence[str], files: Sequence[str], errors: Sequence[LintError]) -> None:
    """A warning for each folder given that holds no file to lint (and no error to say why)."""
    found = [os.path.abspath(f) for f in (*files, *(e.path for e in errors))]
    for path in paths:
        if not os.path.isdir(path):
            continue
        folder = os.path.abspath(path).rstrip(os.sep) + os.sep
        if not any(f.startswith(folder) for f in found):
            _warning(f"{display_path(path)}: no Python files found")


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


def _read_baseline(file: str) -> list[Entry] | None:
    try:
        return read_baseline(file)
    except BaselineError as exc:
        _error(f"{display_path(file)}: {exc}")
        return None


# Rendered findings are written in batches of about this many characters: the whole output
# of a large run at once took as much memory as the findings themselves, twice over.
WRITE_BATCH = 1 << 16


def _write_chunks(chunks: Iterable[str], color: bool, out: IO[str] | None = None) -> None:
    batch: list[str] = []
    size = 0
    for chunk in chunks:
        batch.append(chunk)
        size += len(chunk)
        if size >= WRITE_BATCH:
            click.echo("".join(batch), nl=False, color=color, file=out)
            batch, size = [], 0
    if batch:
        click.echo("".join(batch), nl=False, color=color, file=out)


def _summary(
    diagnostics: Sequence[Diagnostic], failed: int, hidden: int, fail_on: Severity, baseline_used: bool,
    failing_count: int, not_analysed: int = 0,
) -> str:
    line = summary_line(diagnostics, failed)
    if baseline_used and hidden:
        were = "was" if hidden == 1 else "were"
        line += f" {hidden} known finding{'s' if hidden != 1 else ''} from the baseline {were} not shown."
    if diagnostics and not failing_count:
        line += f" None is at or above --fail-on {fail_on.value}."
    if not_analysed:
        line += f" {plural(not_analysed, 'call')} not fully analysed (--verbose lists them)."
    return line


def _open_output(path: str | None) -> tuple[bool, IO[str] | None]:
    """(ok, the stream for `--output-file`): None for stdout; not ok after printing why."""
    if path is None:
        return True, None
    try:
        return True, open(path, "w", encoding="utf-8")
    except OSError as exc:
        _error(f"{display_path(path)}: cannot write: {exc.strerror or exc}")
        return False, None


def _describe_project(resolved: Resolved, files: int) -> str:
    config = display_path(resolved.config_path) if resolved.config_path else "no configuration file (defaults)"
    return f"project {display_path(resolved.settings.root)}: {config}, {plural(files, 'file')}"


def _missing_paths(paths: Sequence[str], errors: Sequence[LintError]) -> bool:
    """Was a path given on the command line missing? (Not a finding: --exit-zero keeps exit 2.)"""
    given = {os.path.normpath(p) for p in paths}
    return any(e.path in given and e.message == "no such file or directory" for e in errors)


def _print_diffs(plans: Sequence[FileFix], errors: Sequence[LintError], internal: Sequence[LintError]) -> int:
    """--diff: the fixes as a unified diff on stdout, what they fix on stderr; nothing written."""
    _print_errors(errors)
    _print_errors(internal, internal=True)
    for plan in plans:
        click.echo(unified_diff(plan, display_path(plan.path)), nl=False)
    count = sum(len(plan.applied) for plan in plans)
    if count:
        click.echo(f"Would fix {count} finding{'s' if count != 1 else ''}.", err=True)
    if errors or internal:
        return EXIT_ERROR
    return EXIT_FINDINGS if plans else EXIT_CLEAN


def run_check(options: CheckOptions) -> int:
    """Lint, print, and return the exit code."""
    ok, out = _open_output(options.output_file)
    if not ok:
        return EXIT_ERROR
    try:
        return _run_check(options, out)
    finally:
        if out is not None:
            out.close()


def _run_check(options: CheckOptions, out: IO[str] | None) -> int:
    verbose = Verbose(options.verbose)
    paths = options.paths
    if not paths and options.stdin_filename is not None:
        paths = ("-",)
    paths = paths or (".",)
    read_stdin = "-" in paths
    file_paths = [p for p in paths if p != "-"]
    stdin_name = options.stdin_filename or "-"
    config_paths = [*file_paths, *([options.stdin_filename] if options.stdin_filename else [])]
    projects = _projects(options)
    if projects is None:
        return EXIT_ERROR
    if (options.fix or options.diff) and not can_write_fixes():
        _error(f"{'--fix' if options.fix else '--diff'} needs libcst, which is not installed: {INSTALL_HINT}")
        return EXIT_ERROR
    try:
        run_config = projects.for_run(config_paths)
        files, errors = discover(file_paths, projects.settings_for, force_exclude=options.force_exclude,
                                 cli_exclude=options.extend_exclude)
        groups = projects.group(files)
        stdin_config = None
        if read_stdin:
            stdin_config = projects.for_path(options.stdin_filename or ".")
    except ConfigError as exc:
        _config_error(exc)
        return EXIT_ERROR
    fmt = canonical_format(run_config.output_format)
    if options.statistics and fmt == "sarif":
        _error("--statistics cannot be written as SARIF; use --format json or full")
        return EXIT_ERROR
    color = (options.color is True if out is not None else use_color(options.color)) and is_text_format(fmt)
    entries: list[Entry] | None = None
    if options.baseline is not None:
        entries = _read_baseline(options.baseline)
        if entries is None:
            return EXIT_ERROR
    _warn_empty(file_paths, files, errors)
    verbose(f"{plural(len(files), 'file')} to lint under {plural(len(file_paths), 'path')}"
            f" ({plural(sum(map(is_notebook, files)), 'notebook')})")
    for resolved, group in groups:
        verbose(_describe_project(resolved, len(group)))
    if options.show_files:
        _print_errors(errors)
        for path in files:
            click.echo(display_path(path), file=out)
        return EXIT_ERROR if errors else EXIT_CLEAN

    sources = Sources(keep=fmt == "full")
    notebooks = Notebooks()
    run = lint_projects(Speed(options.jobs, options.no_cache, options.cache_dir), groups, sources, notebooks, verbose)
    if read_stdin and stdin_config is not None:

        def excluded(settings: Settings) -> bool:
            return options.force_exclude and options.stdin_filename is not None \
                and is_excluded(options.stdin_filename, settings, options.extend_exclude)

        run.errors.extend(lint_stdin(stdin_name, stdin_config, run, sources, notebooks, excluded))
    # Suppression comments and per-file ignores were applied with each file's linting.
    diagnostics = sorted(run.diagnostics, key=Diagnostic.sort_key)
    errors.extend(run.errors)
    spent = [e for e in errors if isinstance(e, NotAnalysed)]
    errors = [e for e in errors if not isinstance(e, NotAnalysed)]
    warnings = [e for e in errors if isinstance(e, LintWarning)]
    errors = [e for e in errors if not isinstance(e, LintWarning)]
    if options.fix or options.diff:
        shown = diagnostics if entries is None else filter_baseline(diagnostics, entries, run_config.settings.root)[0]
        plans, cannot, left_alone = plan_fixes(shown, options.unsafe_fixes)
        errors.extend(cannot)
        for why in left_alone:
            verbose(why)
        if options.diff:
            _print_warnings(warnings, notebooks)
            return _print_diffs(plans, errors, run.internal)
        if plans and options.fix_round < MAX_FIX_ROUNDS:
            try:
                for plan in plans:
                    write_fix(plan)
            except OSError as exc:
                _print_errors([*errors, LintError(plan.path, f"cannot write the fix: {exc.strerror or exc}")])
                return EXIT_ERROR
            applied = tuple(d for plan in plans for d in plan.applied)
            # Lint again: the fixed files' findings are new, and a fix left out because it
            # overlapped another may apply now.
            return _run_check(dataclasses.replace(options, fixed=options.fixed + applied,
                                                  fix_round=options.fix_round + 1), out)

    took = verbose.timer()
    for note in spent:
        verbose(f"{_place(note, notebooks)}: {note.message}")
    _print_warnings(warnings, notebooks)
    _print_errors(errors)
    _print_errors(run.internal, internal=True)
    failed = len(errors) + len(run.internal)
    run_failed = _missing_paths(file_paths, errors)

    root = run_config.settings.root
    if options.write_baseline is not None:
        try:
            write_baseline(options.write_baseline, diagnostics, root)
        except BaselineError as exc:
            _error(f"{display_path(options.write_baseline)}: {exc}")
            return EXIT_ERROR
        if is_text_format(fmt) and not options.quiet:
            count = len(diagnostics)
            click.echo(f"Wrote {count} finding{'s' if count != 1 else ''} to {display_path(options.write_baseline)}.",
                       file=out)
        return EXIT_ERROR if failed and not (options.exit_zero and not run_failed) else EXIT_CLEAN
    hidden = 0
    if entries is not None:
        diagnostics, hidden = filter_baseline(diagnostics, entries, root)

    if options.statistics:
        click.echo(render_statistics_for(fmt, diagnostics, color=color), nl=False, color=color, file=out)
    else:
        problems = [problem(e) for e in errors] + [problem(e, internal=True) for e in run.internal]
        chunks = render_chunks(
            fmt,
            diagnostics,
            color=color,
            source_lines=sources.lines,
            locate=notebooks.locate,
            rules=[run.rules[code] for code in sorted(run.rules)] or list(run_config.rules),
            root=find_repository_root(root),
            problems=problems,
        )
        _write_chunks(chunks, color, out)
    # Each finding against its own project's --fail-on level.
    failing_count = sum(fails(d, run.fail_on.get(d.span.path, run_config.fail_on)) for d in diagnostics)
    if is_text_format(fmt) and not options.quiet:
        if options.fix:
            click.echo(fixed_summary(options.fixed, show=options.show_fixes), nl=False, file=out)
        click.echo(_summary(diagnostics, failed, hidden, run_config.fail_on, entries is not None, failing_count,
                            len(spent)), file=out)
        if not options.fix:
            hint = fixable_hint(diagnostics, options.unsafe_fixes, notebooks.writable)
            if hint:
                click.echo(hint, file=out)
    verbose(f"output written in {took()}")
    if options.exit_zero:
        return EXIT_ERROR if run_failed else EXIT_CLEAN
    if failed:
        return EXIT_ERROR
    if failing_count:
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
    resolved = _resolve(options, path)
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


def run_show_settings(options: CheckOptions) -> int:
    """`--show-settings PATH`: the settings and project root PATH is linted with."""
    assert options.show_settings is not None
    path = options.show_settings
    if not os.path.lexists(path):
        _error(f"{display_path(path)}: no such file or directory")
        return EXIT_ERROR
    resolved = _resolve(options, path)
    if resolved is None:
        return EXIT_ERROR
    click.echo(render_settings(path, resolved), nl=False)
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


@cli.command("rules")
@click.option(
    "--format",
    "--output-format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    help="A table or JSON.",
)
def rules_command(output_format: str) -> int:
    """List the rules: code, name, severity, whether on by default, and what each reports."""
    if output_format == "json":
        payload = [{k: v for k, v in rule_json(r).items() if k != "explanation"} for r in ALL_RULES]
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return EXIT_CLEAN
    width = max(len(r.name) for r in ALL_RULES)
    lines = [f"{'code':<6} {'name':<{width}}  {'severity':<8}  {'default':<7}  summary"]
    for r in ALL_RULES:
        default = "on" if r.default else "off"
        lines.append(f"{r.code:<6} {r.name:<{width}}  {r.severity.value:<8}  {default:<7}  {r.summary}")
    lines.append("")
    lines.append(f"'{PROG} rule CODE' explains one; off rules are enabled with --extend-select or extend-select.")
    click.echo("\n".join(lines))
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
        # MODEL is named, so the default is never used for it
        click.echo(modeltable.explain(model, DEFAULT_MODEL, base_url), nl=False)
    elif output_format == "json":
        click.echo(modeltable.table_json(), nl=False)
    else:
        click.echo(modeltable.table_text(), nl=False)
    return EXIT_CLEAN


# The optional extra `cachelint-llm[server]`: the language server's own dependencies.
SERVER_DEPENDENCIES = frozenset({"pygls", "lsprotocol", "cattrs", "attrs", "typing_extensions", "exceptiongroup"})


@cli.command("server")
def server() -> int:
    """Run the language server on stdin and stdout, for editors (pip install 'cachelint-llm[server]')."""
    try:
        # Imported here: pygls and lsprotocol are an optional extra, and only this command needs them.
        module = importlib.import_module("cachelint.server.lsp")
    except ModuleNotFoundError as exc:
        missing = (exc.name or "").partition(".")[0]
        if missing not in SERVER_DEPENDENCIES:
            raise
        _error(f"'{PROG} server' needs {missing}, which is not installed: "
               "pip install 'cachelint-llm[server]'")
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
                os.write(2, f"{PROG}: error: cannot write the output: {describe(exc)}\n".encode())
            code = EXIT_ERROR
    os._exit(code)

"""Find, read and validate [tool.cachelint], then merge command-line flags into Settings."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from cachelint.diagnostics import Severity
from cachelint.discovery import DEFAULT_EXCLUDE, display_path
from cachelint.rules import ALL_RULES, UnknownRuleError, lookup, select_layers
from cachelint.rules._base import Rule
from cachelint.settings import DEFAULT_MIN_LOST_TOKENS, Settings
from cachelint.sources import Refused, Why, read_bytes

# tomllib is stdlib from 3.11; tomli is the same parser as a package for 3.10. Imported by
# name so the type checker (configured for 3.10) needs neither stub.
_toml = importlib.import_module("tomllib" if sys.version_info >= (3, 11) else "tomli")
_toml_loads = cast(Callable[[str], dict[str, Any]], _toml.loads)

PYPROJECT = "pyproject.toml"
CONFIG_NAMES = ("cachelint.toml", PYPROJECT)  # looked up in this order in each folder
PROJECT_MARKERS = ("pyproject.toml", "setup.cfg", ".git")
OUTPUT_FORMATS = ("full", "text", "concise", "json", "sarif", "github")  # "text" is an alias of "full"
SEVERITIES = tuple(s.value for s in Severity)  # "error", "warning", "info"
DEFAULT_FAIL_ON = Severity.INFO
WRAPPER_ROLES = ("model", "messages", "input", "system", "instructions", "tools")

_KEYS = frozenset(
    {
        "select",
        "ignore",
        "extend-select",
        "per-file-ignores",
        "exclude",
        "extend-exclude",
        "default-model",
        "min-lost-tokens",
        "flag-daily-values",
        "respect-gitignore",
        "output-format",
        "wrappers",
        "severity",
        "fail-on",
    }
)


class ConfigError(Exception):
    """A configuration problem, shown as one line: `<where>: <problem>`."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")
        self.where = where
        self.problem = problem


@dataclass(frozen=True)
class FileOptions:
    """The validated contents of one configuration table (None = not set)."""

    path: str | None = None
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] | None = None
    extend_exclude: tuple[str, ...] = ()
    default_model: str | None = None
    min_lost_tokens: int | None = None
    flag_daily_values: bool | None = None
    respect_gitignore: bool | None = None
    output_format: str | None = None
    wrappers: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    severity: tuple[tuple[str, Severity], ...] = ()  # (rule code, severity), in effect order
    fail_on: Severity | None = None


@dataclass(frozen=True)
class CliOptions:
    """Command-line values that override the file (None or empty = not given)."""

    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    default_model: str | None = None
    min_lost_tokens: int | None = None
    output_format: str | None = None
    fail_on: str | None = None


@dataclass(frozen=True)
class Resolved:
    settings: Settings
    rules: tuple[type[Rule], ...]
    output_format: str  # a canonical name: "full", "concise", "json", "sarif" or "github"
    config_path: str | None
    # Rule code -> the severity the project gives it, for codes that differ from the default.
    severity: tuple[tuple[str, Severity], ...] = ()
    fail_on: Severity = DEFAULT_FAIL_ON


# --- reading -------------------------------------------------------------------------


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return "a date or time"


def _read_toml(path: str, data: bytes | Refused | None = None) -> dict[str, Any]:
    """The TOML document at `path`; `data`: its bytes (or why they could not be read) when
    already read."""
    shown = display_path(path)
    if data is None:
        data = read_bytes(path)
    if not isinstance(data, bytes):
        if data.why is Why.MISSING:
            raise ConfigError(shown, "no such file or directory")
        if data.why is Why.DIRECTORY:
            raise ConfigError(shown, "is a directory")
        if data.why is Why.SPECIAL:
            raise ConfigError(shown, "not a regular file")
        raise ConfigError(shown, f"cannot read: {data.strerror()}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(shown, "invalid TOML: not valid UTF-8") from None
    try:
        return _toml_loads(text)
    except ValueError as exc:  # tomllib.TOMLDecodeError
        raise ConfigError(shown, f"invalid TOML: {exc}") from None


def _cachelint_table(document: Mapping[str, Any]) -> object | None:
    tool = document.get("tool")
    return tool.get("cachelint") if isinstance(tool, dict) else None


def find_config_file(start: str) -> str | None:
    """The nearest `cachelint.toml`, or `pyproject.toml` with [tool.cachelint], at or above `start`.

    Raises ConfigError for a pyproject.toml on the way that is not valid TOML (it might
    hold the table).
    """
    current = os.path.abspath(start)
    while True:
        found = config_in(current)
        if found is not None:
            return found
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def config_in(folder: str) -> str | None:
    """The configuration file of `folder` itself: `cachelint.toml`, else a `pyproject.toml`
    with [tool.cachelint]. Raises ConfigError for a pyproject.toml that is not valid TOML and
    names cachelint (it might hold the table); one that never names it cannot, and is not read
    as TOML (crewAI ships Jinja templates of pyproject.toml: `cachelint .` stopped on them)."""
    for name in CONFIG_NAMES:
        candidate = os.path.join(folder, name)
        if not os.path.isfile(candidate):
            continue
        if name != PYPROJECT:
            return candidate
        data = read_bytes(candidate)
        if isinstance(data, bytes) and b"cachelint" not in data:
            # Any spelling of the table's key holds the word (`[tool.cachelint]`, `[tool]` then
            # `cachelint = ...`, quoted keys); a file that cannot be read goes on to say why.
            continue
        if _cachelint_table(_read_toml(candidate, data)) is not None:
            return candidate
    return None


def load_config_file(path: str) -> FileOptions:
    """Read and validate one configuration file.

    A file named `pyproject.toml` must have a [tool.cachelint] table; any other file
    (`cachelint.toml`) is the table itself.
    """
    document = _read_toml(path)
    shown = display_path(path)
    if os.path.basename(path) == PYPROJECT:
        table = _cachelint_table(document)
        if table is None:
            raise ConfigError(shown, "no [tool.cachelint] table")
        return _Validator(shown, "[tool.cachelint]").options(table, path)
    return _Validator(shown, "").options(document, path)


class _Validator:
    """Checks one table, raising ConfigError with the file and key on the first problem."""

    def __init__(self, shown: str, section: str) -> None:
        self.shown = shown
        self.section = section

    def fail(self, problem: str) -> ConfigError:
        return ConfigError(self.shown, problem)

    def where(self, key: str, section: str | None = None) -> str:
        section = self.section if section is None else section
        return f"'{key}' in {section}" if section else f"'{key}'"

    def options(self, table: object, path: str) -> FileOptions:
        if not isinstance(table, dict):
            raise self.fail(f"{self.section or 'the file'} must be a table, not {_kind(table)}")
        for key in table:
            if key not in _KEYS:
                hint = ""
                if key.replace("_", "-") in _KEYS:
                    hint = f" (use '{key.replace('_', '-')}')"
                suffix = f" in {self.section}" if self.section else ""
                raise self.fail(f"unknown key '{key}'{suffix}{hint}")
        select = table.get("select")
        exclude = table.get("exclude")
        min_lost = table.get("min-lost-tokens")
        if min_lost is not None and (not isinstance(min_lost, int) or isinstance(min_lost, bool) or min_lost < 0):
            plain_int = isinstance(min_lost, int) and not isinstance(min_lost, bool)
            shown = repr(min_lost) if plain_int else _kind(min_lost)
            raise self.fail(f"{self.where('min-lost-tokens')} must be an integer >= 0, not {shown}")
        return FileOptions(
            path=os.path.abspath(path),
            select=None if select is None else self.rules("select", select),
            ignore=self.rules("ignore", table.get("ignore", [])),
            extend_select=self.rules("extend-select", table.get("extend-select", [])),
            per_file_ignores=self.per_file_ignores(table.get("per-file-ignores", {})),
            exclude=None if exclude is None else self.strings("exclude", exclude),
            extend_exclude=self.strings("extend-exclude", table.get("extend-exclude", [])),
            default_model=self.string("default-model", table.get("default-model")),
            min_lost_tokens=min_lost,
            flag_daily_values=self.boolean("flag-daily-values", table.get("flag-daily-values")),
            respect_gitignore=self.boolean("respect-gitignore", table.get("respect-gitignore")),
            output_format=self.output_format(table.get("output-format")),
            wrappers=self.wrappers(table.get("wrappers", {})),
            severity=self.severity(table.get("severity", {})),
            fail_on=self.fail_on(table.get("fail-on")),
        )

    def strings(self, key: str, value: object) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            kind = "a list with other values" if isinstance(value, list) else _kind(value)
            raise self.fail(f"{self.where(key)} must be a list of strings, not {kind}")
        return tuple(value)

    def rules(self, key: str, value: object) -> tuple[str, ...]:
        selectors = self.strings(key, value)
        for selector in selectors:
            try:
                lookup(selector)
            except UnknownRuleError:
                raise self.fail(f"{self.where(key)} names an unknown rule: {selector!r}") from None
        return selectors

    def string(self, key: str, value: object) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            kind = "an empty string" if isinstance(value, str) else _kind(value)
            raise self.fail(f"{self.where(key)} must be a non-empty string, not {kind}")
        return value

    def boolean(self, key: str, value: object) -> bool | None:
        if value is not None and not isinstance(value, bool):
            raise self.fail(f"{self.where(key)} must be true or false, not {_kind(value)}")
        return value

    def output_format(self, value: object) -> str | None:
        if value is None:
            return None
        if value not in OUTPUT_FORMATS:
            choices = ", ".join(f"'{f}'" for f in OUTPUT_FORMATS)
            shown = repr(value) if isinstance(value, str) else _kind(value)
            raise self.fail(f"{self.where('output-format')} must be one of {choices}, not {shown}")
        return str(value)

    def severity(self, value: object) -> tuple[tuple[str, Severity], ...]:
        """`[tool.cachelint.severity]`: rule code, name or prefix -> error, warning or info.

        Broader selectors apply first, so `CL1 = "warning"` with `CL102 = "error"` leaves
        CL102 an error whatever the order in the file.
        """
        section = f"[{self.section[1:-1]}.severity]" if self.section else "[severity]"
        if not isinstance(value, dict):
            raise self.fail(f"{self.where('severity')} must be a table, not {_kind(value)}")
        entries: list[tuple[int, int, list[str], Severity]] = []
        for position, (selector, level) in enumerate(value.items()):
            try:
                matched = lookup(selector)
            except UnknownRuleError:
                raise self.fail(f"{section} names an unknown rule: {selector!r}") from None
            if level not in SEVERITIES:
                choices = ", ".join(f"'{s}'" for s in SEVERITIES)
                shown = repr(level) if isinstance(level, str) else _kind(level)
                raise self.fail(f"'{selector}' in {section} must be one of {choices}, not {shown}")
            entries.append((-len(matched), position, [r.code for r in matched], Severity(level)))
        chosen: dict[str, Severity] = {}
        for _, _, codes, level in sorted(entries, key=lambda e: (e[0], e[1])):
            for code in codes:
                chosen[code] = level
        return tuple(sorted(chosen.items()))

    def fail_on(self, value: object) -> Severity | None:
        if value is None:
            return None
        if value not in SEVERITIES:
            choices = ", ".join(f"'{s}'" for s in SEVERITIES)
            shown = repr(value) if isinstance(value, str) else _kind(value)
            raise self.fail(f"{self.where('fail-on')} must be one of {choices}, not {shown}")
        return Severity(value)

    def per_file_ignores(self, value: object) -> tuple[tuple[str, tuple[str, ...]], ...]:
        if not isinstance(value, dict):
            raise self.fail(f"{self.where('per-file-ignores')} must be a table, not {_kind(value)}")
        entries = []
        for pattern, selectors in value.items():
            codes = self.rules("per-file-ignores", selectors)
            entries.append((pattern, tuple(_codes(codes))))
        return tuple(entries)

    def wrappers(self, value: object) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
        if not isinstance(value, dict):
            raise self.fail(f"{self.where('wrappers')} must be a table, not {_kind(value)}")
        inner = f"{self.section[1:-1]}.wrappers" if self.section else "wrappers"
        found = []
        for name, roles in value.items():
            section = f'[{inner}."{name}"]'
            if not name.strip():
                raise self.fail(f"[{inner}] has a wrapper with an empty name")
            if not isinstance(roles, dict):
                raise self.fail(f"{section} must be a table, not {_kind(roles)}")
            if not roles:
                raise self.fail(f"{section} names no parameters")
            for role, param in roles.items():
                if role not in WRAPPER_ROLES:
                    raise self.fail(f"unknown key '{role}' in {section}")
                if not isinstance(param, str) or not param.strip():
                    kind = "an empty string" if isinstance(param, str) else _kind(param)
                    raise self.fail(f"{self.where(role, section)} must be a parameter name, not {kind}")
            found.append((name, tuple(sorted(roles.items()))))
        return tuple(sorted(found))


def _codes(selectors: Iterable[str]) -> list[str]:
    """Rule codes matched by already validated selectors, in order, without duplicates."""
    codes: dict[str, None] = {}
    for selector in selectors:
        for rule in lookup(selector):
            codes[rule.code] = None
    return list(codes)


# --- resolving -----------------------------------------------------------------------


def search_start(paths: Sequence[str], cwd: str | None = None) -> str:
    """The deepest folder containing every path (a file counts as its folder); cwd if none."""
    base = os.path.abspath(cwd if cwd is not None else os.getcwd())
    folders = []
    for path in paths:
        if path == "-":
            continue
        absolute = os.path.join(base, path)
        folders.append(absolute if os.path.isdir(absolute) else os.path.dirname(absolute))
    if not folders:
        return base
    try:
        return os.path.normpath(os.path.commonpath(folders))
    except ValueError:  # paths on different drives
        return base


def find_project_root(start: str, cwd: str | None = None) -> str:
    """The nearest folder at or above `start` holding a project marker; else cwd."""
    current = os.path.abspath(start)
    while True:
        if any(os.path.exists(os.path.join(current, m)) for m in PROJECT_MARKERS):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return os.path.abspath(cwd if cwd is not None else os.getcwd())
        current = parent


def validate_cli_rules(option: str, selectors: Iterable[str]) -> None:
    """Raise ConfigError naming the option for a code or name that matches no rule."""
    for selector in selectors:
        try:
            lookup(selector)
        except UnknownRuleError:
            raise ConfigError(option, f"unknown rule code or name {selector!r}") from None


def resolve(
    paths: Sequence[str],
    *,
    config_file: str | None = None,
    cli: CliOptions | None = None,
    cwd: str | None = None,
    start: str | None = None,
) -> Resolved:
    """Settings and enabled rules for linting `paths` (flags win over the file).

    `config_file` is `--config`; otherwise the nearest configuration at or above `start`
    (default: the common folder of `paths`) is used. Raises ConfigError.
    """
    cli = cli or CliOptions()
    validate_cli(cli)
    start = start or search_start(paths, cwd)
    path = config_file if config_file is not None else find_config_file(start)
    options = load_config_file(path) if path is not None else FileOptions()
    # The project root: the configuration's folder, else the nearest project marker.
    root = find_project_root(start, cwd) if options.path is None else os.path.dirname(options.path)
    return resolve_options(options, root, cli)


def validate_cli(cli: CliOptions) -> None:
    """Raise ConfigError for a rule option naming no rule."""
    validate_cli_rules("--select", cli.select or ())
    validate_cli_rules("--ignore", cli.ignore)
    validate_cli_rules("--extend-select", cli.extend_select)


def resolve_options(options: FileOptions, root: str, cli: CliOptions) -> Resolved:
    """The settings and rules of one project: its configuration file's `options` (empty
    without one), with root `root`, and the command line's flags over them."""
    rules = select_layers(
        [
            (options.select, options.ignore, options.extend_select),
            (cli.select, cli.ignore, cli.extend_select),
        ]
    )
    # Settings keeps the outcome as plain codes so select_rules(settings.select,
    # settings.ignore, settings.extend_select) gives the same rules.
    codes = tuple(r.code for r in rules)
    select, ignore = (codes, ()) if codes else (("ALL",), ("ALL",))
    settings = Settings(
        select=select,
        ignore=ignore,
        extend_select=(),
        per_file_ignores=options.per_file_ignores,
        exclude=DEFAULT_EXCLUDE if options.exclude is None else options.exclude,
        extend_exclude=options.extend_exclude,
        default_model=cli.default_model or options.default_model or None,
        min_lost_tokens=_first_int(cli.min_lost_tokens, options.min_lost_tokens, DEFAULT_MIN_LOST_TOKENS),
        flag_daily_values=bool(options.flag_daily_values),
        respect_gitignore=options.respect_gitignore is not False,
        root=root,
        wrappers=options.wrappers,
    )
    fmt = cli.output_format or options.output_format or "full"
    defaults = {r.code: Severity(r.severity) for r in ALL_RULES}
    fail_on = cli.fail_on or options.fail_on or DEFAULT_FAIL_ON
    return Resolved(
        settings=settings,
        rules=tuple(rules),
        output_format="full" if fmt == "text" else fmt,
        config_path=options.path,
        severity=tuple((code, level) for code, level in options.severity if defaults.get(code) != level),
        fail_on=Severity(fail_on),
    )


def _first_int(*values: int | None) -> int:
    for value in values:
        if value is not None:
            return value
    raise AssertionError("unreachable: the last value is a default")

"""Finding, validating and merging [tool.cachelint] into Settings."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from cachelint.config import (
    CliOptions,
    ConfigError,
    find_config_file,
    find_project_root,
    load_config_file,
    resolve,
    search_start,
)
from cachelint.diagnostics import Severity
from cachelint.discovery import DEFAULT_EXCLUDE
from cachelint.rules import ALL_RULES, select_rules
from cachelint.settings import DEFAULT_MIN_LOST_TOKENS, Settings


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problem(path: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_config_file(str(path))
    return info.value.problem


def pyproject(project: Path, body: str) -> Path:
    return write(project / "pyproject.toml", "[tool.cachelint]\n" + textwrap.dedent(body))


DEFAULT_CODES = tuple(r.code for r in ALL_RULES if r.default)


def test_defaults_without_any_config(project: Path) -> None:
    resolved = resolve(["."])
    assert resolved.config_path is None
    assert resolved.output_format == "full"
    assert tuple(r.code for r in resolved.rules) == DEFAULT_CODES
    assert resolved.settings == Settings(
        select=DEFAULT_CODES,
        exclude=DEFAULT_EXCLUDE,
        default_model=None,  # not configured: a call naming no model gets no size finding
        min_lost_tokens=DEFAULT_MIN_LOST_TOKENS,
        root=str(project),
    )


def test_every_key(project: Path) -> None:
    pyproject(
        project,
        """\
        select = ["CL1"]
        ignore = ["unordered-in-prefix"]
        extend-select = ["CL201"]
        exclude = ["gen"]
        extend-exclude = ["vendored/*.py"]
        default-model = "claude-sonnet-4-5"
        min-lost-tokens = 0
        flag-daily-values = true
        respect-gitignore = false
        output-format = "text"
        fail-on = "warning"

        [tool.cachelint.severity]
        CL1 = "warning"
        volatile-in-prefix = "error"
        CL201 = "info"

        [tool.cachelint.per-file-ignores]
        "tests/*" = ["dynamic-before-static", "CL2"]

        [tool.cachelint.wrappers."app.llm.chat"]
        messages = "msgs"
        model = "model_name"
        """,
    )
    resolved = resolve(["."])
    s = resolved.settings
    assert resolved.config_path == str(project / "pyproject.toml")
    assert resolved.output_format == "full"
    assert [r.code for r in resolved.rules] == ["CL101", "CL102", "CL104", "CL201"]
    # The broad CL1 applies first, the exact name wins; defaults are left out.
    assert resolved.severity == (("CL101", Severity.WARNING), ("CL201", Severity.INFO))
    assert resolved.fail_on == Severity.WARNING
    cl2 = tuple(r.code for r in ALL_RULES if r.code.startswith("CL2"))
    assert s.per_file_ignores == (("tests/*", ("CL101", *cl2)),)
    assert s.exclude == ("gen",)
    assert s.extend_exclude == ("vendored/*.py",)
    assert s.default_model == "claude-sonnet-4-5"
    assert s.min_lost_tokens == 0
    assert s.flag_daily_values is True
    assert s.respect_gitignore is False
    assert s.root == str(project)
    assert s.wrappers == (("app.llm.chat", (("messages", "msgs"), ("model", "model_name"))),)


def test_settings_selection_matches_the_rules(project: Path) -> None:
    pyproject(project, 'select = ["CL1"]\nignore = ["CL102"]\n')
    resolved = resolve(["."])
    s = resolved.settings
    assert select_rules(s.select, s.ignore, s.extend_select) == list(resolved.rules)
    resolved = resolve(["."], cli=CliOptions(ignore=("ALL",)))
    s = resolved.settings
    assert resolved.rules == ()
    assert select_rules(s.select, s.ignore, s.extend_select) == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("selekt = []", "unknown key 'selekt' in [tool.cachelint]"),
        (
            "per_file_ignores = {}",
            "unknown key 'per_file_ignores' in [tool.cachelint] (use 'per-file-ignores')",
        ),
        (
            "select = 'CL101'",
            "'select' in [tool.cachelint] must be a list of strings, not a string",
        ),
        (
            "ignore = ['CL101', 3]",
            "'ignore' in [tool.cachelint] must be a list of strings, not a list with other values",
        ),
        (
            "extend-select = ['nope']",
            "'extend-select' in [tool.cachelint] names an unknown rule: 'nope'",
        ),
        ("select = ['']", "'select' in [tool.cachelint] names an unknown rule: ''"),
        (
            "min-lost-tokens = -1",
            "'min-lost-tokens' in [tool.cachelint] must be an integer >= 0, not -1",
        ),
        (
            "min-lost-tokens = true",
            "'min-lost-tokens' in [tool.cachelint] must be an integer >= 0, not a boolean",
        ),
        (
            "min-lost-tokens = 1.5",
            "'min-lost-tokens' in [tool.cachelint] must be an integer >= 0, not a float",
        ),
        (
            "flag-daily-values = 'yes'",
            "'flag-daily-values' in [tool.cachelint] must be true or false, not a string",
        ),
        (
            "respect-gitignore = 1",
            "'respect-gitignore' in [tool.cachelint] must be true or false, not an integer",
        ),
        (
            "default-model = ''",
            "'default-model' in [tool.cachelint] must be a non-empty string, not an empty string",
        ),
        (
            "output-format = 'xml'",
            "'output-format' in [tool.cachelint] must be one of 'full', 'text', 'concise', 'json', 'sarif', "
            "'github', not 'xml'",
        ),
        ("severity = 'info'", "'severity' in [tool.cachelint] must be a table, not a string"),
        ("severity = { CL999 = 'info' }", "[tool.cachelint.severity] names an unknown rule: 'CL999'"),
        (
            "severity = { CL201 = 'high' }",
            "'CL201' in [tool.cachelint.severity] must be one of 'error', 'warning', 'info', not 'high'",
        ),
        (
            "severity = { CL201 = 1 }",
            "'CL201' in [tool.cachelint.severity] must be one of 'error', 'warning', 'info', not an integer",
        ),
        (
            "fail-on = 'fatal'",
            "'fail-on' in [tool.cachelint] must be one of 'error', 'warning', 'info', not 'fatal'",
        ),
        (
            "exclude = 'build'",
            "'exclude' in [tool.cachelint] must be a list of strings, not a string",
        ),
        (
            "per-file-ignores = []",
            "'per-file-ignores' in [tool.cachelint] must be a table, not a list",
        ),
        (
            "per-file-ignores = { 'tests/*' = 'CL101' }",
            "'per-file-ignores' in [tool.cachelint] must be a list of strings, not a string",
        ),
        (
            "per-file-ignores = { 'tests/*' = ['CL999'] }",
            "'per-file-ignores' in [tool.cachelint] names an unknown rule: 'CL999'",
        ),
        ("wrappers = []", "'wrappers' in [tool.cachelint] must be a table, not a list"),
        ("wrappers = { f = 'x' }", '[tool.cachelint.wrappers."f"] must be a table, not a string'),
        ("wrappers = { f = {} }", '[tool.cachelint.wrappers."f"] names no parameters'),
        (
            "wrappers = { f = { prompt = 'p' } }",
            "unknown key 'prompt' in [tool.cachelint.wrappers.\"f\"]",
        ),
        (
            "wrappers = { f = { messages = 1 } }",
            "'messages' in [tool.cachelint.wrappers.\"f\"] must be a parameter name, not an integer",
        ),
    ],
)
def test_invalid_values(project: Path, body: str, message: str) -> None:
    assert problem(pyproject(project, body + "\n")) == message


def test_error_names_the_file_relative_to_cwd(project: Path) -> None:
    path = pyproject(project / "sub", "selekt = 1\n")
    with pytest.raises(ConfigError) as info:
        resolve(["sub"])
    assert str(info.value) == "sub/pyproject.toml: unknown key 'selekt' in [tool.cachelint]"
    assert info.value.where == "sub/pyproject.toml"
    assert path.exists()


def test_toml_syntax_error(project: Path) -> None:
    path = write(project / "pyproject.toml", '[tool.cachelint]\nselect = ["CL101"\n')
    assert problem(path).startswith("invalid TOML: ")


def test_not_utf8(project: Path) -> None:
    path = project / "pyproject.toml"
    path.write_bytes(b"[tool.cachelint]\nselect = ['\xff']\n")
    assert problem(path) == "invalid TOML: not valid UTF-8"


def test_nearest_pyproject_with_the_table_wins(project: Path) -> None:
    pyproject(project, "min-lost-tokens = 5\n")
    write(project / "pkg" / "pyproject.toml", "[project]\nname = 'pkg'\n")  # no table: skipped
    (project / "pkg" / "src").mkdir()
    assert find_config_file(str(project / "pkg" / "src")) == str(project / "pyproject.toml")
    resolved = resolve(["pkg/src"])
    assert resolved.settings.min_lost_tokens == 5
    assert resolved.settings.root == str(project)


def test_cachelint_toml_is_found_and_preferred(project: Path) -> None:
    pyproject(project, "min-lost-tokens = 5\n")
    write(project / "cachelint.toml", "min-lost-tokens = 6\n")
    assert resolve(["."]).settings.min_lost_tokens == 6


def test_cachelint_toml_errors_have_no_section(project: Path) -> None:
    assert problem(write(project / "cachelint.toml", "selekt = 1\n")) == "unknown key 'selekt'"


def test_explicit_config(project: Path) -> None:
    write(project / "conf" / "cachelint.toml", "default-model = 'gpt-5'\n")
    pyproject(project, "default-model = 'ignored'\n")
    resolved = resolve(["."], config_file="conf/cachelint.toml")
    assert resolved.settings.default_model == "gpt-5"
    assert resolved.settings.root == str(project / "conf")


def test_explicit_pyproject_needs_the_table(project: Path) -> None:
    path = write(project / "pyproject.toml", "[project]\nname = 'x'\n")
    assert problem(path) == "no [tool.cachelint] table"


def test_missing_explicit_config(project: Path) -> None:
    with pytest.raises(ConfigError) as info:
        resolve(["."], config_file="nope.toml")
    assert str(info.value) == "nope.toml: no such file or directory"


def test_root_from_markers(project: Path) -> None:
    (project / "a" / "b").mkdir(parents=True)
    (project / "a" / "setup.cfg").write_text("")
    assert resolve(["a/b"]).settings.root == str(project / "a")
    (project / "a" / "b" / ".git").mkdir()
    assert find_project_root(str(project / "a" / "b")) == str(project / "a" / "b")


def test_search_start(project: Path) -> None:
    write(project / "a" / "x.py", "")
    write(project / "a" / "b" / "y.py", "")
    assert search_start(["a/x.py", "a/b/y.py"]) == str(project / "a")
    assert search_start(["a/b"]) == str(project / "a" / "b")
    assert search_start([]) == str(project)
    assert search_start(["-"]) == str(project)


def test_cli_values_win(project: Path) -> None:
    pyproject(
        project,
        "default-model = 'a'\nmin-lost-tokens = 9\noutput-format = 'json'\n",
    )
    resolved = resolve(
        ["."],
        cli=CliOptions(default_model="b", min_lost_tokens=0, output_format="concise"),
    )
    assert resolved.settings.default_model == "b"
    assert resolved.settings.min_lost_tokens == 0
    assert resolved.output_format == "concise"


def test_cli_selection_layers_on_the_file(project: Path) -> None:
    pyproject(project, 'select = ["CL101", "CL103"]\nignore = ["CL201"]\n')

    def codes(**kwargs: tuple[str, ...]) -> list[str]:
        return [r.code for r in resolve(["."], cli=CliOptions(**kwargs)).rules]  # type: ignore[arg-type]

    assert codes() == ["CL101", "CL103"]
    assert codes(select=("CL102",)) == ["CL102"]
    assert codes(ignore=("CL103",)) == ["CL101"]
    assert codes(extend_select=("CL201",)) == ["CL101", "CL103", "CL201"]
    # Every rule but the CL1xx ones, whatever rules exist besides.
    assert codes(select=("ALL",), ignore=("CL1",)) == [r.code for r in ALL_RULES if not r.code.startswith("CL1")]


@pytest.mark.parametrize("option", ["--select", "--ignore", "--extend-select"])
def test_cli_unknown_rule(project: Path, option: str) -> None:
    field = option[2:].replace("-", "_")
    cli = CliOptions(**{field: ("CL101", "bogus")})  # type: ignore[arg-type]
    with pytest.raises(ConfigError) as info:
        resolve(["."], cli=cli)
    assert str(info.value) == f"{option}: unknown rule code or name 'bogus'"


def test_exclude_replaces_the_defaults(project: Path) -> None:
    assert resolve(["."]).settings.exclude == DEFAULT_EXCLUDE
    pyproject(project, "exclude = []\n")
    assert resolve(["."]).settings.exclude == ()

"""Hierarchical configuration, as ruff does it: each file is linted with the nearest
configuration above it, and that configuration's folder is its project root.

The nearest `cachelint.toml`, or `pyproject.toml` with a [tool.cachelint] table, at or
above a file's folder configures it; without one, the file gets the defaults and its root is
the nearest folder with a project marker (`pyproject.toml`, `setup.cfg`, `.git`). So a file's
findings never depend on which other paths are on the command line, and a run over files of
several roots analyses each root as a project of its own. `--config FILE` gives every file
that one configuration instead. Each folder is looked up once per run.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

from cachelint.config import (
    PROJECT_MARKERS,
    CliOptions,
    FileOptions,
    Resolved,
    config_in,
    load_config_file,
    resolve_options,
    search_start,
    validate_cli,
)
from cachelint.settings import Settings


class Projects:
    """The resolved configuration of each folder of a run; raises ConfigError (an invalid
    configuration file met on the way up, an unknown rule on the command line)."""

    def __init__(self, cli: CliOptions | None = None, config_file: str | None = None,
                 cwd: str | None = None) -> None:
        self.cli = cli or CliOptions()
        validate_cli(self.cli)
        self.cwd = os.path.abspath(cwd if cwd is not None else os.getcwd())
        self._fixed: Resolved | None = None
        if config_file is not None:
            options = load_config_file(config_file)
            root = os.path.dirname(options.path or os.path.abspath(config_file))
            self._fixed = resolve_options(options, root, self.cli)
        self._config_of: dict[str, str | None] = {}  # folder -> nearest configuration file
        self._marker_of: dict[str, str | None] = {}  # folder -> nearest folder with a marker
        self._options: dict[str, FileOptions] = {}
        self._resolved: dict[tuple[str | None, str], Resolved] = {}

    # ---- lookups

    def for_folder(self, folder: str) -> Resolved:
        """The configuration of the files in `folder`."""
        if self._fixed is not None:
            return self._fixed
        folder = os.path.normpath(os.path.join(self.cwd, folder))
        config = self._nearest_config(folder)
        # The root: the configuration's folder, else the nearest project marker, else cwd.
        root = os.path.dirname(config) if config is not None else self._nearest_marker(folder) or self.cwd
        key = (config, root)
        if key not in self._resolved:
            options = FileOptions() if config is None else self._load(config)
            self._resolved[key] = resolve_options(options, root, self.cli)
        return self._resolved[key]

    def for_path(self, path: str) -> Resolved:
        """The configuration of a file (its folder's) or of a folder."""
        absolute = os.path.normpath(os.path.join(self.cwd, path))
        return self.for_folder(absolute if os.path.isdir(absolute) else os.path.dirname(absolute))

    def settings_for(self, folder: str) -> Settings:
        """What discovery asks while walking: the settings of the files in `folder`."""
        return self.for_folder(folder).settings

    def for_run(self, paths: Sequence[str]) -> Resolved:
        """The configuration of what belongs to the run rather than a file (the output format;
        what baselines and SARIF paths are relative to): that of the deepest folder holding
        every path, as before configuration was per file."""
        return self.for_folder(search_start(paths, self.cwd))

    def group(self, files: Sequence[str]) -> list[tuple[Resolved, list[str]]]:
        """`files` by project, each project's files in the given order, projects in the order
        their first file comes."""
        groups: dict[int, tuple[Resolved, list[str]]] = {}
        for path in files:
            resolved = self.for_path(path)
            groups.setdefault(id(resolved), (resolved, []))[1].append(path)
        return list(groups.values())

    # ---- the walk up

    def _load(self, config: str) -> FileOptions:
        if config not in self._options:
            self._options[config] = load_config_file(config)
        return self._options[config]

    def _nearest_config(self, folder: str) -> str | None:
        return _nearest(folder, self._config_of, config_in)

    def _nearest_marker(self, folder: str) -> str | None:
        return _nearest(folder, self._marker_of, _marker_folder)


def _marker_folder(folder: str) -> str | None:
    return folder if any(os.path.exists(os.path.join(folder, m)) for m in PROJECT_MARKERS) else None


def _nearest(folder: str, memo: dict[str, str | None], here: Callable[[str], str | None]) -> str | None:
    """The first answer `here` gives walking up from `folder`, each folder asked once: every folder
    passed on the way is remembered with the answer found above it."""
    seen: list[str] = []
    current = folder
    found: str | None = None
    while True:
        if current in memo:
            found = memo[current]
            break
        seen.append(current)
        found = here(current)
        if found is not None:
            break
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    for visited in seen:
        memo[visited] = found
    return found

"""Turn the paths given on the command line into a sorted list of Python files and notebooks to lint."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import pathspec

from cachelint.diagnostics import LintError
from cachelint.settings import Settings
from cachelint.sources import read_text

# File suffixes found when walking directories: Python modules and Jupyter notebooks
# (included by default, as in ruff; `extend-exclude = ["*.ipynb"]` leaves them out).
PYTHON_SUFFIXES: tuple[str, ...] = (".py", ".ipynb")
NOTEBOOK_SUFFIX = ".ipynb"


def is_notebook(path: str) -> bool:
    """Is `path` a Jupyter notebook (linted as its joined cells, so not fixed in place)?"""
    return path.lower().endswith(NOTEBOOK_SUFFIX)

# Skipped while walking unless `exclude` is set in the configuration (which replaces this
# list, as in ruff; `extend-exclude` adds to it). Gitignore-style patterns: a bare name
# matches a file or folder of that name at any depth.
DEFAULT_EXCLUDE: tuple[str, ...] = (
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    "env",
    ".tox",
    ".nox",
    "__pycache__",
    "node_modules",
    "build",
    "dist",
    "site-packages",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    "*.egg-info",
)


def display_path(path: str, cwd: str | None = None) -> str:
    """`path` as users should see it: relative to cwd when inside it, with forward slashes."""
    if path == "-":
        return path
    base = os.path.abspath(cwd if cwd is not None else os.getcwd())
    absolute = os.path.abspath(path)
    if absolute == base:
        shown = "."
    elif absolute.startswith(base.rstrip(os.sep) + os.sep):
        shown = os.path.relpath(absolute, base)
    elif os.path.isabs(path):
        shown = absolute
    else:
        shown = os.path.normpath(path)  # outside cwd, e.g. `../other/x.py`: keep as typed
    return shown.replace(os.sep, "/")


def _posix_rel(path: str, start: str) -> str:
    """`path` relative to `start` (both absolute and normalised), with forward slashes."""
    prefix = start if start.endswith(os.sep) else start + os.sep
    # Slicing covers the common case and is far cheaper than relpath.
    rel = path[len(prefix) :] if path.startswith(prefix) else os.path.relpath(path, start)
    return rel.replace(os.sep, "/")


def _has_git_marker(directory: str) -> bool:
    return os.path.exists(os.path.join(directory, ".git"))


# A pattern's identity: the folder its list applies to ("" for `exclude`, _CLI for the
# command line's) and its index.
_PatternId = tuple[str, int]
_CLI = "<command line>"

# The settings of the files in a folder (hierarchical configuration: see cachelint.projects).
SettingsFor = Callable[[str], Settings]


class _Ignorers:
    """The ignorer of each folder's project: one per distinct settings, made on first use."""

    def __init__(self, settings: Settings | SettingsFor, cli_exclude: Sequence[str]) -> None:
        self.settings_for: SettingsFor = (lambda _: settings) if isinstance(settings, Settings) else settings
        self.cli = _compile(cli_exclude)
        self.cwd = os.getcwd()
        self.by_settings: dict[Settings, _Ignorer] = {}

    def for_dir(self, directory: str) -> _Ignorer:
        settings = self.settings_for(directory)
        got = self.by_settings.get(settings)
        if got is None:
            got = self.by_settings[settings] = _Ignorer.from_settings(settings, self.cli, self.cwd)
        return got

    def for_path(self, path: str) -> _Ignorer:
        """The ignorer deciding on `path`: its parent folder's (a folder's own configuration
        cannot exclude the folder)."""
        return self.for_dir(os.path.dirname(path))


@dataclass
class _Ignorer:
    """Answers "is this path excluded?" from `exclude` patterns and `.gitignore` files."""

    root: str
    exclude: list[pathspec.Pattern]
    respect_gitignore: bool
    # `--extend-exclude` on the command line: patterns relative to the current folder, for
    # every project of the run (the same list object in each project's ignorer).
    cli_exclude: list[pathspec.Pattern] = field(default_factory=list)
    cwd: str = ""
    _gitignores: dict[str, list[pathspec.Pattern]] = field(default_factory=dict)
    _bases: dict[str, str | None] = field(default_factory=dict)
    _chains: dict[str, list[tuple[str, list[pathspec.Pattern]]]] = field(default_factory=dict)
    # Per pattern list (by identity; the lists live as long as this object): one regex that
    # matches where any of them does, or None when they cannot be joined.
    _any: dict[int, re.Pattern[str] | None] = field(default_factory=dict)

    def _verdict(self, patterns: list[pathspec.Pattern], origin: str, rel: str,
                skip: frozenset[_PatternId], matched: set[_PatternId]) -> bool | None:
        """`_decide`, answering at once for a path no pattern of the list matches (almost
        every file: the default excludes made 17 regex searches a file, a third of a warm
        run over the standard library)."""
        if not patterns:
            return None
        key = id(patterns)
        if key not in self._any:
            self._any[key] = _joined(patterns)
        joined = self._any[key]
        if joined is not None and joined.search(rel) is None:
            return None
        return _decide(patterns, origin, rel, skip, matched)

    @classmethod
    def from_settings(cls, settings: Settings, cli_exclude: list[pathspec.Pattern] | None = None,
                      cwd: str = "") -> _Ignorer:
        patterns = [*settings.exclude, *settings.extend_exclude]
        return cls(
            root=os.path.abspath(settings.root),
            exclude=_compile(patterns),
            respect_gitignore=settings.respect_gitignore,
            cli_exclude=cli_exclude if cli_exclude is not None else [],
            cwd=cwd or os.getcwd(),
        )

    def ignored(self, path: str, is_dir: bool) -> bool:
        """True if `path` (absolute) or one of its parent folders is excluded or gitignored."""
        return self.check(path, is_dir)[0]

    def check(
        self, path: str, is_dir: bool, skip: frozenset[_PatternId] = frozenset()
    ) -> tuple[bool, frozenset[_PatternId]]:
        """Whether `path` is excluded, and the ids of all patterns that match it.

        Patterns in `skip` are left out: inside a folder that is walked although it is
        excluded (it was named explicitly), the patterns that excluded the folder also
        match everything in it and must not drop its contents.
        """
        suffix = "/" if is_dir else ""
        matched: set[_PatternId] = set()
        excluded = self._verdict(self.exclude, "", _posix_rel(path, self.root) + suffix, skip, matched)
        if self.cli_exclude and not excluded:
            excluded = self._verdict(self.cli_exclude, _CLI, _posix_rel(path, self.cwd) + suffix, skip, matched)
        gitignored: bool | None = None
        if self.respect_gitignore:
            # Deeper .gitignore files take precedence, as in git: the first file (walking
            # up) with a pattern matching the path decides. All are read, so `matched`
            # is complete.
            for directory, patterns in self._chain(os.path.dirname(path)):
                rel = _posix_rel(path, directory) + suffix
                verdict = self._verdict(patterns, directory, rel, skip, matched)
                if gitignored is None:
                    gitignored = verdict
        return bool(excluded) or bool(gitignored), frozenset(matched)

    def _chain(self, directory: str) -> list[tuple[str, list[pathspec.Pattern]]]:
        """The non-empty .gitignore pattern lists that apply in `directory`, deepest first."""
        if directory not in self._chains:
            self._chains[directory] = [
                (d, patterns) for d in self._gitignore_dirs(directory) if (patterns := self._gitignore(d))
            ]
        return self._chains[directory]

    def _gitignore_dirs(self, directory: str) -> Iterable[str]:
        """`directory` and its parents up to the repository (or project) root."""
        base = self._base(directory)
        current = directory
        while True:
            yield current
            parent = os.path.dirname(current)
            if base is None or current == base or parent == current:
                return
            current = parent

    def _base(self, directory: str) -> str | None:
        # The nearest folder holding `.git`; without one, the project root when the folder
        # lies inside it (then only .gitignore files from the root down count); else None,
        # meaning only the folder's own .gitignore counts.
        if directory in self._bases:
            return self._bases[directory]
        current = directory
        base: str | None = None
        while True:
            if _has_git_marker(current):
                base = current
                break
            parent = os.path.dirname(current)
            if parent == current:
                break
            current = parent
        if base is None and (directory == self.root or directory.startswith(self.root + os.sep)):
            base = self.root
        self._bases[directory] = base
        return base

    def _gitignore(self, directory: str) -> list[pathspec.Pattern]:
        if directory not in self._gitignores:
            patterns: list[pathspec.Pattern] = []
            gitignore = os.path.join(directory, ".gitignore")
            text = read_text(gitignore, errors="replace")
            if isinstance(text, str):  # else no .gitignore here (or unreadable: git skips it too)
                patterns = _compile(text.splitlines())
            self._gitignores[directory] = patterns
        return self._gitignores[directory]


def _compile(lines: Iterable[str]) -> list[pathspec.Pattern]:
    return [p for p in pathspec.GitIgnoreSpec.from_lines(lines).patterns if p.include is not None]


# A named group (pathspec names the trailing slash of a folder pattern): each pattern
# has its own, and a name may occur only once in a regex.
_NAMED_GROUP = re.compile(r"\(\?P<\w+>")


def _joined(patterns: list[pathspec.Pattern]) -> re.Pattern[str] | None:
    """One regex that searches like any of `patterns` (None if they cannot be joined)."""
    sources = []
    for p in patterns:
        rx = getattr(p, "regex", None)
        if not isinstance(rx, re.Pattern) or not isinstance(rx.pattern, str) or rx.flags != re.UNICODE \
                or "(?P=" in rx.pattern:
            return None
        sources.append(_NAMED_GROUP.sub("(?:", rx.pattern))
    try:
        return re.compile("|".join(f"(?:{src})" for src in sources))
    except re.error:
        return None


def _decide(
    patterns: list[pathspec.Pattern],
    origin: str,
    rel: str,
    skip: frozenset[_PatternId],
    matched: set[_PatternId],
) -> bool | None:
    """The last matching pattern wins (a `!pattern` re-includes); None if none matches."""
    decision: bool | None = None
    for index, pattern in enumerate(patterns):
        pid = (origin, index)
        if pid in skip or pattern.match_file(rel) is None:
            continue
        matched.add(pid)
        decision = pattern.include
    return decision


def is_excluded(path: str, settings: Settings | SettingsFor, cli_exclude: Sequence[str] = ()) -> bool:
    """True if `path` (or a parent folder) is excluded by settings or gitignored.

    Used for `--force-exclude` with explicit paths and `--stdin-filename`.
    """
    absolute = os.path.abspath(path)
    is_dir = os.path.isdir(absolute)
    return _Ignorers(settings, cli_exclude).for_path(absolute).ignored(absolute, is_dir)


def discover(
    paths: Sequence[str],
    settings: Settings | SettingsFor,
    *,
    force_exclude: bool = False,
    cli_exclude: Sequence[str] = (),
) -> tuple[list[str], list[LintError]]:
    """Expand files and folders into the Python files and notebooks to lint, sorted, without duplicates.

    Folders are walked without following symlinked sub-folders (so links cannot loop),
    skipping excluded and gitignored entries. Paths named explicitly are always linted
    unless `force_exclude` is set. Missing paths and unreadable folders become errors;
    the rest is still discovered. `settings` may be one for all files or the settings of
    each folder's files (each project's excludes apply to its files); `cli_exclude` are
    patterns relative to the current folder, applied everywhere.
    """
    ignorers = _Ignorers(settings, cli_exclude)
    found: dict[str, str] = {}  # absolute path -> path as shown
    errors: list[LintError] = []
    visited: set[tuple[int, int]] = set()
    for given in paths:
        shown = os.path.normpath(given)
        absolute = os.path.abspath(given)
        if not os.path.lexists(given):
            errors.append(LintError(shown, "no such file or directory"))
            continue
        is_dir = os.path.isdir(given)
        if force_exclude and ignorers.for_path(absolute).ignored(absolute, is_dir):
            continue  # pre-commit passes every file: honour the excludes anyway
        if is_dir:
            _walk(shown, absolute, ignorers, found, errors, visited)
            continue
        error = _file_problem(given)
        if error is not None:
            errors.append(LintError(shown, error))
        else:
            found.setdefault(absolute, shown)
    return sorted(found.values()), errors


def _file_problem(path: str) -> str | None:
    """Why `path` cannot be linted as a file, or None if it is a regular file."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "broken symbolic link" if os.path.islink(path) else "no such file or directory"
    except OSError as exc:
        return f"cannot access: {exc.strerror or exc}"
    if stat.S_ISREG(mode):
        return None
    # FIFOs, sockets and devices: opening a FIFO would block forever.
    return "not a regular file"


def _walk(
    top_shown: str,
    top_abs: str,
    ignorers: _Ignorers,
    found: dict[str, str],
    errors: list[LintError],
    visited: set[tuple[int, int]],
) -> None:
    # A folder named explicitly is walked even when it is excluded (`cachelint build`).
    # The patterns that exclude it match everything inside it as well, so they are
    # skipped for its contents; other patterns (`__pycache__`, gitignored files) still
    # apply. Stack entries: (shown path, absolute path, patterns to skip below it).
    top_ignorer = ignorers.for_path(top_abs)
    top_ignored, top_matched = top_ignorer.check(top_abs, True)
    stack = [(top_shown, top_abs, top_matched if top_ignored else frozenset(), top_ignorer)]
    while stack:
        shown, absolute, skip, above = stack.pop()
        # The entries of a folder are judged by its own project's excludes: a folder with a
        # configuration of its own is a project of its own.
        ignorer = ignorers.for_dir(absolute)
        if ignorer is not above:
            skip = frozenset(p for p in skip if p[0] != "")  # ids of the other project's `exclude`
        try:
            st = os.stat(absolute)
            key = (st.st_dev, st.st_ino)
            if key in visited:
                continue  # reached twice through overlapping paths
            visited.add(key)
            with os.scandir(absolute) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            errors.append(LintError(shown, f"cannot read directory: {exc.strerror or exc}"))
            continue
        subdirs: list[tuple[str, str, frozenset[_PatternId], _Ignorer]] = []
        for entry in entries:
            entry_shown = os.path.normpath(os.path.join(shown, entry.name))
            entry_abs = os.path.join(absolute, entry.name)
            try:
                is_link = entry.is_symlink()
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue  # vanished while walking
            if is_dir:
                if not ignorer.check(entry_abs, True, skip)[0]:
                    subdirs.append((entry_shown, entry_abs, skip, ignorer))
                continue
            if not entry.name.endswith(PYTHON_SUFFIXES):
                continue
            if is_link and os.path.isdir(entry_abs):
                continue  # a symlinked folder named like a module: never followed
            if ignorer.check(entry_abs, False, skip)[0]:
                continue
            problem = _file_problem(entry_abs)
            if problem is not None:
                errors.append(LintError(entry_shown, problem))
                continue
            found.setdefault(entry_abs, entry_shown)
        # Reverse so the stack pops folders in name order (the result is sorted anyway).
        stack.extend(reversed(subdirs))

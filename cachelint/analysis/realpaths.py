"""Real paths, and whether a path is a file or a directory, found once per run and process.

They are asked for tens of thousands of times per run (every module lookup, every file's
project, every finding's relative path); the files do not move during a run, so each path
is resolved once, and the answers are forgotten when the run ends. Outside a run (a library
caller, the language server between two analyses) nothing is kept: a symbolic link may be
pointed elsewhere between two requests.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_REAL_PATHS: dict[str, str] = {}
_IS_FILE: dict[str, bool] = {}
_IS_DIR: dict[str, bool] = {}
# Answers are kept only inside a run (run() or a run's worker): a library caller linting
# sources one at a time may create the module a later source imports.
_active = False


def real_path(path: str) -> str:
    got = _REAL_PATHS.get(path)
    if got is None:
        got = os.path.realpath(path)
        if _active:
            _REAL_PATHS[path] = got
    return got


def is_file(path: str) -> bool:
    """os.path.isfile, asked once per path: each file's project looks every import up again."""
    return _asked(_IS_FILE, os.path.isfile, path)


def is_dir(path: str) -> bool:
    """os.path.isdir, asked once per path."""
    return _asked(_IS_DIR, os.path.isdir, path)


def _asked(answers: dict[str, bool], test: Callable[[str], bool], path: str) -> bool:
    if not _active:
        return test(path)
    got = answers.get(path)
    if got is None:
        got = answers[path] = test(path)
    return got


def clear() -> None:
    _REAL_PATHS.clear()
    _IS_FILE.clear()
    _IS_DIR.clear()


def start() -> None:
    """Keep file and directory tests from now on (a worker process, for the run it serves)."""
    global _active
    _active = True


@contextmanager
def run() -> Iterator[None]:
    """Keep file and directory tests while a run lasts; forget them when it ends."""
    global _active
    outer = _active
    _active = True
    try:
        yield
    finally:
        _active = outer
        if not outer:
            clear()

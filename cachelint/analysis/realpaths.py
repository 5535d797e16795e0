"""Real paths, resolved once per run and process.

They are asked for tens of thousands of times per run (every module lookup, every file's
project, every finding's relative path); the files do not move during a run, so each path
is resolved once, and the answers are forgotten when the next run starts.
"""

from __future__ import annotations

import os

_REAL_PATHS: dict[str, str] = {}


def real_path(path: str) -> str:
    got = _REAL_PATHS.get(path)
    if got is None:
        got = _REAL_PATHS[path] = os.path.realpath(path)
    return got


def clear() -> None:
    _REAL_PATHS.clear()

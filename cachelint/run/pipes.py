"""What both ends of the run's process pipes need (workers, their parent, the counting process)."""

from __future__ import annotations

import contextlib
import pickle
from collections.abc import Sequence
from multiprocessing.connection import Connection


def close_all(conns: Sequence[Connection]) -> None:
    """Close these pipe ends (copies a forked process inherited and does not use)."""
    for conn in conns:
        with contextlib.suppress(OSError):
            conn.close()


def portable(exc: BaseException) -> BaseException:
    """`exc` if it survives pickling (to be raised at the other end), else a RuntimeError
    that names it."""
    try:
        pickle.loads(pickle.dumps(exc, pickle.HIGHEST_PROTOCOL))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc

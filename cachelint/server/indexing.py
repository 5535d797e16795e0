"""The project index of a language-server session, built in a process of its own.

The index is what the analysis of one file needs from the whole project: the wrapper names
(the wrapper scan) and the class index. On a large project a cold scan takes a minute or
more; run in the server's own process it held back every diagnostic and answer meanwhile
(letta: 151 s before the first diagnostics). So it is built in a child process, with the
result cache the command line uses (a warm cache makes it take what `cachelint FILE` takes),
while the server analyses the open files without it; when the index arrives, they are
analysed again. The child and the processes it starts for the scan are one process group,
ended together when the session ends or the index is no longer wanted.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, cast

from cachelint import cache
from cachelint.analysis.hierarchy import ClassIndex
from cachelint.config import Resolved
from cachelint.run.lint import scan_names
from cachelint.run.pool import default_jobs
from cachelint.run.prefilter import Reader
from cachelint.run.state import RunState, process_run
from cachelint.run.tracked import ModuleCache

# Seconds the child waits before it scans: a test's way to hold a scan in progress.
DELAY_VARIABLE = "CACHELINT_SERVER_INDEX_DELAY"


@dataclass(frozen=True)
class Index:
    """A project's index: the wrapper names, the class index, and how long it took to build."""

    names: frozenset[str]
    classes: ClassIndex
    seconds: float


def build_index(resolved: Resolved, cache_dir: str | None, jobs: int = 1) -> Index:
    """The wrapper scan and the class index of `resolved`'s project, with the result cache in
    `cache_dir` (None: none), as a run of the command line finds them."""
    started = time.monotonic()
    settings = resolved.settings
    with process_run():
        run = RunState(ModuleCache())
        base = run.project(settings.root, settings.wrappers, frozenset())
        rc: cache.ResultCache | None = None
        if cache_dir is not None:
            rc = cache.ResultCache(cache_dir, cache.config_key(settings, resolved.rules, base.search_roots),
                                   run.hashes)
            rc.load()
        reader = Reader(base, rc, keep_texts=False, hashes=run.hashes)
        files = list(base.iter_files())
        classes = reader.class_index(files)
        names = scan_names(base, files, settings, reader, jobs, run, rc, None, classes).names
        if rc is not None:
            rc.save()
    return Index(names, classes, time.monotonic() - started)


def _child(conn: Connection, resolved: Resolved, cache_dir: str | None) -> None:
    """The index process: build the index, send it (or the one-line reason it failed)."""
    if hasattr(os, "setpgrp"):
        os.setpgrp()  # its scan's workers join its group, so that ending the group ends them all
    delay = os.environ.get(DELAY_VARIABLE)
    if delay:
        time.sleep(float(delay))
    try:
        got: Index | str = build_index(resolved, cache_dir, default_jobs())
    except Exception as exc:  # reported by the server as one line; the session goes on
        got = f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
    with contextlib.suppress(OSError):
        conn.send(got)
    conn.close()


def _context() -> multiprocessing.context.BaseContext:
    # fork: the child starts at once with cachelint imported (it writes nothing to the
    # protocol's stdout, and leaves with os._exit); elsewhere spawn is the safe default.
    return multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")


class BackgroundIndex:
    """One index being built in a child process. `done` is called once, from a thread of its
    own, with this build and the index or a one-line problem, unless the build is cancelled
    first (a caller that hears of it later must still check it is the build it wants)."""

    def __init__(self, resolved: Resolved, cache_dir: str | None,
                 done: Callable[[BackgroundIndex, Index | str], None]) -> None:
        self._done = done
        self._cancelled = False
        ctx = _context()
        receive, send = ctx.Pipe(duplex=False)
        self.process: BaseProcess = cast(Any, ctx).Process(target=_child, args=(send, resolved, cache_dir),
                                                            name="cachelint-index")
        self.process.start()
        send.close()
        self._waiter = threading.Thread(target=self._wait, args=(receive,), name="cachelint-index-wait", daemon=True)
        self._waiter.start()

    @property
    def pid(self) -> int | None:
        pid: int | None = self.process.pid
        return pid

    def _wait(self, conn: Connection) -> None:
        try:
            got: Index | str = conn.recv()
        except (EOFError, OSError):
            got = "the indexing process ended without an answer"
        finally:
            conn.close()
        self.process.join()
        if not self._cancelled:
            self._done(self, got)

    def cancel(self) -> None:
        """Stop building: end the child and the processes of its group, and wait for them."""
        self._cancelled = True
        pid = self.process.pid
        if self.process.is_alive() and pid is not None:
            if hasattr(os, "killpg"):
                with contextlib.suppress(OSError):  # the group is not formed yet: the child alone below
                    os.killpg(pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                self.process.kill()
        self.process.join(timeout=10)

"""What one run holds in one process, created when the run (or a worker of it) starts.

`RunState` is the run's memory in a process: its parsed modules, the content hashes of the
files results depend on, the module names probed. The run creates one and passes it down;
each worker creates its own when it starts, and tasks get it as their pool state.

Two things stay process-wide because the analysis asks for them where no run is in reach:
real paths and file tests (cachelint.analysis.realpaths) and the garbage-collection policy
(cachelint.gcpolicy). They are switched on, and their memory emptied, here only: by
`process_run` around a run in this process, and by `start_worker` in a worker.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import TypeVar

from cachelint import gcpolicy, tokens
from cachelint.analysis import realpaths
from cachelint.analysis.hierarchy import ClassIndex
from cachelint.analysis.project import Declared
from cachelint.cache import FileHashes
from cachelint.run.pool import Workers
from cachelint.run.tokenserver import RemoteCounter, serve
from cachelint.run.tracked import MODULE_CACHE_BYTES, ModuleCache, Probes, TrackedProject

T = TypeVar("T")
S = TypeVar("S")
R = TypeVar("R")


@dataclass
class RunState:
    """One run's memory in one process (see the module's docstring)."""

    modules: ModuleCache
    hashes: FileHashes = field(default_factory=FileHashes)
    probes: Probes = field(default_factory=Probes)
    # Real paths of the modules whose statement digests this process sent the run (see
    # cachelint.run.scan.ModuleScan.shapes): each is sent once.
    shaped: set[str] = field(default_factory=set)

    def project(self, root: str, declared: Declared, names: frozenset[str] | None,
                classes: ClassIndex | None = None) -> TrackedProject:
        """A project for one unit of work of this run (a file, a scan chunk). `classes`: the
        run's class index (without it, the project builds its own if it needs one)."""
        return TrackedProject(root, declared, self.modules, names, self.probes, classes)


@contextmanager
def process_run() -> Iterator[None]:
    """Inside the block, this process serves a run: real paths and file tests are found once
    (what an earlier run found is forgotten first) and the gc policy is on; both are back
    to normal after it (a run inside a run is the outer one's)."""
    realpaths.clear()
    with gcpolicy.run(), realpaths.run():
        yield


def start_worker(cache_bytes: int, counter: Connection | None = None) -> RunState:
    """A worker's start (see cachelint.run.pool.WorkerInit): its state for the run, with a
    module cache of `cache_bytes`. `counter`: its pipe to the run's counting process (see
    cachelint.run.tokenserver). The worker serves one run: nothing is switched back."""
    run = RunState(ModuleCache(cache_bytes))
    gcpolicy.start()  # a forked worker has it on already; a spawned one starts it here
    realpaths.clear()
    realpaths.start()
    if counter is not None:
        tokens.set_counter(RemoteCounter(counter))
    return run


def worker_pool(jobs: int, cache_bytes: int = MODULE_CACHE_BYTES,
                count_tokens: tuple[str, ...] = ()) -> Workers[RunState]:
    """`jobs` workers for a run, each with a module cache of `cache_bytes`. `count_tokens`:
    encodings a counting process builds as the workers start, and counts with for them;
    () for none: each worker counts for itself."""
    companion = functools.partial(serve, count_tokens) if count_tokens else None
    return Workers(jobs, functools.partial(start_worker, cache_bytes), companion)


def map_tasks(
    fn: Callable[[T, S, RunState], R],
    tasks: Sequence[T],
    shared: S,
    jobs: int | Workers[RunState],
    run: RunState,
    keys: Sequence[Sequence[str]] | None = None,
) -> Iterator[R]:
    """fn(task, shared, state) for every task, in the run's workers (or `jobs` new ones), or
    here with `run` when that cannot pay. Results come in task order. `keys`: see Workers.map."""
    if isinstance(jobs, Workers):
        yield from jobs.map(fn, tasks, shared, run, keys)
        return
    with worker_pool(min(jobs, len(tasks))) as workers:
        yield from workers.map(fn, tasks, shared, run, keys)

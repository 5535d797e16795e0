"""What a run, or one worker process of it, sets up when it starts.

A worker starts with the caches of the run it serves emptied (file hashes, real paths, module
names probed), the garbage-collection policy on, and token counts asked of the run's counting
process when there is one; its own state is its module cache.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection
from typing import TypeVar

from cachelint import gcpolicy, tokens
from cachelint.analysis import realpaths
from cachelint.cache import reset_file_hashes
from cachelint.run.pool import Workers
from cachelint.run.tokenserver import RemoteCounter, serve
from cachelint.run.tracked import MODULE_CACHE_BYTES, ModuleCache, reset_real_paths

T = TypeVar("T")
S = TypeVar("S")
R = TypeVar("R")


def start_worker(cache_bytes: int, counter: Connection | None = None) -> ModuleCache:
    """A worker's start (see cachelint.run.pool.WorkerInit): its module cache for the run.
    `counter`: its pipe to the run's counting process (see cachelint.run.tokenserver)."""
    modules = ModuleCache(cache_bytes)
    gcpolicy.start()  # a forked worker has it on already; a spawned one starts it here
    reset_file_hashes()
    reset_real_paths()
    realpaths.start()  # the worker serves one run
    if counter is not None:
        tokens.set_counter(RemoteCounter(counter))
    return modules


def worker_pool(jobs: int, cache_bytes: int = MODULE_CACHE_BYTES,
                count_tokens: tuple[str, ...] = ()) -> Workers[ModuleCache]:
    """`jobs` workers for a run, each with a module cache of `cache_bytes`. `count_tokens`:
    encodings a counting process builds as the workers start, and counts with for them;
    () for none: each worker counts for itself."""
    companion = functools.partial(serve, count_tokens) if count_tokens else None
    return Workers(jobs, functools.partial(start_worker, cache_bytes), companion)


def map_tasks(
    fn: Callable[[T, S, ModuleCache], R],
    tasks: Sequence[T],
    shared: S,
    jobs: int | Workers[ModuleCache],
    modules: ModuleCache,
    keys: Sequence[Sequence[str]] | None = None,
) -> Iterator[R]:
    """fn(task, shared, modules) for every task, in the run's workers (or `jobs` new ones),
    or here when that cannot pay. Results come in task order. `keys`: see Workers.map."""
    if isinstance(jobs, Workers):
        yield from jobs.map(fn, tasks, shared, modules, keys)
        return
    with worker_pool(min(jobs, len(tasks))) as workers:
        yield from workers.map(fn, tasks, shared, modules, keys)

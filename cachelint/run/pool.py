"""A pool of worker processes for a whole run: generic, it knows nothing of linting.

Tasks are functions `fn(task, shared, state)`: `shared` is the same for every task of a map
(sent once to each worker), `state` what the worker's `init` built when it started (or, for
tasks run in the calling process, the caller's own). A companion process may serve all the
workers through a pipe to each (the token counter is one); `init` gets the worker's end.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import sys
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any, Generic, TypeVar, cast

from cachelint.run.pipes import close_all, portable

T = TypeVar("T")  # a task
S = TypeVar("S")  # what every task of a map shares
R = TypeVar("R")  # a task's result
W = TypeVar("W")  # a worker's state

MIN_PARALLEL_TASKS = 2  # fewer tasks than this run in the calling process

# Builds a worker's state when it starts; given its end of the companion's pipe, if any.
WorkerInit = Callable[["Connection | None"], Any]
# A process serving every worker: called with its ends of the pipes, then the workers' ends
# it holds copies of when forked (to close).
Companion = Callable[[Sequence[Connection], Sequence[Connection]], None]

# A task as sent to a worker: the function, the task, its index in the map, and the map's
# `shared` value pickled, sent only with a worker's first task of each map (None after).
_Message = tuple[Callable[[Any, Any, Any], Any], Any, int, "bytes | None"]


def _worker_main(conn: Connection, init: WorkerInit, companion: Connection | None = None,
                 inherited: Sequence[Connection] = ()) -> None:
    """A worker's life: run the tasks the parent sends, one at a time, until told to stop.
    `companion`: the pipe to the pool's companion process, if any.
    `inherited`: pipe ends a forked worker holds copies of that are not its own."""
    close_all(inherited)
    # Ctrl-C reaches the whole process group: the parent stops the workers, which would
    # otherwise each print a traceback of where the interrupt found them.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    state = init(companion)
    shared: Any = None
    while True:
        try:
            message: _Message | None = conn.recv()
        except EOFError:  # the parent is gone
            return
        if message is None:
            return
        fn, task, index, blob = message
        if blob is not None:
            shared = pickle.loads(blob)
        try:
            reply = pickle.dumps((index, True, fn(task, shared, state)), pickle.HIGHEST_PROTOCOL)
        except BaseException as exc:  # it goes to the parent, which raises it
            reply = pickle.dumps((index, False, portable(exc)), pickle.HIGHEST_PROTOCOL)
        conn.send_bytes(reply)


class WorkerDied(RuntimeError):
    """A worker process ended in the middle of a run (killed, or out of memory)."""


def default_jobs() -> int:
    """One worker per CPU this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not on Linux
        return max(1, os.cpu_count() or 1)


def _context() -> multiprocessing.context.BaseContext:
    # fork: workers start at once with everything imported; elsewhere spawn is the safe default.
    method = "fork" if sys.platform.startswith("linux") else "spawn"
    return multiprocessing.get_context(method)


class Workers(Generic[W]):
    """`jobs` worker processes for a whole run, started when first needed: the wrapper scan's
    passes and the linting share them, so modules a worker parsed in one pass are not parsed
    again in the next (each worker keeps its state, a module cache, as a serial run does).

    To make that happen, a task goes to the worker that last had its files (`keys`), and a
    worker with nothing of its own left takes the last task of the busiest other. With a
    shared queue (multiprocessing.Pool) a file scanned by one worker was as often linted by the
    other: on dense 1,000 modules the two workers parsed 1,677 modules between them, against
    955 in a serial run (cache misses, counted alike). Which worker runs a task never changes what it returns.
    """

    def __init__(self, jobs: int, init: WorkerInit, companion: Companion | None = None) -> None:
        self.jobs = jobs
        self.init = init  # builds each worker's state (picklable: a spawned worker gets a copy)
        # A process started with the workers that serves them all (the token counter); None
        # for none.
        self.companion = companion
        self._procs: list[Any] = []  # the workers, then the companion if any
        self._conns: list[Connection] = []
        self._owner: dict[str, int] = {}  # file -> the worker that last had a task with it

    def __enter__(self) -> Workers[W]:
        return self

    @property
    def started(self) -> bool:
        """Are the worker processes running?"""
        return bool(self._procs)

    def start(self) -> None:
        """Start the processes now rather than at the first map that shares work out (a
        caller that knows one will). Nothing for a pool of one."""
        if self.jobs > 1 and not self._procs:
            try:
                self._start()
            except BaseException:
                self.close()
                raise

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        procs, conns = self._procs, self._conns
        self._procs, self._conns = [], []
        self._owner.clear()  # a new pool's workers have empty caches
        for proc in procs:
            proc.terminate()  # nothing a worker holds needs an orderly end
        for proc in procs:
            proc.join()
        for conn in conns:
            conn.close()

    def _start(self) -> None:
        context = _context()
        process = cast(Any, context).Process
        # A forked child holds a copy of every pipe end this process has open; it closes those
        # that are not its own, so that each end sees the other go (a worker whose parent was
        # killed stops instead of waiting forever). A spawned child gets only its own.
        forked = context.get_start_method() == "fork"
        pairs = [context.Pipe() for _ in range(self.jobs)] if self.companion is not None else []
        worker_ends = [end for end, _ in pairs]
        server_ends = [end for _, end in pairs]
        counters: list[Connection | None] = [*worker_ends] or [None] * self.jobs
        server = None
        if pairs:
            server = process(target=self.companion, args=(server_ends, worker_ends if forked else []), daemon=True)
            server.start()
            close_all(server_ends)
        for w in range(self.jobs):
            here, there = context.Pipe()
            others = [*self._conns, here, *(c for j, c in enumerate(counters) if j != w and c is not None)]
            proc = process(target=_worker_main, args=(there, self.init, counters[w],
                                                      others if forked else []), daemon=True)
            proc.start()
            there.close()
            self._procs.append(proc)
            self._conns.append(here)
        for counter in counters:
            if counter is not None:
                counter.close()
        if server is not None:
            self._procs.append(server)  # after the workers: self._procs[w] is worker w

    def _home(self, keys: Sequence[str], index: int, count: int) -> int:
        """The worker that had most of these files, or else the one whose even share of the
        tasks this one falls in (neighbouring files stay together: one package, one worker)."""
        votes = Counter(self._owner[k] for k in keys if k in self._owner)
        if votes:
            return min(votes, key=lambda w: (-votes[w], w))
        return index * self.jobs // count

    def map(
        self,
        fn: Callable[[T, S, W], R],
        tasks: Sequence[T],
        shared: S,
        local: W,
        keys: Sequence[Sequence[str]] | None = None,
    ) -> Iterator[R]:
        """fn(task, shared, state) for every task, in the worker processes (each with the state
        its `init` built) or here with `local` when that cannot pay. Results come in task
        order. `keys[i]`: the files task i works on, so that it goes where they were before."""
        if self.jobs <= 1 or len(tasks) < MIN_PARALLEL_TASKS:
            for task in tasks:
                yield fn(task, shared, local)
            return
        try:
            self.start()
            yield from self._run(fn, tasks, shared, keys)
        except BaseException:
            self.close()  # a task failed or the caller stopped: no worker is left half way
            raise

    def _run(
        self, fn: Callable[[T, S, W], R], tasks: Sequence[T], shared: S,
        keys: Sequence[Sequence[str]] | None,
    ) -> Iterator[R]:
        count = len(tasks)
        task_keys: Sequence[Sequence[str]] = keys if keys is not None else [()] * count
        queues: list[deque[int]] = [deque() for _ in range(self.jobs)]
        for i in range(count):
            queues[self._home(task_keys[i], i, count)].append(i)
        blob: bytes | None = pickle.dumps(shared, pickle.HIGHEST_PROTOCOL)
        has_shared = [False] * self.jobs

        def send_next(w: int) -> None:
            queue = queues[w]
            if not queue:
                victim = max(range(self.jobs), key=lambda v: len(queues[v]))
                queue = queues[victim]
                if not queue:
                    return
                i = queue.pop()  # the other end from where its own worker is working
            else:
                i = queue.popleft()
            message: _Message = (fn, tasks[i], i, None if has_shared[w] else blob)
            self._conns[w].send(message)
            has_shared[w] = True

        for w in range(self.jobs):
            send_next(w)
        done: dict[int, R] = {}
        emitted = 0
        by_conn = {id(conn): w for w, conn in enumerate(self._conns)}
        while emitted < count:
            while emitted in done:
                yield done.pop(emitted)
                emitted += 1
            if emitted == count:
                break
            for conn in wait(self._conns):
                w = by_conn[id(conn)]
                try:
                    data = conn.recv_bytes()  # type: ignore[union-attr]
                except EOFError:
                    self._procs[w].join(5)  # reap it, so that its exit code is known
                    code = self._procs[w].exitcode
                    raise WorkerDied(f"a worker process ended unexpectedly (exit code {code})") from None
                send_next(w)  # before unpickling the result: the worker waits for nothing
                index, ok, value = pickle.loads(data)
                if not ok:
                    raise value
                done[index] = value
                for k in task_keys[index]:
                    self._owner[k] = w

"""When the cyclic garbage collector runs during a lint run.

A run keeps many parsed modules alive (the module cache: hundreds of thousands of AST
nodes) and makes short-lived cycles with every file (a project and its evaluator point at
each other). Python's automatic collector traverses every live container on each full
collection, and with the parsed modules alive those collections took a seventh of the CPU
time of a dense run (3.1 s of 21 s on 1,000 modules; 0.8 s with this policy).

After each unit of work (a linted file, a scan chunk), `checkpoint` collects what the unit
left and moves what survives into the permanent generation (`gc.freeze`), so the
collections that still run inside a unit only traverse what the unit made. Long-lived
objects that die later (a module evicted from the cache) are freed by reference counting;
only cycles among them wait for a full collection, which runs when the frozen objects have
doubled since the last one (and grown by a million): memory stays within a bounded factor
of what is alive, and the time spent in full collections in proportion to it.

The policy holds only inside `run()` (lint_files, the wrapper scan of a single source) and
in the workers of a run: elsewhere checkpoints do nothing, so a library caller's heap is never
frozen behind its back.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# A full collection (everything unfrozen) once the frozen objects grew by this factor ...
GROWTH = 2.0
# ... and by at least this many objects (the first units freeze the imported modules).
MIN_GROWTH = 1_000_000

# Objects frozen by checkpoints since the last full collection, and how many were alive
# after it (None: no checkpoint yet in this run). Counted here: gc.get_freeze_count()
# walks the whole permanent generation.
_frozen = 0
_after_full: int | None = None
# Young collections during a unit: Python's default (700 allocations) made ~1,600 of them in
# a dense run of 1,000 files; what they find is a unit's garbage, which its checkpoint frees.
YOUNG_THRESHOLD = 10_000
_saved_threshold: tuple[int, int, int] | None = None
_on = False  # inside a run (see run())


@contextmanager
def run() -> Iterator[None]:
    """The policy for the run inside; everything thawed after it (a run inside a run is the outer one)."""
    if _on:
        yield
        return
    start()
    try:
        yield
    finally:
        release()


def start() -> None:
    """Checkpoints act from now on in this process (a worker of a run, for the whole run)."""
    global _on
    _on = True


def checkpoint() -> None:
    """After a unit of work: collect its cycles, freeze what survives."""
    global _frozen, _after_full, _saved_threshold
    if not _on:
        return
    if _saved_threshold is None:
        _saved_threshold = gc.get_threshold()
        gc.set_threshold(YOUNG_THRESHOLD, *_saved_threshold[1:])
    if _after_full is None or _frozen > max(_after_full * (GROWTH - 1), MIN_GROWTH):
        gc.unfreeze()
        gc.collect()
        _after_full = len(gc.get_objects())
        _frozen = 0
    else:
        gc.collect()
        _frozen += len(gc.get_objects(generation=2))  # a full collection leaves its survivors there
    gc.freeze()


def parsed() -> None:
    """A module was just parsed: its tree will live in the module cache or die by reference
    counting (trees hold no cycles), so it is frozen now rather than traversed by the young
    collections and the checkpoint of the unit that parsed it (on letta, whose modules are
    large and parsed again as the cache turns over, those traversals were a third of the run).
    Only while a run's policy is on (after its first checkpoint)."""
    global _frozen
    if not _on or _after_full is None:
        return
    _frozen += sum(gc.get_count())  # about what is frozen: it counts towards the next full collection
    gc.freeze()


def release() -> None:
    """At the end of a run in this process: back to ordinary collection of everything."""
    global _frozen, _after_full, _saved_threshold, _on
    _frozen, _after_full, _on = 0, None, False
    if _saved_threshold is not None:
        gc.set_threshold(*_saved_threshold)
        _saved_threshold = None
    gc.unfreeze()

"""When the cyclic garbage collector runs during a lint run.

A run keeps many parsed modules alive (the module cache: hundreds of thousands of AST
nodes) and makes short-lived cycles with every file (a project and its evaluator point at
each other). Python's automatic collector traverses every live container on each full
collection, and with the parsed modules alive those collections took a third of the CPU
time of a dense run. After each unit of work (a linted file, a scan chunk), `checkpoint`
collects what the unit left and moves what survives into the permanent generation
(`gc.freeze`), so the collections that still run inside a unit only traverse what the unit
made. Long-lived objects that die later (a module evicted from the cache) are freed by
reference counting; only cycles among them wait for a full collection, which runs when the
frozen objects have grown by half since the last one: memory stays within a bounded
factor of what is alive, and the time spent in full collections in proportion to it.
"""

from __future__ import annotations

import gc

# A full collection (everything unfrozen) once the frozen objects grew by this factor ...
GROWTH = 1.5
# ... and by at least this many objects (the first units freeze the imported modules).
MIN_GROWTH = 200_000

# Objects frozen by checkpoints since the last full collection, and how many were alive
# after it (None: no checkpoint yet in this run). Counted here: gc.get_freeze_count()
# walks the whole permanent generation.
_frozen = 0
_after_full: int | None = None


def checkpoint() -> None:
    """After a unit of work: collect its cycles, freeze what survives."""
    global _frozen, _after_full
    if _after_full is None or _frozen > max(_after_full * (GROWTH - 1), MIN_GROWTH):
        gc.unfreeze()
        gc.collect()
        _after_full = len(gc.get_objects())
        _frozen = 0
    else:
        gc.collect()
        _frozen += len(gc.get_objects(generation=2))  # a full collection leaves its survivors there
    gc.freeze()


def release() -> None:
    """At the end of a run in this process: back to ordinary collection of everything."""
    global _frozen, _after_full
    _frozen, _after_full = 0, None
    gc.unfreeze()

"""One process that counts tokens for all the workers of a run.

Building tiktoken's encodings takes ~0.9 s of CPU (o200k_base and cl100k_base: parsing the
ranks, then tiktoken's Rust constructor, which holds the GIL) and ~100 MB. Built in the
parent before the workers fork, that time was spent with every worker waiting; built in each
worker, it would be spent twice. Instead a counting process is started with the workers and
builds the encodings while they run the wrapper scan, which needs no tokens. A worker asks
it for each text it has not counted before (a dense 1,000-module run counts ~320 distinct
texts, against ~28,800 counts answered from the worker's own memo), so the round trips cost
nothing next to the build.

The counts are the same as a local count by construction: the server calls the same
`cachelint.tokens` functions, and an error (a BPE file that is missing or fails its sha256
check) comes back as the same exception with the same message.
"""

from __future__ import annotations

import contextlib
import ctypes
import pickle
import signal
from collections.abc import Sequence
from multiprocessing.connection import Connection, wait

from cachelint import tokens
from cachelint.run.pipes import close_all, portable

# What a worker sends: (text, encoding name). What comes back, pickled: (True, count) or
# (False, the exception to raise).
Request = tuple[str, str]


def serve(preload: tuple[str, ...], conns: Sequence[Connection], inherited: Sequence[Connection] = ()) -> None:
    """Build the `preload` encodings, then answer count requests until every worker is gone.
    `inherited`: the workers' ends of these pipes, when this process was forked holding them.
    A pool's companion (see cachelint.run.pool) as `functools.partial(serve, preload)`."""
    close_all(inherited)
    # Ctrl-C reaches the whole process group; the parent stops this process with the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    tokens.preload(preload)
    _give_back_freed_memory()
    open_conns = list(conns)
    while open_conns:
        for conn in wait(open_conns):
            assert isinstance(conn, Connection)
            try:
                request: Request = conn.recv()
            except EOFError:  # that worker is done
                open_conns.remove(conn)
                conn.close()
                continue
            try:
                reply: tuple[bool, object] = (True, tokens.count_for_encoding(*request))
            except Exception as exc:
                reply = (False, portable(exc))
            with contextlib.suppress(OSError):  # a worker that was stopped meanwhile
                conn.send_bytes(pickle.dumps(reply, pickle.HIGHEST_PROTOCOL))


def _give_back_freed_memory() -> None:
    """Return to the system the heap the build freed (the parsed ranks, ~7 MB that glibc
    otherwise keeps for this process's life); elsewhere than glibc, nothing."""
    with contextlib.suppress(OSError, AttributeError, TypeError):
        ctypes.CDLL(None).malloc_trim(0)


class RemoteCounter:
    """`tokens.count_for_encoding` for a worker, answered by the counting process."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def __call__(self, text: str, encoding: str) -> int:
        self.conn.send((text, encoding))
        try:
            ok, value = pickle.loads(self.conn.recv_bytes())
        except EOFError:
            raise RuntimeError("the token counting process ended unexpectedly") from None
        if not ok:
            raise value
        assert isinstance(value, int)
        return value

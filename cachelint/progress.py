"""What a run says on stderr while it works: a progress bar (files done / total) once it has
taken a second on a terminal, and `--verbose` lines (what was found, which configuration each
project uses, timings)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import IO, Any, TextIO, cast

import click

# A run shorter than this shows no bar: it would only flicker.
DELAY = 1.0


def is_terminal(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or exotic stream
        return False


class Progress:
    """Files done out of `total`, drawn with click's progress bar on `stream` once `DELAY`
    seconds have passed, and only when `enabled` (stderr is a terminal); silent otherwise."""

    def __init__(self, total: int, enabled: bool, stream: IO[str] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.total = total
        self.done = 0
        self.enabled = enabled and total > 0
        self.stream = stream if stream is not None else sys.stderr
        self.clock = clock
        self.started = clock()
        self.bar: Any = None  # click's ProgressBar, once shown

    def advance(self, files: int) -> None:
        """`files` more are done."""
        self.done = min(self.total, self.done + files)
        if not self.enabled:
            return
        if self.bar is None:
            if self.clock() - self.started < DELAY:
                return
            self.bar = click.progressbar(length=self.total, label="Linting", file=cast(TextIO, self.stream),
                                         show_pos=True, show_percent=False, show_eta=False)
            self.bar.__enter__()
            self.bar.update(self.done)
            return
        self.bar.update(files)

    def close(self) -> None:
        """Finish the bar (if it was shown), leaving the line for what comes next."""
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


class Verbose:
    """`--verbose`: one stderr line per step, with the time since the run started."""

    def __init__(self, enabled: bool, clock: Callable[[], float] = time.monotonic) -> None:
        self.enabled = enabled
        self.clock = clock
        self.started = clock()

    def __call__(self, message: str) -> None:
        if self.enabled:
            click.echo(f"cachelint: [{self.clock() - self.started:.2f}s] {message}", err=True)

    def timer(self) -> Callable[[], str]:
        """A function giving the seconds since it was made, for `... in 1.23 s`."""
        start = self.clock()
        return lambda: f"{self.clock() - start:.2f} s"

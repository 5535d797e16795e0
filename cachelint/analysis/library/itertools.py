"""itertools: `count()` numbers calls, so what it gives differs on every call."""

from __future__ import annotations

from cachelint.analysis.library.randomness import volatile_call
from cachelint.analysis.library.registry import Registry


def register(reg: Registry) -> None:
    reg.call(("itertools.count",), volatile_call)

"""itertools: `count()` numbers calls, so what it gives differs on every call."""

from __future__ import annotations

import ast

from cachelint.analysis.env import Env
from cachelint.analysis.library.api import EvaluatorAPI
from cachelint.analysis.library.randomness import volatile_call
from cachelint.analysis.library.registry import Registry
from cachelint.analysis.values import Value


def count(ev: EvaluatorAPI, qual: str, node: ast.Call, env: Env) -> Value:
    """`itertools.count()`."""
    return volatile_call(ev, qual, node, env)


def register(reg: Registry) -> None:
    reg.call(("itertools.count",), count)

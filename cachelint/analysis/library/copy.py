"""copy: a copy renders the same text as what it copies."""

from __future__ import annotations

import ast

from cachelint.analysis.env import Env
from cachelint.analysis.library.api import EvaluatorAPI
from cachelint.analysis.library.registry import Registry
from cachelint.analysis.values import Value


def copy_of(ev: EvaluatorAPI, qual: str, node: ast.Call, env: Env) -> Value | None:
    """`copy.copy(x)`, `copy.deepcopy(x)`: the value of `x`."""
    if len(node.args) != 1 or node.keywords or isinstance(node.args[0], ast.Starred):
        return None
    return ev.eval(node.args[0], env)


def register(reg: Registry) -> None:
    reg.call(("copy.copy", "copy.deepcopy"), copy_of)

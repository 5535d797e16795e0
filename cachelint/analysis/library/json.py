"""json.dumps of a value known statically: the exact text; otherwise text as stable as the value."""

from __future__ import annotations

import ast
import json
from typing import Any

from cachelint.analysis.env import Env
from cachelint.analysis.library.api import EvaluatorAPI
from cachelint.analysis.library.registry import Registry
from cachelint.analysis.statics import NotStatic, to_python
from cachelint.analysis.values import StrV, Text, Value, value_stability
from cachelint.prompt import Stability


def dumps(ev: EvaluatorAPI, qual: str, node: ast.Call, env: Env) -> Value | None:
    """`json.dumps(obj, ...)`."""
    if not node.args:
        return None
    obj = ev.eval(node.args[0], env)
    kwargs: dict[str, Any] = {}
    for k in node.keywords:
        if k.arg in ("indent", "sort_keys", "ensure_ascii", "separators", "default"):
            kv = ev.eval(k.value, env)
            try:
                kwargs[k.arg] = to_python(kv)
            except NotStatic:
                kwargs = {"__bad__": True}
                break
    if "__bad__" not in kwargs and "default" not in kwargs:
        try:
            text = json.dumps(to_python(obj), **kwargs)
            return StrV((Text(text, ev.loc(env, node)),))
        except (NotStatic, TypeError, ValueError):
            pass
    stab = value_stability(obj)
    if stab == Stability.STATIC:
        stab = Stability.STABLE
    return ev.opaque(env, node, stab, "json.dumps(...)")


def register(reg: Registry) -> None:
    reg.call(("json.dumps",), dumps)

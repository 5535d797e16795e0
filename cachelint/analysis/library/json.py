"""json.dumps of a value known statically: the exact text; otherwise text as stable as the value,
which json.loads turns back into the value (also with ujson and orjson)."""

from __future__ import annotations

import ast
import json
from typing import Any

from cachelint.analysis.configfiles import load
from cachelint.analysis.env import Env
from cachelint.analysis.library.api import EvaluatorAPI
from cachelint.analysis.library.registry import Registry
from cachelint.analysis.statics import NotStatic, to_python
from cachelint.analysis.values import ConstV, DictV, ListV, OpaqueV, StrV, Text, Value, value_stability
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
    unsorted = ev.loc(env, node) if _unsorted(ev, obj, node, env) else None
    return ev.opaque(env, node, stab, "json.dumps(...)", unsorted_json=unsorted, json_of=_structure(obj))


def other_dumps(ev: EvaluatorAPI, qual: str, node: ast.Call, env: Env) -> Value | None:
    """`ujson.dumps(obj)` / `orjson.dumps(obj)`: their text differs from the json module's
    (no spaces; bytes), so only its stability and the data it carries are known."""
    if not node.args:
        return None
    obj = ev.eval(node.args[0], env)
    stab = value_stability(obj)
    return ev.opaque(env, node, Stability.STABLE if stab == Stability.STATIC else stab, f"{qual}(...)",
                     json_of=_structure(obj))


def loads(ev: EvaluatorAPI, qual: str, node: ast.Call, env: Env) -> Value | None:
    """`json.loads(text)` of text a `dumps` wrote of a dict or list: that dict or list; of text
    known statically (a settings file read, a literal): its data. None (not followed) for any
    other text."""
    if len(node.args) != 1:
        return None
    text = ev.eval(node.args[0], env)
    if isinstance(text, OpaqueV) and text.json_of is not None:
        return text.json_of
    if qual == "json.loads" and not node.keywords:
        return load(ev, "json", text, env, node)
    return None


def json_load(ev: EvaluatorAPI, qual: str, node: ast.Call, env: Env) -> Value | None:
    """`json.load(f)` of a file the analysis can read: its data."""
    if len(node.args) != 1 or node.keywords or isinstance(node.args[0], ast.Starred):
        return None
    return load(ev, "json", ev.eval(node.args[0], env), env, node)


def _structure(obj: Value) -> Value | None:
    """The data a JSON text carries back: a dict or a list, not a string or number, whose
    text json.loads would not give back as the same value (a str is quoted, a tuple a list)."""
    if isinstance(obj, DictV) or (isinstance(obj, ListV) and not obj.is_tuple):
        return obj
    return None


def _unsorted(ev: EvaluatorAPI, obj: Value, node: ast.Call, env: Env) -> bool:
    """Are the keys written in an order the source does not fix (CL104)? Only for data that is
    not written here: a parameter, a value loaded or computed at run time (`unknown` too, as the
    catalogue says "not a literal"). A dict or list written in the source keeps its order, and
    a string or number has no keys. `sort_keys` written with a value not known, or `**options`,
    might sort: not reported."""
    if not isinstance(obj, OpaqueV):
        return False
    for k in node.keywords:
        if k.arg is None:
            return False
        if k.arg == "sort_keys":
            value = ev.eval(k.value, env)
            return isinstance(value, ConstV) and value.value is False
    return True


def register(reg: Registry) -> None:
    reg.call(("json.dumps",), dumps)
    reg.call(("ujson.dumps", "orjson.dumps"), other_dumps)
    reg.call(("json.loads", "ujson.loads", "orjson.loads"), loads)
    reg.call(("json.load",), json_load)

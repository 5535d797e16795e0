"""Converting a record (a dataclass, pydantic model, NamedTuple or langchain message, see
analysis/records.py) to a dict: `dataclasses.asdict(m)`, `m.model_dump()`, `m.dict()`,
`m._asdict()` give its fields by name."""

from __future__ import annotations

import ast

from cachelint.analysis.env import Env
from cachelint.analysis.library.api import EvaluatorAPI
from cachelint.analysis.library.registry import Registry
from cachelint.analysis.values import DictV, RecordV, Value


def asdict(ev: EvaluatorAPI, qual: str, node: ast.Call, env: Env) -> Value | None:
    """`dataclasses.asdict(record)`: its fields as a dict."""
    if len(node.args) != 1 or node.keywords:
        return None
    v = ev.eval(node.args[0], env)
    return _fields(v)


def dump(ev: EvaluatorAPI, recv: RecordV, meth: str, node: ast.Call, env: Env) -> Value | None:
    """`record.model_dump()`, `.dict()`, `._asdict()` with no options (`exclude=`, `by_alias=`
    change which keys come out: not followed)."""
    if node.args or node.keywords or recv.instance is None:
        return None  # a langchain message dumps langchain's own fields, not the SDK dict
    return _fields(recv)


def _fields(v: Value) -> Value | None:
    if isinstance(v, RecordV) and v.instance is not None:
        return DictV(v.entries, v.loc)
    return None


def register(reg: Registry) -> None:
    reg.call(("dataclasses.asdict",), asdict)
    reg.method(RecordV, ("model_dump", "dict", "_asdict"), dump)

"""PyYAML's loaders (`yaml.safe_load`, `yaml.load(..., Loader=SafeLoader)`, `yaml.full_load`): the
data of a settings file or text the analysis can read, as cachelint.analysis.configfiles builds
it. Plain data loads the same with every loader but BaseLoader (which keeps every scalar a
string); a file with Python tags does not load with the safe loader cachelint uses, so its
value is not known."""

from __future__ import annotations

import ast

from cachelint.analysis.configfiles import load
from cachelint.analysis.env import Env
from cachelint.analysis.library.api import EvaluatorAPI
from cachelint.analysis.library.registry import Registry
from cachelint.analysis.values import ModuleRefV, Value

LOADERS = ("yaml.safe_load", "yaml.full_load", "yaml.unsafe_load", "yaml.load")
# The `Loader=` of `yaml.load` that give plain data its usual types.
_DATA_LOADERS = {"SafeLoader", "CSafeLoader", "FullLoader", "CFullLoader", "Loader", "CLoader", "UnsafeLoader",
                 "CUnsafeLoader"}


def yaml_load(ev: EvaluatorAPI, qual: str, node: ast.Call, env: Env) -> Value | None:
    if len(node.args) not in (1, 2) or isinstance(node.args[0], ast.Starred):
        return None
    loader: ast.expr | None = node.args[1] if len(node.args) == 2 else None
    for k in node.keywords:
        if k.arg != "Loader" or loader is not None:
            return None
        loader = k.value
    if (loader is None) != (qual != "yaml.load"):
        return None  # `yaml.load` needs its Loader; the others take none
    if loader is not None:
        lv = ev.eval(loader, env)
        if not (isinstance(lv, ModuleRefV) and lv.qualname.startswith("yaml.")
                and lv.qualname.rsplit(".", 1)[1] in _DATA_LOADERS):
            return None
    return load(ev, "yaml", ev.eval(node.args[0], env), env, node)


def register(reg: Registry) -> None:
    reg.call(LOADERS, yaml_load)

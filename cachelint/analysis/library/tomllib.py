"""TOML readers (`tomllib`, `tomli`, `toml`): the data of a settings file or text the analysis can
read, as cachelint.analysis.configfiles builds it."""

from __future__ import annotations

import ast

from cachelint.analysis.configfiles import load
from cachelint.analysis.env import Env
from cachelint.analysis.library.api import EvaluatorAPI
from cachelint.analysis.library.registry import Registry
from cachelint.analysis.values import Value

# `load` takes an open file; the older `toml` package's also takes a path.
FILE_LOADERS = ("tomllib.load", "tomli.load")
PATH_LOADERS = ("toml.load",)
TEXT_LOADERS = ("tomllib.loads", "tomli.loads", "toml.loads")


def toml_load(ev: EvaluatorAPI, qual: str, node: ast.Call, env: Env) -> Value | None:
    """`tomllib.load(f)`, `tomllib.loads(text)`, `toml.load(path)`: one argument, no options
    (`parse_float=` changes the values)."""
    if len(node.args) != 1 or node.keywords or isinstance(node.args[0], ast.Starred):
        return None
    return load(ev, "toml", ev.eval(node.args[0], env), env, node, path_ok=qual in PATH_LOADERS)


def register(reg: Registry) -> None:
    reg.call((*FILE_LOADERS, *PATH_LOADERS, *TEXT_LOADERS), toml_load)

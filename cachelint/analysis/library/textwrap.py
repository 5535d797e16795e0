"""textwrap.dedent, textwrap.indent and inspect.cleandoc, applied to the text known statically."""

from __future__ import annotations

import ast
import inspect
import textwrap

from cachelint.analysis.env import Env
from cachelint.analysis.library.api import EvaluatorAPI
from cachelint.analysis.library.registry import Registry
from cachelint.analysis.library.strings import text_transform
from cachelint.analysis.values import StrV, Value, text_of


def dedent(ev: EvaluatorAPI, qual: str, node: ast.Call, env: Env) -> Value | None:
    """`textwrap.dedent(text)` and `inspect.cleandoc(text)`."""
    if len(node.args) != 1:
        return None
    fn = textwrap.dedent if qual == "textwrap.dedent" else inspect.cleandoc
    return text_transform(ev, ev.eval(node.args[0], env), fn, env, node)


def indent(ev: EvaluatorAPI, qual: str, node: ast.Call, env: Env) -> Value | None:
    """`textwrap.indent(text, prefix)` with a prefix known statically."""
    if len(node.args) < 2:
        return None
    prefix = ev.eval(node.args[1], env)
    pt = text_of(prefix.pieces) if isinstance(prefix, StrV) else None
    if pt is None or len(node.args) != 2:
        return None
    return text_transform(ev, ev.eval(node.args[0], env), lambda s: textwrap.indent(s, pt), env, node)


def register(reg: Registry) -> None:
    reg.call(("textwrap.dedent", "inspect.cleandoc"), dedent)
    reg.call(("textwrap.indent",), indent)

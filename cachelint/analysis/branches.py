"""Branches a caller's arguments rule out: a wrapper that sends to OpenAI when its caller passes
`use_openai=True` and to Anthropic otherwise (sweep's `ChatGPT.chat_anthropic`) makes only
the OpenAI request for that caller. A call inside a function entered with the caller's values
bound is reached only when every `if` around it, up to the function, takes its side for
those values; where a test's value is not known, the call may be reached.

Functions of the evaluator, called by the project where it binds a wrapper chain."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from cachelint.analysis import loops
from cachelint.analysis.env import Env
from cachelint.analysis.module import ModuleInfo
from cachelint.analysis.values import AltV, ConstV, StrV, Value, flat_options, text_of

if TYPE_CHECKING:
    from cachelint.analysis.evaluate import Evaluator

# `if` statements looked at between a call and its function (deeper nesting: may be reached).
MAX_TESTS = 8


def ruled_out(ev: Evaluator, node: ast.AST, fn: ast.AST, mod: ModuleInfo, env: Env) -> bool:
    """Is `node`, written in `fn`, under an `if` whose test `env`'s values decide the other way?"""
    child: ast.AST = node
    parent = mod.parents.get(id(child))
    seen = 0
    while parent is not None and parent is not fn and seen < MAX_TESTS:
        if isinstance(parent, ast.If):
            seen += 1
            side = True if _within(child, parent.body) else False if _within(child, parent.orelse) else None
            if side is not None and truth(ev, parent.test, env) is (not side):
                return True
        elif isinstance(parent, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            return False  # a nested function: when it runs is not decided by these tests
        child, parent = parent, mod.parents.get(id(parent))
    return False


def _within(child: ast.AST, stmts: list[ast.stmt]) -> bool:
    return any(s is child for s in stmts)


def truth(ev: Evaluator, test: ast.expr, env: Env) -> bool | None:
    """The truth of `test` in `env` when its value is known (`use_openai`, `not stream`,
    `model == "gpt-4o"`, `a and b`), else None."""
    return loops.combined_truth(test, lambda t: _leaf_truth(ev, t, env))


def _leaf_truth(ev: Evaluator, test: ast.expr, env: Env) -> bool | None:
    """A comparison as a loop's item test decides it; a name, attribute or constant by its value."""
    if isinstance(test, ast.Compare):
        return loops.known_test(ev, test, env)
    if isinstance(test, ast.Name | ast.Attribute | ast.Constant):
        return _truthiness(ev.eval(test, env))
    return None


def _truthiness(v: Value) -> bool | None:
    """`bool(v)` when every value `v` may be has the same, else None."""
    found: set[bool] = set()
    for o in flat_options(v) if isinstance(v, AltV) else [v]:
        if isinstance(o, ConstV) and isinstance(o.value, bool | int | float | type(None)):
            found.add(bool(o.value))
        elif isinstance(o, StrV) and (t := text_of(o.pieces)) is not None:
            found.add(bool(t))
        else:
            return None
    return found.pop() if len(found) == 1 else None

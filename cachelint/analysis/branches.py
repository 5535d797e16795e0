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
from cachelint.analysis.values import AltV, ConstV, DictV, ListV, RecordV, StrV, Text, Value, flat_options, text_of

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
    `model == "gpt-4o"`, `"tools" in kwargs`, `isinstance(m, SystemMessage)`, `a and b`), else
    None. The one test the evaluator decides an `if`, a conditional expression or a branch of
    a wrapper chain by."""
    return loops.combined_truth(test, lambda t: _leaf_truth(ev, t, env))


def _leaf_truth(ev: Evaluator, test: ast.expr, env: Env) -> bool | None:
    """A comparison or `isinstance` as a loop's item test decides it, membership of a literal
    key in a dict whose keys are known by the dict; a name, attribute or constant by its value."""
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.In | ast.NotIn):
        table = ev.eval(test.comparators[0], env)
        if isinstance(table, DictV) and not isinstance(table, RecordV):
            found = _has_key(ev.eval(test.left, env), table)
            return None if found is None else found == isinstance(test.ops[0], ast.In)
        return loops.known_test(ev, test, env)
    if isinstance(test, ast.Compare | ast.Call):
        return loops.known_test(ev, test, env)
    if isinstance(test, ast.Name | ast.Attribute | ast.Constant):
        return truthiness(ev.eval(test, env))
    return None


def _has_key(key: Value, table: DictV) -> bool | None:
    """Is the text `key` a key of `table`? None when the key is not known text, when the dict
    may hold keys it cannot name, or when the key is set in one branch only (its value is
    then one of None and the value set)."""
    k = text_of(key.pieces) if isinstance(key, StrV) else None
    if k is None:
        return None
    got = table.get(k)
    if got is None:
        return False if table.complete else None
    if isinstance(got, AltV) and any(isinstance(o, ConstV) and o.value is None for o in got.options):
        return None
    return True


def truthiness(v: Value) -> bool | None:
    """`bool(v)` when every value `v` may be has the same, else None: constants, texts (a text
    with a non-empty literal part is true whatever its holes hold), lists whose items are known
    to be there or known to be none, and dicts by their keys. An object's truth (a record, an
    instance, a client) is not decided: its class may define `__bool__` or `__len__`."""
    found: set[bool] = set()
    for o in flat_options(v) if isinstance(v, AltV) else [v]:
        one = _one_truth(o)
        if one is None:
            return None
        found.add(one)
    return found.pop() if len(found) == 1 else None


def _one_truth(v: Value) -> bool | None:
    if isinstance(v, ConstV):
        return bool(v.value)
    if isinstance(v, StrV):
        t = text_of(v.pieces)
        if t is not None:
            return bool(t)
        return True if any(isinstance(p, Text) and p.text for p in v.pieces) else None
    if isinstance(v, ListV):
        if any(not (i.optional or i.repeated) for i in v.items):
            return True
        return False if not v.items else None
    if isinstance(v, DictV) and not isinstance(v, RecordV):
        if any(not isinstance(val, AltV) for _, val in v.entries):
            return True  # a key set on every path (one set in a branch holds one of two values)
        return False if not v.entries and v.complete else None
    return None

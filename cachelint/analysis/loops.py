"""Loops over a message list known item by item, followed one item at a time.

A wrapper that takes OpenAI-shaped messages and calls Anthropic pulls the system text out with
a loop that filters on the role (`for m in messages: if m["role"] == "system": system =
m["content"] else: rest.append(m)`), and normalisers rebuild the list the same way. When the
list iterated is known item by item (and short), each change a loop body makes to a name is
applied once per item, in order, with the loop variable standing for that item, and an `if`
on the item's fields that the item decides is taken or skipped. Anything else (a loop with
`break` or `continue`, nested loops, a test the item does not decide) is left to the general
rule, which treats a change in a loop as repeated any number of times.

Functions of the evaluator, called from scopes (which owns local values); nothing here imports
scopes."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import TYPE_CHECKING

from cachelint.analysis.env import Env
from cachelint.analysis.module import Event, FlowIndex
from cachelint.analysis.values import (
    AltV,
    ConstV,
    FuncRefV,
    ListV,
    ModuleRefV,
    RecordV,
    StrV,
    Value,
    flat_options,
    text_of,
)

if TYPE_CHECKING:
    from cachelint.analysis.evaluate import Evaluator

MAX_LOOP_ITEMS = 16  # items of a list a loop is followed over one by one


def item_key(loop: ast.AST) -> str:
    """The overlay key that binds the loop variable of `loop` to one item (no name can be it)."""
    return f"\0loop{id(loop)}"


def unrollable(ev: Evaluator, e: Event, use_loops: tuple[int, ...], ix: FlowIndex,
               env: Env) -> tuple[ast.For, list[Value]] | None:
    """The loop `e` happens in (its only loop that is not around the use) and the items it
    goes over, when that loop can be followed item by item."""
    outside = [lp for lp in e.in_loop if lp not in use_loops]
    if len(outside) != 1 or e.in_loop[-1] != outside[0]:
        return None  # nested loops: not followed
    loop = ix.loop_nodes.get(outside[0])
    if not isinstance(loop, ast.For) or not isinstance(loop.target, ast.Name) or loop.orelse:
        return None
    if _jumps(loop.body):
        return None  # which items reach a statement after `break`/`continue` is not followed
    items = ev.eval(loop.iter, env)
    if not isinstance(items, ListV) or len(items.items) > MAX_LOOP_ITEMS:
        return None
    if any(i.optional or i.repeated for i in items.items):
        return None
    return loop, [i.value for i in items.items]


def item_truth(ev: Evaluator, e: Event, loop: ast.For, env: Env) -> bool | None:
    """Whether `e` runs for the item bound in `env`: False if an `if` between the loop and it
    takes the other branch for this item, True if every one takes its branch, else None."""
    branches = dict(e.chain)
    node: ast.AST = e.stmt
    known = True
    while True:
        parent = env.mod.parents.get(id(node))
        if parent is None or parent is loop:
            break
        if isinstance(parent, ast.If) and id(parent) in branches:
            truth = test_truth(ev, parent.test, env)
            if truth is None:
                known = False
            elif truth != (branches[id(parent)] == "body"):
                return False
        elif not isinstance(parent, ast.If | ast.With | ast.AsyncWith):
            known = False  # inside a try or a match: whether it runs is not decided here
        node = parent
    return True if known else None


def test_truth(ev: Evaluator, test: ast.expr, env: Env) -> bool | None:
    """The truth of a test on a known item: `m["role"] == "system"`, `m.role != "user"`,
    `m.get("role") in ("system", "developer")`, `isinstance(m, SystemMessage)`, and `not`,
    `and`, `or` of them. None when the values are not known."""
    return combined_truth(test, lambda t: known_test(ev, t, env))


def combined_truth(test: ast.expr, leaf: Callable[[ast.expr], bool | None]) -> bool | None:
    """The truth of `not`, `and`, `or` of tests whose own truth `leaf` tells (None: not known)."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = combined_truth(test.operand, leaf)
        return None if inner is None else not inner
    if isinstance(test, ast.BoolOp):
        parts = [combined_truth(v, leaf) for v in test.values]
        if isinstance(test.op, ast.And):
            return False if False in parts else None if None in parts else True
        return True if True in parts else None if None in parts else False
    return leaf(test)


def known_test(ev: Evaluator, test: ast.expr, env: Env) -> bool | None:
    """The truth of one comparison or `isinstance` test on known values (see test_truth)."""
    if isinstance(test, ast.Call) and isinstance(test.func, ast.Name) and test.func.id == "isinstance" \
            and len(test.args) == 2 and not test.keywords:
        return _isinstance(ev.eval(test.args[0], env), ev.eval(test.args[1], env))
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        # one of several values (a parameter each construction leaves at its default): decided
        # when every pair of them decides it the same way
        found: set[bool] = set()
        for left in _statics(ev.eval(test.left, env)):
            for right in _statics(ev.eval(test.comparators[0], env)):
                one = _compare(test.ops[0], left, right)
                if one is None:
                    return None
                found.add(one)
        return found.pop() if len(found) == 1 else None
    return None


_UNKNOWN = object()
MAX_COMPARED = 8  # alternatives of one side of a comparison decided one by one


def _statics(v: Value) -> list[object]:
    """The static value of each alternative of `v` (_UNKNOWN for one that is not known)."""
    options = flat_options(v, MAX_COMPARED) if isinstance(v, AltV) else [v]
    return [_UNKNOWN] if len(options) > MAX_COMPARED else [_static(o) for o in options]


def _compare(op: ast.cmpop, left: object, right: object) -> bool | None:
    if left is _UNKNOWN or right is _UNKNOWN:
        return None
    if isinstance(op, ast.Eq | ast.Is):
        return left == right
    if isinstance(op, ast.NotEq | ast.IsNot):
        return left != right
    if isinstance(op, ast.In | ast.NotIn) and isinstance(right, tuple):
        return (left in right) == isinstance(op, ast.In)
    return None


def _static(v: Value) -> object:
    """A text, None or a tuple of texts known statically, else _UNKNOWN."""
    if isinstance(v, StrV):
        t = text_of(v.pieces)
        return _UNKNOWN if t is None else t
    if isinstance(v, ConstV) and v.value is None:
        return None
    if isinstance(v, ListV) and not any(i.optional or i.repeated for i in v.items):
        out = tuple(_static(i.value) for i in v.items)
        return _UNKNOWN if _UNKNOWN in out else out
    return _UNKNOWN


def _isinstance(obj: Value, cls: Value) -> bool | None:
    """`isinstance(record, Class)`: decided by the record's own class only (a base class named
    instead answers None)."""
    if not isinstance(obj, RecordV) or not obj.kind:
        return None
    name = cls.qualname.rsplit(".", 1)[-1] if isinstance(cls, FuncRefV | ModuleRefV) else None
    if name is None:
        return None
    own = obj.kind.rsplit(".", 1)[-1]
    if own == name:
        return True
    # langchain's concrete message classes do not derive from one another
    return False if {own, name} <= _MESSAGE_CLASSES else None


_MESSAGE_CLASSES = frozenset({"SystemMessage", "HumanMessage", "AIMessage", "ToolMessage", "FunctionMessage",
                              "ChatMessage"})


def _jumps(body: list[ast.stmt]) -> bool:
    """Does the loop body `break` or `continue` (outside loops and functions nested in it)?"""
    stack: list[ast.AST] = list(body)
    while stack:
        n = stack.pop()
        if isinstance(n, ast.Break | ast.Continue):
            return True
        if isinstance(n, ast.For | ast.AsyncFor | ast.While):
            stack.extend(n.orelse)
            continue  # a jump inside a nested loop leaves that loop only
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            continue
        stack.extend(ast.iter_child_nodes(n))
    return False

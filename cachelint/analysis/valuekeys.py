"""Content keys of abstract values: two values with the same key are interchangeable for the
evaluator, although they are different objects.

The evaluator's memo keys name values by identity (cachelint.analysis.interproc), which holds
within one call site's evaluation, where the same objects flow everywhere. Each call of a
wrapper evaluates the chain under it again, though, and builds new objects for the same
values on the way: the same constant read again, the same text formatted again. A content key
lets a helper's result be reused across the sites of one project when it was computed from
the same values (see interproc.call_helper).

A key holds every field of a value, down to the nodes it points at (by identity: two nodes at
the same position are not the same node), so it tells apart anything a rule or the evaluator
could. Whoever keeps a key keeps the value it was made of alive, so that no id in it can be
reused by another object.
"""

from __future__ import annotations

import ast
import dataclasses
from enum import Enum

MAX_KEY_PARTS = 4_000  # parts of a value worth a key; a larger value is not memoised by content

# The field names of each dataclass met, in declaration order (asked for every part).
_FIELDS: dict[type, tuple[str, ...]] = {}


class _TooLarge(Exception):
    pass


# Keys already made, by the id of the value, with the value (which keeps the id from being
# reused while the entry lives): values never change, and their parts are shared between the
# values of many sites (the same module constant in every message list).
KeyCache = dict[int, tuple[object, object]]


def content_key(value: object, cache: KeyCache) -> object | None:
    """A hashable key standing for `value`'s content, or None when it is too large to be worth
    one (or holds something this module does not know how to key). `cache` keeps the keys of
    the value's parts for later calls (see KeyCache)."""
    budget = [MAX_KEY_PARTS]
    try:
        return _key(value, cache, budget)
    except _TooLarge:
        return None


def _key(v: object, done: KeyCache, budget: list[int]) -> object:
    if v is None or isinstance(v, bool | int | str | bytes):
        return (type(v), v)
    if isinstance(v, float | complex):
        return (type(v), repr(v))  # 0.0 == -0.0, but the two are written differently
    if isinstance(v, Enum):
        return v
    if isinstance(v, ast.AST):
        return ("node", id(v))
    got = done.get(id(v))
    if got is not None:
        return got[1]  # parts are shared (a chain of alternatives): each is keyed once
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooLarge
    out: object
    if isinstance(v, tuple):
        out = tuple(_key(x, done, budget) for x in v)
    elif dataclasses.is_dataclass(v) and not isinstance(v, type):
        cls = type(v)
        names = _FIELDS.get(cls)
        if names is None:
            names = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls))
        out = (cls, *(_key(getattr(v, n), done, budget) for n in names))
    else:
        raise _TooLarge  # nothing else is a part of a value: not keyed rather than guessed
    done[id(v)] = (v, out)
    return out


__all__ = ["MAX_KEY_PARTS", "KeyCache", "content_key"]
